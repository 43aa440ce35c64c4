//! The resource types kmsguard reads, once: every other module matches on [`ResourceKind`].

use super::address::Mode;

/// The four key types that carry a key policy of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum KeyType {
    Key,
    ReplicaKey,
    ExternalKey,
    ReplicaExternalKey,
}

/// What a resource is to kmsguard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ResourceKind {
    /// `aws_kms_key`, `aws_kms_replica_key`, `aws_kms_external_key`,
    /// `aws_kms_replica_external_key`.
    Key(KeyType),
    /// `aws_kms_key_policy`: sets the policy of a key.
    KeyPolicy,
    /// `aws_iam_role` (managed, or read by a data source).
    Role,
    /// `aws_iam_user` (managed, or read by a data source).
    User,
    /// `data.aws_caller_identity`.
    CallerIdentity,
    /// `data.aws_partition`.
    Partition,
    /// `data.aws_iam_policy_document`.
    PolicyDocument,
    /// `aws_ssoadmin_permission_set`.
    PermissionSet,
    /// `aws_ssoadmin_account_assignment`.
    AccountAssignment,
}

/// Every (type, kind) pair; `ResourceKind::of` and `TYPES` come from this one list.
const TABLE: &[(&str, ResourceKind)] = &[
    ("aws_kms_key", ResourceKind::Key(KeyType::Key)),
    (
        "aws_kms_replica_key",
        ResourceKind::Key(KeyType::ReplicaKey),
    ),
    (
        "aws_kms_external_key",
        ResourceKind::Key(KeyType::ExternalKey),
    ),
    (
        "aws_kms_replica_external_key",
        ResourceKind::Key(KeyType::ReplicaExternalKey),
    ),
    ("aws_kms_key_policy", ResourceKind::KeyPolicy),
    ("aws_iam_role", ResourceKind::Role),
    ("aws_iam_user", ResourceKind::User),
    ("aws_caller_identity", ResourceKind::CallerIdentity),
    ("aws_partition", ResourceKind::Partition),
    ("aws_iam_policy_document", ResourceKind::PolicyDocument),
    ("aws_ssoadmin_permission_set", ResourceKind::PermissionSet),
    (
        "aws_ssoadmin_account_assignment",
        ResourceKind::AccountAssignment,
    ),
];

impl ResourceKind {
    /// The kind of a resource of this mode and type; `None` for what kmsguard does not read.
    pub(crate) fn of(mode: Mode, rtype: &str) -> Option<ResourceKind> {
        let kind = TABLE.iter().find(|(t, _)| *t == rtype)?.1;
        let ok = match kind {
            ResourceKind::Role | ResourceKind::User => true,
            ResourceKind::CallerIdentity
            | ResourceKind::Partition
            | ResourceKind::PolicyDocument => mode == Mode::Data,
            _ => mode == Mode::Managed,
        };
        ok.then_some(kind)
    }

    /// Whether any resource of this type is read (in whichever mode).
    pub(crate) fn read(rtype: &str) -> bool {
        TABLE.iter().any(|(t, _)| *t == rtype)
    }

    /// The interned type name (for sharing instead of copying while streaming).
    pub(crate) fn interned(rtype: &str) -> Option<&'static str> {
        TABLE.iter().find(|(t, _)| *t == rtype).map(|(t, _)| *t)
    }

    /// A configuration block kmsguard keeps: keys, key policies and policy documents.
    pub(crate) fn in_configuration(self) -> bool {
        matches!(
            self,
            ResourceKind::Key(_) | ResourceKind::KeyPolicy | ResourceKind::PolicyDocument
        )
    }

    pub(crate) fn is_key(self) -> bool {
        matches!(self, ResourceKind::Key(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_depend_on_mode() {
        assert_eq!(
            ResourceKind::of(Mode::Managed, "aws_kms_key"),
            Some(ResourceKind::Key(KeyType::Key))
        );
        assert_eq!(ResourceKind::of(Mode::Data, "aws_kms_key"), None);
        assert_eq!(
            ResourceKind::of(Mode::Data, "aws_iam_role"),
            Some(ResourceKind::Role)
        );
        assert_eq!(ResourceKind::of(Mode::Managed, "aws_caller_identity"), None);
        assert_eq!(ResourceKind::of(Mode::Managed, "aws_s3_bucket"), None);
        assert!(ResourceKind::read("aws_partition"));
        assert_eq!(ResourceKind::interned("aws_iam_user"), Some("aws_iam_user"));
    }
}
