# A multi-Region primary key and its replica in another Region, each with the account root.
provider "aws" {
  alias                       = "replica"
  region                      = "us-west-2"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

data "aws_caller_identity" "current" {}

locals {
  root_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Enable IAM User Permissions"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

resource "aws_kms_key" "primary" {
  description             = "kmsguard-test-primary"
  deletion_window_in_days = 7
  multi_region            = true
  policy                  = local.root_policy
}

resource "aws_kms_replica_key" "test" {
  provider = aws.replica

  description             = "kmsguard-test-replica"
  deletion_window_in_days = 7
  primary_key_arn         = aws_kms_key.primary.arn
  policy                  = local.root_policy
}
