//! `kc::ops`: the functions of `keras.ops`, on concrete and symbolic tensors alike.
//!
//! Everything goes through [`apply`], which adds one IR op: to the trace when an operand
//! is symbolic, otherwise to a one-op function run at once on the reference interpreter.
//! So an op means exactly the same in eager code and in a compiled training step. The
//! numpy conventions (broadcasting, negative axes, scalars taking the tensor's dtype)
//! are implemented here, on top of the IR's explicit ops.
mod array;
mod control;
mod conv;
mod linalg;
mod extra;
mod math;
mod nn;
mod normalization;
mod pool;
mod random;
mod shape;
mod special;

pub use array::*;
pub use control::*;
pub use conv::*;
pub use linalg::*;
pub use extra::*;
pub use math::*;
pub use nn::*;
pub use normalization::*;
pub use pool::*;
pub use random::*;
pub use shape::*;
pub use special::*;

use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::tensor::Tensor;
use kc_ir::{attrs, Attr, Attrs, DType, Dim, Func, OpKind, Region, Shape, TensorType};

/// An operand of an elementwise op: a tensor, or a plain number that takes the dtype of
/// the other operand (as Python scalars do in Keras).
#[derive(Clone, Debug)]
pub enum Operand {
    T(Tensor),
    S(f64),
}

impl From<Tensor> for Operand {
    fn from(t: Tensor) -> Operand {
        Operand::T(t)
    }
}
impl From<&Tensor> for Operand {
    fn from(t: &Tensor) -> Operand {
        Operand::T(t.clone())
    }
}
impl From<f64> for Operand {
    fn from(x: f64) -> Operand {
        Operand::S(x)
    }
}
impl From<f32> for Operand {
    fn from(x: f32) -> Operand {
        Operand::S(x as f64)
    }
}
impl From<i32> for Operand {
    fn from(x: i32) -> Operand {
        Operand::S(x as f64)
    }
}

/// Apply one IR op to tensors. `declared` gives the result types of ops that take them
/// from the caller (reshape, convert, broadcast_in_dim, iota, ...).
pub fn apply(op: OpKind, inputs: &[&Tensor], a: Attrs, declared: Vec<TensorType>) -> Result<Vec<Tensor>> {
    let graph: Option<Graph> = inputs
        .iter()
        .find_map(|t| t.graph().cloned())
        .or_else(|| inputs.iter().any(|t| t.is_variable()).then(Graph::current).flatten());
    match graph {
        Some(g) => {
            let vals = inputs.iter().map(|t| t.in_graph(&g)).collect::<Result<Vec<_>>>()?;
            let outs = g.push(op, &vals, a, declared).map_err(|e| e.context(format!("`{op}`")))?;
            Ok(outs.into_iter().map(|v| Tensor::symbolic(g.clone(), v, g.value_type(v))).collect())
        }
        None => eager(op, inputs, a, declared),
    }
}

/// Run one op now on the interpreter.
fn eager(op: OpKind, inputs: &[&Tensor], a: Attrs, declared: Vec<TensorType>) -> Result<Vec<Tensor>> {
    let hosts = inputs.iter().map(|t| t.host()).collect::<Result<Vec<_>>>()?;
    let mut r = Region::new();
    let params: Vec<_> = inputs.iter().enumerate().map(|(i, t)| r.param(&format!("x{i}"), t.ty())).collect();
    let outs = r.build(op, &params, a, declared, Vec::new()).map_err(|e| Error::from(e).context(format!("`{op}`")))?;
    r.ret(&outs);
    let f = Func { name: op.name().to_string(), body: r };
    let res = kc_runtime::run_func(&f, &hosts).map_err(|e| Error::from(e).context(format!("`{op}`")))?;
    Ok(res.into_iter().map(Tensor::from_host).collect())
}

/// [`apply1`] in the trace of `like` when it is symbolic (for ops that make a tensor
/// from nothing or from constants, such as `iota` or a broadcast scalar, whose type may
/// have `like`'s symbolic dims).
pub fn apply1_like(like: &Tensor, op: OpKind, inputs: &[&Tensor], a: Attrs, declared: Option<TensorType>) -> Result<Tensor> {
    match like.graph() {
        Some(g) => {
            let vals = inputs.iter().map(|t| t.in_graph(g)).collect::<Result<Vec<_>>>()?;
            let outs = g.push(op, &vals, a, declared.into_iter().collect()).map_err(|e| e.context(format!("`{op}`")))?;
            Ok(g.tensor(outs[0]))
        }
        None => apply1(op, inputs, a, declared),
    }
}

/// [`apply`] for single-result ops.
pub fn apply1(op: OpKind, inputs: &[&Tensor], a: Attrs, declared: Option<TensorType>) -> Result<Tensor> {
    let mut v = apply(op, inputs, a, declared.into_iter().collect())?;
    v.pop().ok_or_else(|| Error::msg(format!("`{op}` returned nothing")))
}

/// The number of elements of `x` along `axes`, as a scalar of its dtype (symbolic dims
/// are counted when the step runs).
pub fn math_count(x: &Tensor, axes: &[i64]) -> Result<Tensor> {
    math::count(x, axes)
}

pub(crate) fn ints(v: &[i64]) -> Attr {
    Attr::Ints(v.to_vec())
}

/// A scalar constant of `dtype`.
pub fn scalar(x: f64, dtype: DType) -> Result<Tensor> {
    let h = kc_runtime::HostTensor::from_f64(dtype, vec![], &[x]).map_err(|e| Error::msg(format!("the number {x} as {dtype}: {e}")))?;
    Ok(Tensor::from_host(h))
}

/// `x` everywhere, with the type of `like` (symbolic dims included).
pub fn full_like(like: &Tensor, x: f64) -> Result<Tensor> {
    let t = like.ty();
    let s = lift(&scalar(x, t.dtype)?, like)?;
    if t.rank() == 0 {
        return Ok(s);
    }
    apply1_like(like, OpKind::BroadcastInDim, &[&s], attrs(&[("dims", ints(&[]))]), Some(t))
}

pub fn zeros_like(x: &Tensor) -> Result<Tensor> {
    full_like(x, 0.0)
}
pub fn ones_like(x: &Tensor) -> Result<Tensor> {
    full_like(x, 1.0)
}

/// Resolve a possibly negative axis against a rank.
pub fn axis(a: i64, rank: usize) -> Result<usize> {
    let r = rank as i64;
    let ax = if a < 0 { a + r } else { a };
    if ax < 0 || ax >= r {
        crate::bail!("axis {a} is out of range for a tensor of rank {rank}");
    }
    Ok(ax as usize)
}

/// The numpy broadcast of two shapes (aligned at the right; a 1 stretches).
pub fn broadcast_shapes(a: &[Dim], b: &[Dim]) -> Result<Vec<Dim>> {
    let n = a.len().max(b.len());
    let one = Dim::Known(1);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let x = if i + a.len() >= n { &a[i + a.len() - n] } else { &one };
        let y = if i + b.len() >= n { &b[i + b.len() - n] } else { &one };
        out.push(if x == y || *y == one {
            x.clone()
        } else if *x == one {
            y.clone()
        } else {
            crate::bail!("shapes {} and {} cannot be broadcast together (dim {x} vs {y})", Shape(a.to_vec()), Shape(b.to_vec()));
        });
    }
    Ok(out)
}

/// Broadcast `x` to `dims` (numpy rules); no op when it already has them.
pub fn broadcast_to(x: &Tensor, dims: &[Dim]) -> Result<Tensor> {
    let xd = x.dims();
    if xd == dims {
        return Ok(x.clone());
    }
    if xd.len() > dims.len() {
        crate::bail!("cannot broadcast {} to {}", x.ty(), Shape(dims.to_vec()));
    }
    let off = dims.len() - xd.len();
    // Dims that stretch from 1 are reshaped away first, so broadcast_in_dim only adds dims.
    let keep: Vec<usize> = (0..xd.len()).filter(|&i| xd[i] == dims[off + i]).collect();
    for i in 0..xd.len() {
        if xd[i] != dims[off + i] && xd[i] != Dim::Known(1) {
            crate::bail!("cannot broadcast {} to {}", x.ty(), Shape(dims.to_vec()));
        }
    }
    let squeezed = if keep.len() != xd.len() {
        let t = TensorType::new(x.dtype(), Shape(keep.iter().map(|&i| xd[i].clone()).collect()));
        apply1(OpKind::Reshape, &[x], Attrs::new(), Some(t))?
    } else {
        x.clone()
    };
    let map: Vec<i64> = keep.iter().map(|&i| (off + i) as i64).collect();
    apply1(OpKind::BroadcastInDim, &[&squeezed], attrs(&[("dims", ints(&map))]), Some(TensorType::new(x.dtype(), Shape(dims.to_vec()))))
}

/// Two operands as tensors of one dtype and one (broadcast) shape.
pub(crate) fn operands(a: Operand, b: Operand) -> Result<(Tensor, Tensor)> {
    let (a, b) = match (a, b) {
        (Operand::T(a), Operand::T(b)) => (a, b),
        (Operand::T(a), Operand::S(s)) => {
            let s = scalar(s, a.dtype())?;
            (a, s)
        }
        (Operand::S(s), Operand::T(b)) => (scalar(s, b.dtype())?, b),
        (Operand::S(x), Operand::S(y)) => (scalar(x, DType::F32)?, scalar(y, DType::F32)?),
    };
    if a.dtype() != b.dtype() {
        crate::bail!("operands have different dtypes ({} and {}); cast one with ops::cast", a.ty(), b.ty());
    }
    let (a, b) = (lift(&a, &b)?, lift(&b, &a)?);
    let dims = broadcast_shapes(&a.dims(), &b.dims())?;
    Ok((broadcast_to(&a, &dims)?, broadcast_to(&b, &dims)?))
}

/// `x`, moved into `other`'s trace when `other` is symbolic (so that broadcasting a weight
/// or a constant against a traced value is traced too, symbolic dims and all).
pub(crate) fn lift(x: &Tensor, other: &Tensor) -> Result<Tensor> {
    match (x.graph(), other.graph()) {
        (None, Some(g)) => Ok(g.tensor(x.in_graph(g)?)),
        _ => Ok(x.clone()),
    }
}

pub(crate) fn unary(op: OpKind, x: &Tensor) -> Result<Tensor> {
    apply1(op, &[x], Attrs::new(), None)
}

pub(crate) fn binary(op: OpKind, a: impl Into<Operand>, b: impl Into<Operand>) -> Result<Tensor> {
    let (a, b) = operands(a.into(), b.into())?;
    apply1(op, &[&a, &b], Attrs::new(), None)
}

pub(crate) fn compare(dir: &str, a: impl Into<Operand>, b: impl Into<Operand>) -> Result<Tensor> {
    let (a, b) = operands(a.into(), b.into())?;
    apply1(OpKind::Compare, &[&a, &b], attrs(&[("direction", Attr::Sym(dir.into()))]), None)
}
