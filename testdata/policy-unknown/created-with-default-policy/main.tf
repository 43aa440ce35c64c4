# A key created without a policy gets the default key policy: the account root with kms:*.
resource "aws_kms_key" "data" {
  description = "managed by terraform"
}
