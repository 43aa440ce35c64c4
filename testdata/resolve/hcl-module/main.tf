# The admin role's ARN reaches a local module as a variable, and the module builds the key
# policy with jsonencode. The plan replaces the role.

resource "aws_iam_role" "kms_admin" {
  name = "kms-admin"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::111122223333:root" }, Action = "sts:AssumeRole" }]
  })
}

module "kms" {
  source     = "./modules/kms"
  alias      = "data"
  admin_arns = [aws_iam_role.kms_admin.arn]
}
