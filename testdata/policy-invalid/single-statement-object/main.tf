# A single statement given as an object, and the account as a bare ID: both valid IAM forms.

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = {
      Effect = "Allow"
      Principal = {
        AWS = "111122223333"
      }
      Action   = "kms:*"
      Resource = "*"
    }
  })
}
