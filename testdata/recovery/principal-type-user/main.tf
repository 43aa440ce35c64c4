# Management through the account for IAM users only (aws:PrincipalType = User); the plan
# deletes the only user. An administrator can create a user (recoverable): a new role would not
# do, and kmsguard must not say locked_out.

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "UsersOnly"
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::111122223333:root"
        }
        Action   = "kms:*"
        Resource = "*"
        Condition = {
          StringEquals = {
            "aws:PrincipalType" = "User"
          }
        }
      },
    ]
  })
}
