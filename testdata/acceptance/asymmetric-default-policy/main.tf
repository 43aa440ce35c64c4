# Asymmetric and HMAC keys with no policy: the default key policy.
resource "aws_kms_key" "sign" {
  description              = "kmsguard-test-sign"
  deletion_window_in_days  = 7
  key_usage                = "SIGN_VERIFY"
  customer_master_key_spec = "ECC_NIST_P384"
}

resource "aws_kms_key" "mac" {
  description              = "kmsguard-test-mac"
  deletion_window_in_days  = 7
  key_usage                = "GENERATE_VERIFY_MAC"
  customer_master_key_spec = "HMAC_256"
}
