//! The XLA lowering: kc IR to StableHLO, as MLIR text for a PJRT plugin's compiler.
//!
//! [`emit_func`] writes one kc function as `func.func public @main` inside a module.
//! Every kc op lowers (the table in `ops.rs` says to what); kc's semantics are kept
//! where StableHLO leaves them open or differs:
//!
//! - `convert` float → integer saturates and maps NaN to 0 (StableHLO leaves it
//!   implementation-defined), and number → bool is `x != 0`;
//! - `sort` orders NaN above everything with all NaNs equal, `-0.0` below `0.0`, and is
//!   stable; `top_k` is that sort, descending, then a slice;
//! - `argmax`/`argmin` are a two-operand `reduce` that keeps the first index on ties and
//!   counts NaN as the extreme;
//! - `cumsum` and friends are a `reduce_window` over a window as long as the dim;
//! - `fusion` is emitted unfused (XLA fuses on its own); `erf` and `tan` are CHLO ops,
//!   which the plugin's compiler legalizes;
//! - a `convolution` with at most 4 input channels and 32 taps is written out as a sum
//!   of shifted products (`conv_taps.rs`): the plugin's convolution is slow there.
//!
//! Shapes must be static: a function with symbolic dims is first specialized to the
//! concrete shapes of a call (`kc_compiler::shape_infer::specialize`).
mod control;
mod conv_taps;
mod elementwise;
mod movement;
mod reductions;
pub(crate) mod text;

use kc_ir::{Func, Loc, Node, OpKind, Region, Value};
use std::collections::HashMap;
use text::{Ty, Writer, V};

/// A function that cannot be lowered: symbolic shapes, or an op the lowering rejects.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    pub message: String,
    /// The op's position in `.kir` text, when the function was parsed.
    pub loc: Option<Loc>,
    /// The kc op the error is about.
    pub op: Option<OpKind>,
}

impl Error {
    pub fn new(message: impl Into<String>) -> Error {
        Error { message: message.into(), loc: None, op: None }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "stablehlo lowering: ")?;
        if let Some(l) = &self.loc {
            write!(f, "{}:{}: ", l.line, l.col)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<kc_ir::Error> for Error {
    fn from(e: kc_ir::Error) -> Error {
        Error::new(e.message)
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// The StableHLO module for `f`: `func.func public @main` with `f`'s parameters (in
/// index order) and results.
pub fn emit_func(f: &Func) -> Result<String> {
    emit_func_donating(f, &[])
}

/// As [`emit_func`], marking the parameters at `donate` as buffer donors
/// (`jax.buffer_donor`): XLA may write results into their buffers, so state updated by a
/// step (weights, optimizer slots) needs no new allocation.
pub fn emit_func_donating(f: &Func, donate: &[usize]) -> Result<String> {
    let params = f.body.params();
    let arg_tys: Vec<Ty> = params
        .iter()
        .map(|&p| {
            let node = f.body.node(p);
            Ty::of(&node.types[0], &|| format!("parameter {} of @{}", param_name(node), f.name))
        })
        .collect::<Result<_>>()?;
    let args: Vec<V> = arg_tys.iter().enumerate().map(|(i, t)| V { name: format!("%arg{i}"), ty: t.clone() }).collect();
    let mut w = Writer::new();
    let results = region_body(&mut w, &f.body, &args)?;
    let refs: Vec<&V> = results.iter().collect();
    w.op_full("func.return", &refs, &[], &[], &[]);
    let sig: Vec<String> = args
        .iter()
        .enumerate()
        .map(|(i, a)| if donate.contains(&i) { format!("{}: {} {{jax.buffer_donor = true}}", a.name, a.ty) } else { format!("{}: {}", a.name, a.ty) })
        .collect();
    let res: Vec<String> = results.iter().map(|r| r.ty.to_string()).collect();
    Ok(format!(
        "// kc function @{}\nmodule @kc attributes {{mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32}} {{\n  func.func public @main({}) -> ({}) {{\n{}  }}\n}}\n",
        f.name,
        sig.join(", "),
        res.join(", "),
        w.into_text()
    ))
}

fn param_name(node: &Node) -> String {
    match node.attrs.get("name") {
        Some(kc_ir::Attr::Str(s)) => format!("%{s}"),
        _ => "?".into(),
    }
}

/// Write the ops of a region given values for its parameters (in index order); returns
/// the values it returns.
pub(crate) fn region_body(w: &mut Writer, r: &Region, args: &[V]) -> Result<Vec<V>> {
    let params = r.params();
    if params.len() != args.len() {
        return Err(Error::new(format!("a region with {} parameters was given {} values", params.len(), args.len())));
    }
    let mut env: HashMap<Value, V> = HashMap::new();
    for (p, a) in params.iter().zip(args) {
        env.insert(Value::of(*p), a.clone());
    }
    let order = r.order().map_err(|_| Error::new("the region has a cycle"))?;
    for n in order {
        let node = r.node(n);
        let operands: Vec<V> = r
            .operands(n)
            .iter()
            .map(|v| env.get(v).cloned().ok_or_else(|| Error::new(format!("{} uses a value defined after it", node.op))))
            .collect::<Result<_>>()?;
        match node.op {
            OpKind::Parameter => {}
            OpKind::Return => return Ok(operands),
            _ => {
                let outs = lower_node(w, node, &operands).map_err(|mut e| {
                    if e.op.is_none() {
                        e.message = format!("{}: {}", node.op, e.message);
                        e.op = Some(node.op);
                    }
                    e.loc = e.loc.or_else(|| node.loc.clone());
                    e
                })?;
                for (i, v) in outs.into_iter().enumerate() {
                    env.insert(Value { node: n, result: i as u32 }, v);
                }
            }
        }
    }
    Err(Error::new("the region has no return"))
}

/// The static result types of a node.
pub(crate) fn result_types(node: &Node) -> Result<Vec<Ty>> {
    node.types.iter().map(|t| Ty::of(t, &|| format!("the result of {}", node.op))).collect()
}

/// Lower one op given its operands; returns one value per result.
fn lower_node(w: &mut Writer, node: &Node, ops: &[V]) -> Result<Vec<V>> {
    let tys = result_types(node)?;
    if let Some(name) = elementwise::simple(node.op) {
        let refs: Vec<&V> = ops.iter().collect();
        return Ok(vec![w.op(name, &refs, &[], tys[0].clone())]);
    }
    use OpKind::*;
    let one = |v: V| Ok(vec![v]);
    match node.op {
        Constant => one(w.constant(&tys[0], kc_ir::AttrsExt::literal(&node.attrs, "value")?)),
        Iota => one(w.iota(&tys[0], kc_ir::AttrsExt::int(&node.attrs, "dimension")? as usize)),
        Abs | Sign | Div | Rem | Max | Min | Clamp => one(elementwise::lower(w, node, ops).ok_or_else(|| Error::new("no lowering"))?),
        Compare => one(elementwise::compare(w, node, ops)?),
        Convert => one(elementwise::convert(w, &ops[0], &tys[0])),
        BroadcastInDim | Reshape | Transpose | Slice | DynamicSlice | DynamicUpdateSlice | Pad | Concatenate | Reverse | Gather | Scatter => {
            one(movement::lower(w, node, ops, &tys[0])?)
        }
        Reduce | ArgMax | ArgMin | ReduceWindow | DotGeneral | Convolution | CumSum | CumProd | CumMax | CumMin => {
            one(reductions::lower(w, node, ops, &tys[0])?)
        }
        // shapes are static here (functions are specialized before lowering)
        GetDimensionSize => {
            let d = kc_ir::AttrsExt::int(&node.attrs, "dimension")? as usize;
            let n = ops[0].ty.dims.get(d).copied().ok_or_else(|| Error::new(format!("get_dimension_size: no dimension {d}")))?;
            let n = i32::try_from(n).map_err(|_| Error::new(format!("get_dimension_size: the extent {n} does not fit in i32")))?;
            one(w.constant(&tys[0], &kc_ir::LiteralData::Int(vec![n as i64])))
        }
        Sort => reductions::sort(w, node, ops),
        TopK => reductions::top_k(w, node, ops, &tys),
        While => control::while_loop(w, node, ops),
        Fusion => control::fusion(w, node, ops),
        Parameter | Return => Err(Error::new("not an op that lowers on its own")),
        _ => Err(Error::new(format!("no StableHLO lowering for {}", node.op))),
    }
}
