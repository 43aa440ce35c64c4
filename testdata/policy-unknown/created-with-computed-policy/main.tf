# A key created with a policy document whose principals come from a dynamic block over the
# ARNs of roles this plan creates. The plan shows them as known after apply, its
# configuration does not show dynamic blocks, and no input tells the account: kmsguard cannot
# say who they will be, and the verdict is unknown.
resource "aws_iam_role" "admins" {
  for_each = toset(["kms-admin"])
  name     = each.key

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

data "aws_iam_policy_document" "data" {
  statement {
    actions   = ["kms:*"]
    resources = ["*"]

    dynamic "principals" {
      for_each = toset([for r in aws_iam_role.admins : r.arn])
      content {
        type        = "AWS"
        identifiers = [principals.value]
      }
    }
  }
}

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy      = data.aws_iam_policy_document.data.json
}
