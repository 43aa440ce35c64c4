//! One place that turns strings from the inputs into output that can only be read as data.
//!
//! A pull request controls most of what kmsguard shows: resource addresses, `for_each` keys,
//! `Sid`s, principal strings, condition operators, file names. Every renderer passes such a
//! string through one of these functions before it writes it:
//!
//! - [`terminal`] for the text report, `explain` and messages on standard error (a CI log):
//!   control characters (CR, LF, ESC, the other C0 and C1 controls), line and paragraph
//!   separators, and the invisible characters that reorder or hide text are shown as escapes,
//!   so a string can neither start a line (`::error::…`, a workflow command) nor drive the
//!   terminal;
//! - [`markdown_text`], [`markdown_code`] and [`markdown_block`] for the job summary and
//!   pull-request comments: no HTML, emphasis, link, mention, heading or table cell can come
//!   from an input;
//! - [`command_data`] and [`command_property`] for GitHub workflow commands.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether a character must not reach a terminal or log as it is.
fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            // Line and paragraph separators.
            '\u{2028}' | '\u{2029}'
            // Bidirectional controls ("Trojan Source").
            | '\u{061C}' | '\u{200E}' | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            // Zero-width characters that hide text.
            | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
        )
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

/// A string from an input, safe to write to a terminal or a CI log: every control or
/// invisible character is shown as an escape (`\n`, `\r`, `\u{1b}`).
pub(crate) fn terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_hidden(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`terminal`], with runs of white space (new lines included) folded into one space: for
/// messages from libraries that may span lines.
pub(crate) fn one_line(s: &str) -> String {
    terminal(&s.split_whitespace().collect::<Vec<_>>().join(" ")).into_owned()
}

/// Characters that can start Markdown or HTML markup anywhere in a line (GitHub Flavored
/// Markdown, with its autolinks, mentions, emoji and math), escaped with a backslash.
/// CommonMark guarantees that a backslash before any ASCII punctuation stands for the
/// character itself.
const MARKDOWN_SPECIAL: &[char] = &[
    '\\', '`', '*', '_', '~', '[', ']', '(', ')', '!', '<', '>', '&', ':', '@', '.', '|', '$', '#',
    '{', '}', '"', '\'', '+', '-', '=',
];

/// A string from an input as Markdown text: it renders as itself, with no markup of its
/// own. Control characters are shown as escapes (the line cannot end or start a block).
pub(crate) fn markdown_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    for c in terminal(s).chars() {
        if MARKDOWN_SPECIAL.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The longest run of backticks in `s`.
fn longest_backtick_run(s: &str) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in s.chars() {
        if c == '`' {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

/// A string from an input as an inline code span, usable in a table cell: backticks in it
/// are fenced by a longer run, `|` is escaped for the table, control characters are shown
/// as escapes.
pub(crate) fn markdown_code(s: &str) -> String {
    let body = terminal(s).replace('|', "\\|");
    let fence = "`".repeat(longest_backtick_run(&body) + 1);
    let pad = if body.starts_with('`') || body.ends_with('`') || body.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// Text (which may span lines) as a fenced code block, indented by `indent`: the fence is
/// longer than any run of backticks in the text, so no line of it can close the block.
pub(crate) fn markdown_block(text: &str, lang: &str, indent: &str) -> String {
    let safe: Vec<String> = text.lines().map(|l| terminal(l).into_owned()).collect();
    let fence = "`".repeat(
        3.max(
            safe.iter()
                .map(|l| longest_backtick_run(l))
                .max()
                .unwrap_or(0)
                + 1,
        ),
    );
    let mut out = format!("{indent}{fence}{lang}\n");
    for l in &safe {
        out.push_str(indent);
        out.push_str(l);
        out.push('\n');
    }
    out.push_str(indent);
    out.push_str(&fence);
    out
}

/// Escapes a GitHub workflow command's message (`::error ...::MESSAGE`).
pub(crate) fn command_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a GitHub workflow command's property value (`file=VALUE`).
pub(crate) fn command_property(s: &str) -> String {
    command_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_shows_controls_as_escapes() {
        assert_eq!(terminal("plain ✓"), "plain ✓");
        assert_eq!(
            terminal("a\n::error::x\r\u{1b}[31m\u{9b}\u{202e}\u{2028}"),
            "a\\n::error::x\\r\\u{1b}[31m\\u{9b}\\u{202e}\\u{2028}"
        );
        assert_eq!(one_line("a\n  b\tc"), "a b c");
    }

    #[test]
    fn markdown_text_has_no_markup() {
        assert_eq!(
            markdown_text("<img src=x> **b** [l](u) @me www.x.io\r## h"),
            "\\<img src\\=x\\> \\*\\*b\\*\\* \\[l\\]\\(u\\) \\@me www\\.x\\.io\\\\r\\#\\# h"
        );
    }

    #[test]
    fn code_spans_fence_backticks_and_escape_pipes() {
        assert_eq!(markdown_code("a"), "`a`");
        assert_eq!(markdown_code("a`b|c"), "``a`b\\|c``");
        assert_eq!(markdown_code("`x`"), "`` `x` ``");
        assert_eq!(markdown_code("</details>\n"), "`</details>\\n`");
    }

    #[test]
    fn code_blocks_cannot_be_closed_from_inside() {
        let b = markdown_block("x\n````\ny", "json", "  ");
        assert_eq!(b, "  `````json\n  x\n  ````\n  y\n  `````");
    }

    #[test]
    fn escapes_workflow_commands() {
        assert_eq!(command_data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(command_property("a:b,c"), "a%3Ab%2Cc");
    }
}
