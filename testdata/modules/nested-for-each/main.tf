# Keys and roles in nested modules whose for_each keys need quoting in addresses
# (`module.platform["eu-west-1"]`, `aws_iam_role.admin["team \"a\""]`,
# `aws_kms_key.this["data.v1"]`). The platform admin role is replaced: the "data.v1" key names
# only it, the "logs" key keeps the account root.

module "platform" {
  source   = "./modules/platform"
  for_each = toset(["eu-west-1"])

  region = each.key
}
