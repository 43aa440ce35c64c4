# The key policy's condition requires role/kms-admin, and the account's admin role is
# role/KMS-Admin. Role names are unique whatever the case, so role/kms-admin cannot exist beside
# it (and ArnEquals compares case-sensitively): nobody can manage the key; an administrator can
# recreate the role with the lower-case name (recoverable).

resource "aws_iam_role" "kms_admin" {
  name = "KMS-Admin"
  path = "/"
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
