# One key per team, made by a module called with for_each; each team's admin role is created
# in the same plan and passed to the module as each.value. The policies are known only after
# apply (the roles' ARNs are); with --config-dir kmsguard evaluates each.value per module
# instance and names the right role for each key.

data "aws_caller_identity" "current" {}

resource "aws_iam_role" "admin" {
  for_each = toset(["payments", "search"])

  name = "kms-admin-${each.key}"
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
  source   = "./modules/kms"
  for_each = aws_iam_role.admin

  team      = each.key
  admin_arn = each.value.arn
}
