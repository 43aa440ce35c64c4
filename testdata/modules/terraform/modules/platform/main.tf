variable "region" {
  type = string
}

resource "aws_iam_role" "admin" {
  for_each = toset(["team \"a\""])

  name               = "kms-admin-eu"
  assume_role_policy = "{}"
}

module "kms" {
  source = "./modules/kms"
}
