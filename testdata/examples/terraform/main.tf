# The configuration behind examples/lockout-plan.json: the admin role moves to the
# /platform/ path, which makes Terraform replace it, and the "data" key names it in
# Principal. Written by the kmsguard authors for the tests.

resource "aws_iam_role" "kms_admin" {
  name = "kms-admin"
  path = "/platform/"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111122223333:root" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role" "app" {
  name = "app"
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
