# The key is made at the root and its policy is set by an aws_kms_key_policy inside a module,
# which gets the key through a variable. The policy names only the admin role, which this plan
# deletes: the key is locked out. kmsguard follows var.key_id to the module call's argument,
# aws_kms_key.data.id.

resource "aws_kms_key" "data" {
  description = "managed by terraform"
}

module "policy" {
  source = "./modules/policy"
  key_id = aws_kms_key.data.id
}
