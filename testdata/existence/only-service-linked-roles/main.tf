# The only management grant matches service-linked roles: a service-linked role acts for its
# service, no person can use it, and an administrator cannot create one with any name. Nobody
# can manage the key.

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "ServiceRoles"
        Effect    = "Allow"
        Principal = "*"
        Action    = "kms:*"
        Resource  = "*"
        Condition = {
          ArnLike = {
            "aws:PrincipalArn" = "arn:aws:iam::111122223333:role/aws-service-role/*"
          }
        }
      },
    ]
  })
}
