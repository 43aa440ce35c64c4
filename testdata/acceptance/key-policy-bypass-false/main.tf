# The caller may describe and tag the key but not change its policy. KMS refuses such a
# policy unless bypass_policy_lockout_safety_check is set (false here): with it, the key is
# created and nobody can manage it.
data "aws_caller_identity" "current" {}

resource "aws_kms_key" "test" {
  description             = "kmsguard-test-bypass"
  deletion_window_in_days = 7

  bypass_policy_lockout_safety_check = false

  policy = jsonencode({
    Id = "kmsguard-test-bypass"
    Statement = [
      {
        Action = [
          "kms:CreateKey",
          "kms:DescribeKey",
          "kms:ScheduleKeyDeletion",
          "kms:Describe*",
          "kms:Get*",
          "kms:List*",
          "kms:TagResource",
          "kms:UntagResource",
        ]
        Effect = "Allow"
        Principal = {
          AWS = data.aws_caller_identity.current.arn
        }
        Resource = "*"
        Sid      = "Enable IAM User Permissions"
      },
    ]
    Version = "2012-10-17"
  })
}
