# A key created in the same apply that replaces the admin role, its policy naming the role by a
# literal ARN: nothing orders the two, so Terraform may create the key before or after the new
# role exists. Which role the policy binds is not known: unknown, and the reason says so.

resource "aws_iam_role" "kms_admin" {
  name = "kms-admin"
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
        Principal = { AWS = "arn:aws:iam::111122223333:role/kms-admin" }
        Action    = "kms:*"
        Resource  = "*"
      },
    ]
  })
}
