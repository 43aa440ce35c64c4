//! ARNs of IAM principals and KMS keys.

/// The parts of an ARN: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    pub(crate) fn parse(s: &'a str) -> Option<Arn<'a>> {
        let mut it = s.splitn(6, ':');
        if it.next()? != "arn" {
            return None;
        }
        Some(Arn {
            partition: it.next()?,
            service: it.next()?,
            region: it.next()?,
            account: it.next()?,
            resource: it.next()?,
        })
    }
}

/// Whether `s` is a bare 12-digit AWS account ID.
pub(crate) fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `s` looks like an IAM unique ID of a user or role (what a key policy shows
/// after the principal it named was deleted).
pub(crate) fn is_unique_id(s: &str) -> bool {
    (s.starts_with("AROA") || s.starts_with("AIDA"))
        && s.len() >= 16
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// The kind of an IAM principal ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PrincipalArn<'a> {
    /// `arn:P:iam::A:root`
    Root { account: &'a str },
    /// `arn:P:iam::A:user/path/name`
    User { account: &'a str, name: &'a str },
    /// `arn:P:iam::A:role/path/name`
    Role { account: &'a str, name: &'a str },
    /// `arn:P:sts::A:assumed-role/Role/Session`
    AssumedRole { account: &'a str, role: &'a str },
    /// Any other ARN (federated users, groups, ...): never a candidate manager.
    Other,
}

pub(crate) fn classify_principal(s: &str) -> PrincipalArn<'_> {
    let Some(a) = Arn::parse(s) else {
        return PrincipalArn::Other;
    };
    match a.service {
        "iam" => {
            if a.resource == "root" {
                PrincipalArn::Root { account: a.account }
            } else if let Some(r) = a.resource.strip_prefix("user/") {
                PrincipalArn::User {
                    account: a.account,
                    name: r.rsplit('/').next().unwrap_or(r),
                }
            } else if let Some(r) = a.resource.strip_prefix("role/") {
                PrincipalArn::Role {
                    account: a.account,
                    name: r.rsplit('/').next().unwrap_or(r),
                }
            } else {
                PrincipalArn::Other
            }
        }
        "sts" => match a.resource.strip_prefix("assumed-role/") {
            Some(rest) => PrincipalArn::AssumedRole {
                account: a.account,
                role: rest.split('/').next().unwrap_or(rest),
            },
            None => PrincipalArn::Other,
        },
        _ => PrincipalArn::Other,
    }
}

/// Stands for the account in ARNs when no input tells it: the one account the plan's
/// principals and keys belong to, whatever it is (a symbolic identity: "the ARN of
/// aws_iam_role.admin" is `arn:aws:iam::ACCOUNT_ID:role/admin` for every reader of the plan).
pub(crate) const UNKNOWN_ACCOUNT: &str = "ACCOUNT_ID";

/// Builds the ARN of an IAM role or user from its name and path.
pub(crate) fn iam_arn(
    partition: &str,
    account: &str,
    kind: &str,
    path: Option<&str>,
    name: &str,
) -> String {
    let path = path.filter(|p| !p.is_empty()).unwrap_or("/");
    let path = if path.ends_with('/') {
        path.to_owned()
    } else {
        format!("{path}/")
    };
    let path = if path.starts_with('/') {
        path
    } else {
        format!("/{path}")
    };
    format!("arn:{partition}:iam::{account}:{kind}{path}{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_principals() {
        assert_eq!(
            classify_principal("arn:aws:iam::111122223333:root"),
            PrincipalArn::Root {
                account: "111122223333"
            }
        );
        assert_eq!(
            classify_principal("arn:aws-cn:iam::111122223333:role/ops/kms-admin"),
            PrincipalArn::Role {
                account: "111122223333",
                name: "kms-admin"
            }
        );
        assert_eq!(
            classify_principal("arn:aws:sts::111122223333:assumed-role/Admin/alice"),
            PrincipalArn::AssumedRole {
                account: "111122223333",
                role: "Admin"
            }
        );
        assert_eq!(
            classify_principal("arn:aws:iam::1:group/x"),
            PrincipalArn::Other
        );
        assert_eq!(classify_principal("111122223333"), PrincipalArn::Other);
    }

    #[test]
    fn ids() {
        assert!(is_account_id("111122223333"));
        assert!(!is_account_id("11112222333a"));
        assert!(is_unique_id("AROAEXAMPLEID1234567"));
        assert!(!is_unique_id("AROA"));
    }

    #[test]
    fn builds_arns() {
        assert_eq!(
            iam_arn("aws", "1", "role", None, "a"),
            "arn:aws:iam::1:role/a"
        );
        assert_eq!(
            iam_arn("aws", "1", "role", Some("/x/"), "a"),
            "arn:aws:iam::1:role/x/a"
        );
        assert_eq!(
            iam_arn("aws", "1", "user", Some("x"), "a"),
            "arn:aws:iam::1:user/x/a"
        );
    }
}
