# A Deny unless the request comes from 10.0.0.0/8: aws:SourceIp is never a private address
# (through a VPC endpoint it is absent, and NotIpAddress on an absent key is true), so the
# Deny hits every request.

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "EnableRootAccess"
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::111122223333:root"
        }
        Action   = "kms:*"
        Resource = "*"
      },
      {
        Sid       = "OnlyFromTheOffice"
        Effect    = "Deny"
        Principal = "*"
        Action    = "kms:*"
        Resource  = "*"
        Condition = {
          NotIpAddress = {
            "aws:SourceIp" = "10.0.0.0/8"
          }
        }
      },
    ]
  })
}
