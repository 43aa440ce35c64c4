# The admin role moves to the /platform/ path, which makes Terraform replace it: the new role
# has a new ARN and a new unique ID. The "data" key's policy names the old role in Principal,
# so nobody can manage that key after the apply. The "logs" key keeps the account root.

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
