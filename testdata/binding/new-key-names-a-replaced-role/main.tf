# A key created in the same apply that replaces the admin role, its policy naming the role by
# reference: Terraform creates the key after the new role exists, so CreateKey binds the new
# role's unique ID. Not a lockout (semantics §5, "When a name in Principal is bound").

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
        Principal = { AWS = aws_iam_role.kms_admin.arn }
        Action    = "kms:*"
        Resource  = "*"
      },
    ]
  })
}
