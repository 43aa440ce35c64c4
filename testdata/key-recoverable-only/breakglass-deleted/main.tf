# The root may manage the key, but a Deny stops everyone except the breakglass role from
# changing its policy; the plan deletes the breakglass role. An administrator can recreate it.

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "Enable IAM User Permissions"
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::111122223333:root"
        }
        Action   = "kms:*"
        Resource = "*"
      },
      {
        Sid       = "DenyPolicyChangesExceptBreakglass"
        Effect    = "Deny"
        Principal = "*"
        Action    = ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"]
        Resource  = "*"
        Condition = {
          ArnNotEquals = {
            "aws:PrincipalArn" = "arn:aws:iam::111122223333:role/emergency/breakglass"
          }
        }
      }
    ]
  })
}
