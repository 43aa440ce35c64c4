//! A recursive-descent parser for HCL's native syntax, as Terraform uses it in `.tf` files.
//!
//! It never backtracks (one pass, linear in the input), and it counts how deeply blocks,
//! expressions and templates nest: past [`MAX_NESTING`] it refuses the file instead of
//! overflowing the stack. Terraform itself accepts nesting tens of thousands deep (its
//! parser stops at its own stack limit), so the limit is high, and callers run the parser
//! on a thread with a stack large enough for it (see [`crate::tfsource::with_stack`]).

use super::ast::*;

/// How deeply expressions, templates and blocks may nest. Terraform 1.11 accepts 40,000 nested
/// brackets and crashes (stack overflow) at 100,000.
pub(crate) const MAX_NESTING: usize = 50_000;

/// Why a file does not parse: the line, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

type R<T> = Result<T, ParseError>;

/// Parses a file's text. A UTF-8 byte order mark at the start is skipped (Terraform accepts
/// it).
pub(crate) fn parse_body(text: &str) -> R<Body> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut p = Parser {
        src: text,
        pos: start,
        depth: 0,
    };
    let body = p.body(true)?;
    p.skip(true);
    if p.pos < p.src.len() {
        return Err(p.error("a `}` without its `{`"));
    }
    Ok(body)
}

/// Parses a template file's text (`templatefile`): literal text with `${…}` and `%{…}`.
pub(crate) fn parse_template(text: &str) -> R<Template> {
    let mut p = Parser {
        src: text,
        pos: 0,
        depth: 0,
    };
    let t = p.template(TemplateEnd::Eof)?;
    Ok(t)
}

struct Parser<'s> {
    src: &'s str,
    pos: usize,
    depth: usize,
}

/// Where a template's text ends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TemplateEnd<'m> {
    /// A closing `"` (escapes apply).
    Quote,
    /// A line holding only the heredoc marker.
    Heredoc(&'m str),
    /// The end of the text (template files).
    Eof,
}

/// One piece of a template before its directives are nested.
enum Piece {
    Literal(String),
    Interpolation(Expr, bool, bool),
    If(Expr, bool, bool),
    Else(bool, bool),
    EndIf(bool, bool),
    For(Option<String>, String, Expr, bool, bool),
    EndFor(bool, bool),
}

impl Piece {
    fn strips(&self) -> (bool, bool) {
        match self {
            Piece::Literal(_) => (false, false),
            Piece::Interpolation(_, l, r)
            | Piece::If(_, l, r)
            | Piece::Else(l, r)
            | Piece::EndIf(l, r)
            | Piece::For(_, _, _, l, r)
            | Piece::EndFor(l, r) => (*l, *r),
        }
    }
}

fn is_id_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_id_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

/// Removes the indentation that every line of a `<<-` heredoc shares.
fn dedent(pieces: &mut [Piece]) {
    // The indentation of each line that has text, where a line starts in a literal.
    let mut min = usize::MAX;
    let mut at_line_start = true;
    for p in pieces.iter() {
        match p {
            Piece::Literal(s) => {
                for (i, line) in s.split('\n').enumerate() {
                    if i > 0 || at_line_start {
                        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
                        if indent < line.len()
                            || i + 1 == s.split('\n').count() && !s.ends_with('\n')
                        {
                            min = min.min(indent);
                        }
                    }
                }
                at_line_start = s.ends_with('\n');
            }
            _ => {
                if at_line_start {
                    min = 0;
                }
                at_line_start = false;
            }
        }
    }
    if min == usize::MAX || min == 0 {
        return;
    }
    let mut at_line_start = true;
    for p in pieces.iter_mut() {
        if let Piece::Literal(s) = p {
            let mut out = String::with_capacity(s.len());
            for (i, line) in s.split('\n').enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                if i > 0 || at_line_start {
                    let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
                    out.push_str(&line[indent.min(min)..]);
                } else {
                    out.push_str(line);
                }
            }
            at_line_start = s.ends_with('\n');
            *s = out;
        } else {
            at_line_start = false;
        }
    }
}

impl<'s> Parser<'s> {
    fn line_at(&self, pos: usize) -> usize {
        self.src.as_bytes()[..pos.min(self.src.len())]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            line: self.line_at(self.pos),
            message: message.into(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(n)
    }

    fn rest(&self) -> &'s str {
        &self.src[self.pos..]
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, s: &str, what: &str) -> R<()> {
        if self.eat(s) {
            Ok(())
        } else {
            Err(self.error(format!("expected {what}")))
        }
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.error(format!("nested more than {MAX_NESTING} levels deep")));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Skips spaces and comments; new lines too when `newlines`.
    fn skip(&mut self, newlines: bool) {
        loop {
            let Some(c) = self.peek() else { return };
            match c {
                ' ' | '\t' | '\u{feff}' => {
                    self.pos += c.len_utf8();
                }
                '\r' if self.peek_at(1) == Some('\n') && newlines => self.pos += 1,
                '\r' if self.peek_at(1) != Some('\n') => self.pos += 1,
                '\n' if newlines => self.pos += 1,
                '#' => self.skip_line_comment(),
                '/' if self.peek_at(1) == Some('/') => self.skip_line_comment(),
                '/' if self.peek_at(1) == Some('*') => {
                    match self.rest()[2..].find("*/") {
                        Some(end) => self.pos += 2 + end + 2,
                        // Reported where the next token is expected.
                        None => self.pos = self.src.len(),
                    }
                }
                _ => return,
            }
        }
    }

    /// Skips a `#` or `//` comment up to (not including) its new line.
    fn skip_line_comment(&mut self) {
        match self.rest().find('\n') {
            Some(n) => {
                self.pos += n;
                if self.src[..self.pos].ends_with('\r') {
                    self.pos -= 1;
                }
            }
            None => self.pos = self.src.len(),
        }
    }

    /// Ends an attribute or a block line: a new line, a comment up to one, or the end.
    fn end_of_line(&mut self) -> R<()> {
        self.skip(false);
        match self.peek() {
            None => Ok(()),
            Some('\n') => {
                self.pos += 1;
                Ok(())
            }
            Some('\r') if self.peek_at(1) == Some('\n') => {
                self.pos += 2;
                Ok(())
            }
            Some('}') => Ok(()),
            Some(_) => Err(self.error("expected a new line after the attribute or block")),
        }
    }

    fn identifier(&mut self) -> Option<String> {
        let c = self.peek()?;
        if !is_id_start(c) {
            return None;
        }
        let start = self.pos;
        self.bump();
        while self.peek().is_some_and(is_id_continue) {
            self.bump();
        }
        Some(self.src[start..self.pos].to_owned())
    }

    /// Whether the next characters are the keyword `word` (not the start of a longer name).
    fn at_keyword(&self, word: &str) -> bool {
        self.rest().starts_with(word)
            && !self.rest()[word.len()..]
                .chars()
                .next()
                .is_some_and(is_id_continue)
    }

    /// Attributes and blocks, up to `}` (or the end of the file at the top).
    fn body(&mut self, top: bool) -> R<Body> {
        let mut body = Body::default();
        loop {
            self.skip(true);
            match self.peek() {
                None if top => return Ok(body),
                None => return Err(self.error("a block is not closed with `}`")),
                Some('}') => return Ok(body),
                _ => {}
            }
            let start = self.pos;
            let name = self
                .identifier()
                .ok_or_else(|| self.error("expected an attribute or a block"))?;
            self.skip(false);
            if self.peek() == Some('=') && self.peek_at(1) != Some('=') {
                self.pos += 1;
                self.skip(false);
                let expr = self.expression(false)?;
                let span = start..self.pos;
                self.end_of_line()?;
                body.attributes.push(Attribute { name, expr, span });
                continue;
            }
            let mut labels = Vec::new();
            loop {
                self.skip(false);
                match self.peek() {
                    Some('"') => {
                        self.pos += 1;
                        let t = self.template(TemplateEnd::Quote)?;
                        let label = t
                            .literal()
                            .ok_or_else(|| self.error("a block label cannot hold `${`"))?
                            .to_owned();
                        labels.push(label);
                    }
                    Some('{') => break,
                    Some(c) if is_id_start(c) => {
                        labels.push(self.identifier().unwrap_or_default());
                    }
                    _ => return Err(self.error(format!("expected `=` or `{{` after {name}"))),
                }
            }
            self.pos += 1; // `{`
            self.enter()?;
            let inner = self.body(false)?;
            self.leave();
            self.expect("}", "`}`")?;
            let span = start..self.pos;
            self.end_of_line()?;
            body.blocks.push(Block {
                kind: name,
                labels,
                body: inner,
                span,
            });
        }
    }

    /// An expression. `nl`: new lines are white space (inside brackets).
    fn expression(&mut self, nl: bool) -> R<Expr> {
        self.enter()?;
        let start = self.pos;
        let cond = self.binary(nl, 0)?;
        self.skip(nl);
        let e = if self.peek() == Some('?') {
            self.pos += 1;
            self.skip(nl);
            let then = self.expression(nl)?;
            self.skip(nl);
            self.expect(":", "`:` of a conditional")?;
            self.skip(nl);
            let otherwise = self.expression(nl)?;
            Expr {
                kind: ExprKind::Conditional(Box::new(cond), Box::new(then), Box::new(otherwise)),
                span: start..self.pos,
            }
        } else {
            cond
        };
        self.leave();
        Ok(e)
    }

    /// The binary operator at the position, with its precedence (higher binds tighter).
    fn operator(&self) -> Option<(BinOp, usize, u8)> {
        let r = self.rest().as_bytes();
        let two = |a: u8, b: u8| r.len() >= 2 && r[0] == a && r[1] == b;
        Some(match r.first()? {
            b'|' if two(b'|', b'|') => (BinOp::Or, 2, 1),
            b'&' if two(b'&', b'&') => (BinOp::And, 2, 2),
            b'=' if two(b'=', b'=') => (BinOp::Eq, 2, 3),
            b'!' if two(b'!', b'=') => (BinOp::NotEq, 2, 3),
            b'<' if two(b'<', b'=') => (BinOp::LessEq, 2, 4),
            b'>' if two(b'>', b'=') => (BinOp::GreaterEq, 2, 4),
            b'<' if !two(b'<', b'<') => (BinOp::Less, 1, 4),
            b'>' => (BinOp::Greater, 1, 4),
            b'+' => (BinOp::Add, 1, 5),
            b'-' => (BinOp::Sub, 1, 5),
            b'*' => (BinOp::Mul, 1, 6),
            b'/' if !two(b'/', b'/') && !two(b'/', b'*') => (BinOp::Div, 1, 6),
            b'%' => (BinOp::Mod, 1, 6),
            _ => return None,
        })
    }

    /// Binary operations of precedence `min` and above, left-associative, built with a loop
    /// (a long chain `a + a + a …` does not recurse).
    fn binary(&mut self, nl: bool, min: u8) -> R<Expr> {
        let start = self.pos;
        let mut lhs = self.unary(nl)?;
        // Each operation makes the tree one level deeper.
        let mut levels = 0;
        let result = loop {
            self.skip(nl);
            let Some((op, len, prec)) = self.operator() else {
                break Ok(lhs);
            };
            if prec < min.max(1) {
                break Ok(lhs);
            }
            self.pos += len;
            self.skip(nl);
            if let Err(e) = self.enter() {
                break Err(e);
            }
            levels += 1;
            let rhs = match self.binary(nl, prec + 1) {
                Ok(r) => r,
                Err(e) => break Err(e),
            };
            lhs = Expr {
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                span: start..self.pos,
            };
        };
        self.depth -= levels;
        result
    }

    fn unary(&mut self, nl: bool) -> R<Expr> {
        let start = self.pos;
        let op = match self.peek() {
            Some('!') => UnOp::Not,
            Some('-') => UnOp::Neg,
            _ => return self.postfix(nl),
        };
        self.pos += 1;
        self.skip(nl);
        self.enter()?;
        let e = self.unary(nl)?;
        self.leave();
        Ok(Expr {
            kind: ExprKind::Unary(op, Box::new(e)),
            span: start..self.pos,
        })
    }

    /// A term followed by attribute accesses, indexes and splats.
    fn postfix(&mut self, nl: bool) -> R<Expr> {
        let depth = self.depth;
        let r = self.traversals(nl);
        self.depth = depth;
        r
    }

    fn traversals(&mut self, nl: bool) -> R<Expr> {
        let start = self.pos;
        let mut e = self.term(nl)?;
        loop {
            // Traversals bind to the term without white space in between only in HCL's
            // grammar for `.`; `[` may follow after spaces but not after a new line.
            let save = self.pos;
            self.skip(false);
            match self.peek() {
                // `...`: expansion of the last argument, or grouping in a for expression.
                Some('.') if self.peek_at(1) == Some('.') => {
                    self.pos = save;
                    return Ok(e);
                }
                Some('.') if self.peek_at(1) == Some('*') => {
                    self.pos += 2;
                    e = self.splat(e, start, nl, false)?;
                }
                Some('.') => {
                    self.pos += 1;
                    self.skip(nl);
                    e = self.get_attr(e, start)?;
                }
                Some('[') if self.rest()[1..].trim_start().starts_with("*]") => {
                    self.pos += 1;
                    self.skip(nl);
                    self.pos += 2;
                    e = self.splat(e, start, nl, true)?;
                }
                Some('[') => {
                    self.pos += 1;
                    self.skip(true);
                    let ix = self.expression(true)?;
                    self.skip(true);
                    self.expect("]", "`]` after an index")?;
                    e = Expr {
                        kind: ExprKind::Index(Box::new(e), Box::new(ix)),
                        span: start..self.pos,
                    };
                }
                _ => {
                    self.pos = save;
                    return Ok(e);
                }
            }
            // Each traversal makes the tree one level deeper (`postfix` restores the count).
            self.enter()?;
        }
    }

    /// `.NAME` or the legacy index `.0`, after the `.`.
    fn get_attr(&mut self, e: Expr, start: usize) -> R<Expr> {
        if self.peek().is_some_and(|c| c.is_ascii_digit()) {
            let s = self.pos;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
            }
            let n: f64 = self.src[s..self.pos].parse().unwrap_or(0.0);
            let ix = Expr {
                kind: ExprKind::Number(n),
                span: s..self.pos,
            };
            return Ok(Expr {
                kind: ExprKind::Index(Box::new(e), Box::new(ix)),
                span: start..self.pos,
            });
        }
        let name = self
            .identifier()
            .ok_or_else(|| self.error("expected an attribute name after `.`"))?;
        Ok(Expr {
            kind: ExprKind::GetAttr(Box::new(e), name),
            span: start..self.pos,
        })
    }

    /// The traversals after a splat, applied to each element.
    fn splat(&mut self, source: Expr, start: usize, nl: bool, full: bool) -> R<Expr> {
        let item_start = self.pos;
        let mut each = Expr {
            kind: ExprKind::SplatItem,
            span: item_start..item_start,
        };
        loop {
            self.enter()?;
            let save = self.pos;
            self.skip(false);
            match self.peek() {
                Some('.') if !matches!(self.peek_at(1), Some('*' | '.')) => {
                    self.pos += 1;
                    self.skip(nl);
                    each = self.get_attr(each, item_start)?;
                }
                Some('[') if full && !self.rest()[1..].trim_start().starts_with("*]") => {
                    self.pos += 1;
                    self.skip(true);
                    let ix = self.expression(true)?;
                    self.skip(true);
                    self.expect("]", "`]` after an index")?;
                    each = Expr {
                        kind: ExprKind::Index(Box::new(each), Box::new(ix)),
                        span: item_start..self.pos,
                    };
                }
                _ => {
                    self.pos = save;
                    break;
                }
            }
        }
        Ok(Expr {
            kind: ExprKind::Splat {
                source: Box::new(source),
                each: Box::new(each),
            },
            span: start..self.pos,
        })
    }

    fn term(&mut self, nl: bool) -> R<Expr> {
        let start = self.pos;
        let span = |p: &Self| start..p.pos;
        let Some(c) = self.peek() else {
            return Err(self.error("expected an expression"));
        };
        let kind = match c {
            '"' => {
                self.pos += 1;
                ExprKind::Template(self.template(TemplateEnd::Quote)?)
            }
            '<' if self.rest().starts_with("<<") => ExprKind::Template(self.heredoc()?),
            '0'..='9' => ExprKind::Number(self.number()?),
            '(' => {
                self.pos += 1;
                self.skip(true);
                let e = self.expression(true)?;
                self.skip(true);
                self.expect(")", "`)`")?;
                ExprKind::Paren(Box::new(e))
            }
            '[' => {
                self.pos += 1;
                self.skip(true);
                if self.at_keyword("for") {
                    self.for_expr(false)?
                } else {
                    ExprKind::Tuple(self.tuple()?)
                }
            }
            '{' => {
                self.pos += 1;
                self.skip(true);
                if self.at_keyword("for") {
                    self.for_expr(true)?
                } else {
                    ExprKind::Object(self.object()?)
                }
            }
            c if is_id_start(c) => {
                let name = self.identifier().unwrap_or_default();
                // `provider::NAME::function(...)` and plain calls.
                let mut full = name.clone();
                while self.rest().starts_with("::") {
                    self.pos += 2;
                    let part = self
                        .identifier()
                        .ok_or_else(|| self.error("expected a function name after `::`"))?;
                    full.push_str("::");
                    full.push_str(&part);
                }
                let save = self.pos;
                self.skip(false);
                if self.peek() == Some('(') {
                    self.pos += 1;
                    self.call(full)?
                } else {
                    self.pos = save;
                    if full.contains("::") {
                        return Err(self.error("expected `(` after a provider function name"));
                    }
                    match name.as_str() {
                        "null" => ExprKind::Null,
                        "true" => ExprKind::Bool(true),
                        "false" => ExprKind::Bool(false),
                        _ => ExprKind::Variable(name),
                    }
                }
            }
            _ => {
                let _ = nl;
                return Err(self.error(format!("unexpected {c:?} where an expression starts")));
            }
        };
        Ok(Expr {
            kind,
            span: span(self),
        })
    }

    fn number(&mut self) -> R<f64> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let s = p.pos;
            while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                p.pos += 1;
            }
            p.pos > s
        };
        digits(self);
        if self.peek() == Some('.') && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
            digits(self);
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let save = self.pos;
            self.pos += 1;
            if matches!(self.peek(), Some('+' | '-')) {
                self.pos += 1;
            }
            if !digits(self) {
                self.pos = save;
            }
        }
        self.src[start..self.pos]
            .parse()
            .map_err(|_| self.error("not a number"))
    }

    /// The elements of `[…]` after the `[`.
    fn tuple(&mut self) -> R<Vec<Expr>> {
        let mut items = Vec::new();
        loop {
            self.skip(true);
            if self.eat("]") {
                return Ok(items);
            }
            items.push(self.expression(true)?);
            self.skip(true);
            if self.eat(",") {
                continue;
            }
            self.expect("]", "`,` or `]` in a list")?;
            return Ok(items);
        }
    }

    /// The items of `{…}` after the `{`: `key = value` or `key: value`, separated by commas
    /// or new lines.
    fn object(&mut self) -> R<Vec<(ObjectKey, Expr)>> {
        let mut items = Vec::new();
        loop {
            self.skip(true);
            if self.eat("}") {
                return Ok(items);
            }
            let key_start = self.pos;
            let key = match self.peek() {
                Some(c) if is_id_start(c) => {
                    let name = self.identifier().unwrap_or_default();
                    self.skip(false);
                    if matches!(self.peek(), Some('=' | ':'))
                        && !self.rest().starts_with("==")
                        && !self.rest().starts_with("::")
                    {
                        ObjectKey::Ident(name)
                    } else {
                        // A key expression that starts with a name (`var.x = …`).
                        self.pos = key_start;
                        ObjectKey::Expr(self.binary(false, 0)?)
                    }
                }
                _ => ObjectKey::Expr(self.binary(false, 0)?),
            };
            self.skip(false);
            if !(self.eat("=") || self.eat(":")) {
                return Err(self.error("expected `=` or `:` after an object key"));
            }
            self.skip(false);
            let value = self.expression(false)?;
            items.push((key, value));
            self.skip(false);
            if self.eat(",") {
                continue;
            }
            match self.peek() {
                Some('\n') | Some('\r') => continue,
                Some('}') => {
                    self.pos += 1;
                    return Ok(items);
                }
                _ => return Err(self.error("expected `,`, a new line or `}` in an object")),
            }
        }
    }

    /// `[for …]` or `{for …}` after the bracket.
    fn for_expr(&mut self, object: bool) -> R<ExprKind> {
        self.pos += 3; // `for`
        self.skip(true);
        let first = self
            .identifier()
            .ok_or_else(|| self.error("expected a name after `for`"))?;
        self.skip(true);
        let (key_var, value_var) = if self.eat(",") {
            self.skip(true);
            let second = self
                .identifier()
                .ok_or_else(|| self.error("expected a second name after `,`"))?;
            (Some(first), second)
        } else {
            (None, first)
        };
        self.skip(true);
        if !self.at_keyword("in") {
            return Err(self.error("expected `in` in a for expression"));
        }
        self.pos += 2;
        self.skip(true);
        let collection = self.expression(true)?;
        self.skip(true);
        self.expect(":", "`:` in a for expression")?;
        self.skip(true);
        let (key, value, grouping) = if object {
            let k = self.expression(true)?;
            self.skip(true);
            self.expect("=>", "`=>` in an object for expression")?;
            self.skip(true);
            let v = self.expression(true)?;
            self.skip(true);
            let g = self.eat("...");
            (Some(k), v, g)
        } else {
            (None, self.expression(true)?, false)
        };
        self.skip(true);
        let condition = if self.at_keyword("if") {
            self.pos += 2;
            self.skip(true);
            Some(self.expression(true)?)
        } else {
            None
        };
        self.skip(true);
        self.expect(
            if object { "}" } else { "]" },
            "the end of the for expression",
        )?;
        Ok(ExprKind::For(Box::new(ForExpr {
            key_var,
            value_var,
            collection,
            key,
            value,
            grouping,
            condition,
        })))
    }

    /// The arguments of a call, after the `(`.
    fn call(&mut self, name: String) -> R<ExprKind> {
        let mut args = Vec::new();
        let mut expand_last = false;
        loop {
            self.skip(true);
            if self.eat(")") {
                break;
            }
            args.push(self.expression(true)?);
            self.skip(true);
            if self.eat("...") {
                expand_last = true;
                self.skip(true);
                self.eat(",");
                self.skip(true);
                self.expect(")", "`)` after `...`")?;
                break;
            }
            if self.eat(",") {
                continue;
            }
            self.expect(")", "`,` or `)` in a function call")?;
            break;
        }
        Ok(ExprKind::Call {
            name,
            args,
            expand_last,
        })
    }

    /// `<<EOT` / `<<-EOT` up to the line holding only `EOT`.
    fn heredoc(&mut self) -> R<Template> {
        self.pos += 2;
        let flush = self.eat("-");
        let marker = self
            .identifier()
            .ok_or_else(|| self.error("expected a heredoc marker after `<<`"))?;
        if !(self.eat("\n") || self.eat("\r\n")) {
            return Err(self.error("a heredoc marker must end its line"));
        }
        self.enter()?;
        let mut pieces = self.pieces(TemplateEnd::Heredoc(&marker))?;
        if flush {
            dedent(&mut pieces);
        }
        let t = self.nest(pieces)?;
        self.leave();
        Ok(t)
    }

    fn template(&mut self, end: TemplateEnd<'_>) -> R<Template> {
        self.enter()?;
        let pieces = self.pieces(end)?;
        let t = self.nest(pieces)?;
        self.leave();
        Ok(t)
    }

    /// Reads a template's text into literal pieces, interpolations and directives.
    fn pieces(&mut self, end: TemplateEnd<'_>) -> R<Vec<Piece>> {
        let mut out: Vec<Piece> = Vec::new();
        let mut lit = String::new();
        let mut line_start = true;
        loop {
            if let TemplateEnd::Heredoc(marker) = end {
                if line_start {
                    let line_end = self.rest().find('\n').unwrap_or(self.rest().len());
                    let line = self.rest()[..line_end].trim_end_matches('\r');
                    if line.trim_start() == marker {
                        self.pos += line_end;
                        break;
                    }
                }
            }
            let Some(c) = self.peek() else {
                return match end {
                    TemplateEnd::Eof => break,
                    TemplateEnd::Quote => Err(self.error("a string is not closed")),
                    TemplateEnd::Heredoc(m) => {
                        Err(self.error(format!("the heredoc is not closed with {m}")))
                    }
                };
            };
            line_start = false;
            match c {
                '"' if end == TemplateEnd::Quote => {
                    self.pos += 1;
                    break;
                }
                '\n' if end == TemplateEnd::Quote => {
                    return Err(self.error("a string is not closed on its line"));
                }
                '\\' if end == TemplateEnd::Quote => {
                    self.pos += 1;
                    lit.push(self.escape()?);
                }
                '$' | '%' if self.peek_at(1) == Some(c) && self.peek_at(2) == Some('{') => {
                    // `$${` and `%%{` stand for the literal `${` and `%{`.
                    self.pos += 3;
                    lit.push(c);
                    lit.push('{');
                }
                '$' | '%' if self.peek_at(1) == Some('{') => {
                    self.pos += 2;
                    let strip_left = self.eat("~");
                    self.skip(true);
                    if !lit.is_empty() {
                        out.push(Piece::Literal(std::mem::take(&mut lit)));
                    }
                    if c == '$' {
                        let e = self.expression(true)?;
                        self.skip(true);
                        let strip_right = self.eat("~");
                        self.expect("}", "`}` closing `${`")?;
                        out.push(Piece::Interpolation(e, strip_left, strip_right));
                    } else {
                        out.push(self.directive(strip_left)?);
                    }
                }
                '\n' => {
                    self.pos += 1;
                    lit.push('\n');
                    line_start = true;
                }
                c => {
                    self.pos += c.len_utf8();
                    lit.push(c);
                }
            }
        }
        if !lit.is_empty() {
            out.push(Piece::Literal(lit));
        }
        Ok(out)
    }

    /// A `%{ … }` directive after `%{` (and its `~`).
    fn directive(&mut self, strip_left: bool) -> R<Piece> {
        let word = self
            .identifier()
            .ok_or_else(|| self.error("expected if, else, endif, for or endfor after `%{`"))?;
        self.skip(true);
        let piece = match word.as_str() {
            "if" => {
                let cond = self.expression(true)?;
                self.skip(true);
                let r = self.eat("~");
                Piece::If(cond, strip_left, r)
            }
            "else" => Piece::Else(strip_left, self.eat("~")),
            "endif" => Piece::EndIf(strip_left, self.eat("~")),
            "endfor" => Piece::EndFor(strip_left, self.eat("~")),
            "for" => {
                let first = self
                    .identifier()
                    .ok_or_else(|| self.error("expected a name after `for`"))?;
                self.skip(true);
                let (k, v) = if self.eat(",") {
                    self.skip(true);
                    let second = self
                        .identifier()
                        .ok_or_else(|| self.error("expected a name after `,`"))?;
                    (Some(first), second)
                } else {
                    (None, first)
                };
                self.skip(true);
                if !self.at_keyword("in") {
                    return Err(self.error("expected `in` in a for directive"));
                }
                self.pos += 2;
                self.skip(true);
                let coll = self.expression(true)?;
                self.skip(true);
                let r = self.eat("~");
                Piece::For(k, v, coll, strip_left, r)
            }
            other => {
                return Err(self.error(format!("unknown template directive {other}")));
            }
        };
        self.skip(true);
        self.expect("}", "`}` closing `%{`")?;
        Ok(piece)
    }

    /// Applies strip markers, then nests `if`/`for` directives.
    fn nest(&self, mut pieces: Vec<Piece>) -> R<Template> {
        for i in 0..pieces.len() {
            let (left, right) = pieces[i].strips();
            if left && i > 0 {
                if let Piece::Literal(s) = &mut pieces[i - 1] {
                    let t = s.trim_end().len();
                    s.truncate(t);
                }
            }
            if right && i + 1 < pieces.len() {
                if let Piece::Literal(s) = &mut pieces[i + 1] {
                    *s = s.trim_start().to_owned();
                }
            }
        }
        let mut it = pieces.into_iter();
        let (t, stop) = self.build(&mut it)?;
        match stop {
            None => Ok(t),
            Some(_) => Err(self.error("an else, endif or endfor without its if or for")),
        }
    }

    /// Builds a template up to a closing directive (returned) or the end.
    fn build(&self, it: &mut std::vec::IntoIter<Piece>) -> R<(Template, Option<Piece>)> {
        let mut parts = Vec::new();
        while let Some(p) = it.next() {
            match p {
                Piece::Literal(s) => {
                    if !s.is_empty() {
                        parts.push(TemplatePart::Literal(s));
                    }
                }
                Piece::Interpolation(e, _, _) => parts.push(TemplatePart::Interpolation(e)),
                Piece::If(condition, _, _) => {
                    let (then, stop) = self.build(it)?;
                    let otherwise = match stop {
                        Some(Piece::Else(..)) => match self.build(it)? {
                            (t, Some(Piece::EndIf(..))) => t,
                            _ => return Err(self.error("an %{if} is not closed with %{endif}")),
                        },
                        Some(Piece::EndIf(..)) => Template::default(),
                        _ => return Err(self.error("an %{if} is not closed with %{endif}")),
                    };
                    parts.push(TemplatePart::If {
                        condition,
                        then,
                        otherwise,
                    });
                }
                Piece::For(key_var, value_var, collection, _, _) => {
                    let (body, stop) = self.build(it)?;
                    if !matches!(stop, Some(Piece::EndFor(..))) {
                        return Err(self.error("a %{for} is not closed with %{endfor}"));
                    }
                    parts.push(TemplatePart::For {
                        key_var,
                        value_var,
                        collection,
                        body,
                    });
                }
                stop => return Ok((Template { parts }, Some(stop))),
            }
        }
        Ok((Template { parts }, None))
    }

    /// One backslash escape in a quoted string, after the backslash.
    fn escape(&mut self) -> R<char> {
        let c = self
            .bump()
            .ok_or_else(|| self.error("a string ends with `\\`"))?;
        Ok(match c {
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            '"' => '"',
            '\\' => '\\',
            'u' | 'U' => {
                let n = if c == 'u' { 4 } else { 8 };
                let hex = self.rest().get(..n).unwrap_or("");
                if hex.len() != n || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(self.error(format!("\\{c} needs {n} hexadecimal digits")));
                }
                self.pos += n;
                u32::from_str_radix(hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| self.error("not a Unicode character"))?
            }
            other => return Err(self.error(format!("unknown escape \\{other}"))),
        })
    }
}

#[cfg(test)]
mod tests;
