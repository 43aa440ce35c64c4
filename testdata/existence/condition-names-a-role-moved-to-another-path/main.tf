# The admin role moves to the /ops/ path (a new role: the path forces replacement) while the key
# policy's condition still requires role/kms-admin. IAM role names are unique in an account
# whatever the path, so a role/kms-admin cannot exist beside role/ops/kms-admin: nobody matches,
# and the way back is to delete the moved role and create it at its old path (recoverable).

resource "aws_iam_role" "kms_admin" {
  name = "kms-admin"
  path = "/ops/"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "KeyAdministration"
        Effect    = "Allow"
        Principal = "*"
        Action    = "kms:*"
        Resource  = "*"
        Condition = {
          ArnEquals = {
            "aws:PrincipalArn" = "arn:aws:iam::111122223333:role/kms-admin"
          }
        }
      },
    ]
  })
}
