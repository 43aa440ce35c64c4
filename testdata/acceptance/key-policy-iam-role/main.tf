# Any principal administers the key; a role this plan creates uses it.
data "aws_partition" "current" {}

resource "aws_iam_role" "test" {
  name = "kmsguard-test-role"

  assume_role_policy = jsonencode({
    Statement = [{
      Action = "sts:AssumeRole"
      Effect = "Allow"
      Principal = {
        Service = "ec2.${data.aws_partition.current.dns_suffix}"
      }
    }]
    Version = "2012-10-17"
  })
}

resource "aws_kms_key" "test" {
  description             = "kmsguard-test-role"
  deletion_window_in_days = 7

  policy = jsonencode({
    Id = "kmsguard-test-role"
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
        Principal = { AWS = aws_iam_role.test.arn }
        Resource  = "*"
        Sid       = "Enable IAM User Permissions"
      },
    ]
    Version = "2012-10-17"
  })
}
