# The same rename, but the policy matches the user by an aws:username condition, which
# compares the name: after the apply nobody matches it (a new user "alice" would).
resource "aws_iam_user" "alice" {
  name = "alice.smith"
}

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "Admin"
        Effect    = "Allow"
        Principal = "*"
        Action    = "kms:*"
        Resource  = "*"
        Condition = {
          StringEquals = {
            "aws:username" = "alice"
          }
        }
      }
    ]
  })
}
