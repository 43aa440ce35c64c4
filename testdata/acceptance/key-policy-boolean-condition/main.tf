# The account root may create grants for AWS resources only (a Bool condition); any principal
# administers the key.
data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

resource "aws_kms_key" "test" {
  description             = "kmsguard-test-bool"
  deletion_window_in_days = 7

  policy = jsonencode({
    Id = "kmsguard-test-bool"
    Statement = [
      {
        Action    = "kms:*"
        Effect    = "Allow"
        Principal = { AWS = "*" }
        Resource  = "*"
        Sid       = "Enable IAM User Permissions"
      },
      {
        Action = [
          "kms:Encrypt",
          "kms:Decrypt",
          "kms:ReEncrypt*",
          "kms:GenerateDataKey*",
          "kms:DescribeKey",
        ]
        Effect    = "Allow"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
        Resource  = "*"
        Sid       = "Enable IAM User Permissions"
        Condition = {
          Bool = {
            "kms:GrantIsForAWSResource" = true
          }
        }
      },
    ]
    Version = "2012-10-17"
  })
}
