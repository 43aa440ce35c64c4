# Key policies written in HCL (jsonencode, a heredoc, templatefile) that the plan shows only
# as "known after apply": they name the admin roles, which this plan replaces. kmsguard
# evaluates them from this source with --config-dir.

data "aws_caller_identity" "current" {}

variable "admin_role_names" {
  description = "The roles that administer the keys."
  type        = list(string)
  default     = ["kms-admin"]
}

resource "aws_iam_role" "admins" {
  for_each = toset(var.admin_role_names)
  name     = each.value
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = local.account_root }, Action = "sts:AssumeRole" }]
  })
}

locals {
  account_root = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"
  admin_arns   = [for r in aws_iam_role.admins : r.arn]
}

# Only the admin roles, which this plan replaces: locked out.
resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "KeyAdministrators"
        Effect    = "Allow"
        Principal = { AWS = [for r in aws_iam_role.admins : r.arn] }
        Action    = "kms:*"
        Resource  = "*"
      },
    ]
  })
}

# The account (interpolated from the caller identity) next to the admins: manageable.
resource "aws_kms_key" "logs" {
  description = "managed by terraform"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "EnableIAMUserPermissions"
        Effect    = "Allow"
        Principal = { AWS = concat([local.account_root], local.admin_arns) }
        Action    = "kms:*"
        Resource  = "*"
      },
    ]
  })
}

# A heredoc naming one admin role: locked out.
resource "aws_kms_key" "heredoc" {
  description = "managed by terraform"
  policy      = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Sid": "KeyAdministrators",
          "Effect": "Allow",
          "Principal": {"AWS": "${aws_iam_role.admins["kms-admin"].arn}"},
          "Action": "kms:*",
          "Resource": "*"
        }
      ]
    }
  EOT
}

# A template file with the account and one admin: manageable.
resource "aws_kms_key" "templated" {
  description = "managed by terraform"
  policy = templatefile("${path.module}/policy.json.tftpl", {
    account_id = data.aws_caller_identity.current.account_id
    admin_arn  = aws_iam_role.admins["kms-admin"].arn
  })
}

# A function kmsguard does not evaluate: the policy stays unknown, with the reason.
resource "aws_kms_key" "yaml" {
  description = "managed by terraform"
  policy = jsonencode(yamldecode(templatefile("${path.module}/policy.yaml.tftpl", {
    admin_arn = aws_iam_role.admins["kms-admin"].arn
  })))
}
