# A role and the key that names it, both created by this plan, with no account ID anywhere in
# the plan (no caller identity, no existing resource). The policy's principal is exactly "the
# ARN of aws_iam_role.admin", whatever the account: with --config-dir, that role manages the
# key.

resource "aws_iam_role" "admin" {
  name = "kms-admin"
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
  description = "managed by terraform"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "KeyAdministration"
      Effect    = "Allow"
      Principal = { AWS = aws_iam_role.admin.arn }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}
