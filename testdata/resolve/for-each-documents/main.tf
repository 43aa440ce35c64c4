# One key and one document per team: each key's policy is data.aws_iam_policy_document.kms[each.key].json.
# The "ops" admin role is created, the "data" admin role replaced.
resource "aws_iam_role" "team_admin" {
  for_each = toset(["ops", "data"])
  name     = "${each.key}-admin"

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
  for_each = toset(["ops", "data"])

  statement {
    sid       = "KeyAdministrators"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.team_admin[each.key].arn]
    }
  }
}

resource "aws_kms_key" "team" {
  for_each = toset(["ops", "data"])

  description = "managed by terraform"
  policy      = data.aws_iam_policy_document.kms[each.key].json
}
