resource "aws_kms_key" "this" {
  description = "managed by terraform"
}

output "key_id" {
  value = aws_kms_key.this.id
}
