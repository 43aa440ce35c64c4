# A Deny for keys that are not symmetric, next to the account statement: the key's spec is in
# the plan (SYMMETRIC_DEFAULT), so the Deny does not apply and nothing is "not modelled".

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
        Sid       = "OnlySymmetric"
        Effect    = "Deny"
        Principal = "*"
        Action    = "kms:*"
        Resource  = "*"
        Condition = {
          StringNotEquals = {
            "kms:KeySpec"         = "SYMMETRIC_DEFAULT"
            "aws:ResourceAccount" = "111122223333"
          }
        }
      },
    ]
  })
}
