# The IAM workspace: it deletes the platform admin role (only in the state) and keeps "app".

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
