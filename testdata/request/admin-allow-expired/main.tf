# The only management grant expired before the plan was made: an Allow with DateLessThan
# a past date never applies.

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "TemporaryAdmin"
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::111122223333:root"
        }
        Action   = "kms:*"
        Resource = "*"
        Condition = {
          DateLessThan = {
            "aws:CurrentTime" = "2025-12-01T00:00:00Z"
          }
        }
      },
      {
        Sid    = "Use"
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::111122223333:root"
        }
        Action   = ["kms:Encrypt", "kms:Decrypt"]
        Resource = "*"
      },
    ]
  })
}
