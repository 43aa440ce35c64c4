# The module with every kind of principal: the caller as owner, a role this example creates as
# administrator, users and a service role, and an extra statement for CloudWatch Logs. Several
# keys: one complete, one without the default statement (the owners and administrators alone
# manage it), and one whose policy is given whole.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

resource "aws_iam_role" "admin" {
  name = "kms-complete-admin"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role" "lambda" {
  name = "kms-complete-lambda"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

locals {
  region = "us-east-1"
}

module "kms_complete" {
  source = "../.."

  description             = "complete key"
  deletion_window_in_days = 7
  multi_region            = true

  key_owners         = [data.aws_caller_identity.current.arn]
  key_administrators = [aws_iam_role.admin.arn]
  key_users          = [aws_iam_role.lambda.arn]
  key_service_users  = [aws_iam_role.lambda.arn]

  key_statements = [
    {
      sid = "CloudWatchLogs"
      actions = [
        "kms:Encrypt*",
        "kms:Decrypt*",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
        "kms:Describe*",
      ]
      resources = ["*"]

      principals = [{
        type        = "Service"
        identifiers = ["logs.${local.region}.amazonaws.com"]
      }]

      conditions = [{
        test     = "ArnLike"
        variable = "kms:EncryptionContext:aws:logs:arn"
        values   = ["arn:${data.aws_partition.current.partition}:logs:${local.region}:${data.aws_caller_identity.current.account_id}:log-group:*"]
      }]
    },
  ]

  aliases = ["complete"]
  tags    = { Example = "complete" }
}

module "kms_owners_only" {
  source = "../.."

  description           = "no default statement"
  enable_default_policy = false

  key_owners         = [data.aws_caller_identity.current.arn]
  key_administrators = [aws_iam_role.admin.arn]
}

module "kms_given_policy" {
  source = "../.."

  description = "policy given whole"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Default"
      Effect    = "Allow"
      Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}
