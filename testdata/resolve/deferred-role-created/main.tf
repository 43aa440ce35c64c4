# The document names the admin role that this plan creates: it is read at apply time, so the
# plan shows the key's policy as known after apply. The role exists after the apply and the
# policy, written after it, binds it. (The caller identity tells the account the role's ARN
# will be in.)
data "aws_caller_identity" "current" {}

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
