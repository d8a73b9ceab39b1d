//! Ops that move elements without computing on them: iota, broadcast_in_dim, reshape,
//! transpose, slice, dynamic_slice, dynamic_update_slice, pad, concatenate, reverse.
//!
//! Each computes, for every result element, the offset of the operand element it copies
//! ([`affine_offsets`]) and lets [`take_tensor`] copy them; the ones that write into a
//! copy of the operand (dynamic_update_slice, pad) say so.
use super::convert::{Convert, Wide};
use super::dispatch::sl;
use super::layout::{affine_offsets, around_axis, for_each_index, offset, strides, take_tensor};
use crate::tensor::{Elem, HostTensor};
use crate::tensor::with_elem;
use kc_ir::DType;

type R<T> = Result<T, String>;

fn axis(d: i64, rank: usize, what: &str) -> R<usize> {
    usize::try_from(d).ok().filter(|&a| a < rank).ok_or_else(|| format!("{what} {d} is out of range for rank {rank}"))
}

fn lengths_match(v: &[i64], rank: usize, what: &str) -> R<()> {
    if v.len() != rank {
        return Err(format!("{what} {v:?} must have {rank} entries"));
    }
    Ok(())
}

/// `iota`: element r holds r[dimension], converted to the dtype.
pub fn iota(dtype: DType, shape: &[usize], dimension: i64) -> R<HostTensor> {
    let d = axis(dimension, shape.len(), "dimension")?;
    if dtype == DType::Bool {
        return Err("iota cannot produce bool".into());
    }
    let (outer, n, inner) = around_axis(shape, d);
    let data = with_elem!(dtype, T => {
        let mut v: Vec<T> = Vec::with_capacity(outer * n * inner);
        for _ in 0..outer {
            for k in 0..n {
                let x = T::from_wide(Wide::I(k as i64));
                v.extend(std::iter::repeat_n(x, inner));
            }
        }
        T::wrap(v)
    });
    Ok(HostTensor::new(shape.to_vec(), data).expect("iota fills its shape"))
}

/// `broadcast_in_dim`: operand dim i becomes result dim dims[i]; a size-1 operand dim is
/// repeated along its result dim; result dims not in `dims` repeat the whole operand.
pub fn broadcast_in_dim(x: &HostTensor, dims: &[i64], out: &[usize]) -> R<HostTensor> {
    lengths_match(dims, x.rank(), "dims")?;
    let xs = strides(x.shape());
    let mut steps = vec![0isize; out.len()];
    for (i, &d) in dims.iter().enumerate() {
        let d = axis(d, out.len(), "dims entry")?;
        let n = x.shape()[i];
        if n != out[d] && n != 1 {
            return Err(format!("operand dim {i} ({n}) cannot broadcast to result dim {d} ({})", out[d]));
        }
        // A size-1 dim stays at index 0: its step is 0.
        steps[d] = if n == 1 { 0 } else { xs[i] as isize };
    }
    Ok(take_tensor(x, &affine_offsets(out, &steps, 0), out.to_vec()))
}

/// `reshape`: the same elements in row-major order.
pub fn reshape(x: &HostTensor, out: &[usize]) -> R<HostTensor> {
    let n: usize = out.iter().product();
    if n != x.len() {
        return Err(format!("cannot reshape {x} ({} elements) to {out:?} ({n} elements)", x.len()));
    }
    Ok(x.clone().reshape(out.to_vec()).expect("element counts checked"))
}

/// `transpose`: result dim i is operand dim permutation[i].
pub fn transpose(x: &HostTensor, perm: &[i64]) -> R<HostTensor> {
    lengths_match(perm, x.rank(), "permutation")?;
    if perm.iter().enumerate().all(|(i, &p)| p == i as i64) {
        return Ok(x.clone());
    }
    let xs = strides(x.shape());
    let mut seen = vec![false; x.rank()];
    let mut out = Vec::with_capacity(x.rank());
    let mut steps = Vec::with_capacity(x.rank());
    for &p in perm {
        let p = axis(p, x.rank(), "permutation entry")?;
        if std::mem::replace(&mut seen[p], true) {
            return Err(format!("permutation {perm:?} repeats {p}"));
        }
        out.push(x.shape()[p]);
        steps.push(xs[p] as isize);
    }
    Ok(take_tensor(x, &affine_offsets(&out, &steps, 0), out))
}

/// `slice`: elements start, start+stride, ... below limit along each dim. A limit of -1
/// means the end of the dim (how symbolic dims are sliced whole).
pub fn slice(x: &HostTensor, start: &[i64], limit: &[i64], step: &[i64]) -> R<HostTensor> {
    let r = x.rank();
    lengths_match(start, r, "start")?;
    lengths_match(limit, r, "limit")?;
    lengths_match(step, r, "strides")?;
    let xs = strides(x.shape());
    let (mut out, mut steps, mut base) = (Vec::with_capacity(r), Vec::with_capacity(r), 0isize);
    for i in 0..r {
        let n = x.shape()[i] as i64;
        let (s, st) = (start[i], step[i]);
        let l = if limit[i] == -1 { n } else { limit[i] };
        if !(0 <= s && s <= l && l <= n) || st <= 0 {
            return Err(format!("dim {i} of {x}: need 0 <= start ({s}) <= limit ({l}) <= {n} and stride ({st}) > 0"));
        }
        out.push(((l - s) as usize).div_ceil(st as usize));
        // A stride past the end is only ever applied zero times: saturating is exact.
        steps.push((st as isize).saturating_mul(xs[i] as isize));
        base += s as isize * xs[i] as isize;
    }
    Ok(take_tensor(x, &affine_offsets(&out, &steps, base), out))
}

/// A start index moved into [0, dim - size], as dynamic_slice and dynamic_update_slice
/// (and gather) do so that the block always lies inside the operand.
pub fn clamp_start(start: i64, dim: usize, size: usize) -> usize {
    start.clamp(0, (dim - size) as i64) as usize
}

/// Scalar integer start indices as i64 (u32 fits).
pub fn start_indices(ts: &[&HostTensor]) -> R<Vec<i64>> {
    ts.iter()
        .enumerate()
        .map(|(i, t)| int_scalar(t).ok_or_else(|| format!("start index {i} must be an integer scalar, got {t}")))
        .collect()
}

/// The value of an integer scalar, exactly (not through f64).
pub fn int_scalar(t: &HostTensor) -> Option<i64> {
    if t.rank() != 0 {
        return None;
    }
    with_elem!(t.dtype(), T => match T::slice(t.data())?.first()?.to_wide() {
        Wide::I(i) => Some(i),
        _ => None,
    })
}

/// `dynamic_slice`: a block of `sizes` at runtime start indices (clamped).
pub fn dynamic_slice(x: &HostTensor, starts: &[i64], sizes: &[i64]) -> R<HostTensor> {
    let r = x.rank();
    lengths_match(sizes, r, "sizes")?;
    lengths_match(starts, r, "start indices")?;
    let xs = strides(x.shape());
    let mut base = 0isize;
    let mut out = Vec::with_capacity(r);
    for i in 0..r {
        let n = x.shape()[i];
        let want = if sizes[i] == -1 { n as i64 } else { sizes[i] };
        let size = usize::try_from(want).ok().filter(|&s| s <= n).ok_or_else(|| {
            format!("sizes[{i}] = {} must be in 0..={n} for {x}", sizes[i])
        })?;
        base += (clamp_start(starts[i], n, size) * xs[i]) as isize;
        out.push(size);
    }
    let steps: Vec<isize> = xs.iter().map(|&s| s as isize).collect();
    Ok(take_tensor(x, &affine_offsets(&out, &steps, base), out))
}

/// Write `src`'s elements, in order, to `dst` at `offsets`.
fn put(dst: &mut HostTensor, offsets: &[usize], src: &HostTensor) {
    with_elem!(src.dtype(), T => {
        let s = sl::<T>(src);
        let d = dst.as_slice_mut::<T>().expect("same dtype");
        for (&o, &v) in offsets.iter().zip(s) {
            d[o] = v;
        }
    })
}

/// `dynamic_update_slice`: the operand with `update` written at the (clamped) start.
pub fn dynamic_update_slice(x: &HostTensor, update: &HostTensor, starts: &[i64]) -> R<HostTensor> {
    let r = x.rank();
    if update.dtype() != x.dtype() || update.rank() != r {
        return Err(format!("update {update} must have the dtype and rank of the operand {x}"));
    }
    lengths_match(starts, r, "start indices")?;
    let xs = strides(x.shape());
    let mut base = 0usize;
    for i in 0..r {
        let (n, u) = (x.shape()[i], update.shape()[i]);
        if u > n {
            return Err(format!("update {update} is larger than the operand {x} in dim {i}"));
        }
        base += clamp_start(starts[i], n, u) * xs[i];
    }
    let steps: Vec<isize> = xs.iter().map(|&s| s as isize).collect();
    let offsets = affine_offsets(update.shape(), &steps, base as isize);
    let mut out = x.clone();
    put(&mut out, &offsets, update);
    Ok(out)
}

/// `pad`: `low` and `high` elements of `value` at each end (negative amounts cut
/// elements off) and `interior` between neighbours.
pub fn pad(x: &HostTensor, value: &HostTensor, low: &[i64], high: &[i64], interior: &[i64]) -> R<HostTensor> {
    let r = x.rank();
    lengths_match(low, r, "low")?;
    lengths_match(high, r, "high")?;
    lengths_match(interior, r, "interior")?;
    if value.rank() != 0 || value.dtype() != x.dtype() {
        return Err(format!("padding value {value} must be a {} scalar", x.dtype()));
    }
    let mut out = Vec::with_capacity(r);
    for i in 0..r {
        let n = x.shape()[i] as i128;
        if interior[i] < 0 {
            return Err(format!("interior[{i}] = {} must be >= 0", interior[i]));
        }
        let size = low[i] as i128 + high[i] as i128 + n + (n - 1).max(0) * interior[i] as i128;
        let size = usize::try_from(size).map_err(|_| format!("dim {i} would have size {size}"))?;
        out.push(size);
    }
    // The attributes alone decide this size; refuse an absurd one before allocating.
    super::env::check_size(x.dtype(), &out)?;
    // Start from all padding, then place each operand element at
    // low + index * (interior + 1) if that lands inside the result.
    let mut result = HostTensor::new(out.clone(), with_elem!(x.dtype(), T => T::wrap(vec![sl::<T>(value)[0]; out.iter().product()])))
        .expect("sized from out");
    let os = strides(&out);
    let mut src_offsets = Vec::new();
    let mut dst_offsets = Vec::new();
    let xs = strides(x.shape());
    for_each_index(x.shape(), |idx| {
        let mut dst = 0usize;
        for i in 0..r {
            let p = low[i] as i128 + idx[i] as i128 * (interior[i] as i128 + 1);
            if p < 0 || p >= out[i] as i128 {
                return;
            }
            dst += p as usize * os[i];
        }
        src_offsets.push(offset(idx, &xs));
        dst_offsets.push(dst);
    });
    let moved = take_tensor(x, &src_offsets, vec![src_offsets.len()]);
    put(&mut result, &dst_offsets, &moved);
    Ok(result)
}

/// `concatenate` along `dimension`.
pub fn concatenate(xs: &[&HostTensor], dimension: i64) -> R<HostTensor> {
    let first = xs.first().ok_or("concatenate needs at least one operand")?;
    let d = axis(dimension, first.rank(), "dimension")?;
    let mut out = first.shape().to_vec();
    out[d] = 0;
    for (k, x) in xs.iter().enumerate() {
        let same_other_dims = x.rank() == first.rank()
            && (0..x.rank()).all(|i| i == d || x.shape()[i] == first.shape()[i]);
        if x.dtype() != first.dtype() || !same_other_dims {
            return Err(format!("operand {k} ({x}) does not fit operand 0 ({first}) outside dim {d}"));
        }
        out[d] += x.shape()[d];
    }
    // Row-major: for each index of the dims before `d`, each operand contributes one
    // contiguous chunk of shape[d] * inner elements, in operand order.
    let (outer, _, inner) = around_axis(&out, d);
    let data = with_elem!(first.dtype(), T => {
        let mut v: Vec<T> = Vec::with_capacity(out.iter().product());
        for o in 0..outer {
            for x in xs {
                let chunk = x.shape()[d] * inner;
                v.extend_from_slice(&sl::<T>(x)[o * chunk..(o + 1) * chunk]);
            }
        }
        T::wrap(v)
    });
    Ok(HostTensor::new(out, data).expect("chunks fill the result"))
}

/// `reverse` the order of elements along `dimensions`.
pub fn reverse(x: &HostTensor, dims: &[i64]) -> R<HostTensor> {
    let xs = strides(x.shape());
    let mut steps: Vec<isize> = xs.iter().map(|&s| s as isize).collect();
    let mut base = 0isize;
    let mut seen = vec![false; x.rank()];
    for &d in dims {
        let d = axis(d, x.rank(), "dimensions entry")?;
        if std::mem::replace(&mut seen[d], true) {
            return Err(format!("dimensions {dims:?} repeats {d}"));
        }
        // Walk the dim backwards from its last element.
        base += x.shape()[d].saturating_sub(1) as isize * xs[d] as isize;
        steps[d] = -steps[d];
    }
    Ok(take_tensor(x, &affine_offsets(x.shape(), &steps, base), x.shape().to_vec()))
}

/// A `constant`'s value (splats expanded).
pub fn constant(lit: &kc_ir::LiteralData, dtype: DType, shape: &[usize]) -> R<HostTensor> {
    HostTensor::from_literal_shape(lit, dtype, shape.to_vec()).map_err(|e| e.to_string())
}
