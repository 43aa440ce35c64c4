# Principals that mix a constant (the account root) and a reference (the replaced role): the
# plan shows the constant, the configuration the reference; the account still manages.

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

data "aws_iam_policy_document" "kms" {
  statement {
    sid       = "KeyAdministrators"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111122223333:root", aws_iam_role.kms_admin.arn]
    }
  }
}

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy      = data.aws_iam_policy_document.kms.json
}
