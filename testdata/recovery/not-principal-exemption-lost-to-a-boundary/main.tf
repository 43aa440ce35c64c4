# Only the breakglass role may manage the key, and a NotPrincipal Deny exempts its "oncall"
# session (and the root) from denying everything. This plan gives the role a permissions
# boundary: a Deny with NotPrincipal applies to every principal that has one, whatever the
# list (IAM "NotPrincipal"), so nobody can manage the key after the apply. An administrator
# can remove the boundary again (the role keeps its unique ID): recoverable.

resource "aws_iam_role" "breakglass" {
  name = "breakglass"
  path = "/emergency/"

  # New in this plan: a permissions boundary on the break-glass role.
  permissions_boundary = "arn:aws:iam::aws:policy/PowerUserAccess"

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
    Statement = [
      {
        Sid    = "Breakglass"
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::111122223333:role/emergency/breakglass"
        }
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
      },
      {
        Sid    = "DenyAllButBreakglass"
        Effect = "Deny"
        NotPrincipal = {
          AWS = [
            "arn:aws:iam::111122223333:role/emergency/breakglass",
            "arn:aws:sts::111122223333:assumed-role/breakglass/oncall",
            "arn:aws:iam::111122223333:root"
          ]
        }
        Action   = "kms:*"
        Resource = "*"
      }
    ]
  })
}
