output "key_arn" {
  description = "The key's ARN."
  value       = try(aws_kms_key.this[0].arn, null)
}

output "key_policy" {
  description = "The key's policy."
  value       = try(aws_kms_key.this[0].policy, null)
}
