variable "admin_arn" {
  description = "The ARN of the key administrator role"
  type        = string
}

data "aws_iam_policy_document" "kms" {
  statement {
    sid       = "KeyAdministrators"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = [var.admin_arn]
    }
  }
}

resource "aws_kms_key" "this" {
  description = "managed by terraform"
  policy      = data.aws_iam_policy_document.kms.json
}

output "key_arn" {
  value = aws_kms_key.this.arn
}
