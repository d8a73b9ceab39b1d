//! Reductions: `reduce` over a set of dims, `argmax`/`argmin` along one dim, and the
//! running (cumulative) sum/product/max/min along one dim.
//!
//! Sums and products accumulate in `Num::Acc` (f32 for f16/bf16) and round once at the
//! end; every reduction visits elements in row-major order, so results are deterministic.
use super::convert::{Convert, Wide};
use super::dispatch::{sl, with_int, with_num};
use super::layout::{affine_offsets, around_axis, strides};
use super::scalar::{Int, Num};
use crate::tensor::{Data, Elem, HostTensor};
use kc_ir::{DType, OpKind};
use std::cmp::Ordering;

type R<T> = Result<T, String>;

/// Fold every input element into the output element it reduces to.
fn fold<T: Copy, A: Copy>(x: &[T], out_of: &[usize], n_out: usize, init: A, f: impl Fn(A, T) -> A) -> Vec<A> {
    let mut acc = vec![init; n_out];
    for (&v, &o) in x.iter().zip(out_of) {
        acc[o] = f(acc[o], v);
    }
    acc
}

fn reduce_num<T: Num>(x: &[T], out_of: &[usize], n_out: usize, kind: &str) -> R<Vec<T>> {
    type A<T> = <T as Num>::Acc;
    Ok(match kind {
        "sum" => fold(x, out_of, n_out, A::<T>::zero(), |a, v| a.add(v.to_acc())).into_iter().map(T::from_acc).collect(),
        "prod" => fold(x, out_of, n_out, A::<T>::one(), |a, v| a.mul(v.to_acc())).into_iter().map(T::from_acc).collect(),
        "max" => fold(x, out_of, n_out, T::lowest(), Num::max),
        "min" => fold(x, out_of, n_out, T::highest(), Num::min),
        _ => return Err(format!("reduce kind {kind} needs an integer or bool operand")),
    })
}

fn reduce_bits<T: Int>(x: &[T], out_of: &[usize], n_out: usize, kind: &str) -> R<Vec<T>> {
    Ok(match kind {
        // The identity of bitwise and is all bits set.
        "and" => fold(x, out_of, n_out, T::zero().not(), Int::and),
        "or" => fold(x, out_of, n_out, T::zero(), Int::or),
        _ => reduce_num(x, out_of, n_out, kind)?,
    })
}

/// `reduce`: combine all elements that differ only in `dims` with `kind`
/// (sum, prod, max, min, and, or); the identities are 0, 1, -inf/MIN, +inf/MAX, all
/// ones/true, 0/false, which is what an empty reduction gives.
pub fn reduce(x: &HostTensor, dims: &[i64], kind: &str) -> R<HostTensor> {
    let mut reduced = vec![false; x.rank()];
    for &d in dims {
        let d = usize::try_from(d).ok().filter(|&d| d < x.rank()).ok_or_else(|| format!("dimension {d} is out of range for {x}"))?;
        if std::mem::replace(&mut reduced[d], true) {
            return Err(format!("dimensions {dims:?} repeat {d}"));
        }
    }
    let out: Vec<usize> = (0..x.rank()).filter(|&i| !reduced[i]).map(|i| x.shape()[i]).collect();
    // For each input element (row-major), the offset of its output element: the output's
    // strides on kept dims, 0 on reduced ones.
    let os = strides(&out);
    let mut kept = os.iter();
    let steps: Vec<isize> = reduced.iter().map(|&r| if r { 0 } else { *kept.next().unwrap() as isize }).collect();
    let out_of = affine_offsets(x.shape(), &steps, 0);
    let n_out: usize = out.iter().product();
    let bad = || format!("reduce kind {kind} does not apply to {}", x.dtype());
    let data = match x.dtype() {
        DType::Bool => {
            let v = sl::<bool>(x);
            Data::Bool(match kind {
                "and" => fold(v, &out_of, n_out, true, |a, b| a & b),
                "or" => fold(v, &out_of, n_out, false, |a, b| a | b),
                _ => return Err(bad()),
            })
        }
        dt if dt.is_int() => with_int!(dt, T => T::wrap(reduce_bits(sl::<T>(x), &out_of, n_out, kind)?), else => unreachable!()),
        dt => with_num!(dt, T => {
            if matches!(kind, "and" | "or") {
                return Err(bad());
            }
            T::wrap(reduce_num(sl::<T>(x), &out_of, n_out, kind)?)
        }, else => unreachable!()),
    };
    Ok(HostTensor::new(out, data).expect("one value per output element"))
}

/// Index of the first maximum (`Greater`) or minimum (`Less`) of a lane; a NaN beats
/// every number, and the first NaN wins.
fn arg_best<T: Num>(lane: impl Iterator<Item = T>, better: Ordering) -> i64 {
    let mut best: Option<(i64, T)> = None;
    for (k, v) in lane.enumerate() {
        match best {
            None => best = Some((k as i64, v)),
            Some((_, b)) if b.is_nan() => break,
            Some(_) if v.is_nan() => return k as i64,
            Some((_, b)) if v.compare(b) == Some(better) => best = Some((k as i64, v)),
            Some(_) => {}
        }
    }
    best.map_or(0, |(k, _)| k)
}

/// `argmax` / `argmin` along `dimension`, as `out_dtype` (i32 or i64).
pub fn arg_reduce(op: OpKind, x: &HostTensor, dimension: i64, out_dtype: DType) -> R<HostTensor> {
    let d = usize::try_from(dimension).ok().filter(|&d| d < x.rank()).ok_or_else(|| format!("dimension {dimension} is out of range for {x}"))?;
    if !matches!(out_dtype, DType::I32 | DType::I64) {
        return Err(format!("result dtype must be i32 or i64, got {out_dtype}"));
    }
    let (outer, n, inner) = around_axis(x.shape(), d);
    if n == 0 && outer * inner > 0 {
        return Err(format!("`{op}` over dimension {d} of {x}, which is empty, has no answer"));
    }
    let better = if op == OpKind::ArgMax { Ordering::Greater } else { Ordering::Less };
    let idx: Vec<i64> = with_num!(x.dtype(), T => {
        let v = sl::<T>(x);
        (0..outer * inner)
            .map(|l| {
                let (o, i) = (l / inner, l % inner);
                arg_best((0..n).map(|k| v[o * n * inner + k * inner + i]), better)
            })
            .collect()
    }, else => return Err(format!("`{op}` does not apply to bool")));
    let mut out = x.shape().to_vec();
    out.remove(d);
    let data = with_int!(out_dtype, T => T::wrap(idx.into_iter().map(|i| T::from_wide(Wide::I(i))).collect()), else => unreachable!());
    Ok(HostTensor::new(out, data).expect("one index per lane"))
}

/// Running combination along each lane (forward, or from the end when `reverse`).
fn scan<T: Copy, A: Copy>(x: &[T], shape: &[usize], d: usize, reverse: bool, init: A, f: impl Fn(A, T) -> A, done: impl Fn(A) -> T) -> Vec<T> {
    let (outer, n, inner) = around_axis(shape, d);
    let mut out = x.to_vec();
    for o in 0..outer {
        for i in 0..inner {
            let mut acc = init;
            for step in 0..n {
                let k = if reverse { n - 1 - step } else { step };
                let at = o * n * inner + k * inner + i;
                acc = f(acc, x[at]);
                out[at] = done(acc);
            }
        }
    }
    out
}

fn cumulative_num<T: Num>(op: OpKind, x: &[T], shape: &[usize], d: usize, reverse: bool) -> Vec<T> {
    type A<T> = <T as Num>::Acc;
    match op {
        OpKind::CumSum => scan(x, shape, d, reverse, A::<T>::zero(), |a, v| a.add(v.to_acc()), T::from_acc),
        OpKind::CumProd => scan(x, shape, d, reverse, A::<T>::one(), |a, v| a.mul(v.to_acc()), T::from_acc),
        OpKind::CumMax => scan(x, shape, d, reverse, T::lowest(), Num::max, |a| a),
        _ => scan(x, shape, d, reverse, T::highest(), Num::min, |a| a),
    }
}

/// `cumsum`, `cumprod`, `cummax`, `cummin`: inclusive running values along `dimension`.
pub fn cumulative(op: OpKind, x: &HostTensor, dimension: i64, reverse: bool) -> R<HostTensor> {
    let d = usize::try_from(dimension).ok().filter(|&d| d < x.rank()).ok_or_else(|| format!("dimension {dimension} is out of range for {x}"))?;
    let data = with_num!(x.dtype(), T => T::wrap(cumulative_num(op, sl::<T>(x), x.shape(), d, reverse)),
        else => return Err(format!("`{op}` does not apply to bool")));
    Ok(HostTensor::new(x.shape().to_vec(), data).expect("same shape"))
}
