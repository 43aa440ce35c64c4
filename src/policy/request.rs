//! The request model (docs/rules.md#the-request-model): what a `kms:PutKeyPolicy` request looks
//! like to a condition, and the concrete requests a caller can choose between.
//!
//! A caller chooses **one** request for all statements together. Some request keys are
//! fixed for a PutKeyPolicy call (the time, the key's region, no tags, no encryption
//! context, no `kms:ViaService`: see [`fixed`]); the others are the caller's choice (MFA,
//! source address or VPC endpoint, CloudFormation or direct, the bypass flag, a role's
//! session name, the user agent, …). For those the policy reads, [`Space`] keeps a few
//! representative values — the values the policy compares them to, a value next to each
//! boundary, and a value that matches none — and [`Space::requests`] enumerates their
//! combinations, bounded by [`MAX_REQUESTS`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::ip::{cidr, contains, mask_v4, mask_v6};

use super::condition::Base;
use super::placeholder::unknown_in;

/// The most combinations of request values tried for one caller; a policy that reads more
/// free request keys than this allows leaves the decision unknown, and says so.
pub(crate) const MAX_REQUESTS: usize = 1024;

/// The session name a role's caller uses when the policy names none that helps: any name the
/// policy does not name.
pub(crate) const ANY_SESSION: &str = "kmsguard-session";

/// The most representative values kept for one request key.
const MAX_VALUES: usize = 16;

/// A value of a condition key in one request: present with these values, or absent.
pub(crate) type Value = Option<Vec<String>>;

/// One concrete request: the value of every free key the policy reads, and for a role its
/// session name. Keys are lower case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// The keys as AWS spells them, with their values.
    pub(crate) values: Vec<(&'static str, Value)>,
    /// The role session's name (role callers only, when the policy can tell sessions apart).
    pub(crate) session: Option<String>,
}

/// A request as reports show it: `{"aws:MultiFactorAuthPresent": "true", …}` (a list for a
/// multi-valued key, `null` for an absent one), and the role session's name.
impl serde::Serialize for Request {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        for (name, v) in &self.values {
            match v {
                Some(vals) if vals.len() == 1 => m.serialize_entry(name, &vals[0])?,
                other => m.serialize_entry(name, other)?,
            }
        }
        if let Some(session) = &self.session {
            m.serialize_entry("aws:RoleSessionName", session)?;
        }
        m.end()
    }
}

impl Request {
    /// The value of a free key in this request: `None` when the request does not choose it.
    pub(crate) fn get(&self, key_lc: &str) -> Option<&Value> {
        self.values
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(key_lc))
            .map(|(_, v)| v)
    }

    /// The keys this request sets, as AWS spells them, with their values (for reports).
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.values.iter().map(|(name, v)| (*name, v))
    }

    pub fn session(&self) -> Option<&str> {
        self.session.as_deref()
    }

    /// Whether nothing was chosen: the policy reads no free request key.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty() && self.session.is_none()
    }
}

/// How a request key gets its value in a PutKeyPolicy call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fixed {
    /// Never in a PutKeyPolicy request.
    Absent,
    /// `aws:SecureTransport`: KMS accepts HTTPS only.
    True,
    /// The time of the request: at or after the plan's time.
    Time,
    /// Epoch seconds of the same.
    Epoch,
    /// The key's region.
    Region,
}

/// The keys whose value a PutKeyPolicy request fixes (lower case).
pub(crate) fn fixed(key_lc: &str) -> Option<Fixed> {
    Some(match key_lc {
        "aws:currenttime" => Fixed::Time,
        "aws:epochtime" => Fixed::Epoch,
        "aws:requestedregion" => Fixed::Region,
        "aws:securetransport" => Fixed::True,
        "aws:tagkeys"
        | "kms:viaservice"
        | "kms:encryptioncontextkeys"
        | "kms:grantoperations"
        | "kms:granteeprincipal"
        | "kms:retiringprincipal"
        | "kms:grantconstrainttype"
        | "kms:grantisforawsresource"
        | "kms:encryptionalgorithm"
        | "kms:signingalgorithm"
        | "kms:macalgorithm"
        | "kms:messagetype"
        | "kms:datakeypairspec"
        | "kms:requestalias"
        | "kms:reencryptonsamekey"
        | "kms:replicaregion"
        | "kms:primaryregion"
        | "kms:validto"
        | "kms:expirationmodel"
        | "kms:recipientattestation:imagesha384"
        | "kms:recipientattestation:pcr"
        | "aws:principalservicename"
        | "aws:principalservicenameslist"
        | "aws:sourcearn"
        | "aws:sourceaccount"
        | "aws:sourceorgid"
        | "aws:sourceorgpaths"
        | "aws:sourceowner" => Fixed::Absent,
        k if k.starts_with("aws:requesttag/")
            || k.starts_with("kms:encryptioncontext:")
            || k.starts_with("kms:wrapping") =>
        {
            Fixed::Absent
        }
        // IAM-policy-only keys: in a stored key policy they never match.
        k if k.starts_with("aws:resourcetag/")
            || k.starts_with("kms:resourcetag/")
            || k == "kms:resourcealiases" =>
        {
            Fixed::Absent
        }
        _ => return None,
    })
}

/// Condition keys KMS refuses in a key policy (S34): a policy that the plan writes with one
/// is invalid.
pub(crate) fn refused_in_key_policy(key_lc: &str) -> bool {
    key_lc.starts_with("aws:resourcetag/")
        || key_lc.starts_with("kms:resourcetag/")
        || key_lc == "kms:resourcealiases"
}

/// A free key: the caller chooses its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    Mfa,
    Bypass,
    Network,
    CalledVia,
    Session,
    /// Any other key the caller sets; `absent` whether a request can lack it.
    Other {
        absent: bool,
    },
}

fn group(key_lc: &str) -> Option<(Group, &'static str)> {
    Some(match key_lc {
        "aws:multifactorauthpresent" => (Group::Mfa, "aws:MultiFactorAuthPresent"),
        "aws:multifactorauthage" => (Group::Mfa, "aws:MultiFactorAuthAge"),
        "kms:bypasspolicylockoutsafetycheck" => {
            (Group::Bypass, "kms:BypassPolicyLockoutSafetyCheck")
        }
        "aws:sourceip" => (Group::Network, "aws:SourceIp"),
        "aws:sourcevpc" => (Group::Network, "aws:SourceVpc"),
        "aws:sourcevpce" => (Group::Network, "aws:SourceVpce"),
        "aws:sourcevpcarn" => (Group::Network, "aws:SourceVpcArn"),
        "aws:vpcsourceip" => (Group::Network, "aws:VpcSourceIp"),
        "aws:calledvia" => (Group::CalledVia, "aws:CalledVia"),
        "aws:calledviafirst" => (Group::CalledVia, "aws:CalledViaFirst"),
        "aws:calledvialast" => (Group::CalledVia, "aws:CalledViaLast"),
        "aws:viaawsservice" => (Group::CalledVia, "aws:ViaAWSService"),
        "aws:rolesessionname" | "aws:userid" => (Group::Session, ""),
        "aws:useragent" => (Group::Other { absent: false }, "aws:UserAgent"),
        "aws:referer" => (Group::Other { absent: true }, "aws:Referer"),
        "aws:tokenissuetime" => (Group::Other { absent: true }, "aws:TokenIssueTime"),
        "aws:sourceidentity" => (Group::Other { absent: true }, "aws:SourceIdentity"),
        "aws:federatedprovider" => (Group::Other { absent: true }, "aws:FederatedProvider"),
        "aws:ec2instancesourcevpc" => (Group::Other { absent: true }, "aws:Ec2InstanceSourceVpc"),
        "aws:ec2instancesourceprivateipv4" => (
            Group::Other { absent: true },
            "aws:Ec2InstanceSourcePrivateIPv4",
        ),
        _ => return None,
    })
}

/// Whether the caller chooses this key's value.
pub(crate) fn is_free(key_lc: &str) -> bool {
    group(key_lc).is_some()
}

/// The free request keys a policy reads, with representative values for each.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Space {
    /// MFA ages to try with MFA present, when the policy reads an MFA key.
    mfa: Option<Vec<String>>,
    bypass: bool,
    network: Option<Network>,
    called_via: bool,
    /// Session names to try for a role, when the policy can tell sessions apart.
    sessions: Option<Vec<String>>,
    other: Vec<(&'static str, Vec<Value>)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Network {
    /// Public addresses for `aws:SourceIp`.
    public: Vec<String>,
    /// Per VPC key the policy reads: the values to try through a VPC endpoint.
    vpc: Vec<(&'static str, Vec<String>)>,
}

/// A condition as the space reads it.
pub(crate) struct Read<'c> {
    pub key_lc: &'c str,
    pub base: &'c Base,
    pub values: &'c [String],
}

impl Space {
    /// The space of a policy's conditions (`reads`), the policy variables it uses
    /// (`variables`, lower case) and the session names its `Principal` elements name.
    pub(crate) fn of<'c>(
        reads: impl Iterator<Item = Read<'c>>,
        variables: &[String],
        sessions_named: &[String],
    ) -> Space {
        let mut s = Space::default();
        let mut ips: Vec<String> = Vec::new();
        let mut session_names: Vec<String> = sessions_named.to_vec();
        let mut mentions_session = !sessions_named.is_empty();
        let mut vpc_values: Vec<(&'static str, Vec<String>)> = Vec::new();
        let mut ages: Vec<String> = Vec::new();
        let mut other: Vec<(&'static str, Vec<Value>)> = Vec::new();
        let mut note = |key_lc: &str, base: Option<&Base>, values: &[String]| {
            let Some((g, name)) = group(key_lc) else {
                return;
            };
            let known: Vec<&String> = values
                .iter()
                .filter(|v| unknown_in(v).is_none() && !v.contains("${"))
                .collect();
            match g {
                Group::Mfa => {
                    s.mfa.get_or_insert_with(Vec::new);
                    if key_lc == "aws:multifactorauthage" {
                        for v in &known {
                            ages.extend(around_number(v));
                        }
                    }
                }
                Group::Bypass => s.bypass = true,
                Group::CalledVia => s.called_via = true,
                Group::Session => {
                    mentions_session = true;
                    for v in &known {
                        let v = if key_lc == "aws:userid" {
                            match v.split_once(':') {
                                Some((_, session)) => session,
                                None => continue,
                            }
                        } else {
                            v.as_str()
                        };
                        // A pattern of wildcards only: any name does, including ANY_SESSION.
                        if !v.chars().all(|c| c == '*' || c == '?') {
                            session_names.push(sample(v));
                        }
                    }
                }
                Group::Network => {
                    s.network.get_or_insert_with(Network::default);
                    if key_lc == "aws:sourceip" {
                        ips.extend(known.iter().map(|v| v.to_string()));
                    } else {
                        let slot = match vpc_values.iter().position(|(k, _)| *k == name) {
                            Some(i) => &mut vpc_values[i].1,
                            None => {
                                vpc_values.push((name, Vec::new()));
                                &mut vpc_values.last_mut().expect("just pushed").1
                            }
                        };
                        for v in &known {
                            slot.push(match base {
                                Some(Base::IpAddress | Base::NotIpAddress)
                                    if key_lc == "aws:vpcsourceip" =>
                                {
                                    inside(v).unwrap_or_else(|| (*v).clone())
                                }
                                _ => sample(v),
                            });
                        }
                    }
                }
                Group::Other { absent } => {
                    let slot = match other.iter().position(|(k, _)| *k == name) {
                        Some(i) => &mut other[i].1,
                        None => {
                            let mut first = vec![Some(vec!["kmsguard-other-value".to_owned()])];
                            if absent {
                                first.insert(0, None);
                            }
                            other.push((name, first));
                            &mut other.last_mut().expect("just pushed").1
                        }
                    };
                    for v in &known {
                        for x in std::iter::once(sample(v))
                            .chain(around_number(v))
                            .chain(around_date(v))
                        {
                            slot.push(Some(vec![x]));
                        }
                    }
                }
            }
        };
        for r in reads {
            note(r.key_lc, Some(r.base), r.values);
        }
        for v in variables {
            note(v, None, &[]);
        }
        if let Some(m) = &mut s.mfa {
            ages.push("0".into());
            dedup(&mut ages);
            *m = ages;
        }
        if let Some(n) = &mut s.network {
            n.public = public_addresses(&ips);
            for (_, vals) in &mut vpc_values {
                vals.push("kmsguard-other-value".into());
                dedup(vals);
            }
            n.vpc = vpc_values;
        }
        if mentions_session {
            session_names.push(ANY_SESSION.into());
            dedup(&mut session_names);
            s.sessions = Some(session_names);
        }
        for (_, vals) in &mut other {
            let mut seen = Vec::new();
            vals.retain(|v| {
                let keep = !seen.contains(v);
                seen.push(v.clone());
                keep
            });
            vals.truncate(MAX_VALUES);
        }
        s.other = other;
        s
    }

    /// Whether a role caller's requests carry a session name.
    pub(crate) fn reads_sessions(&self) -> bool {
        self.sessions.is_some()
    }

    /// Whether the policy reads no free request key.
    pub(crate) fn is_empty(&self) -> bool {
        *self == Space::default()
    }

    /// Every combination of representative values, for a caller that is a role (`role`:
    /// sessions count) or not. `None` when there are more than [`MAX_REQUESTS`].
    pub(crate) fn requests(&self, role: bool) -> Option<Vec<Request>> {
        let mut dims: Vec<Vec<Request>> = Vec::new();
        if let Some(ages) = &self.mfa {
            let mut opts = vec![
                // Long-term credentials: neither key is in the request.
                part(&[("aws:MultiFactorAuthPresent", None)]),
                part(&[("aws:MultiFactorAuthPresent", Some("false"))]),
            ];
            for a in ages {
                opts.push(Request {
                    values: vec![
                        ("aws:MultiFactorAuthPresent", Some(vec!["true".into()])),
                        ("aws:MultiFactorAuthAge", Some(vec![a.clone()])),
                    ],
                    session: None,
                });
            }
            dims.push(opts);
        }
        if self.bypass {
            let name = "kms:BypassPolicyLockoutSafetyCheck";
            dims.push(vec![
                part(&[(name, None)]),
                part(&[(name, Some("false"))]),
                part(&[(name, Some("true"))]),
            ]);
        }
        if let Some(n) = &self.network {
            let mut opts: Vec<Request> = n
                .public
                .iter()
                .map(|ip| part(&[("aws:SourceIp", Some(ip))]))
                .collect();
            // Through a VPC endpoint: no aws:SourceIp, the VPC keys present.
            let mut vpc = vec![part(&[("aws:SourceIp", None)])];
            for (name, vals) in &n.vpc {
                let mut next = Vec::new();
                for r in &vpc {
                    for v in vals {
                        let mut r = r.clone();
                        r.values.push((name, Some(vec![v.clone()])));
                        next.push(r);
                    }
                }
                vpc = next;
                if vpc.len() > MAX_REQUESTS {
                    return None;
                }
            }
            opts.extend(vpc);
            dims.push(opts);
        }
        if self.called_via {
            let cfn = "cloudformation.amazonaws.com";
            dims.push(vec![
                part(&[("aws:ViaAWSService", Some("false"))]),
                part(&[
                    ("aws:CalledVia", Some(cfn)),
                    ("aws:CalledViaFirst", Some(cfn)),
                    ("aws:CalledViaLast", Some(cfn)),
                    ("aws:ViaAWSService", Some("true")),
                ]),
            ]);
        }
        if let (Some(names), true) = (&self.sessions, role) {
            dims.push(
                names
                    .iter()
                    .map(|n| Request {
                        values: Vec::new(),
                        session: Some(n.clone()),
                    })
                    .collect(),
            );
        }
        for (name, vals) in &self.other {
            dims.push(
                vals.iter()
                    .map(|v| Request {
                        values: vec![(*name, v.clone())],
                        session: None,
                    })
                    .collect(),
            );
        }
        let total = dims
            .iter()
            .try_fold(1usize, |acc, d| acc.checked_mul(d.len().max(1)))?;
        if total > MAX_REQUESTS {
            return None;
        }
        let mut out = vec![Request::default()];
        for d in dims {
            let mut next = Vec::with_capacity(out.len() * d.len());
            for r in &out {
                for opt in &d {
                    let mut r = r.clone();
                    r.values.extend(opt.values.iter().cloned());
                    if opt.session.is_some() {
                        r.session.clone_from(&opt.session);
                    }
                    next.push(r);
                }
            }
            out = next;
        }
        Some(out)
    }
}

fn part(values: &[(&'static str, Option<&str>)]) -> Request {
    Request {
        values: values
            .iter()
            .map(|(n, v)| (*n, v.map(|v| vec![v.to_owned()])))
            .collect(),
        session: None,
    }
}

fn dedup(v: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    v.retain(|x| seen.insert(x.clone()));
    v.truncate(MAX_VALUES);
}

/// A value a wildcard pattern matches (its `*` and `?` filled in).
fn sample(pattern: &str) -> String {
    pattern.replace(['*', '?'], "x")
}

/// A number, one below and one above (for `Numeric*` boundaries).
fn around_number(v: &str) -> Vec<String> {
    match v.trim().parse::<i64>() {
        Ok(n) => [n.saturating_sub(1), n, n.saturating_add(1)]
            .into_iter()
            .filter(|n| *n >= 0)
            .map(|n| n.to_string())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// A date and a second on either side (for `Date*` boundaries).
fn around_date(v: &str) -> Vec<String> {
    if v.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    match super::time::parse(v) {
        Some(t) => [t - 1, t, t + 1]
            .into_iter()
            .map(super::time::format)
            .collect(),
        None => Vec::new(),
    }
}

/// Ranges that never appear in `aws:SourceIp` (private, shared, loopback, link-local).
fn private(ip: IpAddr) -> bool {
    const V4: &[(&str, u8)] = &[
        ("10.0.0.0", 8),
        ("172.16.0.0", 12),
        ("192.168.0.0", 16),
        ("100.64.0.0", 10),
        ("127.0.0.0", 8),
        ("169.254.0.0", 16),
        ("0.0.0.0", 8),
    ];
    const V6: &[(&str, u8)] = &[("fc00::", 7), ("fe80::", 10), ("::", 127)];
    let hit = |list: &[(&str, u8)]| {
        list.iter()
            .any(|(n, l)| n.parse::<IpAddr>().is_ok_and(|n| contains((n, *l), ip)))
    };
    hit(V4) || hit(V6)
}

/// An address inside a block (its first host), for `aws:VpcSourceIp`.
fn inside(block: &str) -> Option<String> {
    let (net, len) = cidr(block)?;
    Some(first_host(net, len).to_string())
}

fn first_host(net: IpAddr, len: u8) -> IpAddr {
    match net {
        IpAddr::V4(n) => {
            let mask = mask_v4(len);
            let base = u32::from(n) & mask;
            IpAddr::V4(Ipv4Addr::from(if len < 31 { base + 1 } else { base }))
        }
        IpAddr::V6(n) => {
            let mask = mask_v6(len);
            let base = u128::from(n) & mask;
            IpAddr::V6(Ipv6Addr::from(if len < 127 { base + 1 } else { base }))
        }
    }
}

/// The public addresses a caller can call from, one per listed block that holds public
/// addresses and one (per address family) outside every listed block.
fn public_addresses(listed: &[String]) -> Vec<String> {
    let blocks: Vec<(IpAddr, u8)> = listed.iter().filter_map(|b| cidr(b)).collect();
    let mut out = Vec::new();
    for &(net, len) in &blocks {
        let candidates = [first_host(net, len), last_host(net, len)];
        if let Some(ip) = candidates.into_iter().find(|ip| !private(*ip)) {
            out.push(ip.to_string());
        }
    }
    const OUTSIDE: &[&str] = &[
        "52.94.76.10",
        "3.5.140.2",
        "18.160.10.1",
        "203.0.113.200",
        "2600:1f18::10",
        "2a05:d018::10",
    ];
    for family_v4 in [true, false] {
        if let Some(ip) = OUTSIDE
            .iter()
            .filter_map(|s| s.parse::<IpAddr>().ok())
            .filter(|ip| ip.is_ipv4() == family_v4)
            .find(|ip| !blocks.iter().any(|b| contains(*b, *ip)))
        {
            out.push(ip.to_string());
        }
    }
    dedup(&mut out);
    out
}

fn last_host(net: IpAddr, len: u8) -> IpAddr {
    match net {
        IpAddr::V4(n) => {
            let mask = mask_v4(len);
            let top = (u32::from(n) & mask) | !mask;
            IpAddr::V4(Ipv4Addr::from(if len < 31 { top - 1 } else { top }))
        }
        IpAddr::V6(n) => {
            let mask = mask_v6(len);
            let top = (u128::from(n) & mask) | !mask;
            IpAddr::V6(Ipv6Addr::from(if len < 127 { top - 1 } else { top }))
        }
    }
}
