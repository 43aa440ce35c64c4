# The same policy with the breakglass role kept: it can still manage the key.

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
