# In the style of the provider's acceptance tests (written for kmsguard): a key with nothing
# set gets the default key policy.
resource "aws_kms_key" "test" {}
