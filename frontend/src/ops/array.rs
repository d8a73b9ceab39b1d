//! numpy array construction and indexing: `eye`, `take`, `repeat`.
use super::math::*;
use super::{apply1, axis, broadcast_to, ints, scalar};
use crate::error::Result;
use crate::tensor::Tensor;
use kc_ir::{attrs, Attr, DType, Dim, OpKind, TensorType};

/// `keras.ops.eye(n, m)`: ones on the main diagonal of an `n x m` matrix.
pub fn eye(n: usize, m: usize, dtype: DType) -> Result<Tensor> {
    let t = TensorType::known(DType::I32, &[n as u64, m as u64]);
    let rows = apply1(OpKind::Iota, &[], attrs(&[("dimension", Attr::Int(0))]), Some(t.clone()))?;
    let cols = apply1(OpKind::Iota, &[], attrs(&[("dimension", Attr::Int(1))]), Some(t))?;
    cast(&equal(&rows, &cols)?, dtype)
}

/// `keras.ops.take(x, indices, axis)`: the slices of `x` at `indices` along `axis`; the
/// result has `x`'s dims with `axis` replaced by the dims of `indices`. Negative indices
/// count from the end (numpy); indices out of range are clamped into it (the IR's
/// `gather`), where JAX would fill with NaN.
pub fn take(x: &Tensor, indices: &Tensor, ax: i64) -> Result<Tensor> {
    if !indices.dtype().is_int() {
        crate::bail!("take: indices must be integers, got {}", indices.ty());
    }
    let r = x.rank();
    let a = axis(ax, r)?;
    let dims = x.dims();
    let mut sizes = Vec::with_capacity(r);
    for (i, d) in dims.iter().enumerate() {
        match (i == a, d.known()) {
            (true, _) => sizes.push(1),
            (false, Some(n)) => sizes.push(n as i64),
            (false, None) => crate::bail!("take: axis {i} of {} must be known (only the indexed axis may be symbolic)", x.ty()),
        }
    }
    let idx = match dims[a].known() {
        Some(n) => {
            let n = super::lift(&scalar(n as f64, indices.dtype())?, indices)?;
            let wrapped = add(indices, &n)?;
            where_(&less(indices, 0.0)?, &wrapped, indices)?
        }
        None => indices.clone(),
    };
    let q = indices.rank();
    let offset: Vec<i64> = (0..a as i64).chain((a + q) as i64..(q + r - 1) as i64).collect();
    let at = attrs(&[
        ("offset_dims", ints(&offset)),
        ("collapsed_slice_dims", ints(&[a as i64])),
        ("start_index_map", ints(&[a as i64])),
        ("index_vector_dim", Attr::Int(q as i64)),
        ("slice_sizes", ints(&sizes)),
    ]);
    apply1(OpKind::Gather, &[x, &idx], at, None)
}

/// `keras.ops.repeat(x, repeats, axis)`: each element repeated `repeats` times along
/// `axis` (`[a, b]` -> `[a, a, b, b]`). The repeated axis must be known.
pub fn repeat(x: &Tensor, repeats: usize, ax: i64) -> Result<Tensor> {
    let a = axis(ax, x.rank())?;
    let dims = x.dims();
    let Some(n) = dims[a].known() else {
        crate::bail!("repeat: axis {a} of {} must be known", x.ty());
    };
    let mut wide = dims.clone();
    wide.insert(a + 1, Dim::Known(repeats as u64));
    let mut one = dims.clone();
    one.insert(a + 1, Dim::Known(1));
    let expanded = super::reshape_dims(x, one)?;
    let spread = broadcast_to(&expanded, &wide)?;
    let mut out = dims;
    out[a] = Dim::Known(n * repeats as u64);
    super::reshape_dims(&spread, out)
}
