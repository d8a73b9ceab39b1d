//! `reduce_window` (pooling): every output element reduces one window of the operand.
//!
//! Coordinates along each dim, as in StableHLO: the operand is first dilated (base
//! dilation b puts b-1 holes between neighbours), then padded (low/high), and window k of
//! output position o covers padded positions `o*stride + j*window_dilation` for j in
//! 0..window. Holes and padding hold the kind's identity, so they never change a result.
use super::dispatch::{sl, with_num};
use super::layout::{for_each_index, strides};
use super::scalar::Num;
use crate::tensor::{Elem, HostTensor};

type R<T> = Result<T, String>;

/// The window attributes, each with one entry per dim (absent lists already filled).
pub struct Window<'a> {
    pub size: &'a [i64],
    pub strides: &'a [i64],
    pub padding_low: &'a [i64],
    pub padding_high: &'a [i64],
    pub base_dilation: &'a [i64],
    pub window_dilation: &'a [i64],
}

/// Output extent along one dim, or an error for impossible attributes.
pub fn window_extent(n: usize, lo: i64, hi: i64, base_dil: i64, win: i64, win_dil: i64, stride: i64) -> R<usize> {
    if base_dil <= 0 || win_dil <= 0 || stride <= 0 || win < 0 {
        return Err("window sizes must be >= 0 and strides and dilations positive".into());
    }
    let dilated = if n == 0 { 0 } else { (n as i128 - 1) * base_dil as i128 + 1 };
    let padded = dilated + lo as i128 + hi as i128;
    let span = if win == 0 { 0 } else { (win as i128 - 1) * win_dil as i128 + 1 };
    if padded < 0 {
        return Err(format!("padding makes a dim of size {n} negative ({padded})"));
    }
    let out = if padded < span { 0 } else { (padded - span) / stride as i128 + 1 };
    usize::try_from(out).map_err(|_| "window output is too large".to_string())
}

/// For one dim: `table[o * win + j]` is the operand index that window position j of
/// output o reads, or `None` for padding and holes.
fn dim_table(n: usize, out: usize, lo: i64, base_dil: i64, win: usize, win_dil: i64, stride: i64) -> Vec<Option<usize>> {
    let mut t = Vec::with_capacity(out * win);
    for o in 0..out {
        for j in 0..win {
            let p = o as i128 * stride as i128 + j as i128 * win_dil as i128 - lo as i128;
            let hit = p >= 0 && p % base_dil as i128 == 0 && p / (base_dil as i128) < n as i128;
            t.push(hit.then(|| (p / base_dil as i128) as usize));
        }
    }
    t
}

fn fold_windows<T: Copy, A: Copy>(x: &[T], xshape: &[usize], out: &[usize], win: &[usize], tables: &[Vec<Option<usize>>], init: A, f: impl Fn(A, T) -> A) -> Vec<A> {
    let xs = strides(xshape);
    let r = xshape.len();
    if r == 0 {
        return vec![f(init, x[0])]; // a scalar is its own (only) window
    }
    // Every window position, listed once (rank entries each), so the loop over outputs
    // does no allocation.
    let mut positions = Vec::new();
    for_each_index(win, |j| positions.extend_from_slice(j));
    let mut res = Vec::with_capacity(out.iter().product());
    for_each_index(out, |o| {
        let mut acc = init;
        'window: for j in positions.chunks_exact(r) {
            let mut off = 0;
            for d in 0..r {
                match tables[d][o[d] * win[d] + j[d]] {
                    Some(q) => off += q * xs[d],
                    None => continue 'window,
                }
            }
            acc = f(acc, x[off]);
        }
        res.push(acc);
    });
    res
}

fn reduce_window_num<T: Num>(x: &[T], xshape: &[usize], out: &[usize], win: &[usize], tables: &[Vec<Option<usize>>], kind: &str) -> R<Vec<T>> {
    type A<T> = <T as Num>::Acc;
    Ok(match kind {
        "sum" => fold_windows(x, xshape, out, win, tables, A::<T>::zero(), |a, v| a.add(v.to_acc()))
            .into_iter()
            .map(T::from_acc)
            .collect(),
        "max" => fold_windows(x, xshape, out, win, tables, T::lowest(), Num::max),
        "min" => fold_windows(x, xshape, out, win, tables, T::highest(), Num::min),
        _ => return Err(format!("unknown reduce_window kind `{kind}`")),
    })
}

pub fn reduce_window(x: &HostTensor, kind: &str, w: &Window) -> R<HostTensor> {
    let r = x.rank();
    for (v, name) in [
        (w.size, "window"),
        (w.strides, "strides"),
        (w.padding_low, "padding_low"),
        (w.padding_high, "padding_high"),
        (w.base_dilation, "base_dilation"),
        (w.window_dilation, "window_dilation"),
    ] {
        if v.len() != r {
            return Err(format!("{name} {v:?} must have {r} entries"));
        }
    }
    let mut out = Vec::with_capacity(r);
    for d in 0..r {
        let n = x.shape()[d];
        let o = window_extent(n, w.padding_low[d], w.padding_high[d], w.base_dilation[d], w.size[d], w.window_dilation[d], w.strides[d])
            .map_err(|e| format!("dim {d}: {e}"))?;
        out.push(o);
    }
    // Dilations can make the result far larger than the operand, and the window huge:
    // check both before allocating anything sized by them.
    super::env::check_size(x.dtype(), &out)?;
    let win: Vec<usize> = w.size.iter().map(|&s| Ord::max(s, 0) as usize).collect();
    super::env::check_size(x.dtype(), &win).map_err(|e| format!("window: {e}"))?;
    let tables: Vec<_> = (0..r)
        .map(|d| dim_table(x.shape()[d], out[d], w.padding_low[d], w.base_dilation[d], win[d], w.window_dilation[d], w.strides[d]))
        .collect();
    let data = with_num!(x.dtype(), T => T::wrap(reduce_window_num(sl::<T>(x), x.shape(), &out, &win, &tables, kind)?),
        else => return Err("reduce_window does not apply to bool".into()));
    Ok(HostTensor::new(out, data).expect("one value per window"))
}
