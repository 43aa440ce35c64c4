# The same replacement, but the policy matches the SSO role by a pattern that any suffix
# matches: the new role can manage the key.

resource "aws_ssoadmin_permission_set" "kms_admin" {
  instance_arn     = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
  name             = "KmsAdmin"
  session_duration = "PT1H"
}

resource "aws_ssoadmin_account_assignment" "kms_admin" {
  instance_arn       = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
  permission_set_arn = aws_ssoadmin_permission_set.kms_admin.arn
  principal_id       = "906795e8-8081-70f5-b1e2-a0b1c2d3e4f5"
  principal_type     = "GROUP"
  target_id          = "111122223333"
  target_type        = "AWS_ACCOUNT"
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
