# A Deny of every request without an encryption context, written for kms:* (not only for
# the cryptographic operations): PutKeyPolicy has no encryption context, so nobody can manage
# the key.

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
        Sid       = "RequireContext"
        Effect    = "Deny"
        Principal = "*"
        Action    = "kms:*"
        Resource  = "*"
        Condition = {
          Null = {
            "kms:EncryptionContext:app" = "true"
          }
        }
      },
    ]
  })
}
