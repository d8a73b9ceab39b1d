//! The verifier: everything a well-formed module promises to the passes and lowerings.
//!
//! - function names are unique; parameters are numbered 0..n with unique, valid names;
//! - every region is acyclic (in a single-block SSA region that is dominance: each value
//!   is defined before it is used) and ends in exactly one `return`;
//! - operand slots are contiguous and refer to existing results;
//! - attributes match the op table, and each node's declared types equal what its type
//!   rule derives (which also checks attribute ranges);
//! - every symbolic dim used in a function is bound by one of its parameters.
//!
//! Errors carry the node's source location when it was parsed.
use crate::attr::check_and_fill;
use crate::error::{Error, Result};
use crate::graph::{Func, Module, Node, Region};
use crate::infer::infer;
use crate::op::OpKind;
use crate::shape::TensorType;
use petgraph::stable_graph::NodeIndex;
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use std::collections::BTreeSet;

pub fn verify_module(m: &Module) -> Result<()> {
    let mut names = BTreeSet::new();
    for f in &m.funcs {
        if !names.insert(f.name.as_str()) {
            return Err(Error::verify(format!("function @{} is defined twice", f.name)));
        }
        verify_func(f)?;
    }
    Ok(())
}

pub fn verify_func(f: &Func) -> Result<()> {
    let bound: BTreeSet<String> =
        f.body.param_types().iter().flat_map(|t| t.shape.symbols().into_iter().map(String::from)).collect();
    verify_region(&f.body, &bound).map_err(|e| e.context(format!("in @{}", f.name)))
}

fn describe(r: &Region, n: NodeIndex) -> String {
    format!("`{}` (node {})", r.node(n).op, n.index())
}

fn verify_region(r: &Region, bound: &BTreeSet<String>) -> Result<()> {
    let order = r.order().map_err(|n| {
        Error::verify(format!("{} is part of a cycle: a value is used before it is defined", describe(r, n)))
            .at(r.node(n).loc.clone())
    })?;
    // Parameters: indices 0..n, unique valid names.
    let params = r.params();
    let mut names = BTreeSet::new();
    for (i, &p) in params.iter().enumerate() {
        let node = r.node(p);
        let at = |e: Error| e.at(node.loc.clone());
        let index = node.attrs.get("index");
        if index != Some(&crate::Attr::Int(i as i64)) {
            return Err(at(Error::verify(format!("parameters must be numbered 0..{}; found index {index:?}", params.len()))));
        }
        let name = match node.attrs.get("name") {
            Some(crate::Attr::Str(s)) => s.as_str(),
            _ => return Err(at(Error::verify(format!("parameter {i} has no name")))),
        };
        if !valid_name(name) {
            return Err(at(Error::verify(format!("parameter name `{name}` must match [A-Za-z_][A-Za-z0-9_.]*"))));
        }
        if !names.insert(name) {
            return Err(at(Error::verify(format!("parameter %{name} is declared twice"))));
        }
    }
    let returns: Vec<_> = order.iter().filter(|&&n| r.node(n).op == OpKind::Return).collect();
    if returns.len() != 1 {
        return Err(Error::verify(format!("a region must end in exactly one `return`, found {}", returns.len())));
    }
    for &n in &order {
        verify_node(r, n, bound).map_err(|e| e.context(describe(r, n)).at(r.node(n).loc.clone()))?;
    }
    Ok(())
}

fn verify_node(r: &Region, n: NodeIndex, bound: &BTreeSet<String>) -> Result<()> {
    let node: &Node = r.node(n);
    // Operand slots are 0..k, each filled once, each naming an existing result.
    let mut slots: Vec<u32> = Vec::new();
    for e in r.graph.edges_directed(n, Direction::Incoming) {
        let producer = r.node(e.source());
        if e.weight().result as usize >= producer.types.len() {
            return Err(Error::verify(format!(
                "operand {} refers to result {} of `{}`, which has {} result(s)",
                e.weight().operand,
                e.weight().result,
                producer.op,
                producer.types.len()
            )));
        }
        if producer.op == OpKind::Return {
            return Err(Error::verify("`return` has no results to use"));
        }
        slots.push(e.weight().operand);
    }
    slots.sort_unstable();
    if slots.iter().enumerate().any(|(i, &s)| s as usize != i) {
        return Err(Error::verify(format!("operand slots must be 0..{} each used once, found {slots:?}", slots.len())));
    }
    let mut attrs = node.attrs.clone();
    check_and_fill(node.op, &mut attrs)?;
    let operand_types: Vec<TensorType> = r.operands(n).iter().map(|v| r.value_type(*v).clone()).collect();
    let expected = infer(node.op, &operand_types, &attrs, &node.types, &node.regions)?;
    if expected != node.types {
        return Err(Error::verify(format!(
            "declared result type(s) {} but the op produces {}",
            join(&node.types),
            join(&expected)
        )));
    }
    for t in &node.types {
        if let Some(s) = t.shape.symbols().into_iter().find(|s| !bound.contains(*s)) {
            return Err(Error::verify(format!("symbolic dim {s} in result type {t} is not bound by any function parameter")));
        }
    }
    if node.op == OpKind::Parameter {
        for t in &node.types {
            if t.shape.num_elements().is_none() && t.shape.is_static() {
                return Err(Error::verify(format!("parameter type {t} has more than 2^40 elements")));
            }
        }
    }
    for (i, region) in node.regions.iter().enumerate() {
        let label = node.op.info().regions.get(i).copied().unwrap_or("region");
        verify_region(region, bound).map_err(|e| e.context(format!("in {label} region")))?;
    }
    Ok(())
}

fn join(ts: &[TensorType]) -> String {
    ts.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ")
}

/// Names of parameters and functions: `[A-Za-z_][A-Za-z0-9_.]*`.
pub fn valid_name(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}
