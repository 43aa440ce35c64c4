variable "key_id" {
  type = string
}

resource "aws_kms_key_policy" "this" {
  key_id = var.key_id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "KeyAdministration"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111122223333:role/kms-admin" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}
