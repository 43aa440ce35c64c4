# Denies that look harmless but hit every PutKeyPolicy request: PutKeyPolicy carries no
# request tags and no encryption context, so Null is true, and ForAllValues on an empty
# aws:TagKeys is true.

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "EnableRootAccess"
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::111122223333:root"
        }
        Action   = "kms:*"
        Resource = "*"
      },
      {
        Sid       = "RequireOwnerTag"
        Effect    = "Deny"
        Principal = "*"
        Action    = "kms:PutKeyPolicy"
        Resource  = "*"
        Condition = {
          Null = {
            "aws:RequestTag/owner" = "true"
          }
        }
      },
      {
        Sid       = "OnlyApprovedTagKeys"
        Effect    = "Deny"
        Principal = "*"
        Action    = "kms:PutKeyPolicy"
        Resource  = "*"
        Condition = {
          "ForAllValues:StringEquals" = {
            "aws:TagKeys" = ["owner", "team"]
          }
        }
      },
    ]
  })
}
