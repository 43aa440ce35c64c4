//! `--format runbook`: the recovery runbook of every key nobody can manage, in Markdown
//! (docs/audit.md). The content comes from `rules::runbook`; this lays it out and escapes
//! every input string.

use std::io::{self, Write};

use super::Report;
use super::escape::{markdown_block, markdown_code, markdown_text};
use crate::analysis::Verdict;
use crate::rules::runbook::{Runbook, sh};

pub(crate) fn render(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "# KMS key recovery runbook\n")?;
    if r.runbooks.is_empty() {
        writeln!(
            out,
            "Every key in the inputs can be managed (or its verdict is unknown): there is nothing to recover."
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "{} key(s) that nobody can manage. For each: read its policy with a principal that still has access, then regain management access without AWS Support where an administrator can, else open an AWS Support case. Written by kmsguard {}.\n",
        r.runbooks.len(),
        env!("CARGO_PKG_VERSION")
    )?;
    for b in r.runbooks {
        key(out, b)?;
    }
    Ok(())
}

/// The runbook of one key (`kmsguard explain`).
pub(crate) fn render_one(b: &Runbook, out: &mut dyn Write) -> io::Result<()> {
    key(out, b)
}

fn key(out: &mut dyn Write, b: &Runbook) -> io::Result<()> {
    let key = b.arn.as_deref().unwrap_or(&b.address);
    writeln!(out, "## {} — {}\n", markdown_code(key), b.verdict.word())?;
    let mut facts = vec![format!("input {}", markdown_code(&b.input))];
    if let Some(a) = &b.account {
        facts.push(format!("account {}", markdown_code(a)));
    }
    if let Some(reg) = &b.region {
        facts.push(format!("region {}", markdown_code(reg)));
    }
    if !b.aliases.is_empty() {
        let list: Vec<String> = b.aliases.iter().map(|a| markdown_code(a)).collect();
        facts.push(format!("aliases {}", list.join(", ")));
    }
    writeln!(out, "{}\n", facts.join(" · "))?;
    if !b.live {
        writeln!(
            out,
            "This is what recovery would take **if the plan were applied**; the better fix is to change the plan (see the key's findings).\n"
        )?;
    }
    if !b.evidence.is_empty() {
        let when = if b.live { "today" } else { "after the apply" };
        writeln!(out, "Why nobody can manage it {when}:\n")?;
        for e in &b.evidence {
            let mut line = format!("- statement {}", markdown_code(&e.statement));
            if let Some(r) = &e.reference {
                line.push_str(&format!(" names {}", markdown_code(r)));
            }
            line.push_str(&format!(": {}", e.why));
            if let Some(a) = &e.address {
                line.push_str(&format!(" ({})", markdown_code(a)));
            }
            writeln!(out, "{line}")?;
        }
        writeln!(out)?;
    }
    if let Some(d) = &b.pending_deletion {
        writeln!(
            out,
            "**The key is scheduled for deletion ({}).** Cancelling the deletion (`kms:CancelKeyDeletion`) needs management access too: act before that date.\n",
            markdown_text(d)
        )?;
    }
    writeln!(
        out,
        "### 1. Read the key policy with a principal that still has access\n"
    )?;
    if b.readers.is_empty() {
        writeln!(
            out,
            "No principal in the inputs may call `kms:GetKeyPolicy` or `kms:DescribeKey` on the key. Still try every principal that might have access (a role used by an application, a break-glass role), even with only `kms:DescribeKey`.\n"
        )?;
    } else {
        writeln!(out, "These may still read it:\n")?;
        for r in &b.readers {
            let assumed = if r.assumed {
                " (no input shows it; assumed to exist)"
            } else {
                ""
            };
            writeln!(
                out,
                "- {} — {}{assumed}",
                markdown_code(&r.arn),
                r.actions.join(", ")
            )?;
        }
        writeln!(out)?;
    }
    let read = format!(
        "aws kms describe-key --key-id {k}\naws kms get-key-policy --key-id {k} --policy-name default --query Policy --output text",
        k = sh(key)
    );
    writeln!(out, "{}\n", markdown_block(&read, "sh", ""))?;
    match (&b.recovery, b.verdict) {
        (Some(steps), _) => {
            writeln!(
                out,
                "### 2. Regain management access without AWS Support\n\n{} {} ({}), and use it to repair the key policy:\n",
                steps.verb,
                markdown_code(&steps.arn),
                markdown_text(&steps.origin)
            )?;
            writeln!(
                out,
                "{}\n",
                markdown_block(&steps.commands.join("\n"), "sh", "")
            )?;
        }
        (None, Verdict::LockedOut) => {
            writeln!(
                out,
                "### 2. Open an AWS Support case\n\nNo principal an administrator could create would be let in: only AWS can restore access. Open the case (public reports describe opening it as the account's root user), with this text:\n"
            )?;
            if let Some(case) = &b.support_case {
                writeln!(out, "{}\n", markdown_block(case, "text", ""))?;
            }
            writeln!(
                out,
                "What to expect: AWS verifies that the request comes from the account's owner, with a call to the phone number on the account; teams report days between the case and the fix. Keep the account's contact phone number current. In an AWS Organization with centralized root access, member accounts have no root credentials: restore them first from the management account (`IAMCreateRootUserPassword` through `sts:AssumeRoot`); no AssumeRoot task unlocks a key policy.\n"
            )?;
        }
        _ => {}
    }
    if let Some(p) = &b.corrected_policy {
        writeln!(
            out,
            "### 3. Put a policy that cannot lock you out again\n\nOnce someone can call `kms:PutKeyPolicy`: the policy below is the current one without the references that no longer bind, plus an administrator statement that survives recreation (`Principal: \"*\"` narrowed by `aws:PrincipalArn`, with the account root). Review it, then put it (`--write-policies DIR` writes it to a file).\n"
        )?;
        writeln!(out, "{}\n", markdown_block(p, "json", ""))?;
    }
    Ok(())
}
