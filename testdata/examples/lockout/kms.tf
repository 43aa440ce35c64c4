resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy      = file("${path.module}/policies/data.json")
}

resource "aws_kms_key" "logs" {
  description = "managed by terraform"
  policy      = file("${path.module}/policies/logs.json")
}
