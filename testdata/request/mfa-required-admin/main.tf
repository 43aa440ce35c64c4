# Management needs MFA from a public address in 198.51.100.0/24: manageable, and the
# witness says which request works.

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "AdminWithMfa"
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::111122223333:root"
        }
        Action   = "kms:*"
        Resource = "*"
        Condition = {
          Bool = {
            "aws:MultiFactorAuthPresent" = "true"
          }
          IpAddress = {
            "aws:SourceIp" = "198.51.100.0/24"
          }
        }
      },
      {
        Sid       = "DenyWithoutMfa"
        Effect    = "Deny"
        Principal = "*"
        Action    = "kms:PutKeyPolicy"
        Resource  = "*"
        Condition = {
          BoolIfExists = {
            "aws:MultiFactorAuthPresent" = "false"
          }
        }
      },
    ]
  })
}
