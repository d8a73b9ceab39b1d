//! Op attributes: a small closed set of kinds, stored in a name-ordered map on each node.
//!
//! Which attributes an op takes, of which kind, and with which defaults is data in the
//! op table (`op.rs`); the parser, printer and verifier are generic over it.
use crate::dtype::DType;
use crate::literal::LiteralData;
use crate::shape::Shape;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Attr {
    Int(i64),
    Ints(Vec<i64>),
    Float(f64),
    Bool(bool),
    /// A keyword from a closed set, printed bare (`direction = lt`, `kind = sum`).
    Sym(String),
    Str(String),
    DType(DType),
    Shape(Shape),
    /// Constant data; its dtype and shape are the op's result type.
    Literal(LiteralData),
}

/// The kind an attribute must have; the op table names one per attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttrKind {
    Int,
    Ints,
    Float,
    Bool,
    /// One of the listed keywords.
    Sym(&'static [&'static str]),
    Str,
    DType,
    Shape,
    Literal,
}

impl AttrKind {
    pub fn describe(&self) -> String {
        match self {
            AttrKind::Int => "an integer".into(),
            AttrKind::Ints => "a list of integers".into(),
            AttrKind::Float => "a number".into(),
            AttrKind::Bool => "true or false".into(),
            AttrKind::Sym(opts) => format!("one of {}", opts.join(", ")),
            AttrKind::Str => "a string".into(),
            AttrKind::DType => "a dtype".into(),
            AttrKind::Shape => "a shape".into(),
            AttrKind::Literal => "tensor data".into(),
        }
    }
}

impl Attr {
    pub fn kind_matches(&self, kind: AttrKind) -> bool {
        match (self, kind) {
            (Attr::Int(_), AttrKind::Int)
            | (Attr::Ints(_), AttrKind::Ints)
            | (Attr::Float(_), AttrKind::Float)
            | (Attr::Bool(_), AttrKind::Bool)
            | (Attr::Str(_), AttrKind::Str)
            | (Attr::DType(_), AttrKind::DType)
            | (Attr::Shape(_), AttrKind::Shape)
            | (Attr::Literal(_), AttrKind::Literal) => true,
            (Attr::Sym(s), AttrKind::Sym(opts)) => opts.contains(&s.as_str()),
            _ => false,
        }
    }
}

/// Attributes of one node, keyed by name. Defaults from the op table are filled in when
/// a node is built or parsed, so every attribute the table lists is present.
pub type Attrs = BTreeMap<String, Attr>;

/// Typed reads of attributes with errors that name the attribute. Ops validated by the
/// verifier or built through [`crate::build`] always have their required attributes,
/// so these fail only on hand-made nodes.
pub trait AttrsExt {
    fn int(&self, name: &str) -> crate::Result<i64>;
    fn ints(&self, name: &str) -> crate::Result<&[i64]>;
    /// A list attribute that may be absent; absent means `len` copies of `fill`.
    fn ints_or(&self, name: &str, len: usize, fill: i64) -> crate::Result<Vec<i64>>;
    fn boolean(&self, name: &str) -> crate::Result<bool>;
    fn sym(&self, name: &str) -> crate::Result<&str>;
    fn string(&self, name: &str) -> crate::Result<&str>;
    fn literal(&self, name: &str) -> crate::Result<&LiteralData>;
}

fn missing(name: &str, what: &str) -> crate::Error {
    crate::Error::ty(format!("attribute `{name}` is missing or is not {what}"))
}

impl AttrsExt for Attrs {
    fn int(&self, name: &str) -> crate::Result<i64> {
        match self.get(name) {
            Some(Attr::Int(v)) => Ok(*v),
            _ => Err(missing(name, "an integer")),
        }
    }
    fn ints(&self, name: &str) -> crate::Result<&[i64]> {
        match self.get(name) {
            Some(Attr::Ints(v)) => Ok(v),
            _ => Err(missing(name, "a list of integers")),
        }
    }
    fn ints_or(&self, name: &str, len: usize, fill: i64) -> crate::Result<Vec<i64>> {
        match self.get(name) {
            None => Ok(vec![fill; len]),
            Some(Attr::Ints(v)) => Ok(v.clone()),
            Some(_) => Err(missing(name, "a list of integers")),
        }
    }
    fn boolean(&self, name: &str) -> crate::Result<bool> {
        match self.get(name) {
            Some(Attr::Bool(v)) => Ok(*v),
            _ => Err(missing(name, "true or false")),
        }
    }
    fn sym(&self, name: &str) -> crate::Result<&str> {
        match self.get(name) {
            Some(Attr::Sym(v)) => Ok(v),
            _ => Err(missing(name, "a keyword")),
        }
    }
    fn string(&self, name: &str) -> crate::Result<&str> {
        match self.get(name) {
            Some(Attr::Str(v)) => Ok(v),
            _ => Err(missing(name, "a string")),
        }
    }
    fn literal(&self, name: &str) -> crate::Result<&LiteralData> {
        match self.get(name) {
            Some(Attr::Literal(v)) => Ok(v),
            _ => Err(missing(name, "tensor data")),
        }
    }
}

/// Build an attribute map from pairs: `attrs(&[("dimension", Attr::Int(0))])`.
pub fn attrs(pairs: &[(&str, Attr)]) -> Attrs {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

/// Check a node's attributes against the op table and fill scalar defaults: unknown
/// names, missing required ones and wrong kinds are errors naming the attribute.
pub fn check_and_fill(op: crate::op::OpKind, attrs: &mut Attrs) -> crate::Result<()> {
    use crate::op::Default;
    let info = op.info();
    for name in attrs.keys() {
        if op.attr_spec(name).is_none() {
            let valid: Vec<_> = info.attrs.iter().map(|a| a.name).collect();
            let hint = if valid.is_empty() {
                format!("`{}` takes no attributes", info.name)
            } else {
                format!("valid attributes of `{}`: {}", info.name, valid.join(", "))
            };
            return Err(crate::Error::ty(format!("unknown attribute `{name}`; {hint}")));
        }
    }
    for spec in info.attrs {
        match attrs.get(spec.name) {
            Some(a) if !a.kind_matches(spec.kind) => {
                return Err(crate::Error::ty(format!(
                    "attribute `{}` of `{}` must be {}",
                    spec.name,
                    info.name,
                    spec.kind.describe()
                )))
            }
            Some(_) => {}
            None => {
                let fill = match spec.default {
                    Default::Required => {
                        return Err(crate::Error::ty(format!(
                            "`{}` needs attribute `{}` ({})",
                            info.name,
                            spec.name,
                            spec.kind.describe()
                        )))
                    }
                    Default::Absent => None,
                    Default::Int(v) => Some(Attr::Int(v)),
                    Default::Bool(v) => Some(Attr::Bool(v)),
                    Default::Sym(v) => Some(Attr::Sym(v.to_string())),
                };
                if let Some(a) = fill {
                    attrs.insert(spec.name.to_string(), a);
                }
            }
        }
    }
    Ok(())
}

/// Whether an attribute equals its table default (the printer leaves those out).
pub fn is_default(op: crate::op::OpKind, name: &str, value: &Attr) -> bool {
    use crate::op::Default;
    match op.attr_spec(name).map(|s| s.default) {
        Some(Default::Int(v)) => *value == Attr::Int(v),
        Some(Default::Bool(v)) => *value == Attr::Bool(v),
        Some(Default::Sym(v)) => matches!(value, Attr::Sym(s) if s == v),
        _ => false,
    }
}
