# A policy that gives kms:* to any principal of the account (Principal "*" without a
# condition), as the provider's tests write it.
resource "aws_kms_key" "test" {
  description             = "kmsguard-test-policy"
  deletion_window_in_days = 7

  policy = jsonencode({
    Id = "kmsguard-test-policy"
    Statement = [{
      Sid    = "Enable IAM User Permissions"
      Effect = "Allow"
      Principal = {
        AWS = "*"
      }
      Action   = "kms:*"
      Resource = "*"
    }]
    Version = "2012-10-17"
  })
}
