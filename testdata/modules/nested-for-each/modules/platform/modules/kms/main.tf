variable "admin_arn" {
  type = string
}

locals {
  admin = {
    Sid       = "Allow access for Key Administrators"
    Effect    = "Allow"
    Principal = { AWS = var.admin_arn }
    Action = [
      "kms:Create*",
      "kms:Describe*",
      "kms:Enable*",
      "kms:List*",
      "kms:Put*",
      "kms:Update*",
      "kms:Revoke*",
      "kms:Disable*",
      "kms:Get*",
      "kms:Delete*",
      "kms:TagResource",
      "kms:UntagResource",
      "kms:ScheduleKeyDeletion",
      "kms:CancelKeyDeletion"
    ]
    Resource = "*"
  }
  root = {
    Sid       = "Enable IAM User Permissions"
    Effect    = "Allow"
    Principal = { AWS = "arn:aws:iam::111122223333:root" }
    Action    = "kms:*"
    Resource  = "*"
  }
  statements = {
    "data.v1" = [local.admin]
    "logs"    = [local.root, local.admin]
  }
}

resource "aws_kms_key" "this" {
  for_each = local.statements

  description = "managed by terraform"
  policy      = jsonencode({ Version = "2012-10-17", Statement = each.value })
}
