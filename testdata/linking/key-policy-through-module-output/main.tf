# The key is made in a module and its policy is set at the root by an aws_kms_key_policy whose
# key_id comes through the module's output. The policy names only the admin role, which this
# plan deletes: the key is locked out. kmsguard follows key_id through module.kms.key_id to
# module.kms.aws_kms_key.this, so the policy is that key's.

module "kms" {
  source = "./modules/key"
}

resource "aws_kms_key_policy" "this" {
  key_id = module.kms.key_id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "KeyAdministration"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111122223333:role/kms-admin" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}
