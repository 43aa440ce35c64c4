# The permission set stays, but its assignment to this account is removed: Identity Center
# deletes the role in the account, and nothing else matches the pattern.

resource "aws_ssoadmin_permission_set" "kms_admin" {
  instance_arn     = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
  name             = "KmsAdmin"
  session_duration = "PT1H"
}

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "KeyAdministration"
        Effect = "Allow"
        Principal = {
          AWS = "*"
        }
        Action   = "kms:*"
        Resource = "*"
        Condition = {
          ArnLike = {
            "aws:PrincipalArn" = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_KmsAdmin_*"
          }
        }
      }
    ]
  })
}
