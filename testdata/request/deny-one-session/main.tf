# A Deny that names one assumed-role session of the admin role: every other session of the
# role can still manage the key (not a lockout).

resource "aws_iam_role" "kms_admin" {
  name = "kms-admin"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "KeyAdministration"
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::111122223333:role/kms-admin"
        }
        Action   = "kms:*"
        Resource = "*"
      },
      {
        Sid    = "NotMallory"
        Effect = "Deny"
        Principal = {
          AWS = "arn:aws:sts::111122223333:assumed-role/kms-admin/mallory"
        }
        Action   = "kms:*"
        Resource = "*"
      },
    ]
  })
}
