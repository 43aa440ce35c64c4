//! The syntax tree of a `.tf` file (HCL native syntax), with byte spans.

/// Byte offsets into the file's text.
pub(crate) type Span = std::ops::Range<usize>;

/// A file, or the body of a block.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Body {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<Block>,
}

impl Body {
    pub(crate) fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Attribute {
    pub name: String,
    pub expr: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Block {
    pub kind: String,
    pub labels: Vec<String>,
    pub body: Body,
    /// From the block's type name to its closing brace.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Or,
    And,
    Eq,
    NotEq,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl BinOp {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "||",
            BinOp::And => "&&",
            BinOp::Eq => "==",
            BinOp::NotEq => "!=",
            BinOp::Less => "<",
            BinOp::LessEq => "<=",
            BinOp::Greater => ">",
            BinOp::GreaterEq => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ExprKind {
    Null,
    Bool(bool),
    Number(f64),
    /// A quoted string or a heredoc.
    Template(Template),
    Tuple(Vec<Expr>),
    Object(Vec<(ObjectKey, Expr)>),
    /// The root of a traversal: `var`, `local`, `aws_iam_role`, `each`, ...
    Variable(String),
    GetAttr(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
    /// `source[*].rest` or `source.*.rest`: `each` is evaluated for every element, with
    /// [`ExprKind::SplatItem`] standing for the element.
    Splat {
        source: Box<Expr>,
        each: Box<Expr>,
    },
    SplatItem,
    Call {
        name: String,
        args: Vec<Expr>,
        /// The last argument ends with `...` (its elements are the arguments).
        expand_last: bool,
    },
    For(Box<ForExpr>),
    Conditional(Box<Expr>, Box<Expr>, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Unary(UnOp, Box<Expr>),
    Paren(Box<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ObjectKey {
    /// A bare identifier: a literal key.
    Ident(String),
    Expr(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ForExpr {
    pub key_var: Option<String>,
    pub value_var: String,
    pub collection: Expr,
    /// For an object result: the key expression.
    pub key: Option<Expr>,
    pub value: Expr,
    /// `...` after the value: group values by key.
    pub grouping: bool,
    pub condition: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Template {
    pub parts: Vec<TemplatePart>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TemplatePart {
    Literal(String),
    Interpolation(Expr),
    If {
        condition: Expr,
        then: Template,
        otherwise: Template,
    },
    For {
        key_var: Option<String>,
        value_var: String,
        collection: Expr,
        body: Template,
    },
}

impl Template {
    /// The text of a template that is one literal (or empty).
    pub(crate) fn literal(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [] => Some(""),
            [TemplatePart::Literal(s)] => Some(s),
            _ => None,
        }
    }
}

impl Expr {
    /// The value of a string literal expression (`"text"` with no interpolation).
    pub(crate) fn as_literal_str(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Template(t) => t.literal(),
            _ => None,
        }
    }
}
