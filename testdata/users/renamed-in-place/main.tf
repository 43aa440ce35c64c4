# The admin user is renamed in place (IAM UpdateUser): the same user and unique ID under a new
# name and ARN. The Principal entry follows the unique ID, so the user can still manage.
resource "aws_iam_user" "alice" {
  name = "alice.smith"
}

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "Admin"
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::111122223333:user/alice"
        }
        Action   = "kms:*"
        Resource = "*"
      }
    ]
  })
}
