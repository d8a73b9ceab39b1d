//! The `.kir` printer. The output is canonical so that print → parse → print is the
//! identity and printed modules diff well: values are numbered in program order,
//! attributes print in name order without their defaults, and floats print in the
//! shortest form that parses back to the same bits at their dtype's precision.
use crate::attr::{is_default, Attr};
use crate::dtype::DType;
use crate::graph::{Func, Module, Region, Value};
use crate::literal::LiteralData;
use crate::op::OpKind;
use crate::shape::TensorType;
use petgraph::stable_graph::NodeIndex;
use std::collections::HashMap;
use std::fmt::Write;

/// Every function, separated by a blank line.
pub fn print_module(m: &Module) -> String {
    let funcs: Vec<String> = m.funcs.iter().map(print_func).collect();
    funcs.join("\n")
}

pub fn print_func(f: &Func) -> String {
    let mut p = Printer { out: String::new(), next: 0 };
    let _ = write!(p.out, "func @{}", f.name);
    let names = p.params(&f.body);
    let results: Vec<String> = f.body.result_types().iter().map(|t| t.to_string()).collect();
    let _ = writeln!(p.out, " -> ({}) {{", results.join(", "));
    p.body(&f.body, names, 1);
    p.out.push_str("}\n");
    p.out
}

/// The name the printer gives each value of a function's body (`%x` for a parameter,
/// `%3`, or `%3#1` for a result of a multi-result op), so that tools can refer to values
/// exactly as `kc dump-ir` shows them.
pub fn value_names(f: &Func) -> HashMap<Value, String> {
    let mut p = Printer { out: String::new(), next: 0 };
    let params = p.params(&f.body);
    let names = p.body(&f.body, params, 1);
    let mut out = HashMap::new();
    for (&n, _) in names.iter() {
        for result in 0..f.body.node(n).types.len() as u32 {
            let v = Value { node: n, result };
            out.insert(v, value_name(&f.body, &names, v));
        }
    }
    out
}

struct Printer {
    out: String,
    /// The next value number. One counter per function, shared with nested regions, so
    /// every number is unique in the function and a reader never has to think about scopes.
    next: usize,
}

/// Names of the values of one region (without the `%`).
type Names = HashMap<NodeIndex, String>;

impl Printer {
    /// Print `(%a: T, ...)` and return the parameters' names.
    fn params(&mut self, r: &Region) -> Names {
        let mut names = Names::new();
        let mut parts = Vec::new();
        for n in r.params() {
            let name = match r.node(n).attrs.get("name") {
                Some(Attr::Str(s)) => s.clone(),
                // Unnamed parameters (hand-made graphs) still print readably.
                _ => format!("arg{}", n.index()),
            };
            parts.push(format!("%{name}: {}", r.node(n).types[0]));
            names.insert(n, name);
        }
        let _ = write!(self.out, "({})", parts.join(", "));
        names
    }

    /// Print the ops of `r`; returns the names of its values.
    fn body(&mut self, r: &Region, mut names: Names, depth: usize) -> Names {
        let indent = "  ".repeat(depth);
        // A cyclic region cannot be verified, but still prints (in index order) for inspection.
        let order = r.order().unwrap_or_else(|_| r.graph.node_indices().collect());
        for n in order {
            let node = r.node(n);
            if node.op == OpKind::Parameter {
                continue;
            }
            // Operands are named before this node's own number is taken (SSA: uses follow defs).
            let operands: Vec<String> = r.operands(n).iter().map(|&v| value_name(r, &names, v)).collect();
            self.out.push_str(&indent);
            match node.types.len() {
                0 => {}
                k => {
                    let name = self.next.to_string();
                    self.next += 1;
                    let count = if k == 1 { String::new() } else { format!(":{k}") };
                    let _ = write!(self.out, "%{name}{count} = ");
                    names.insert(n, name);
                }
            }
            self.out.push_str(node.op.name());
            if !operands.is_empty() {
                let _ = write!(self.out, " {}", operands.join(", "));
            }
            let attrs: Vec<String> = node
                .attrs
                .iter()
                .filter(|(k, v)| !is_default(node.op, k, v))
                .map(|(k, v)| format!("{k} = {}", attr(v, node.types.first())))
                .collect();
            if !attrs.is_empty() {
                let _ = write!(self.out, " {{{}}}", attrs.join(", "));
            }
            for (i, region) in node.regions.iter().enumerate() {
                let label = node.op.info().regions.get(i).copied().unwrap_or("region");
                let _ = write!(self.out, " {label}");
                let inner = self.params(region);
                self.out.push_str(" {\n");
                self.body(region, inner, depth + 1);
                let _ = write!(self.out, "{indent}}}");
            }
            if !node.types.is_empty() {
                let types: Vec<String> = node.types.iter().map(|t| t.to_string()).collect();
                let _ = write!(self.out, " : {}", types.join(", "));
            }
            self.out.push('\n');
        }
        names
    }
}

/// `%3`, or `%3#1` for a result of a multi-result node.
fn value_name(r: &Region, names: &Names, v: Value) -> String {
    // A value from outside the region (a malformed graph) gets a name that will not parse.
    let base = names.get(&v.node).cloned().unwrap_or_else(|| format!("?{}", v.node.index()));
    if r.node(v.node).types.len() == 1 {
        format!("%{base}")
    } else {
        format!("%{base}#{}", v.result)
    }
}

/// An attribute value; `result` is the op's first result type, which lays out constants.
fn attr(a: &Attr, result: Option<&TensorType>) -> String {
    match a {
        Attr::Int(v) => v.to_string(),
        Attr::Ints(v) => format!("[{}]", v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")),
        Attr::Float(v) => float(*v, DType::F64),
        Attr::Bool(v) => v.to_string(),
        Attr::Sym(s) => s.clone(),
        Attr::Str(s) => string(s),
        Attr::DType(d) => d.to_string(),
        Attr::Shape(s) => s.to_string(),
        Attr::Literal(data) => literal(data, result),
    }
}

/// A quoted string with exactly the escapes the parser knows (not Rust's `{:?}`, whose
/// `\u{..}` and `\r` escapes the parser would reject).
fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The shortest text that parses back to `v` at `dtype`'s precision. Rust's `{:?}` is the
/// shortest round-trip form and always has a `.` or an exponent, so it reads as a float.
/// f16 and bf16 values are exact f32 values, so their f32 form round-trips too.
pub fn float(v: f64, dtype: DType) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        (if v > 0.0 { "inf" } else { "-inf" }).into()
    } else if dtype == DType::F64 {
        format!("{v:?}")
    } else {
        format!("{:?}", v as f32)
    }
}

/// Constant data: one value when it is a splat or a scalar, else lists nested like the
/// shape. Data that does not fill its (static) shape prints flat, for the verifier to
/// reject; an empty tensor prints `[]` however many dims it has.
fn literal(data: &LiteralData, result: Option<&TensorType>) -> String {
    let dtype = result.map_or(DType::F64, |t| t.dtype);
    let elems: Vec<String> = match data {
        LiteralData::Float(v) => v.iter().map(|&x| float(x, dtype)).collect(),
        LiteralData::Int(v) => v.iter().map(|x| x.to_string()).collect(),
        LiteralData::Bool(v) => v.iter().map(|x| x.to_string()).collect(),
    };
    let shape = result.map(|t| &t.shape);
    let count = shape.and_then(|s| s.num_elements());
    let rank = shape.map_or(0, |s| s.rank());
    if elems.len() == 1 && (rank == 0 || count != Some(1)) {
        return elems[0].clone();
    }
    let dims = match shape.and_then(|s| s.as_known()) {
        Some(dims) if count == Some(elems.len() as u64) && count != Some(0) => dims,
        _ => return format!("[{}]", elems.join(", ")),
    };
    let mut out = String::new();
    nested(&elems, &dims, &mut out);
    out
}

/// Row-major nesting; `elems.len()` is the product of `dims` (checked by the caller), so
/// the loops are bounded by the data.
fn nested(elems: &[String], dims: &[u64], out: &mut String) {
    let Some((&n, rest)) = dims.split_first() else {
        out.push_str(&elems[0]);
        return;
    };
    let stride = elems.len() / n as usize;
    out.push('[');
    for (i, chunk) in elems.chunks(stride).enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        nested(chunk, rest, out);
    }
    out.push(']');
}
