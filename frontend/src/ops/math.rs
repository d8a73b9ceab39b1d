//! numpy-style ops: elementwise math, comparisons, reductions, matmul, casting.
use super::{apply1, axis, binary, broadcast_to, compare, full_like, ints, operands, unary, Operand};
use crate::error::Result;
use crate::tensor::Tensor;
use kc_ir::{attrs, Attr, Attrs, DType, Dim, OpKind, Shape, TensorType};

pub fn add(a: impl Into<Operand>, b: impl Into<Operand>) -> Result<Tensor> {
    binary(OpKind::Add, a, b)
}
pub fn subtract(a: impl Into<Operand>, b: impl Into<Operand>) -> Result<Tensor> {
    binary(OpKind::Sub, a, b)
}
pub fn multiply(a: impl Into<Operand>, b: impl Into<Operand>) -> Result<Tensor> {
    binary(OpKind::Mul, a, b)
}
pub fn divide(a: impl Into<Operand>, b: impl Into<Operand>) -> Result<Tensor> {
    binary(OpKind::Div, a, b)
}
pub fn power(a: impl Into<Operand>, b: impl Into<Operand>) -> Result<Tensor> {
    binary(OpKind::Pow, a, b)
}
pub fn maximum(a: impl Into<Operand>, b: impl Into<Operand>) -> Result<Tensor> {
    binary(OpKind::Max, a, b)
}
pub fn minimum(a: impl Into<Operand>, b: impl Into<Operand>) -> Result<Tensor> {
    binary(OpKind::Min, a, b)
}
pub fn mod_(a: impl Into<Operand>, b: impl Into<Operand>) -> Result<Tensor> {
    binary(OpKind::Rem, a, b)
}
pub fn arctan2(a: impl Into<Operand>, b: impl Into<Operand>) -> Result<Tensor> {
    binary(OpKind::Atan2, a, b)
}

pub fn negative(x: &Tensor) -> Result<Tensor> {
    unary(OpKind::Neg, x)
}
pub fn abs(x: &Tensor) -> Result<Tensor> {
    unary(OpKind::Abs, x)
}
pub fn sign(x: &Tensor) -> Result<Tensor> {
    unary(OpKind::Sign, x)
}
pub fn exp(x: &Tensor) -> Result<Tensor> {
    unary(OpKind::Exp, x)
}
pub fn expm1(x: &Tensor) -> Result<Tensor> {
    unary(OpKind::Expm1, x)
}
pub fn log(x: &Tensor) -> Result<Tensor> {
    unary(OpKind::Log, x)
}
pub fn log1p(x: &Tensor) -> Result<Tensor> {
    unary(OpKind::Log1p, x)
}
pub fn sqrt(x: &Tensor) -> Result<Tensor> {
    unary(OpKind::Sqrt, x)
}
pub fn rsqrt(x: &Tensor) -> Result<Tensor> {
    unary(OpKind::Rsqrt, x)
}
pub fn tanh(x: &Tensor) -> Result<Tensor> {
    unary(OpKind::Tanh, x)
}
pub fn sin(x: &Tensor) -> Result<Tensor> {
    unary(OpKind::Sin, x)
}
pub fn cos(x: &Tensor) -> Result<Tensor> {
    unary(OpKind::Cos, x)
}
pub fn floor(x: &Tensor) -> Result<Tensor> {
    unary(OpKind::Floor, x)
}
pub fn ceil(x: &Tensor) -> Result<Tensor> {
    unary(OpKind::Ceil, x)
}
pub fn round(x: &Tensor) -> Result<Tensor> {
    unary(OpKind::RoundNearestEven, x)
}
pub fn erf(x: &Tensor) -> Result<Tensor> {
    unary(OpKind::Erf, x)
}
pub fn square(x: &Tensor) -> Result<Tensor> {
    multiply(x, x)
}
pub fn reciprocal(x: &Tensor) -> Result<Tensor> {
    divide(1.0, x)
}

pub fn equal(a: impl Into<Operand>, b: impl Into<Operand>) -> Result<Tensor> {
    compare("eq", a, b)
}
pub fn not_equal(a: impl Into<Operand>, b: impl Into<Operand>) -> Result<Tensor> {
    compare("ne", a, b)
}
pub fn less(a: impl Into<Operand>, b: impl Into<Operand>) -> Result<Tensor> {
    compare("lt", a, b)
}
pub fn less_equal(a: impl Into<Operand>, b: impl Into<Operand>) -> Result<Tensor> {
    compare("le", a, b)
}
pub fn greater(a: impl Into<Operand>, b: impl Into<Operand>) -> Result<Tensor> {
    compare("gt", a, b)
}
pub fn greater_equal(a: impl Into<Operand>, b: impl Into<Operand>) -> Result<Tensor> {
    compare("ge", a, b)
}
pub fn logical_and(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary(OpKind::And, a, b)
}
pub fn logical_or(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary(OpKind::Or, a, b)
}
pub fn logical_not(a: &Tensor) -> Result<Tensor> {
    unary(OpKind::Not, a)
}

/// `cond ? a : b`, broadcasting all three (`keras.ops.where`).
pub fn where_(cond: &Tensor, a: impl Into<Operand>, b: impl Into<Operand>) -> Result<Tensor> {
    let (a, b) = operands(a.into(), b.into())?;
    let (a, b) = (super::lift(&a, cond)?, super::lift(&b, cond)?);
    let cond = &super::lift(cond, &a)?;
    let dims = super::broadcast_shapes(&cond.dims(), &a.dims())?;
    let (c, a, b) = (broadcast_to(cond, &dims)?, broadcast_to(&a, &dims)?, broadcast_to(&b, &dims)?);
    apply1(OpKind::Select, &[&c, &a, &b], Attrs::new(), None)
}

/// Limit values to `[lo, hi]`.
pub fn clip(x: &Tensor, lo: f64, hi: f64) -> Result<Tensor> {
    let lo = super::scalar(lo, x.dtype())?;
    let hi = super::scalar(hi, x.dtype())?;
    apply1(OpKind::Clamp, &[&lo, x, &hi], Attrs::new(), None)
}

/// Convert to another dtype (`keras.ops.cast`).
pub fn cast(x: &Tensor, dtype: DType) -> Result<Tensor> {
    if x.dtype() == dtype {
        return Ok(x.clone());
    }
    apply1(OpKind::Convert, &[x], Attrs::new(), Some(x.ty().with_dtype(dtype)))
}

/// Axes to reduce: all when `None`; negative axes count from the end.
fn reduce_axes(x: &Tensor, ax: Option<&[i64]>) -> Result<Vec<i64>> {
    let r = x.rank();
    let mut v: Vec<i64> = match ax {
        None => (0..r as i64).collect(),
        Some(a) => a.iter().map(|&a| axis(a, r).map(|d| d as i64)).collect::<Result<_>>()?,
    };
    v.sort();
    v.dedup();
    Ok(v)
}

fn reduce(x: &Tensor, ax: Option<&[i64]>, keepdims: bool, kind: &str) -> Result<Tensor> {
    let axes = reduce_axes(x, ax)?;
    let r = apply1(OpKind::Reduce, &[x], attrs(&[("dimensions", ints(&axes)), ("kind", Attr::Sym(kind.into()))]), None)?;
    if keepdims {
        keep(x, &r, &axes)
    } else {
        Ok(r)
    }
}

/// Put size-1 dims back where `axes` were reduced.
fn keep(x: &Tensor, r: &Tensor, axes: &[i64]) -> Result<Tensor> {
    let dims: Vec<Dim> = x.dims().into_iter().enumerate().map(|(i, d)| if axes.contains(&(i as i64)) { Dim::Known(1) } else { d }).collect();
    apply1(OpKind::Reshape, &[r], Attrs::new(), Some(TensorType::new(r.dtype(), Shape(dims))))
}

pub fn sum(x: &Tensor, ax: Option<&[i64]>, keepdims: bool) -> Result<Tensor> {
    reduce(x, ax, keepdims, "sum")
}
pub fn prod(x: &Tensor, ax: Option<&[i64]>, keepdims: bool) -> Result<Tensor> {
    reduce(x, ax, keepdims, "prod")
}
pub fn max(x: &Tensor, ax: Option<&[i64]>, keepdims: bool) -> Result<Tensor> {
    reduce(x, ax, keepdims, "max")
}
pub fn min(x: &Tensor, ax: Option<&[i64]>, keepdims: bool) -> Result<Tensor> {
    reduce(x, ax, keepdims, "min")
}
pub fn any(x: &Tensor, ax: Option<&[i64]>, keepdims: bool) -> Result<Tensor> {
    reduce(x, ax, keepdims, "or")
}
pub fn all(x: &Tensor, ax: Option<&[i64]>, keepdims: bool) -> Result<Tensor> {
    reduce(x, ax, keepdims, "and")
}

/// The number of elements along `axes`, as a scalar of `x`'s dtype (symbolic dims are
/// counted at run time by summing ones).
pub(crate) fn count(x: &Tensor, axes: &[i64]) -> Result<Tensor> {
    let dims = x.dims();
    let mut n = 1.0;
    let mut symbolic = false;
    for &a in axes {
        match &dims[a as usize] {
            Dim::Known(k) => n *= *k as f64,
            Dim::Sym(_) => symbolic = true,
        }
    }
    if !symbolic {
        return super::scalar(n, x.dtype());
    }
    let ones = full_like(x, 1.0)?;
    let r = apply1(OpKind::Reduce, &[&ones], attrs(&[("dimensions", ints(axes)), ("kind", Attr::Sym("sum".into()))]), None)?;
    // every remaining element holds the same count; take the total over all and divide
    let all = reduce(&r, None, false, "sum")?;
    let rest = count(&r, &(0..r.rank() as i64).collect::<Vec<_>>())?;
    divide(&all, &rest)
}

pub fn mean(x: &Tensor, ax: Option<&[i64]>, keepdims: bool) -> Result<Tensor> {
    let axes = reduce_axes(x, ax)?;
    let s = sum(x, Some(&axes), keepdims)?;
    let n = count(x, &axes)?;
    divide(&s, &n)
}

pub fn var(x: &Tensor, ax: Option<&[i64]>, keepdims: bool) -> Result<Tensor> {
    let m = mean(x, ax, true)?;
    let d = subtract(x, &m)?;
    mean(&square(&d)?, ax, keepdims)
}

fn arg(op: OpKind, x: &Tensor, ax: i64, keepdims: bool) -> Result<Tensor> {
    let d = axis(ax, x.rank())?;
    let mut dims = x.dims();
    dims.remove(d);
    let r = apply1(op, &[x], attrs(&[("dimension", Attr::Int(d as i64))]), Some(TensorType::new(DType::I32, Shape(dims))))?;
    if keepdims {
        keep(x, &r, &[d as i64])
    } else {
        Ok(r)
    }
}

pub fn argmax(x: &Tensor, ax: i64, keepdims: bool) -> Result<Tensor> {
    arg(OpKind::ArgMax, x, ax, keepdims)
}
pub fn argmin(x: &Tensor, ax: i64, keepdims: bool) -> Result<Tensor> {
    arg(OpKind::ArgMin, x, ax, keepdims)
}

/// numpy `matmul`: `[..., m, k] @ [k, n]`, batched `[b, m, k] @ [b, k, n]`, and vectors.
pub fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let (ra, rb) = (a.rank(), b.rank());
    let dot = |lb: Vec<i64>, rbt: Vec<i64>, lc: i64, rc: i64| -> Result<Tensor> {
        let mut at = attrs(&[("lhs_contracting", ints(&[lc])), ("rhs_contracting", ints(&[rc]))]);
        if !lb.is_empty() {
            at.insert("lhs_batch".into(), ints(&lb));
            at.insert("rhs_batch".into(), ints(&rbt));
        }
        apply1(OpKind::DotGeneral, &[a, b], at, None)
    };
    let k_a = a.dims().last().cloned();
    let k_b = if rb == 1 { b.dims().first().cloned() } else { b.dims().get(rb.wrapping_sub(2)).cloned() };
    if ra == 0 || rb == 0 || k_a != k_b {
        crate::bail!("matmul: cannot multiply {} by {}", a.ty(), b.ty());
    }
    if rb <= 2 {
        return dot(vec![], vec![], ra as i64 - 1, 0);
    }
    if ra == rb && a.dims()[..ra - 2] == b.dims()[..rb - 2] {
        let batch: Vec<i64> = (0..ra as i64 - 2).collect();
        return dot(batch.clone(), batch, ra as i64 - 1, rb as i64 - 2);
    }
    crate::bail!("matmul: batch dims of {} and {} must be equal (broadcast them first)", a.ty(), b.ty())
}

/// `one_hot(indices, num_classes)`: a float32 tensor with a trailing class axis.
pub fn one_hot(indices: &Tensor, num_classes: usize) -> Result<Tensor> {
    let mut dims = indices.dims();
    dims.push(Dim::Known(num_classes as u64));
    let t = TensorType::new(indices.dtype(), Shape(dims.clone()));
    let iota = super::apply1_like(indices, OpKind::Iota, &[], attrs(&[("dimension", Attr::Int(dims.len() as i64 - 1))]), Some(t.clone()))?;
    let keep: Vec<i64> = (0..indices.rank() as i64).collect();
    let idx = apply1(OpKind::BroadcastInDim, &[indices], attrs(&[("dims", ints(&keep))]), Some(t))?;
    let hit = equal(&idx, &iota)?;
    cast(&hit, DType::F32)
}
