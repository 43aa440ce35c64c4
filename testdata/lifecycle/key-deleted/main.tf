# The key and its admin role are both removed (both only in the state): a deleted key has no
# verdict after the apply and no finding.
