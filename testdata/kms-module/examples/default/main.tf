# The module with its defaults: the account root administers the key.
module "kms" {
  source = "../.."

  description = "default key"
  aliases     = ["default"]
}
