//! GitHub Actions: workflow commands (`::error file=…,line=…::…`) that show findings as
//! annotations, and `name=value` lines for `$GITHUB_OUTPUT`.

use std::io::{self, Write};

use super::Report;
use crate::error::display_source;
use crate::rules::Severity;

use super::escape::{command_data as data, command_property as property, terminal};

/// Writes one annotation per finding and per input error.
pub(crate) fn render(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    for f in r.findings {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut props = Vec::new();
        if let Some(l) = r.locations.get(f.key) {
            props.push(format!("file={}", property(&l.file)));
            props.push(format!("line={}", l.line));
        }
        props.push(format!(
            "title={}",
            property(&format!("kmsguard {}: {}", f.rule.id, terminal(&f.address)))
        ));
        let mut msg = terminal(&f.message).into_owned();
        if let Some(remedy) = &f.remedy {
            msg.push_str("\n\nRemedy: ");
            msg.push_str(&terminal(&remedy.flat()));
        }
        msg.push_str(&format!("\n\nDocs: {}", f.rule.help_url()));
        writeln!(out, "::{command} {}::{}", props.join(","), data(&msg))?;
    }
    for e in r.errors {
        writeln!(
            out,
            "::error title={}::{}",
            property("kmsguard input error"),
            data(&terminal(&format!(
                "{}: {}",
                display_source(&e.input),
                e.error
            )))
        )?;
    }
    Ok(())
}

/// Writes `verdict` (`pass`, `fail`, `error`) and `locked-out-count` (keys this plan
/// makes unmanageable) as `$GITHUB_OUTPUT` lines.
pub(crate) fn render_outputs(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "verdict={}", r.outcome().word())?;
    writeln!(out, "locked-out-count={}", r.introduced_lockouts())
}
