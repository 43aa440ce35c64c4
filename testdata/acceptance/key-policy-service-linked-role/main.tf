# A service-linked role may use the key; any principal administers it.
data "aws_partition" "current" {}

resource "aws_iam_service_linked_role" "test" {
  aws_service_name = "autoscaling.${data.aws_partition.current.dns_suffix}"
  custom_suffix    = "kmsguard-test"
}

resource "aws_kms_key" "test" {
  description             = "kmsguard-test-slr"
  deletion_window_in_days = 7

  policy = jsonencode({
    Id = "kmsguard-test-slr"
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
        Principal = { AWS = aws_iam_service_linked_role.test.arn }
        Resource  = "*"
        Sid       = "Enable IAM User Permissions"
      },
    ]
    Version = "2012-10-17"
  })
}
