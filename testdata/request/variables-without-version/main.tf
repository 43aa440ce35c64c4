# A policy without Version: ${aws:username} is literal text there (IAM substitutes policy
# variables only under Version 2012-10-17), so the condition matches no user. The same policy
# with the Version line would let alice manage the key.

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy = jsonencode({
    Statement = [
      {
        Sid       = "UsersManageIfTagged"
        Effect    = "Allow"
        Principal = "*"
        Action    = "kms:*"
        Resource  = "*"
        Condition = {
          StringEquals = {
            "aws:PrincipalTag/kms-admin" = "$${aws:username}"
          }
        }
      },
    ]
  })
}

resource "aws_iam_user" "alice" {
  name = "alice"
  tags = { kms-admin = "alice" }
}

# The account of the plan (answered by the STS stand-in), so that alice's ARN is known.
data "aws_caller_identity" "current" {}
