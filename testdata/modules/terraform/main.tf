# The configuration behind modules/nested-for-each.json. Written by the kmsguard authors.

module "platform" {
  source   = "./modules/platform"
  for_each = toset(["eu-west-1"])

  region = each.key
}
