# Management through the account, for principals tagged kms-admin=true; the plan deletes the
# only tagged role. Nobody can manage the key after the apply, but tags are settable: an
# administrator can create a role tagged kms-admin=true (recoverable, not locked_out).

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "TaggedAdmins"
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::111122223333:root"
        }
        Action   = "kms:*"
        Resource = "*"
        Condition = {
          StringEquals = {
            "aws:PrincipalTag/kms-admin" = "true"
          }
        }
      },
    ]
  })
}
