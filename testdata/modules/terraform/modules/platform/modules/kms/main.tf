resource "aws_kms_key" "this" {
  for_each = toset(["data.v1", "logs"])

  description = "managed by terraform"
}
