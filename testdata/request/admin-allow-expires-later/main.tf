# The only management grant ends on a future date: the key can be managed now, and from
# 2027-01-01 nobody can (lockout-scheduled: an error, because this plan writes the policy).

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "AdminUntil2027"
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::111122223333:root"
        }
        Action   = "kms:*"
        Resource = "*"
        Condition = {
          DateLessThan = {
            "aws:CurrentTime" = "2027-01-01T00:00:00Z"
          }
        }
      },
    ]
  })
}
