# A module receives the admin role's ARN as a variable; the root module replaces the role.

resource "aws_iam_role" "kms_admin" {
  name = "kms-admin"
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

module "kms" {
  source    = "./modules/kms"
  admin_arn = aws_iam_role.kms_admin.arn
}
