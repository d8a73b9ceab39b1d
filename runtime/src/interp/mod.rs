//! The reference interpreter: the executable definition of what every kc op means.
//! Every lowering is tested against it, so it is written to be obviously correct first
//! and fast second (dense matmuls and convolutions go through a blocked GEMM).
//!
//! Running a function:
//! 1. bind its parameters to the inputs: count, dtypes and known dims must match, and each
//!    symbolic dim (`N`) takes one extent across all parameters ([`env::Dims`]);
//! 2. evaluate nodes in program order ([`kc_ir::Region::order`]); before each node, its
//!    declared result types are resolved to concrete shapes and checked against the size
//!    limits, and after it the results are checked to have exactly those types;
//! 3. drop every value after its last use, so a training step holds only live tensors;
//! 4. return the operands of the region's `return`.
//!
//! Errors name the node and op: "in node 7 (`dot_general`): ...".
mod control;
pub mod convert;
mod conv;
mod dispatch;
mod dot;
mod elementwise;
pub mod env;
mod erf;
mod gather;
pub mod layout;
mod matmul;
mod movement;
mod reduce;
pub mod scalar;
mod sort;
mod window;

use crate::error::{Result, RuntimeError};
use crate::tensor::HostTensor;
use env::{Dims, Ty};
use kc_ir::op::Default as AttrDefault;
use kc_ir::{Attr, AttrsExt, Func, Module, Node, NodeIndex, OpKind, Region, Value};
use std::borrow::Cow;
use std::collections::HashMap;

/// Run function `func` of `module` on `inputs` (one per parameter, in order).
pub fn run(module: &Module, func: &str, inputs: &[HostTensor]) -> Result<Vec<HostTensor>> {
    let f = module.func(func).ok_or_else(|| {
        let names: Vec<String> = module.funcs.iter().map(|f| format!("@{}", f.name)).collect();
        RuntimeError::Input(format!("no function @{func}; the module defines {}", if names.is_empty() { "none".into() } else { names.join(", ") }))
    })?;
    run_func(f, inputs)
}

/// Run one function on `inputs` (one per parameter, in order).
pub fn run_func(f: &Func, inputs: &[HostTensor]) -> Result<Vec<HostTensor>> {
    let mut dims = Dims::default();
    let refs: Vec<&HostTensor> = inputs.iter().collect();
    bind_params(&f.body, &refs, &mut dims, &format!("@{}", f.name)).map_err(RuntimeError::Input)?;
    eval_region(&f.body, inputs.iter().map(Cow::Borrowed).collect(), &dims)
}

/// Check `inputs` against `f`'s parameters (count, dtypes, ranks, known dims, one size
/// per symbol) and return the size each symbolic dim is bound to; what a compiled
/// lowering needs to specialize `f` to a call.
pub fn bind_symbols(f: &Func, inputs: &[&HostTensor]) -> Result<std::collections::BTreeMap<String, i64>> {
    let mut dims = Dims::default();
    bind_params(&f.body, inputs, &mut dims, &format!("@{}", f.name)).map_err(RuntimeError::Input)?;
    Ok(dims.bindings())
}

/// A parameter's name (its `name` attribute), or its index when it has none.
fn param_name(r: &Region, p: NodeIndex, i: usize) -> String {
    match r.node(p).attrs.get("name") {
        Some(Attr::Str(s)) => s.clone(),
        _ => i.to_string(),
    }
}

/// Check `inputs` against the region's parameters and bind their symbolic dims.
/// `who` names the function or region in the count error.
fn bind_params(r: &Region, inputs: &[&HostTensor], dims: &mut Dims, who: &str) -> std::result::Result<(), String> {
    let params = r.params();
    let names: Vec<String> = params.iter().enumerate().map(|(i, &p)| param_name(r, p, i)).collect();
    if inputs.len() != params.len() {
        let list: Vec<String> = names.iter().map(|n| format!("%{n}")).collect();
        return Err(format!("{who} takes {} inputs ({}), got {}", params.len(), list.join(", "), inputs.len()));
    }
    for ((&p, name), t) in params.iter().zip(&names).zip(inputs) {
        let ty = r.node(p).types.first().ok_or_else(|| format!("parameter %{name} has no type"))?;
        dims.bind(name, ty, t)?;
    }
    Ok(())
}

fn op_error(r: &Region, n: NodeIndex, message: impl Into<String>) -> RuntimeError {
    RuntimeError::Op { node: n.index(), op: r.node(n).op.name(), message: message.into() }
}

/// Evaluate a region on its parameter values (already checked by [`bind_params`]) and
/// return the values of its `return`.
fn eval_region(r: &Region, inputs: Vec<Cow<'_, HostTensor>>, dims: &Dims) -> Result<Vec<HostTensor>> {
    let order = r.order().map_err(|n| op_error(r, n, "is on a cycle: a value is used before it is defined"))?;
    // How many times each value is still to be read; a value is dropped at zero.
    let mut pending: HashMap<Value, usize> = HashMap::new();
    for e in r.graph.edge_indices() {
        let (src, _) = r.graph.edge_endpoints(e).expect("edge exists");
        *pending.entry(Value { node: src, result: r.graph[e].result }).or_default() += 1;
    }
    let mut live: HashMap<Value, Cow<'_, HostTensor>> = HashMap::new();
    for (p, t) in r.params().into_iter().zip(inputs) {
        if pending.contains_key(&Value::of(p)) {
            live.insert(Value::of(p), t);
        }
    }
    let mut returned = None;
    for n in order {
        let node = r.node(n);
        let operands = r.operands(n);
        match node.op {
            OpKind::Parameter => continue,
            OpKind::Return => {
                let mut out = Vec::with_capacity(operands.len());
                for v in &operands {
                    out.push(consume(&mut live, &mut pending, *v).ok_or_else(|| op_error(r, n, "reads a value that was never computed"))?);
                }
                returned = Some(out);
                continue;
            }
            _ => {}
        }
        let types: Vec<Ty> = node.types.iter().map(|t| dims.resolve(t)).collect::<std::result::Result<_, _>>().map_err(|m| op_error(r, n, m))?;
        let results = {
            let args: Vec<&HostTensor> = operands
                .iter()
                .map(|v| live.get(v).map(|c| c.as_ref()))
                .collect::<Option<_>>()
                .ok_or_else(|| op_error(r, n, "reads a value that was never computed"))?;
            eval_node(node, &args, &types, dims).map_err(|m| op_error(r, n, m))?
        };
        if results.len() != types.len() || results.iter().zip(&types).any(|(t, ty)| t.dtype() != ty.dtype || t.shape() != ty.shape) {
            let got: Vec<String> = results.iter().map(|t| t.to_string()).collect();
            let want: Vec<String> = types.iter().map(|t| t.to_string()).collect();
            return Err(op_error(r, n, format!("computed ({}) but the node declares ({})", got.join(", "), want.join(", "))));
        }
        for v in &operands {
            release(&mut live, &mut pending, *v);
        }
        for (i, t) in results.into_iter().enumerate() {
            let v = Value { node: n, result: i as u32 };
            if pending.contains_key(&v) {
                live.insert(v, Cow::Owned(t));
            }
        }
    }
    returned.ok_or_else(|| RuntimeError::Input("the region has no `return`".into()))
}

/// Count one read of `v`; drop it after its last.
fn release(live: &mut HashMap<Value, Cow<'_, HostTensor>>, pending: &mut HashMap<Value, usize>, v: Value) {
    if let Some(c) = pending.get_mut(&v) {
        *c -= 1;
        if *c == 0 {
            pending.remove(&v);
            live.remove(&v);
        }
    }
}

/// Read `v` as an owned tensor: moved out on its last read, cloned before that.
fn consume(live: &mut HashMap<Value, Cow<'_, HostTensor>>, pending: &mut HashMap<Value, usize>, v: Value) -> Option<HostTensor> {
    let last = pending.get(&v).is_some_and(|&c| c == 1);
    let t = if last { live.remove(&v)?.into_owned() } else { live.get(&v)?.as_ref().clone() };
    release(live, pending, v);
    Some(t)
}

/// Attribute readers that fall back to the op table's default when a hand-built node
/// leaves an attribute out.
struct AttrReader<'a> {
    node: &'a Node,
}

impl<'a> AttrReader<'a> {
    fn ir<T>(r: kc_ir::Result<T>) -> std::result::Result<T, String> {
        r.map_err(|e| e.message)
    }
    fn int(&self, name: &str) -> std::result::Result<i64, String> {
        match (self.node.attrs.get(name), self.node.op.attr_spec(name).map(|s| s.default)) {
            (None, Some(AttrDefault::Int(v))) => Ok(v),
            _ => Self::ir(self.node.attrs.int(name)),
        }
    }
    fn ints(&self, name: &str) -> std::result::Result<&'a [i64], String> {
        Self::ir(self.node.attrs.ints(name))
    }
    /// An optional list: absent means `len` copies of `fill`.
    fn ints_or(&self, name: &str, len: usize, fill: i64) -> std::result::Result<Vec<i64>, String> {
        Self::ir(self.node.attrs.ints_or(name, len, fill))
    }
    /// An optional list with a default that is not a constant fill.
    fn ints_else(&self, name: &str, default: impl FnOnce() -> Vec<i64>) -> std::result::Result<Vec<i64>, String> {
        match self.node.attrs.get(name) {
            None => Ok(default()),
            Some(_) => Ok(self.ints(name)?.to_vec()),
        }
    }
    fn flag(&self, name: &str) -> std::result::Result<bool, String> {
        match (self.node.attrs.get(name), self.node.op.attr_spec(name).map(|s| s.default)) {
            (None, Some(AttrDefault::Bool(v))) => Ok(v),
            _ => Self::ir(self.node.attrs.boolean(name)),
        }
    }
    fn sym(&self, name: &str) -> std::result::Result<&'a str, String> {
        match (self.node.attrs.get(name), self.node.op.attr_spec(name).map(|s| s.default)) {
            (None, Some(AttrDefault::Sym(v))) => Ok(v),
            _ => Self::ir(self.node.attrs.sym(name)),
        }
    }
}

/// What one node computes from its operand values; `out` are its resolved result types.
fn eval_node(node: &Node, args: &[&HostTensor], out: &[Ty], dims: &Dims) -> std::result::Result<Vec<HostTensor>, String> {
    use OpKind::*;
    let a = AttrReader { node };
    let op = node.op;
    let arity = op.info().operands;
    if !arity.accepts(args.len()) {
        return Err(format!("expects {}, got {}", arity.describe(), args.len()));
    }
    let want_results = op.info().results.count(args.len(), &node.regions);
    if out.len() != want_results {
        return Err(format!("declares {} result types, expected {want_results}", out.len()));
    }
    let x = args.first().copied();
    let x0 = || x.expect("arity checked");
    let one = |t: HostTensor| Ok(vec![t]);
    match op {
        Parameter | Return => Err("is evaluated by its region, not as a node".into()),
        Constant => one(movement::constant(AttrReader::ir(node.attrs.literal("value"))?, out[0].dtype, &out[0].shape)?),
        Iota => one(movement::iota(out[0].dtype, &out[0].shape, a.int("dimension")?)?),
        Neg | Abs | Sign | Exp | Expm1 | Log | Log1p | Sqrt | Rsqrt | Tanh | Logistic | Sin | Cos | Tan | Erf | Floor | Ceil
        | RoundNearestEven | IsFinite | Not | PopCnt => one(elementwise::unary(op, x0())?),
        Convert => one(convert::convert(x0(), out[0].dtype)),
        BitcastConvert => one(convert::bitcast(x0(), out[0].dtype)?),
        Add | Sub | Mul | Div | Rem | Pow | Max | Min | Atan2 | And | Or | Xor | ShiftLeft | ShiftRightLogical
        | ShiftRightArithmetic => one(elementwise::binary(op, args[0], args[1], None)?),
        Compare => one(elementwise::binary(op, args[0], args[1], Some(a.sym("direction")?))?),
        Select => one(elementwise::select(args[0], args[1], args[2])?),
        Clamp => one(elementwise::clamp(args[0], args[1], args[2])?),
        BroadcastInDim => one(movement::broadcast_in_dim(x0(), a.ints("dims")?, &out[0].shape)?),
        Reshape => one(movement::reshape(x0(), &out[0].shape)?),
        Transpose => one(movement::transpose(x0(), a.ints("permutation")?)?),
        Slice => {
            let strides = a.ints_or("strides", x0().rank(), 1)?;
            one(movement::slice(x0(), a.ints("start")?, a.ints("limit")?, &strides)?)
        }
        DynamicSlice => one(movement::dynamic_slice(x0(), &movement::start_indices(&args[1..])?, a.ints("sizes")?)?),
        DynamicUpdateSlice => {
            one(movement::dynamic_update_slice(args[0], args[1], &movement::start_indices(&args[2..])?)?)
        }
        Pad => {
            let interior = a.ints_or("interior", x0().rank(), 0)?;
            one(movement::pad(args[0], args[1], a.ints("low")?, a.ints("high")?, &interior)?)
        }
        Concatenate => one(movement::concatenate(args, a.int("dimension")?)?),
        Reverse => one(movement::reverse(x0(), a.ints("dimensions")?)?),
        Gather => one(gather::gather(
            args[0],
            args[1],
            &gather::GatherDims {
                offset_dims: a.ints("offset_dims")?,
                collapsed_slice_dims: a.ints("collapsed_slice_dims")?,
                start_index_map: a.ints("start_index_map")?,
                index_vector_dim: a.int("index_vector_dim")?,
                slice_sizes: a.ints("slice_sizes")?,
            },
        )?),
        Scatter => one(gather::scatter(
            args[0],
            args[1],
            args[2],
            &gather::ScatterDims {
                update_window_dims: a.ints("update_window_dims")?,
                inserted_window_dims: a.ints("inserted_window_dims")?,
                scatter_dims_to_operand_dims: a.ints("scatter_dims_to_operand_dims")?,
                index_vector_dim: a.int("index_vector_dim")?,
            },
            a.sym("kind")?,
        )?),
        GetDimensionSize => {
            let d = a.int("dimension")?;
            let n = usize::try_from(d).ok().and_then(|d| x0().shape().get(d).copied()).ok_or_else(|| format!("dimension = {d} is out of range for {}", x0()))?;
            let n = i32::try_from(n).map_err(|_| format!("the extent {n} of dimension {d} does not fit in i32"))?;
            one(HostTensor::scalar(n))
        }
        Reduce => one(reduce::reduce(x0(), a.ints("dimensions")?, a.sym("kind")?)?),
        ArgMax | ArgMin => one(reduce::arg_reduce(op, x0(), a.int("dimension")?, out[0].dtype)?),
        ReduceWindow => {
            let r = x0().rank();
            let (strides, lo, hi) = (a.ints_or("strides", r, 1)?, a.ints_or("padding_low", r, 0)?, a.ints_or("padding_high", r, 0)?);
            let (bd, wd) = (a.ints_or("base_dilation", r, 1)?, a.ints_or("window_dilation", r, 1)?);
            let w = window::Window {
                size: a.ints("window")?,
                strides: &strides,
                padding_low: &lo,
                padding_high: &hi,
                base_dilation: &bd,
                window_dilation: &wd,
            };
            one(window::reduce_window(x0(), a.sym("kind")?, &w)?)
        }
        DotGeneral => {
            let (lb, rb) = (a.ints_or("lhs_batch", 0, 0)?, a.ints_or("rhs_batch", 0, 0)?);
            let d = dot::DotDims {
                lhs_batch: &lb,
                rhs_batch: &rb,
                lhs_contracting: a.ints("lhs_contracting")?,
                rhs_contracting: a.ints("rhs_contracting")?,
            };
            one(dot::dot_general(args[0], args[1], &d)?)
        }
        Convolution => {
            let rank = x0().rank() as i64;
            let ns = x0().rank().saturating_sub(2);
            let natural = || (0..rank).collect::<Vec<i64>>();
            let c = conv::ConvAttrs {
                window_strides: a.ints_or("window_strides", ns, 1)?,
                padding_low: a.ints_or("padding_low", ns, 0)?,
                padding_high: a.ints_or("padding_high", ns, 0)?,
                lhs_dilation: a.ints_or("lhs_dilation", ns, 1)?,
                rhs_dilation: a.ints_or("rhs_dilation", ns, 1)?,
                feature_group_count: a.int("feature_group_count")?,
                input_dims: a.ints_else("input_dims", natural)?,
                // Absent: OIHW, i.e. the kernel's input features are dim 1, outputs dim 0.
                kernel_dims: a.ints_else("kernel_dims", || [1, 0].into_iter().chain(2..rank).collect())?,
                output_dims: a.ints_else("output_dims", natural)?,
            };
            one(conv::convolution(args[0], args[1], &c)?)
        }
        Sort => sort::sort(args, a.int("dimension")?, a.flag("descending")?),
        TopK => {
            let (v, i) = sort::top_k(x0(), a.int("k")?)?;
            Ok(vec![v, i])
        }
        CumSum | CumProd | CumMax | CumMin => one(reduce::cumulative(op, x0(), a.int("dimension")?, a.flag("reverse")?)?),
        While => control::while_loop(node, args, dims),
        Fusion => control::fusion(node, args, dims),
    }
}
