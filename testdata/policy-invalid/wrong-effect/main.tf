# Valid JSON, but not a valid key policy: "Permit" is no Effect (KMS answers
# MalformedPolicyDocumentException; the provider only checks that it is JSON).

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Permit"
        Principal = {
          AWS = "arn:aws:iam::111122223333:root"
        }
        Action = "kms:*"
      }
    ]
  })
}
