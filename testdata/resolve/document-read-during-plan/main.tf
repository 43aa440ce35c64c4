# A policy document that names a role that exists and does not change: it is read during the
# plan, and its JSON is in the plan.

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
      identifiers = [aws_iam_role.kms_admin.arn]
    }
  }
}

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy      = data.aws_iam_policy_document.kms.json
}
