# A Deny of everything after a date that has passed (the plan's timestamp is later): it
# applies to every request now, so nobody can manage the key (semantics §4, aws:CurrentTime).

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "EnableRootAccess"
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::111122223333:root"
        }
        Action   = "kms:*"
        Resource = "*"
      },
      {
        Sid       = "FreezeAfter2025"
        Effect    = "Deny"
        Principal = "*"
        Action    = "kms:*"
        Resource  = "*"
        Condition = {
          DateGreaterThan = {
            "aws:CurrentTime" = "2025-06-01T00:00:00Z"
          }
        }
      },
    ]
  })
}
