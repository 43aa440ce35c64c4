# Administration through an aws:PrincipalArn condition, which compares ARNs, not unique IDs:
# the replaced role matches again.

resource "aws_iam_role" "kms_admin" {
  name = "kms-admin"
  path = "/"

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
          AWS = "*"
        }
        Action   = "kms:*"
        Resource = "*"
        Condition = {
          ArnLike = {
            "aws:PrincipalArn" = [
              "arn:aws:iam::111122223333:root",
              "arn:aws:iam::111122223333:role/kms-admin"
            ]
          }
        }
      }
    ]
  })
}
