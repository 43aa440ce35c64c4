variable "team" {
  type = string
}

variable "admin_arn" {
  type = string
}

resource "aws_kms_key" "this" {
  description = "${var.team} data"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "KeyAdministration"
      Effect    = "Allow"
      Principal = { AWS = var.admin_arn }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}
