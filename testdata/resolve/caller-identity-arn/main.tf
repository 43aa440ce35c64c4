# The caller (the identity Terraform runs as) owns the key, and a role this plan creates may
# use it. The role's ARN is known only after apply, so the plan shows the whole policy as
# known after apply; the caller's ARN is in the plan, read from data.aws_caller_identity
# during the plan. With --config-dir kmsguard evaluates the policy with it: the caller can
# manage the key.

data "aws_caller_identity" "current" {}

resource "aws_iam_role" "app" {
  name = "app"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_kms_key" "data" {
  description = "owned by the caller"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "CallerOwnsTheKey"
        Effect    = "Allow"
        Principal = { AWS = data.aws_caller_identity.current.arn }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "AppUsesTheKey"
        Effect    = "Allow"
        Principal = { AWS = aws_iam_role.app.arn }
        Action    = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
      },
    ]
  })
}
