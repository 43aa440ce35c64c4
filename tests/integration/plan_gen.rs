//! A generator of large `terraform show -json` plans whose answer is known: which keys the
//! apply leaves unmanageable. The benchmark (`benches/e2e`) measures kmsguard on its plans and
//! checks the answer; `generated_plans_have_exactly_the_expected_lockouts` keeps it honest.
//!
//! A plan is shaped like `terraform show -json` output for the hashicorp/aws provider:
//! `variables`, `planned_values`, `resource_changes`, `output_changes`, `prior_state` and
//! `configuration`, compact, object keys sorted, resources spread over nested modules, some
//! with `count` indexes. Most resources are filler (S3 buckets, instances, security groups
//! with large nested attributes); 5 % are KMS keys (a fifth of them with an
//! `aws_kms_key_policy`), 10 % IAM roles and 2 % IAM users, some of which the plan deletes,
//! replaces (a new path: a new ARN) or creates.
//!
//! One key in twenty is unmanageable after the apply: its policy lets only principals that the
//! plan destroys call `kms:PutKeyPolicy` — named in `Principal` (`locked_out`) or matched by an
//! `aws:PrincipalArn` condition (`recoverable`: the role can be created again). Every other key
//! keeps the account root or an administrator role that survives the apply. The same size and
//! seed give the same bytes.

use std::io::{self, Write};

use serde_json::{Value, json};

const ACCOUNT: &str = "111122223333";
const REGION: &str = "us-east-1";
const PROVIDER: &str = "registry.terraform.io/hashicorp/aws";
const ADMIN_ACTIONS: [&str; 11] = [
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:ScheduleKeyDeletion",
];
const USAGE_ACTIONS: [&str; 5] = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
];
const APPS: [&str; 8] = [
    "ledger", "orders", "catalog", "auth", "billing", "search", "ingest", "gateway",
];

/// SplitMix64: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        &from[self.below(from.len())]
    }
    fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16)]))
            .collect()
    }
    fn upper(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[self.below(32)]))
            .collect()
    }
    fn uuid(&mut self) -> String {
        format!(
            "{}-{}-4{}-a{}-{}",
            self.hex(8),
            self.hex(4),
            self.hex(3),
            self.hex(3),
            self.hex(12)
        )
    }
}

/// What the plan does to a resource.
#[derive(Clone, Copy, PartialEq)]
enum Life {
    NoOp,
    Update,
    Create,
    Delete,
    Replace,
}

impl Life {
    fn actions(self) -> Value {
        match self {
            Life::NoOp => json!(["no-op"]),
            Life::Update => json!(["update"]),
            Life::Create => json!(["create"]),
            Life::Delete => json!(["delete"]),
            Life::Replace => json!(["delete", "create"]),
        }
    }
    fn has_before(self) -> bool {
        self != Life::Create
    }
    fn has_after(self) -> bool {
        self != Life::Delete
    }
}

/// One resource instance, as every section of the plan shows it.
struct Res {
    module: usize,
    rtype: &'static str,
    name: String,
    index: Option<usize>,
    life: Life,
    before: Value,
    after: Value,
    /// Attribute names known only after apply.
    unknown: Vec<&'static str>,
    /// The configuration block's expressions (written for index 0 or no index only).
    config: Value,
}

impl Res {
    fn address(&self, modules: &[String]) -> String {
        let local = match self.index {
            Some(i) => format!("{}.{}[{i}]", self.rtype, self.name),
            None => format!("{}.{}", self.rtype, self.name),
        };
        address(&modules[self.module], &local)
    }
}

/// A principal and what the plan does to it.
struct Principal {
    module: usize,
    user: bool,
    name: String,
    path_before: String,
    path_after: String,
    unique_id: String,
    life: Life,
}

impl Principal {
    fn arn(&self, path: &str) -> String {
        let kind = if self.user { "user" } else { "role" };
        format!("arn:aws:iam::{ACCOUNT}:{kind}{path}{}", self.name)
    }
    fn arn_before(&self) -> String {
        self.arn(&self.path_before)
    }
    /// The principal that exists before the apply does not afterwards.
    fn destroyed(&self) -> bool {
        matches!(self.life, Life::Delete)
            || (self.life == Life::Replace && self.path_after != self.path_before)
    }
}

/// How a key is made unmanageable, or not.
#[derive(Clone, Copy, PartialEq)]
enum KeyKind {
    Safe,
    /// Its only administrators are destroyed principals named in `Principal`.
    LockedByPrincipal,
    /// Its only administrators are destroyed principals matched by `aws:PrincipalArn`.
    LockedByCondition,
}

struct KeySpec {
    module: usize,
    name: String,
    life: Life,
    kind: KeyKind,
    /// The policy after the apply goes into an `aws_kms_key_policy`.
    separate: bool,
    /// The key's policy changes with this apply (from a safe one).
    changed: bool,
    policy_before: String,
    policy_after: String,
    key_id: String,
}

/// Writes a plan with about `resources` resource instances; returns the addresses of the
/// keys the apply leaves unmanageable (`locked_out` or `recoverable`), sorted.
pub(crate) fn write_plan(
    resources: usize,
    seed: u64,
    out: &mut dyn Write,
) -> io::Result<Vec<String>> {
    let mut rng = Rng(seed ^ 0x6b6d_7367_7561_7264);
    let modules = modules();
    let n_roles = (resources / 10).max(4);
    let n_users = (resources / 50).max(2);
    let n_keys = (resources / 20).max(2);

    let mut principals = Vec::new();
    for i in 0..n_roles + n_users {
        let user = i >= n_roles;
        let life = match rng.below(100) {
            0..5 => Life::Delete,
            5..7 if !user => Life::Replace,
            7..10 => Life::Create,
            10..14 => Life::Update,
            _ => Life::NoOp,
        };
        let path_before = if !user && rng.chance(20) {
            "/service-role/".to_owned()
        } else {
            "/".to_owned()
        };
        let path_after = if life == Life::Replace {
            format!("/v2{path_before}")
        } else {
            path_before.clone()
        };
        let name = if user {
            format!("{}-user-{i:05}", rng.pick(&["deploy", "ci", "legacy"]))
        } else {
            format!("prod-{}-role-{i:05}", rng.pick(&APPS))
        };
        principals.push(Principal {
            module: rng.below(modules.len()),
            user,
            name,
            path_before,
            path_after,
            unique_id: format!("{}{}", if user { "AIDA" } else { "AROA" }, rng.upper(17)),
            life,
        });
    }
    let destroyed: Vec<String> = principals
        .iter()
        .filter(|p| p.destroyed())
        .map(Principal::arn_before)
        .collect();
    let surviving: Vec<String> = principals
        .iter()
        .filter(|p| matches!(p.life, Life::NoOp | Life::Update))
        .map(Principal::arn_before)
        .collect();

    let mut keys = Vec::new();
    for i in 0..n_keys {
        // One key in twenty (at least one).
        let locked = i % 20 == 7 % n_keys.min(20);
        let kind = match (locked, i % 3) {
            (false, _) => KeyKind::Safe,
            (true, 0) => KeyKind::LockedByCondition,
            (true, _) => KeyKind::LockedByPrincipal,
        };
        let life = if kind != KeyKind::Safe {
            if rng.chance(50) {
                Life::Update
            } else {
                Life::NoOp
            }
        } else {
            match rng.below(100) {
                0..2 => Life::Delete,
                2..5 => Life::Create,
                5..15 => Life::Update,
                _ => Life::NoOp,
            }
        };
        let separate = life != Life::Create && rng.chance(20);
        let safe_before = safe_policy(&mut rng, &surviving, &destroyed);
        let (policy_before, policy_after, changed) = match kind {
            KeyKind::Safe if life == Life::Update => {
                let after = safe_policy(&mut rng, &surviving, &destroyed);
                (safe_before, after, true)
            }
            KeyKind::Safe => (safe_before.clone(), safe_before, false),
            _ => {
                let after = locked_policy(&mut rng, kind, &surviving, &destroyed);
                if life == Life::Update {
                    (safe_before, after, true)
                } else {
                    // Unchanged: the policy named principals that exist before the apply.
                    (after.clone(), after, false)
                }
            }
        };
        keys.push(KeySpec {
            module: rng.below(modules.len()),
            name: format!("key_{i:05}"),
            life,
            kind,
            separate,
            changed,
            policy_before,
            policy_after,
            key_id: rng.uuid(),
        });
    }
    let mut expected: Vec<String> = keys
        .iter()
        .filter(|k| k.kind != KeyKind::Safe)
        .map(|k| address(&modules[k.module], &format!("aws_kms_key.{}", k.name)))
        .collect();
    expected.sort();

    // The resources, in a fixed order: principals, keys, key policies, then filler.
    let n_fixed = principals.len() + keys.len() + keys.iter().filter(|k| k.separate).count();
    let n_filler = resources.saturating_sub(n_fixed);
    let mut all: Vec<Res> = Vec::new();
    for p in &principals {
        all.push(principal_res(p, &mut rng));
    }
    for k in &keys {
        all.push(key_res(k, &mut rng));
        if k.separate {
            all.push(key_policy_res(k));
        }
    }
    for i in 0..n_filler {
        all.push(filler(i, seed, modules.len()));
    }
    // Terraform lists resources by module, then address.
    all.sort_by_cached_key(|r| (r.module, r.address(&modules)));

    write_document(out, &modules, &all)?;
    Ok(expected)
}

/// Module paths: the root (""), `module.m0` … `module.m7`, and `module.inner` in every third.
fn modules() -> Vec<String> {
    let mut m = vec![String::new()];
    for i in 0..8 {
        m.push(format!("module.m{i}"));
        if i % 3 == 1 {
            m.push(format!("module.m{i}.module.inner"));
        }
    }
    m
}

/// A resource's address in a module (`""` for the root).
fn address(module: &str, local: &str) -> String {
    if module.is_empty() {
        local.to_owned()
    } else {
        format!("{module}.{local}")
    }
}

fn root_statement() -> Value {
    json!({"Sid": "Enable IAM User Permissions", "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
        "Action": "kms:*", "Resource": "*"})
}

fn usage_statement(rng: &mut Rng, arns: &[String]) -> Value {
    let some: Vec<&String> = (0..3).map(|_| rng.pick(arns)).collect();
    json!({"Sid": "Allow use of the key", "Effect": "Allow", "Principal": {"AWS": some},
        "Action": USAGE_ACTIONS, "Resource": "*"})
}

fn service_statement(rng: &mut Rng) -> Value {
    let service = *rng.pick(&[
        "logs.us-east-1.amazonaws.com",
        "cloudtrail.amazonaws.com",
        "sns.amazonaws.com",
    ]);
    json!({"Sid": "AllowServiceUse", "Effect": "Allow", "Principal": {"Service": service},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        "Resource": "*", "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}})
}

/// A policy that keeps the key manageable after the apply: the account root, or an
/// administrator role that survives (and, at times, references to destroyed principals too).
fn safe_policy(rng: &mut Rng, surviving: &[String], destroyed: &[String]) -> String {
    let mut statements = Vec::new();
    if rng.chance(70) || surviving.is_empty() {
        statements.push(root_statement());
    } else {
        let mut admins = vec![rng.pick(surviving).clone()];
        if rng.chance(30) && !destroyed.is_empty() {
            admins.push(rng.pick(destroyed).clone());
        }
        statements.push(
            json!({"Sid": "Allow access for Key Administrators", "Effect": "Allow",
            "Principal": {"AWS": admins}, "Action": ADMIN_ACTIONS, "Resource": "*"}),
        );
    }
    let users: Vec<String> = surviving.iter().chain(destroyed).cloned().collect();
    if !users.is_empty() {
        statements.push(usage_statement(rng, &users));
    }
    if rng.chance(40) {
        statements.push(service_statement(rng));
    }
    render_policy(rng, statements)
}

/// A policy whose only administrators are principals this plan destroys.
fn locked_policy(
    rng: &mut Rng,
    kind: KeyKind,
    surviving: &[String],
    destroyed: &[String],
) -> String {
    let admins: Vec<String> = (0..1 + rng.below(3))
        .map(|_| rng.pick(destroyed).clone())
        .collect();
    let admin = match kind {
        KeyKind::LockedByCondition => json!({"Sid": "AllowKeyAdministrationByPrincipalArn",
            "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ADMIN_ACTIONS, "Resource": "*",
            "Condition": {"ArnLike": {"aws:PrincipalArn": admins},
                "StringEquals": {"aws:PrincipalAccount": ACCOUNT}}}),
        _ => json!({"Sid": "KeyOwnersFullAccess", "Effect": "Allow",
            "Principal": {"AWS": admins}, "Action": "kms:*", "Resource": "*"}),
    };
    let mut statements = vec![admin];
    if !surviving.is_empty() {
        statements.push(usage_statement(rng, surviving));
    }
    statements.push(service_statement(rng));
    render_policy(rng, statements)
}

/// A policy string in one of the styles the provider stores: `jsonencode` (compact, keys
/// sorted) or `aws_iam_policy_document` (indented).
fn render_policy(rng: &mut Rng, statements: Vec<Value>) -> String {
    let doc = json!({"Version": "2012-10-17", "Statement": statements});
    if rng.chance(50) {
        doc.to_string()
    } else {
        serde_json::to_string_pretty(&doc).expect("a JSON value serialises")
    }
}

fn tags(rng: &mut Rng, name: &str) -> Value {
    json!({"Name": name, "Environment": "prod", "Owner": rng.pick(&APPS),
        "CostCenter": format!("cc-{}", rng.below(9000) + 1000), "ManagedBy": "terraform"})
}

fn principal_res(p: &Principal, rng: &mut Rng) -> Res {
    let kind = if p.user {
        "aws_iam_user"
    } else {
        "aws_iam_role"
    };
    let values = |path: &str, unique_id: Option<&str>, tags: &Value| {
        let mut v = json!({"arn": p.arn(path), "id": p.name, "name": p.name, "path": path,
            "unique_id": unique_id, "tags": tags, "tags_all": tags,
            "force_detach_policies": false, "permissions_boundary": null});
        if !p.user {
            v["assume_role_policy"] = json!(
                json!({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"Service": "ec2.amazonaws.com"}}]})
                .to_string()
            );
            v["max_session_duration"] = json!(3600);
            v["description"] = json!(format!("Role for {}", p.name));
            v["create_date"] = json!("2024-03-01T10:00:00Z");
        }
        v
    };
    let tags_before = tags(rng, &p.name);
    let tags_after = if p.life == Life::Update {
        tags(rng, &p.name)
    } else {
        tags_before.clone()
    };
    let (before, after, unknown) = match p.life {
        Life::Create => (
            Value::Null,
            values(&p.path_after, None, &tags_after),
            vec!["arn", "id", "unique_id", "create_date"],
        ),
        Life::Delete => (
            values(&p.path_before, Some(&p.unique_id), &tags_before),
            Value::Null,
            vec![],
        ),
        Life::Replace => (
            values(&p.path_before, Some(&p.unique_id), &tags_before),
            values(&p.path_after, None, &tags_after),
            vec!["arn", "id", "unique_id", "create_date"],
        ),
        _ => (
            values(&p.path_before, Some(&p.unique_id), &tags_before),
            values(&p.path_after, Some(&p.unique_id), &tags_after),
            vec![],
        ),
    };
    Res {
        module: p.module,
        rtype: kind,
        name: p.name.replace('-', "_"),
        index: None,
        life: p.life,
        before,
        after,
        unknown,
        config: json!({"name": {"constant_value": p.name}, "path": {"constant_value": p.path_after}}),
    }
}

fn key_res(k: &KeySpec, rng: &mut Rng) -> Res {
    let arn = format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{}", k.key_id);
    let tags = tags(rng, &k.name);
    let values = |policy: &str| {
        json!({"arn": arn, "id": k.key_id, "key_id": k.key_id, "policy": policy,
            "description": format!("{} data key", k.name), "enable_key_rotation": true,
            "deletion_window_in_days": 30, "is_enabled": true, "key_usage": "ENCRYPT_DECRYPT",
            "customer_master_key_spec": "SYMMETRIC_DEFAULT", "multi_region": false,
            "bypass_policy_lockout_safety_check": false, "tags": tags, "tags_all": tags})
    };
    // With an aws_kms_key_policy, the key's own attribute keeps showing its current policy.
    let own_after = if k.separate {
        &k.policy_before
    } else {
        &k.policy_after
    };
    let (before, after, unknown) = match k.life {
        Life::Create => (Value::Null, values(own_after), vec!["arn", "id", "key_id"]),
        Life::Delete => (values(&k.policy_before), Value::Null, vec![]),
        _ => (values(&k.policy_before), values(own_after), vec![]),
    };
    let life = if k.separate && k.life == Life::Update {
        Life::NoOp
    } else {
        k.life
    };
    Res {
        module: k.module,
        rtype: "aws_kms_key",
        name: k.name.clone(),
        index: None,
        life,
        before,
        after,
        unknown,
        config: json!({"description": {"constant_value": format!("{} data key", k.name)},
            "enable_key_rotation": {"constant_value": true}}),
    }
}

fn key_policy_res(k: &KeySpec) -> Res {
    let values = |policy: &str| {
        json!({"id": k.key_id, "key_id": k.key_id, "policy": policy,
            "bypass_policy_lockout_safety_check": false})
    };
    let life = match (k.life, k.changed) {
        (Life::Delete, _) => Life::Delete,
        (_, true) => Life::Update,
        _ => Life::NoOp,
    };
    let key_ref = format!("aws_kms_key.{}", k.name);
    Res {
        module: k.module,
        rtype: "aws_kms_key_policy",
        name: k.name.clone(),
        index: None,
        life,
        before: values(&k.policy_before),
        after: if life == Life::Delete {
            Value::Null
        } else {
            values(&k.policy_after)
        },
        unknown: vec![],
        config: json!({"key_id": {"references": [format!("{key_ref}.key_id"), key_ref]}}),
    }
}

/// A resource kmsguard does not read, with the bulk real ones have. Instances 0-2 of every
/// ten are one block with `count = 3`.
fn filler(i: usize, seed: u64, modules: usize) -> Res {
    let (block, index) = if i % 10 < 3 {
        (i - i % 10, Some(i % 10))
    } else {
        (i, None)
    };
    let mut block_rng =
        Rng(seed.wrapping_mul(0x1000_0000_01b3) ^ (block as u64).wrapping_mul(0x9e37_79b9));
    let app = *block_rng.pick(&APPS);
    let mut rng =
        Rng(seed.wrapping_mul(0x1000_0000_01b3) ^ (i as u64).wrapping_mul(0x9e37_79b9) ^ 0x5555);
    let life = match rng.below(100) {
        0..4 => Life::Delete,
        4..7 => Life::Replace,
        7..12 => Life::Create,
        12..20 => Life::Update,
        _ => Life::NoOp,
    };
    let (rtype, before) = match block % 3 {
        0 => ("aws_s3_bucket", bucket(&mut rng, app, i)),
        1 => ("aws_instance", instance(&mut rng, app, i)),
        _ => ("aws_security_group", security_group(&mut rng, app, i)),
    };
    let mut after = before.clone();
    let mut unknown = Vec::new();
    match life {
        Life::Update => after["tags"]["Revision"] = json!(rng.below(100).to_string()),
        Life::Create | Life::Replace => {
            unknown = vec!["arn", "id"];
        }
        _ => {}
    }
    Res {
        module: block % modules,
        rtype,
        name: format!("{app}_{block:05}"),
        index,
        life,
        before: if life.has_before() {
            before
        } else {
            Value::Null
        },
        after: if life.has_after() { after } else { Value::Null },
        unknown,
        config: json!({"tags": {"references": ["local.common_tags"]}}),
    }
}

fn bucket(rng: &mut Rng, app: &str, i: usize) -> Value {
    let name = format!("prod-{app}-{i:05}-{}", rng.hex(6));
    let rules: Vec<Value> = (0..4)
        .map(|r| {
            json!({"id": format!("rule-{r}"), "enabled": true, "prefix": format!("{}/", rng.pick(&["logs", "raw", "tmp", "exports"])),
                "expiration": [{"days": 30 * (r + 1), "date": null, "expired_object_delete_marker": false}],
                "noncurrent_version_expiration": [{"days": 90}],
                "transition": [{"days": 30, "storage_class": "STANDARD_IA", "date": null},
                    {"days": 90, "storage_class": "GLACIER", "date": null}],
                "abort_incomplete_multipart_upload_days": 7, "tags": {}})
        })
        .collect();
    json!({"arn": format!("arn:aws:s3:::{name}"), "bucket": name, "id": name,
        "bucket_domain_name": format!("{name}.s3.amazonaws.com"),
        "bucket_regional_domain_name": format!("{name}.s3.{REGION}.amazonaws.com"),
        "hosted_zone_id": "Z3AQBSTGFYJSTF", "region": REGION, "force_destroy": false,
        "object_lock_enabled": false, "request_payer": "BucketOwner", "acceleration_status": "",
        "lifecycle_rule": rules,
        "server_side_encryption_configuration": [{"rule": [{"bucket_key_enabled": true,
            "apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms",
                "kms_master_key_id": format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{}", rng.uuid())}]}]}],
        "versioning": [{"enabled": true, "mfa_delete": false}],
        "logging": [{"target_bucket": format!("prod-logs-{}", rng.hex(6)), "target_prefix": format!("s3/{name}/")}],
        "grant": [{"id": rng.hex(64), "type": "CanonicalUser", "permissions": ["FULL_CONTROL"], "uri": ""}],
        "cors_rule": [], "website": [], "replication_configuration": [],
        "policy": json!({"Version": "2012-10-17", "Statement": [{"Sid": "DenyInsecureTransport",
            "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [format!("arn:aws:s3:::{name}"), format!("arn:aws:s3:::{name}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}).to_string(),
        "tags": tags(rng, &name), "tags_all": tags(rng, &name), "timeouts": null})
}

fn instance(rng: &mut Rng, app: &str, i: usize) -> Value {
    let id = format!("i-0{}", rng.hex(16));
    let user_data: String = (0..24).map(|_| rng.hex(64)).collect::<Vec<_>>().join("\n");
    let disk = |rng: &mut Rng, dev: &str| {
        json!({"device_name": dev, "delete_on_termination": true, "encrypted": true,
            "iops": 3000, "throughput": 125, "volume_size": 8 + rng.below(500),
            "volume_type": "gp3", "volume_id": format!("vol-0{}", rng.hex(16)),
            "kms_key_id": format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{}", rng.uuid()),
            "snapshot_id": "", "tags": {}, "tags_all": {}})
    };
    json!({"id": id, "arn": format!("arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{id}"),
        "ami": format!("ami-0{}", rng.hex(16)),
        "instance_type": rng.pick(&["t3.medium", "m6i.large", "c6i.2xlarge", "r6i.large"]),
        "availability_zone": format!("{REGION}{}", rng.pick(&["a", "b", "c"])),
        "subnet_id": format!("subnet-0{}", rng.hex(16)),
        "vpc_security_group_ids": [format!("sg-0{}", rng.hex(16)), format!("sg-0{}", rng.hex(16))],
        "private_ip": format!("10.{}.{}.{}", rng.below(255), rng.below(255), rng.below(255)),
        "private_dns": format!("ip-10-0-0-{}.ec2.internal", rng.below(255)),
        "iam_instance_profile": format!("prod-{app}-{i:05}"), "key_name": "", "monitoring": true,
        "ebs_optimized": true, "source_dest_check": true, "tenancy": "default",
        "user_data": null, "user_data_base64": user_data, "user_data_replace_on_change": false,
        "root_block_device": [disk(rng, "/dev/xvda")],
        "ebs_block_device": [disk(rng, "/dev/sdf"), disk(rng, "/dev/sdg")],
        "metadata_options": [{"http_endpoint": "enabled", "http_tokens": "required",
            "http_put_response_hop_limit": 2, "instance_metadata_tags": "disabled",
            "http_protocol_ipv6": "disabled"}],
        "credit_specification": [], "capacity_reservation_specification": [{
            "capacity_reservation_preference": "open", "capacity_reservation_target": []}],
        "enclave_options": [{"enabled": false}], "maintenance_options": [{"auto_recovery": "default"}],
        "network_interface": [], "launch_template": [], "timeouts": null,
        "tags": tags(rng, app), "tags_all": tags(rng, app)})
}

fn security_group(rng: &mut Rng, app: &str, i: usize) -> Value {
    let id = format!("sg-0{}", rng.hex(16));
    let rule = |rng: &mut Rng, port: u16| {
        json!({"from_port": port, "to_port": port, "protocol": "tcp",
            "cidr_blocks": [format!("10.{}.0.0/16", rng.below(255))], "ipv6_cidr_blocks": [],
            "prefix_list_ids": [], "security_groups": [format!("sg-0{}", rng.hex(16))],
            "self": false, "description": format!("{app} port {port}")})
    };
    let ports = [
        22u16, 80, 443, 3306, 5432, 6379, 8080, 8443, 9090, 9200, 11211, 27017,
    ];
    let ingress: Vec<Value> = ports.iter().map(|&p| rule(rng, p)).collect();
    json!({"id": id, "arn": format!("arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{id}"),
        "name": format!("prod-{app}-{i:05}"), "name_prefix": "", "description": format!("{app} tier"),
        "vpc_id": format!("vpc-0{}", rng.hex(16)), "owner_id": ACCOUNT,
        "revoke_rules_on_delete": false, "ingress": ingress, "egress": [rule(rng, 0)],
        "tags": tags(rng, app), "tags_all": tags(rng, app), "timeouts": null})
}

/// `after_unknown` of a resource: the unknown attributes are `true`.
fn unknowns(r: &Res) -> Value {
    let mut m = serde_json::Map::new();
    for u in &r.unknown {
        m.insert((*u).to_owned(), Value::Bool(true));
    }
    Value::Object(m)
}

fn write_document(out: &mut dyn Write, modules: &[String], all: &[Res]) -> io::Result<()> {
    let w = &mut io::BufWriter::with_capacity(1 << 16, out);
    let j = |w: &mut dyn Write, v: &Value| serde_json::to_writer(w, v).map_err(io::Error::from);
    write!(
        w,
        r#"{{"format_version":"1.2","terraform_version":"1.9.5","variables":{{"environment":{{"value":"prod"}},"region":{{"value":"{REGION}"}}}},"#
    )?;

    // planned_values: every resource that exists after the apply.
    w.write_all(br#""planned_values":{"root_module":"#)?;
    values_tree(w, modules, all, 0, &|r| {
        r.life.has_after().then_some(&r.after)
    })?;
    w.write_all(b"},")?;

    w.write_all(br#""resource_changes":["#)?;
    for (n, r) in all.iter().enumerate() {
        if n > 0 {
            w.write_all(b",")?;
        }
        let module = &modules[r.module];
        let mut rc = json!({"address": r.address(modules), "mode": "managed", "type": r.rtype,
            "name": r.name, "provider_name": PROVIDER,
            "change": {"actions": r.life.actions(), "before": r.before, "after": r.after,
                "after_unknown": unknowns(r), "before_sensitive": if r.life.has_before() { json!({}) } else { json!(false) },
                "after_sensitive": if r.life.has_after() { json!({}) } else { json!(false) }}});
        if !module.is_empty() {
            rc["module_address"] = json!(module);
        }
        if let Some(i) = r.index {
            rc["index"] = json!(i);
        }
        if r.life == Life::Replace {
            rc["action_reason"] = json!("replace_because_cannot_update");
        }
        j(w, &rc)?;
    }
    w.write_all(b"],")?;
    w.write_all(br#""output_changes":{"key_count":{"actions":["no-op"],"before":1,"after":1,"after_unknown":false,"before_sensitive":false,"after_sensitive":false}},"#)?;

    // prior_state: every resource that exists before the apply.
    w.write_all(br#""prior_state":{"format_version":"1.0","terraform_version":"1.9.5","values":{"root_module":"#)?;
    values_tree(w, modules, all, 0, &|r| {
        r.life.has_before().then_some(&r.before)
    })?;
    w.write_all(b"}},")?;

    // configuration: one block per resource (not per instance).
    w.write_all(br#""configuration":{"provider_config":{"aws":{"name":"aws","full_name":"registry.terraform.io/hashicorp/aws","expressions":{"region":{"references":["var.region"]}}}},"root_module":"#)?;
    config_tree(w, modules, all, 0)?;
    write!(
        w,
        r#"}},"timestamp":"2026-01-01T00:00:00Z","applyable":true,"complete":true,"errored":false}}"#
    )?;
    w.flush()
}

/// The child modules of module `m` (direct children only).
fn children(modules: &[String], m: usize) -> Vec<usize> {
    let parent = &modules[m];
    (0..modules.len())
        .filter(|&c| {
            let p = &modules[c];
            c != m
                && if parent.is_empty() {
                    p.matches("module.").count() == 1
                } else {
                    p.starts_with(&format!("{parent}."))
                        && p.matches("module.").count() == parent.matches("module.").count() + 1
                }
        })
        .collect()
}

fn values_tree(
    w: &mut dyn Write,
    modules: &[String],
    all: &[Res],
    m: usize,
    values: &dyn Fn(&Res) -> Option<&Value>,
) -> io::Result<()> {
    w.write_all(b"{")?;
    if m > 0 {
        write!(w, r#""address":"{}","#, modules[m])?;
    }
    w.write_all(br#""resources":["#)?;
    let mut first = true;
    for r in all.iter().filter(|r| r.module == m) {
        let Some(v) = values(r) else { continue };
        if !first {
            w.write_all(b",")?;
        }
        first = false;
        let mut o = json!({"address": r.address(modules), "mode": "managed", "type": r.rtype,
            "name": r.name, "provider_name": PROVIDER, "schema_version": 0, "values": v,
            "sensitive_values": {}});
        if let Some(i) = r.index {
            o["index"] = json!(i);
        }
        serde_json::to_writer(&mut *w, &o).map_err(io::Error::from)?;
    }
    w.write_all(b"]")?;
    let kids = children(modules, m);
    if !kids.is_empty() {
        w.write_all(br#","child_modules":["#)?;
        for (n, c) in kids.into_iter().enumerate() {
            if n > 0 {
                w.write_all(b",")?;
            }
            values_tree(w, modules, all, c, values)?;
        }
        w.write_all(b"]")?;
    }
    w.write_all(b"}")
}

fn config_tree(w: &mut dyn Write, modules: &[String], all: &[Res], m: usize) -> io::Result<()> {
    w.write_all(br#"{"resources":["#)?;
    let mut first = true;
    for r in all
        .iter()
        .filter(|r| r.module == m && r.index.is_none_or(|i| i == 0))
    {
        if !first {
            w.write_all(b",")?;
        }
        first = false;
        let mut o = json!({"address": format!("{}.{}", r.rtype, r.name), "mode": "managed",
            "type": r.rtype, "name": r.name, "provider_config_key": "aws",
            "expressions": r.config, "schema_version": 0});
        if r.index.is_some() {
            o["count_expression"] = json!({"constant_value": 3});
        }
        serde_json::to_writer(&mut *w, &o).map_err(io::Error::from)?;
    }
    w.write_all(b"]")?;
    let kids = children(modules, m);
    if !kids.is_empty() {
        w.write_all(br#","module_calls":{"#)?;
        for (n, c) in kids.into_iter().enumerate() {
            if n > 0 {
                w.write_all(b",")?;
            }
            let name = modules[c].rsplit('.').next().unwrap_or_default();
            write!(w, r#""{name}":{{"source":"./modules/{name}","module":"#)?;
            config_tree(w, modules, all, c)?;
            w.write_all(b"}")?;
        }
        w.write_all(b"}")?;
    }
    w.write_all(b"}")
}
