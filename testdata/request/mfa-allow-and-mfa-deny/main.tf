# An Allow that needs MFA next to a Deny that hits every request where MFA is present: no
# single request passes both (one request per caller).

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
        }
      },
      {
        Sid       = "NoSessionsWithMfa"
        Effect    = "Deny"
        Principal = "*"
        Action    = "kms:PutKeyPolicy"
        Resource  = "*"
        Condition = {
          Null = {
            "aws:MultiFactorAuthPresent" = "false"
          }
        }
      },
    ]
  })
}
