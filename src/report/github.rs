//! GitHub Actions: workflow commands (`::error file=…,line=…::…`) that show findings as
//! annotations, and `name=value` lines for `$GITHUB_OUTPUT`.

use std::io::{self, Write};

use super::Report;
use crate::error::display_source;
use crate::rules::Severity;

use super::escape::{command_data as data, command_property as property, terminal};

/// GitHub shows at most this many error and this many warning annotations per step
/// (GitHub Actions "Workflow commands": annotation limits).
pub(crate) const MAX_ANNOTATIONS_PER_LEVEL: usize = 10;

/// Writes the findings and input errors as annotations, the most severe first, at most
/// [`MAX_ANNOTATIONS_PER_LEVEL`] of each level, then one notice saying how many more there
/// are and where they are.
pub(crate) fn render(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut left_out = 0;
    let mut errors_shown = 0;
    for e in r.errors {
        if errors_shown == MAX_ANNOTATIONS_PER_LEVEL {
            left_out += 1;
            continue;
        }
        errors_shown += 1;
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
    let mut findings: Vec<_> = r.active().collect();
    // Errors before warnings; within a level, in the rules' order (the gravest first).
    findings.sort_by_key(|f| {
        (
            std::cmp::Reverse(f.severity),
            crate::rules::registry::index(f.rule),
        )
    });
    let mut warnings_shown = 0;
    for f in findings {
        let (command, shown) = match f.severity {
            Severity::Error => ("error", &mut errors_shown),
            Severity::Warning => ("warning", &mut warnings_shown),
        };
        if *shown == MAX_ANNOTATIONS_PER_LEVEL {
            left_out += 1;
            continue;
        }
        *shown += 1;
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
    if left_out > 0 {
        writeln!(
            out,
            "::notice title={}::{}",
            property("kmsguard"),
            data(&format!(
                "{left_out} more finding(s) are not shown as annotations (GitHub shows {MAX_ANNOTATIONS_PER_LEVEL} errors and {MAX_ANNOTATIONS_PER_LEVEL} warnings per step); the SARIF results and the job summary have them all"
            ))
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
