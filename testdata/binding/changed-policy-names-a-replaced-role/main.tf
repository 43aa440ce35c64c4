# A key in place whose policy this plan changes (a statement is added) while it replaces the
# admin role the policy names by reference: the provider calls PutKeyPolicy after the new role
# exists, so the policy binds the new role. Not a lockout; the plan alone cannot show it (the
# new policy is known only after apply), the source can.

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
        Sid       = "KeyAdministration"
        Effect    = "Allow"
        Principal = { AWS = aws_iam_role.kms_admin.arn }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "KeyUse"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::111122223333:root" }
        Action    = ["kms:Encrypt", "kms:Decrypt"]
        Resource  = "*"
      },
    ]
  })
}
