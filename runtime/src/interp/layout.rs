//! Index arithmetic on row-major tensors, shared by the ops.
//!
//! Most data movement is "element r of the result is element f(r) of the operand"; the
//! ops compute the list of source offsets and [`take`] copies them, whatever the dtype.
use crate::tensor::{Elem, HostTensor};
use crate::tensor::with_elem;

/// Row-major strides: the distance in elements between neighbours along each dim.
pub fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1usize; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

/// For every multi-index `r` of `shape`, in row-major order, the offset
/// `base + sum_i r[i] * steps[i]`. Steps may be zero (broadcast) or negative (reverse);
/// the caller guarantees every offset is in range of what it indexes. A step along a
/// dim of extent 1 is never really taken, so it may be any value: the running offset
/// uses wrapping arithmetic, which is exact modulo 2^64 and so gives exactly the true
/// (in-range) value at every offset pushed.
pub fn affine_offsets(shape: &[usize], steps: &[isize], base: isize) -> Vec<usize> {
    debug_assert_eq!(shape.len(), steps.len());
    let n: usize = shape.iter().product();
    let mut out = Vec::with_capacity(n);
    if n == 0 {
        return out;
    }
    let Some(last) = shape.len().checked_sub(1) else {
        out.push(base as usize);
        return out;
    };
    let (inner, inner_step) = (shape[last], steps[last]);
    let mut idx = vec![0usize; last];
    let mut off = base;
    'rows: loop {
        let mut o = off;
        for _ in 0..inner {
            out.push(o as usize);
            o = o.wrapping_add(inner_step);
        }
        // Advance the odometer over the outer dims.
        let mut d = last;
        loop {
            if d == 0 {
                break 'rows;
            }
            d -= 1;
            idx[d] += 1;
            off = off.wrapping_add(steps[d]);
            if idx[d] < shape[d] {
                continue 'rows;
            }
            off = off.wrapping_sub(steps[d].wrapping_mul(shape[d] as isize));
            idx[d] = 0;
        }
    }
    out
}

/// Call `f` with every multi-index of `shape`, in row-major order.
pub fn for_each_index(shape: &[usize], mut f: impl FnMut(&[usize])) {
    if shape.contains(&0) {
        return;
    }
    let mut idx = vec![0usize; shape.len()];
    loop {
        f(&idx);
        let mut d = shape.len();
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            idx[d] += 1;
            if idx[d] < shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
}

/// The row-major offset of a multi-index.
pub fn offset(index: &[usize], strides: &[usize]) -> usize {
    index.iter().zip(strides).map(|(i, s)| i * s).sum()
}

/// A shape seen as `[outer, n, inner]` around one axis: lanes along `axis` are
/// `outer * inner` runs of `n` elements at stride `inner`.
pub fn around_axis(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    let outer = shape[..axis].iter().product();
    let inner = shape[axis + 1..].iter().product();
    (outer, shape[axis], inner)
}

pub fn take<T: Copy>(src: &[T], offsets: &[usize]) -> Vec<T> {
    offsets.iter().map(|&o| src[o]).collect()
}

/// A tensor of `shape` whose element i is `x`'s element `offsets[i]`.
pub fn take_tensor(x: &HostTensor, offsets: &[usize], shape: Vec<usize>) -> HostTensor {
    let data = with_elem!(x.dtype(), T => T::wrap(take(x.as_slice::<T>().expect("dtype matches data"), offsets)));
    HostTensor::new(shape, data).expect("one offset per result element")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_in_row_major_order() {
        // A transpose of a [2, 3] array: result [3, 2] with steps (1, 3).
        assert_eq!(affine_offsets(&[3, 2], &[1, 3], 0), vec![0, 3, 1, 4, 2, 5]);
        // Reverse along the last dim of [2, 3]: base 2, steps (3, -1).
        assert_eq!(affine_offsets(&[2, 3], &[3, -1], 2), vec![2, 1, 0, 5, 4, 3]);
        // Broadcast a [3] along a new leading dim.
        assert_eq!(affine_offsets(&[2, 3], &[0, 1], 0), vec![0, 1, 2, 0, 1, 2]);
        assert_eq!(affine_offsets(&[], &[], 4), vec![4]);
        // Steps along extent-1 dims are never taken, however large.
        assert_eq!(affine_offsets(&[1, 2, 1], &[isize::MAX, 3, isize::MIN], 1), vec![1, 4]);
        assert!(affine_offsets(&[2, 0, 3], &[1, 1, 1], 0).is_empty());
        assert_eq!(strides(&[2, 3, 4]), vec![12, 4, 1]);
        let mut seen = Vec::new();
        for_each_index(&[2, 2], |i| seen.push(i.to_vec()));
        assert_eq!(seen, vec![vec![0, 0], vec![0, 1], vec![1, 0], vec![1, 1]]);
        let mut count = 0;
        for_each_index(&[], |_| count += 1);
        assert_eq!(count, 1);
    }
}
