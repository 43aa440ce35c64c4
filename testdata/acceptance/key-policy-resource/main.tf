# The policy set by an aws_kms_key_policy: the account root, from the caller identity.
data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

resource "aws_kms_key" "test" {
  description             = "kmsguard-test-key-policy"
  deletion_window_in_days = 7
}

resource "aws_kms_key_policy" "test" {
  key_id = aws_kms_key.test.id
  policy = jsonencode({
    Id = "kmsguard-test-key-policy"
    Statement = [{
      Action    = "kms:*"
      Effect    = "Allow"
      Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
      Resource  = "*"
      Sid       = "Enable IAM User Permissions"
    }]
    Version = "2012-10-17"
  })
}
