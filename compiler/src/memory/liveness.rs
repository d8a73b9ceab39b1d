//! Liveness over a function's program order, and which values share a buffer.
//!
//! Each op of the body is one step, numbered in program order (`return` is the last). A
//! value is live from the step that defines it to the step of its last use; a value the
//! function returns is used by `return`, so it lives to the end. An op with regions
//! (`while`, `fusion`) is one step like any other: its operands are read and its results
//! written there, and what happens inside is the op's own business.
//!
//! Parameters are owned by the caller and get no buffer.
use kc_ir::{Dim, Error, ErrorKind, NodeIndex, OpKind, Region, Result, TensorType, Value};
use std::collections::{BTreeMap, HashMap};

/// Ops whose result may live in their operand's buffer when they read it for the last
/// time: both only reinterpret the same bytes (a row-major reshape keeps the element
/// order; a bitcast keeps the bits and the width).
pub const ALIASING_OPS: &[OpKind] = &[OpKind::Reshape, OpKind::BitcastConvert];

/// One value an op defines.
#[derive(Clone, Debug)]
pub struct Live {
    pub value: Value,
    pub bytes: u64,
    /// First and last step (inclusive).
    pub first: usize,
    pub last: usize,
    /// The earlier value whose buffer this one takes over (an aliasing op's operand).
    pub alias_of: Option<usize>,
}

pub struct Liveness {
    /// In program order.
    pub values: Vec<Live>,
    /// Number of steps (ops other than parameters, `return` included).
    pub steps: usize,
    /// Bytes of the parameters (exact sizes).
    pub param_bytes: Vec<u64>,
}

fn err(msg: String) -> Error {
    Error::new(ErrorKind::Pass, msg)
}

/// The size of a value of type `ty` in bytes, with its symbolic dims bound by `bindings`.
pub fn bytes(ty: &TensorType, bindings: &BTreeMap<String, i64>, what: &str) -> Result<u64> {
    let mut n: u64 = 1;
    for d in ty.shape.dims() {
        let k = match d {
            Dim::Known(k) => *k,
            Dim::Sym(s) => match bindings.get(s) {
                Some(&v) if v >= 0 => v as u64,
                Some(&v) => return Err(err(format!("symbolic dim {s} is bound to {v}; a dim cannot be negative"))),
                None => {
                    return Err(err(format!(
                        "symbolic dim {s} of {what} ({ty}) is not bound; give it a size (plan-memory{{{s}=128}}, kc mem --bind {s}=128)"
                    )))
                }
            },
        };
        n = n.checked_mul(k).ok_or_else(|| err(format!("{what} ({ty}) has more than 2^64 elements")))?;
    }
    n.checked_mul(ty.dtype.size_bytes() as u64).ok_or_else(|| err(format!("{what} ({ty}) has more than 2^64 bytes")))
}

pub fn analyse(r: &Region, bindings: &BTreeMap<String, i64>, name: &dyn Fn(Value) -> String) -> Result<Liveness> {
    let order = r.order().map_err(|n| err(format!("node {} is on a cycle; the function does not verify", n.index())))?;
    let mut param_bytes = Vec::new();
    let mut step_of: HashMap<NodeIndex, usize> = HashMap::new();
    for &n in &order {
        let node = r.node(n);
        if node.op == OpKind::Parameter {
            let ty = node.types.first().ok_or_else(|| err("a parameter has no type".into()))?;
            param_bytes.push(bytes(ty, bindings, &format!("parameter {}", name(Value::of(n))))?);
        } else {
            step_of.insert(n, step_of.len());
        }
    }
    let steps = step_of.len();
    // The last step reading each value.
    let mut last_use: HashMap<Value, usize> = HashMap::new();
    for &n in &order {
        if let Some(&s) = step_of.get(&n) {
            for v in r.operands(n) {
                let e = last_use.entry(v).or_insert(s);
                *e = (*e).max(s);
            }
        }
    }
    let mut values: Vec<Live> = Vec::new();
    let mut index: HashMap<Value, usize> = HashMap::new();
    for &n in &order {
        let Some(&s) = step_of.get(&n) else { continue };
        let node = r.node(n);
        for (i, ty) in node.types.iter().enumerate() {
            let value = Value { node: n, result: i as u32 };
            let bytes = bytes(ty, bindings, &name(value))?;
            let last = last_use.get(&value).copied().unwrap_or(s);
            // Take over the operand's buffer when this op is its last reader.
            let alias_of = match (ALIASING_OPS.contains(&node.op), r.operands(n).as_slice()) {
                (true, [operand]) if last_use.get(operand) == Some(&s) => index.get(operand).copied(),
                _ => None,
            };
            index.insert(value, values.len());
            values.push(Live { value, bytes, first: s, last, alias_of });
        }
    }
    Ok(Liveness { values, steps, param_bytes })
}
