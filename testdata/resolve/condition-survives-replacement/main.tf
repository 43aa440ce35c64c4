# A document read at apply time whose only statement matches the replaced role by an
# aws:PrincipalArn condition: the condition matches the new role too.

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
    sid       = "AdminsByCondition"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:PrincipalArn"
      values   = [aws_iam_role.kms_admin.arn]
    }
  }
}

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy      = data.aws_iam_policy_document.kms.json
}
