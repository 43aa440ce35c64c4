# The admin role and the admin user are removed from the configuration (they are in the
# state), so the plan deletes them; the key, untouched, names only them.

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "Admins"
        Effect = "Allow"
        Principal = {
          AWS = [
            "arn:aws:iam::111122223333:role/kms-admin",
            "arn:aws:iam::111122223333:user/alice"
          ]
        }
        Action   = "kms:*"
        Resource = "*"
      }
    ]
  })
}
