//! `sort` and `top_k`.
//!
//! Both order elements by [`Elem::sort_cmp`]: a total order in which NaN is greater than
//! every number, -0.0 < 0.0, and false < true. Sorting is stable, so equal keys keep their
//! order (descending sorts reverse the comparison, not the result, so ties still keep
//! their original order).
use super::dispatch::{sl, with_num};
use super::layout::{around_axis, take_tensor};
use crate::tensor::{Elem, HostTensor};
use crate::tensor::with_elem;

type R<T> = Result<T, String>;

/// For every lane along `d` (lane l = outer index * inner + inner index), the source
/// positions 0..n in sorted order.
fn lane_orders<T: Elem>(key: &[T], shape: &[usize], d: usize, descending: bool) -> Vec<Vec<usize>> {
    let (outer, n, inner) = around_axis(shape, d);
    (0..outer * inner)
        .map(|l| {
            let (o, i) = (l / inner, l % inner);
            let at = |k: usize| key[o * n * inner + k * inner + i];
            let mut idx: Vec<usize> = (0..n).collect();
            idx.sort_by(|&a, &b| {
                let c = at(a).sort_cmp(&at(b));
                if descending { c.reverse() } else { c }
            });
            idx
        })
        .collect()
}

/// Source offsets that lay out each lane's first `keep` sorted positions, row-major.
fn sorted_offsets(orders: &[Vec<usize>], shape: &[usize], d: usize, keep: usize) -> Vec<usize> {
    let (outer, n, inner) = around_axis(shape, d);
    let mut offs = Vec::with_capacity(outer * keep * inner);
    for o in 0..outer {
        let lanes = &orders[o * inner..(o + 1) * inner];
        for k in 0..keep {
            for (i, lane) in lanes.iter().enumerate() {
                offs.push(o * n * inner + lane[k] * inner + i);
            }
        }
    }
    offs
}

/// `sort`: sort every operand along `dimension` by the first operand's values.
pub fn sort(xs: &[&HostTensor], dimension: i64, descending: bool) -> R<Vec<HostTensor>> {
    let first = xs.first().ok_or("sort needs at least one operand")?;
    let d = usize::try_from(dimension).ok().filter(|&d| d < first.rank()).ok_or_else(|| format!("dimension {dimension} is out of range for {first}"))?;
    if let Some(bad) = xs.iter().find(|x| x.shape() != first.shape()) {
        return Err(format!("operand {bad} must have the shape of the first, {first}"));
    }
    let orders = with_elem!(first.dtype(), T => lane_orders(sl::<T>(first), first.shape(), d, descending));
    let offs = sorted_offsets(&orders, first.shape(), d, first.shape()[d]);
    Ok(xs.iter().map(|x| take_tensor(x, &offs, x.shape().to_vec())).collect())
}

/// `top_k`: the k largest elements along the last dim in descending order, and their
/// indices (i32); equal values keep index order.
pub fn top_k(x: &HostTensor, k: i64) -> R<(HostTensor, HostTensor)> {
    let d = x.rank().checked_sub(1).ok_or_else(|| format!("top_k needs rank >= 1, got {x}"))?;
    let n = x.shape()[d];
    let k = usize::try_from(k).ok().filter(|&k| k <= n).ok_or_else(|| format!("k = {k} must be in 0..={n}"))?;
    if n > i32::MAX as usize {
        return Err(format!("the last dim ({n}) is too long for i32 indices"));
    }
    let orders = with_num!(x.dtype(), T => lane_orders(sl::<T>(x), x.shape(), d, true), else => return Err("top_k does not apply to bool".into()));
    let offs = sorted_offsets(&orders, x.shape(), d, k);
    let mut out = x.shape().to_vec();
    out[d] = k;
    let values = take_tensor(x, &offs, out.clone());
    // The lane is the last dim (inner = 1), so the index is the offset within the lane.
    let idx: Vec<i32> = offs.iter().map(|&o| (o % n.max(1)) as i32).collect();
    let indices = HostTensor::from_vec(out, idx).expect("one index per value");
    Ok((values, indices))
}
