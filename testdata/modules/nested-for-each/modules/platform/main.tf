variable "region" {
  type = string
}

resource "aws_iam_role" "admin" {
  for_each = toset(["team \"a\""])

  name = "kms-admin-eu"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

module "kms" {
  source    = "./modules/kms"
  admin_arn = "arn:aws:iam::111122223333:role/kms-admin-eu"
}
