# A key already in place whose only management grant ends on a future date: lockout-scheduled
# as a warning (the plan does not write the policy).

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
