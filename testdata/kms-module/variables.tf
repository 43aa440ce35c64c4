variable "create" {
  description = "Whether to create anything."
  type        = bool
  default     = true
}

variable "description" {
  description = "The key's description."
  type        = string
  default     = null
}

variable "deletion_window_in_days" {
  description = "Days before a key scheduled for deletion is deleted."
  type        = number
  default     = 30
}

variable "enable_key_rotation" {
  description = "Rotate the key material every year."
  type        = bool
  default     = true
}

variable "multi_region" {
  description = "Make a multi-Region primary key."
  type        = bool
  default     = false
}

variable "bypass_policy_lockout_safety_check" {
  description = "Skip KMS's check that the caller can still manage the key."
  type        = bool
  default     = false
}

variable "policy" {
  description = "A complete key policy; when set, the statements below are not used."
  type        = string
  default     = null
}

variable "enable_default_policy" {
  description = "Give the account root kms:* (the default key policy)."
  type        = bool
  default     = true
}

variable "key_owners" {
  description = "ARNs with kms:* on the key."
  type        = list(string)
  default     = []
}

variable "key_administrators" {
  description = "ARNs that administer the key (not use it)."
  type        = list(string)
  default     = []
}

variable "key_users" {
  description = "ARNs that use the key for cryptographic operations."
  type        = list(string)
  default     = []
}

variable "key_service_users" {
  description = "ARNs of services' roles that may create grants for AWS resources."
  type        = list(string)
  default     = []
}

variable "source_policy_documents" {
  description = "Policy documents merged before the statements above."
  type        = list(string)
  default     = []
}

variable "override_policy_documents" {
  description = "Policy documents that override statements with the same Sid."
  type        = list(string)
  default     = []
}

variable "key_statements" {
  description = "More statements, as objects with the aws_iam_policy_document statement arguments."
  type        = any
  default     = []
}

variable "aliases" {
  description = "Alias names, without the alias/ prefix."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags for the key."
  type        = map(string)
  default     = {}
}
