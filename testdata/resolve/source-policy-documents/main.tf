# A base document read during the plan (the account as administrator) merged, through
# source_policy_documents, into one read at apply time that names a role this plan creates.

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

data "aws_iam_policy_document" "base" {
  statement {
    sid       = "EnableIAMUserPermissions"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111122223333:root"]
    }
  }
}

data "aws_iam_policy_document" "kms" {
  source_policy_documents = [data.aws_iam_policy_document.base.json]

  statement {
    sid       = "Use"
    actions   = ["kms:Decrypt", "kms:DescribeKey"]
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
