variable "alias" {
  type = string
}

variable "admin_arns" {
  description = "Roles that administer the key."
  type        = list(string)
}

variable "account_admin" {
  description = "Also let the account administer the key."
  type        = bool
  default     = false
}

data "aws_caller_identity" "current" {}

locals {
  admin_statement = {
    Sid       = "KeyAdministrators"
    Effect    = "Allow"
    Principal = { AWS = var.admin_arns }
    Action    = "kms:*"
    Resource  = "*"
  }
  account_statement = {
    Sid       = "EnableIAMUserPermissions"
    Effect    = "Allow"
    Principal = { AWS = format("arn:aws:iam::%s:root", data.aws_caller_identity.current.account_id) }
    Action    = "kms:*"
    Resource  = "*"
  }
}

resource "aws_kms_key" "this" {
  description = "the ${var.alias} key"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = concat([local.admin_statement], var.account_admin ? [local.account_statement] : [])
  })
}
