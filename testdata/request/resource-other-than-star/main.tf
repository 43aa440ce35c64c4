# The only management grant names the key's ARN pattern as its Resource. Since 2025-08-18
# KMS accepts only "*" there: the apply may fail (policy-invalid), and a stored statement like
# this never takes effect, so nobody could manage the key.

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "KeyAdministrators"
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::111122223333:root"
        }
        Action   = "kms:*"
        Resource = "arn:aws:kms:*:111122223333:key/*"
      },
    ]
  })
}
