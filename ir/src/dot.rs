//! Graphviz output: one cluster per function (and per nested region), one box per op,
//! edges labelled with the value's type. A fusion's body is a shaded cluster. For looking at graphs, not for parsing back.
use crate::graph::{Module, Region};
use crate::op::OpKind;
use std::fmt::Write;

pub fn print_dot(m: &Module) -> String {
    let mut out = String::from("digraph kir {\n  node [shape=box, fontname=\"monospace\"];\n");
    let mut next = 0usize;
    for f in &m.funcs {
        let _ = writeln!(out, "  subgraph cluster_{} {{\n    label=\"@{}\";", sanitize(&f.name), f.name);
        region(&mut out, &f.body, &mut next, "    ");
        out.push_str("  }\n");
    }
    out.push_str("}\n");
    out
}

fn sanitize(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

/// Emit a region's nodes and edges; `next` numbers dot nodes uniquely across the module.
fn region(out: &mut String, r: &Region, next: &mut usize, indent: &str) {
    let order = match r.order() {
        Ok(o) => o,
        Err(_) => return, // a cyclic graph does not verify; nothing sensible to draw
    };
    let base = *next;
    let id = |n: petgraph::stable_graph::NodeIndex| base + order.iter().position(|&m| m == n).unwrap_or(0);
    *next += order.len();
    for &n in &order {
        let node = r.node(n);
        let label = match node.op {
            OpKind::Parameter => format!(
                "%{}",
                match node.attrs.get("name") {
                    Some(crate::Attr::Str(s)) => s.as_str(),
                    _ => "?",
                }
            ),
            op => op.name().to_string(),
        };
        let shape = if matches!(node.op, OpKind::Parameter | OpKind::Return) { "ellipse" } else { "box" };
        let _ = writeln!(out, "{indent}n{} [label=\"{label}\", shape={shape}];", id(n));
        for (i, sub) in node.regions.iter().enumerate() {
            let name = node.op.info().regions.get(i).copied().unwrap_or("region");
            // A fusion's body is drawn as a shaded box so fused kernels stand out.
            let (label, style) = match (node.op, node.attrs.get("kind")) {
                (OpKind::Fusion, Some(crate::Attr::Sym(kind))) => (format!("fusion ({kind})"), "\"rounded,filled\"; fillcolor=\"#eef3ff\""),
                _ => (name.to_string(), "dashed"),
            };
            let _ = writeln!(out, "{indent}subgraph cluster_r{}_{i} {{\n{indent}  label=\"{label}\"; style={style};", id(n));
            region(out, sub, next, &format!("{indent}  "));
            let _ = writeln!(out, "{indent}}}");
        }
    }
    for &n in &order {
        for v in r.operands(n) {
            let _ = writeln!(out, "{indent}n{} -> n{} [label=\"{}\"];", id(v.node), id(n), r.value_type(v));
        }
    }
}
