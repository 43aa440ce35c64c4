//! A generator of live documents with a known answer (shared with `benches/e2e`): an account
//! export of `roles` roles (and a user per ten roles) and a keys document of `keys` keys, in
//! the shape `scripts/collect-live.sh` writes. One key in twenty is locked out (its only
//! administrator is a deleted role's unique ID), one in twenty recoverable (a condition names
//! a role the export does not list); the rest are manageable.

use serde_json::{Value, json};

const ACCOUNT: &str = "111122223333";
const REGION: &str = "eu-west-1";

/// The documents, and the key ARNs expected locked out and recoverable.
pub(crate) struct Live {
    pub account: String,
    pub keys: String,
    pub locked_out: Vec<String>,
    pub recoverable: Vec<String>,
}

fn role_arn(i: usize) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/team-{}/app-{i}", i % 7)
}

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

pub(crate) fn generate(roles: usize, keys: usize) -> Live {
    let admin_doc = doc(json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]));
    let s3_doc = doc(
        json!([{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}]),
    );
    let role_list: Vec<Value> = (0..roles)
        .map(|i| {
            let attached = if i % 100 == 0 {
                json!([{"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}])
            } else {
                json!([])
            };
            let mut r = json!({
                "Path": format!("/team-{}/", i % 7),
                "RoleName": format!("app-{i}"),
                "RoleId": format!("AROAGENERATED{i:07}"),
                "Arn": role_arn(i),
                "CreateDate": "2024-03-01T10:00:00+00:00",
                "AssumeRolePolicyDocument": doc(json!([{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}])),
                "InstanceProfileList": [],
                "RolePolicyList": [{"PolicyName": "s3", "PolicyDocument": s3_doc}],
                "AttachedManagedPolicies": attached,
                "Tags": [{"Key": "team", "Value": format!("team-{}", i % 7)}],
                "RoleLastUsed": {}
            });
            if i % 10 == 5 {
                r["PermissionsBoundary"] = json!({"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": format!("arn:aws:iam::{ACCOUNT}:policy/boundary")});
            }
            r
        })
        .collect();
    let users: Vec<Value> = (0..roles / 10)
        .map(|i| {
            json!({
                "Path": "/", "UserName": format!("user-{i}"), "UserId": format!("AIDAGENERATED{i:07}"),
                "Arn": format!("arn:aws:iam::{ACCOUNT}:user/user-{i}"),
                "UserPolicyList": [], "GroupList": if i % 50 == 0 { json!(["key-admins"]) } else { json!([]) },
                "AttachedManagedPolicies": [], "Tags": []
            })
        })
        .collect();
    let account = json!({
        "UserDetailList": users,
        "GroupDetailList": [{"Path": "/", "GroupName": "key-admins", "GroupId": "AGPAGENERATED0000001",
            "Arn": format!("arn:aws:iam::{ACCOUNT}:group/key-admins"),
            "GroupPolicyList": [{"PolicyName": "kms", "PolicyDocument": doc(json!([{"Effect": "Allow", "Action": "kms:*", "Resource": format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/*")}]))}],
            "AttachedManagedPolicies": []}],
        "RoleDetailList": role_list,
        "Policies": [
            {"PolicyName": "AdministratorAccess", "Arn": "arn:aws:iam::aws:policy/AdministratorAccess", "DefaultVersionId": "v1",
             "PolicyVersionList": [{"Document": admin_doc, "VersionId": "v1", "IsDefaultVersion": true}]},
            {"PolicyName": "boundary", "Arn": format!("arn:aws:iam::{ACCOUNT}:policy/boundary"), "DefaultVersionId": "v1",
             "PolicyVersionList": [{"Document": s3_doc, "VersionId": "v1", "IsDefaultVersion": true}]}
        ]
    });
    let root = format!("arn:aws:iam::{ACCOUNT}:root");
    let mut locked_out = Vec::new();
    let mut recoverable = Vec::new();
    let mut list = Vec::with_capacity(keys);
    for i in 0..keys {
        let id = format!("00000000-0000-4000-8000-{i:012}");
        let arn = format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{id}");
        let user = role_arn((i * 13) % roles.max(1));
        let usage = json!({"Sid": "Use", "Effect": "Allow", "Principal": {"AWS": user}, "Action": ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"], "Resource": "*"});
        let admin = match i % 20 {
            0 => {
                locked_out.push(arn.clone());
                json!({"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": format!("AROADELETED{i:09}")}, "Action": "kms:*", "Resource": "*"})
            }
            1 => {
                recoverable.push(arn.clone());
                json!({"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*",
                       "Condition": {"ArnLike": {"aws:PrincipalArn": format!("arn:aws:iam::{ACCOUNT}:role/gone-{i}")}}})
            }
            2..=5 => {
                json!({"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": role_arn((i * 7) % roles.max(1))}, "Action": "kms:*", "Resource": "*"})
            }
            6..=9 => {
                json!({"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*",
                       "Condition": {"ArnLike": {"aws:PrincipalArn": [role_arn((i * 3) % roles.max(1)), root.clone()]}}})
            }
            _ => {
                json!({"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": root.clone()}, "Action": "kms:*", "Resource": "*"})
            }
        };
        list.push(json!({
            "KeyMetadata": {"AWSAccountId": ACCOUNT, "KeyId": id, "Arn": arn, "KeyState": "Enabled", "Origin": "AWS_KMS",
                            "KeyManager": "CUSTOMER", "KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT", "MultiRegion": false},
            "Policy": doc(json!([admin, usage])).to_string(),
            "Aliases": [{"AliasName": format!("alias/key-{i}")}],
            "Tags": [{"TagKey": "n", "TagValue": i.to_string()}]
        }));
    }
    Live {
        account: account.to_string(),
        keys: json!({"Keys": list}).to_string(),
        locked_out,
        recoverable,
    }
}
