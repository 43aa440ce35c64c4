# A Deny unless aws:RequestedRegion is eu-west-1, on a key in us-east-1 (the provider's
# region): a request about a key goes to the key's region, so the Deny hits every caller.

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
        Sid       = "OnlyFromEurope"
        Effect    = "Deny"
        Principal = "*"
        Action    = "kms:*"
        Resource  = "*"
        Condition = {
          StringNotEquals = {
            "aws:RequestedRegion" = "eu-west-1"
          }
        }
      },
    ]
  })
}
