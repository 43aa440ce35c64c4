//! The witness of a verdict in words: the caller and the one request that works for it
//! ("kms-admin, with MFA, from public address 52.94.76.10, at 2026-11-28T10:00:00Z (the
//! plan's time) and after"). Only shows what the analysis found.

use serde::Serialize;

use crate::analysis::PhaseResult;
use crate::policy::request::Request;
use crate::policy::time;

/// A caller and a request that works for it, with the time it was decided at.
#[derive(Debug, Serialize)]
pub(crate) struct Witness<'a> {
    /// The principal's ARN (for `recoverable`: the one to create).
    pub caller: &'a str,
    /// The request keys the policy reads, as the witness sets them (`null`: absent).
    pub request: &'a Request,
    /// The time the request is made at (the plan's time), when the policy's conditions
    /// read the time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// When the policy's time conditions end this (absent: they do not).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// The same in words.
    pub summary: String,
}

/// The witness of a phase: its first manager, else the principal its recovery creates.
pub(crate) fn of(p: &PhaseResult) -> Option<Witness<'_>> {
    let (caller, request) = match (p.evidence.managers.first(), &p.evidence.recovery) {
        (Some(m), _) => (m.arn.as_str(), &m.request),
        (None, Some(r)) => (r.arn.as_str(), &r.request),
        (None, None) => return None,
    };
    let until = p.evidence.time_change.map(|c| time::format(c.at));
    let mut parts = vec![caller.to_owned()];
    parts.extend(describe(request));
    if p.evidence.reads_time {
        parts.push(match &until {
            Some(u) => format!(
                "at {} (the plan's time) and until {u}",
                time::format(p.evidence.time)
            ),
            None => format!(
                "at {} (the plan's time) and any time after",
                time::format(p.evidence.time)
            ),
        });
    }
    Some(Witness {
        caller,
        request,
        time: p.evidence.reads_time.then(|| time::format(p.evidence.time)),
        until,
        summary: parts.join(", "),
    })
}

/// The request in words, one phrase per choice.
pub(crate) fn describe(r: &Request) -> Vec<String> {
    let mut out = Vec::new();
    let get = |k: &str| r.get(k);
    let one = |v: &Option<Vec<String>>| v.as_ref().map(|v| v.join(", "));
    for (name, v) in r.entries() {
        let lc = name.to_ascii_lowercase();
        let phrase = match (lc.as_str(), one(v)) {
            ("aws:multifactorauthpresent", None) => {
                "with long-term credentials (no MFA keys in the request)".to_owned()
            }
            ("aws:multifactorauthpresent", Some(t)) if t == "true" => {
                match get("aws:multifactorauthage").and_then(one) {
                    Some(age) if age != "0" => format!("with MFA, signed in {age} s before"),
                    _ => "with MFA".to_owned(),
                }
            }
            ("aws:multifactorauthpresent", Some(_)) => "without MFA".to_owned(),
            ("aws:multifactorauthage", _) => continue,
            ("aws:sourceip", Some(ip)) => format!("from public address {ip}"),
            ("aws:sourceip", None) => "through a VPC endpoint (no aws:SourceIp)".to_owned(),
            ("aws:viaawsservice", Some(t)) if t == "true" => {
                "through CloudFormation (no stack service role)".to_owned()
            }
            ("aws:viaawsservice", Some(_)) => "directly, not through an AWS service".to_owned(),
            ("aws:calledvia" | "aws:calledviafirst" | "aws:calledvialast", _) => continue,
            ("kms:bypasspolicylockoutsafetycheck", None) => {
                "without the BypassPolicyLockoutSafetyCheck parameter".to_owned()
            }
            (_, Some(v)) => format!("with {name} {v}"),
            (_, None) => format!("without {name}"),
        };
        out.push(phrase);
    }
    match r.session() {
        Some(crate::policy::request::ANY_SESSION) => {
            out.push("in a role session whose name the policy does not name".to_owned());
        }
        Some(s) => out.push(format!("in role session {s:?}")),
        None => {}
    }
    out
}
