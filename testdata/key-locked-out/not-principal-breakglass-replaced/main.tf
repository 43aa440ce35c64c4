# Only the breakglass role may manage the key, and a NotPrincipal Deny exempts it (and the
# root) from denying everything. As AWS's NotPrincipal examples do, the Deny lists the role,
# the session people use (`oncall`) and the account: a role ARN alone would not exempt the
# role's sessions. The role is replaced: every entry binds the old unique ID, so the new role
# is neither allowed nor exempt.

resource "aws_iam_role" "breakglass" {
  name = "breakglass"
  path = "/emergency/"

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
