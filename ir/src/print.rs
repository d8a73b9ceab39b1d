//! The `.kir` printer. Output is canonical: values are numbered in program order, attributes
//! print in name order without their defaults, and floats print in the shortest form that
//! parses back to the same bits, so print → parse → print is the identity.
use crate::attr::{is_default, Attr};
use crate::dtype::DType;
use crate::graph::{Func, Module, Region, Value};
use crate::literal::LiteralData;
use crate::op::OpKind;
use crate::shape::TensorType;
use petgraph::stable_graph::NodeIndex;
use std::collections::HashMap;
use std::fmt::Write;

pub fn print_module(m: &Module) -> String {
    let mut out = String::new();
    for (i, f) in m.funcs.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&print_func(f));
    }
    out
}

pub fn print_func(f: &Func) -> String {
    let mut p = Printer { out: String::new(), next: 0 };
    let results: Vec<String> = f.body.result_types().iter().map(|t| t.to_string()).collect();
    let _ = write!(p.out, "func @{}", f.name);
    let names = p.signature(&f.body);
    let _ = writeln!(p.out, " -> ({}) {{", results.join(", "));
    p.body(&f.body, names, 1);
    p.out.push_str("}\n");
    p.out
}

struct Printer {
    out: String,
    /// Next value number; shared by nested regions so names are unique per function.
    next: usize,
}

fn param_name(r: &Region, n: NodeIndex) -> String {
    match r.node(n).attrs.get("name") {
        Some(Attr::Str(s)) => s.clone(),
        _ => format!("arg{}", n.index()),
    }
}

impl Printer {
    /// `(%a: T, ...)`; returns the names of the region's parameter values.
    fn signature(&mut self, r: &Region) -> HashMap<NodeIndex, String> {
        let mut names = HashMap::new();
        let params: Vec<String> = r
            .params()
            .into_iter()
            .map(|n| {
                let name = param_name(r, n);
                names.insert(n, name.clone());
                format!("%{name}: {}", r.node(n).types[0])
            })
            .collect();
        let _ = write!(self.out, "({})", params.join(", "));
        names
    }

    fn body(&mut self, r: &Region, mut names: HashMap<NodeIndex, String>, depth: usize) {
        let indent = "  ".repeat(depth);
        // An unverifiable (cyclic) region still prints, in index order, so it can be inspected.
        let order = r.order().unwrap_or_else(|_| r.graph.node_indices().collect());
        for n in order {
            let node = r.node(n);
            if node.op == OpKind::Parameter {
                continue;
            }
            let operands: Vec<String> = r.operands(n).iter().map(|v| value_name(r, &names, *v)).collect();
            self.out.push_str(&indent);
            if !node.types.is_empty() {
                let name = self.next.to_string();
                self.next += 1;
                if node.types.len() == 1 {
                    let _ = write!(self.out, "%{name} = ");
                } else {
                    let _ = write!(self.out, "%{name}:{} = ", node.types.len());
                }
                names.insert(n, name);
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
                let inner = self.signature(region);
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
    }
}

fn value_name(r: &Region, names: &HashMap<NodeIndex, String>, v: Value) -> String {
    let base = names.get(&v.node).cloned().unwrap_or_else(|| format!("?{}", v.node.index()));
    if r.node(v.node).types.len() > 1 {
        format!("%{base}#{}", v.result)
    } else {
        format!("%{base}")
    }
}

/// An attribute value; `ty` is the op's first result type (constants need it for layout).
fn attr(a: &Attr, ty: Option<&TensorType>) -> String {
    match a {
        Attr::Int(v) => v.to_string(),
        Attr::Ints(v) => format!("[{}]", v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")),
        Attr::Float(v) => float(*v, DType::F64),
        Attr::Bool(v) => v.to_string(),
        Attr::Sym(s) => s.clone(),
        Attr::Str(s) => format!("{s:?}"),
        Attr::DType(d) => d.to_string(),
        Attr::Shape(s) => s.to_string(),
        Attr::Literal(data) => literal(data, ty),
    }
}

/// Shortest text that parses back to the same value at the dtype's precision.
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

fn literal(data: &LiteralData, ty: Option<&TensorType>) -> String {
    let dtype = ty.map(|t| t.dtype).unwrap_or(DType::F64);
    let elems: Vec<String> = match data {
        LiteralData::Float(v) => v.iter().map(|&x| float(x, dtype)).collect(),
        LiteralData::Int(v) => v.iter().map(|x| x.to_string()).collect(),
        LiteralData::Bool(v) => v.iter().map(|x| x.to_string()).collect(),
    };
    let dims = ty.and_then(|t| t.shape.as_known()).unwrap_or_default();
    let count: u64 = dims.iter().product();
    if elems.len() == 1 && (dims.is_empty() || count != 1) {
        return elems[0].clone(); // scalar or splat
    }
    let mut out = String::new();
    nested(&elems, &dims, &mut out);
    out
}

fn nested(elems: &[String], dims: &[u64], out: &mut String) {
    match dims.split_first() {
        None => out.push_str(elems.first().map(String::as_str).unwrap_or("0")),
        Some((&n, rest)) => {
            let stride = rest.iter().product::<u64>() as usize;
            out.push('[');
            for i in 0..n as usize {
                if i > 0 {
                    out.push_str(", ");
                }
                let lo = (i * stride).min(elems.len());
                let hi = ((i + 1) * stride).min(elems.len());
                nested(&elems[lo..hi], rest, out);
            }
            out.push(']');
        }
    }
}
