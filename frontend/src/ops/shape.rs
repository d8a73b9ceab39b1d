//! Shape manipulation: reshape, transpose, expand/squeeze, concatenate, stack, slicing.
use super::{apply1, axis, ints};
use crate::error::Result;
use crate::tensor::Tensor;
use kc_ir::{attrs, Attr, Attrs, Dim, OpKind, Shape, TensorType};

/// Reshape to `dims`; one entry may be `-1` (inferred), and `0`... is not special.
/// A symbolic leading dim can be kept with `Dim::Sym` in [`reshape_dims`].
pub fn reshape(x: &Tensor, shape: &[i64]) -> Result<Tensor> {
    let dims = x.dims();
    let known: Option<u64> = dims.iter().map(|d| d.known()).product();
    let wild = shape.iter().filter(|&&s| s == -1).count();
    if wild > 1 {
        crate::bail!("reshape: only one dim may be -1, got {shape:?}");
    }
    let out: Vec<Dim> = if wild == 1 {
        let Some(total) = known else {
            crate::bail!("reshape: cannot infer -1 from the symbolic shape {}; use reshape_dims", x.ty())
        };
        let rest: i64 = shape.iter().filter(|&&s| s != -1).product();
        if rest <= 0 || total as i64 % rest != 0 {
            crate::bail!("reshape: cannot reshape {} to {shape:?}", x.ty());
        }
        shape.iter().map(|&s| Dim::Known(if s == -1 { total / rest as u64 } else { s as u64 })).collect()
    } else {
        shape.iter().map(|&s| Dim::Known(s.max(0) as u64)).collect()
    };
    reshape_dims(x, out)
}

/// Reshape to dims that may be symbolic (`[N, 784]` from `[N, 28, 28]`).
pub fn reshape_dims(x: &Tensor, dims: Vec<Dim>) -> Result<Tensor> {
    let t = TensorType::new(x.dtype(), Shape(dims));
    if t == x.ty() {
        return Ok(x.clone());
    }
    apply1(OpKind::Reshape, &[x], Attrs::new(), Some(t))
}

/// Permute axes; `None` reverses them (numpy's default).
pub fn transpose(x: &Tensor, axes: Option<&[i64]>) -> Result<Tensor> {
    let r = x.rank();
    let perm: Vec<i64> = match axes {
        None => (0..r as i64).rev().collect(),
        Some(a) => a.iter().map(|&d| axis(d, r).map(|v| v as i64)).collect::<Result<_>>()?,
    };
    apply1(OpKind::Transpose, &[x], attrs(&[("permutation", ints(&perm))]), None)
}

/// Reverse the order along `ax` (`keras.ops.flip`; `None`: along every axis).
pub fn flip(x: &Tensor, ax: Option<i64>) -> Result<Tensor> {
    let r = x.rank();
    let dims: Vec<i64> = match ax {
        None => (0..r as i64).collect(),
        Some(a) => vec![axis(a, r)? as i64],
    };
    apply1(OpKind::Reverse, &[x], attrs(&[("dimensions", ints(&dims))]), None)
}

/// Insert a size-1 axis at `ax` (which may be `rank`).
pub fn expand_dims(x: &Tensor, ax: i64) -> Result<Tensor> {
    let mut dims = x.dims();
    let a = axis(ax, dims.len() + 1)?;
    dims.insert(a, Dim::Known(1));
    reshape_dims(x, dims)
}

/// Remove size-1 axes (all of them when `ax` is `None`).
pub fn squeeze(x: &Tensor, ax: Option<i64>) -> Result<Tensor> {
    let dims = x.dims();
    let out: Vec<Dim> = match ax {
        None => dims.into_iter().filter(|d| *d != Dim::Known(1)).collect(),
        Some(a) => {
            let a = axis(a, dims.len())?;
            if dims[a] != Dim::Known(1) {
                crate::bail!("squeeze: axis {a} of {} is not 1", x.ty());
            }
            dims.into_iter().enumerate().filter(|(i, _)| *i != a).map(|(_, d)| d).collect()
        }
    };
    reshape_dims(x, out)
}

pub fn concatenate(xs: &[Tensor], ax: i64) -> Result<Tensor> {
    let Some(first) = xs.first() else { crate::bail!("concatenate needs at least one tensor") };
    let a = axis(ax, first.rank())?;
    let refs: Vec<&Tensor> = xs.iter().collect();
    apply1(OpKind::Concatenate, &refs, attrs(&[("dimension", Attr::Int(a as i64))]), None)
}

/// Join along a new axis.
pub fn stack(xs: &[Tensor], ax: i64) -> Result<Tensor> {
    let Some(first) = xs.first() else { crate::bail!("stack needs at least one tensor") };
    let a = axis(ax, first.rank() + 1)? as i64;
    let ex = xs.iter().map(|x| expand_dims(x, a)).collect::<Result<Vec<_>>>()?;
    concatenate(&ex, a)
}

/// A static slice: `start`/`stop` per leading axis (like `x[s0:e0, s1:e1]`).
pub fn slice(x: &Tensor, start: &[i64], stop: &[i64]) -> Result<Tensor> {
    let r = x.rank();
    let dims = x.dims();
    let mut st = vec![0i64; r];
    let mut lim: Vec<i64> = dims.iter().map(|d| d.known().map(|n| n as i64).unwrap_or(-1)).collect();
    for i in 0..start.len().min(r) {
        st[i] = start[i];
        lim[i] = stop[i];
    }
    apply1(OpKind::Slice, &[x], attrs(&[("start", ints(&st)), ("limit", ints(&lim))]), None)
}

/// `x[..., start:stop, ...]` along one axis, which must be known; the other axes are
/// taken whole (symbolic ones too).
pub fn slice_axis(x: &Tensor, ax: i64, start: u64, stop: u64) -> Result<Tensor> {
    let r = x.rank();
    let a = axis(ax, r)?;
    let dims = x.dims();
    let Dim::Known(n) = dims[a] else { crate::bail!("slice_axis: axis {a} of {} must be known", x.ty()) };
    if start > stop || stop > n {
        crate::bail!("slice_axis: {start}:{stop} is not a slice of axis {a} of {} (extent {n})", x.ty());
    }
    let mut st = vec![0i64; r];
    let mut lim: Vec<i64> = dims.iter().map(|d| d.known().map(|n| n as i64).unwrap_or(-1)).collect();
    st[a] = start as i64;
    lim[a] = stop as i64;
    apply1(OpKind::Slice, &[x], attrs(&[("start", ints(&st)), ("limit", ints(&lim))]), None)
}

/// `keras.ops.pad(x, pad_width, constant_values=value)`: `pad_width[i] = (before,
/// after)` elements of `value` on axis `i` (symbolic axes can only get `(0, 0)`).
pub fn pad(x: &Tensor, pad_width: &[(usize, usize)], value: f64) -> Result<Tensor> {
    if pad_width.len() != x.rank() {
        crate::bail!("pad: {} pairs of pad widths for {} of rank {}", pad_width.len(), x.ty(), x.rank());
    }
    if pad_width.iter().all(|&p| p == (0, 0)) {
        return Ok(x.clone());
    }
    let v = super::lift(&super::scalar(value, x.dtype())?, x)?;
    let lo: Vec<i64> = pad_width.iter().map(|p| p.0 as i64).collect();
    let hi: Vec<i64> = pad_width.iter().map(|p| p.1 as i64).collect();
    apply1(OpKind::Pad, &[x, &v], attrs(&[("low", ints(&lo)), ("high", ints(&hi))]), None)
}
