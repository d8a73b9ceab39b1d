//! `convolution`: general N-d cross-correlation (no kernel flip), as in StableHLO.
//!
//! Layouts are given by attributes: `input_dims` = [batch, feature, spatial...] of the
//! input, `kernel_dims` = [input feature, output feature, spatial...] of the kernel,
//! `output_dims` = [batch, feature, spatial...] of the result. We view the operands in the
//! canonical layouts input [N, C, X...], kernel [O, I, K...], compute [N, O, Y...], and
//! permute that into the result layout.
//!
//! Along each spatial dim the input is dilated by `lhs_dilation` (holes of zeros between
//! elements), padded with `padding_low/high` zeros (negative padding cuts), and output
//! position y with kernel tap t reads dilated-padded position
//! `y * stride + t * rhs_dilation`. With G = feature_group_count, input channels are G
//! groups of I = C / G and output channels G groups of O / G; group g's outputs read only
//! group g's inputs.
//!
//! Each (batch element, group) is one matrix multiply ("im2col"):
//! `out[O/G, Y] = kernel[O/G, I * K] · patches[I * K, Y]`, where patches[(c, t), y] is the
//! input element tap t of output y reads in channel c, or 0 for padding and holes.
use super::layout::{for_each_index, strides};
use super::matmul::{run_job, Gemm, GemmJob};
use super::window::window_extent;
use crate::tensor::HostTensor;
use ndarray::{ArrayView2, ArrayViewD, ArrayViewMut2, IxDyn};

type R<T> = Result<T, String>;

/// The convolution's attributes, absent lists already filled with their defaults.
pub struct ConvAttrs {
    pub window_strides: Vec<i64>,
    pub padding_low: Vec<i64>,
    pub padding_high: Vec<i64>,
    pub lhs_dilation: Vec<i64>,
    pub rhs_dilation: Vec<i64>,
    pub feature_group_count: i64,
    pub input_dims: Vec<i64>,
    pub kernel_dims: Vec<i64>,
    pub output_dims: Vec<i64>,
}

/// Patch matrices larger than this many elements (per batch element and group) are an
/// error rather than a huge allocation.
const MAX_PATCH_ELEMENTS: usize = 1 << 31;

fn permutation(p: &[i64], rank: usize, name: &str) -> R<Vec<usize>> {
    let mut seen = vec![false; rank];
    if p.len() != rank {
        return Err(format!("{name} {p:?} must have {rank} entries"));
    }
    p.iter()
        .map(|&d| {
            let a = usize::try_from(d).ok().filter(|&a| a < rank).ok_or_else(|| format!("{name} {p:?} is not a permutation"))?;
            if std::mem::replace(&mut seen[a], true) {
                return Err(format!("{name} {p:?} is not a permutation"));
            }
            Ok(a)
        })
        .collect()
}

/// The convolution's shapes in canonical layout and its index tables.
struct ConvJob {
    /// Input in canonical order as a permutation of its own axes, and its shape.
    xshape: Vec<usize>,
    xperm: Vec<usize>,
    kshape: Vec<usize>,
    kperm: Vec<usize>,
    n: usize,
    groups: usize,
    /// Input channels per group and output channels per group.
    ig: usize,
    og: usize,
    /// Input spatial extents' product, kernel taps, output positions.
    xpos: usize,
    taps: usize,
    ypos: usize,
    /// `table[t * ypos + y]`: the input spatial offset tap t of output y reads, or `None`.
    table: Vec<Option<usize>>,
}

impl GemmJob for ConvJob {
    fn run<T: Gemm>(&self, x: &[T], k: &[T]) -> R<Vec<T>> {
        // Canonical, row-major copies: input [N, C, X...], kernel [O, I, K...].
        let xc = ArrayViewD::from_shape(IxDyn(&self.xshape), x).expect("shape").permuted_axes(IxDyn(&self.xperm));
        let xc = xc.as_standard_layout();
        let xc = xc.as_slice().expect("standard layout");
        let kc = ArrayViewD::from_shape(IxDyn(&self.kshape), k).expect("shape").permuted_axes(IxDyn(&self.kperm));
        let kc = kc.as_standard_layout();
        let kc = kc.as_slice().expect("standard layout");
        let (ig, og, taps, ypos, xpos) = (self.ig, self.og, self.taps, self.ypos, self.xpos);
        let o = og * self.groups;
        let c = ig * self.groups;
        let mut out = vec![T::zero(); self.n * o * ypos];
        if out.is_empty() {
            return Ok(out);
        }
        let mut patches = vec![T::zero(); ig * taps * ypos];
        for b in 0..self.n {
            for g in 0..self.groups {
                for ci in 0..ig {
                    let channel = &xc[(b * c + g * ig + ci) * xpos..][..xpos];
                    let rows = &mut patches[ci * taps * ypos..][..taps * ypos];
                    for (dst, src) in rows.iter_mut().zip(&self.table) {
                        *dst = src.map_or(T::zero(), |s| channel[s]);
                    }
                }
                let w = ArrayView2::from_shape((og, ig * taps), &kc[g * og * ig * taps..][..og * ig * taps]).expect("kernel block");
                let p = ArrayView2::from_shape((ig * taps, ypos), &patches).expect("patch matrix");
                let dst = &mut out[(b * o + g * og) * ypos..][..og * ypos];
                T::gemm(w, p, ArrayViewMut2::from_shape((og, ypos), dst).expect("output block"));
            }
        }
        Ok(out)
    }
}

pub fn convolution(x: &HostTensor, k: &HostTensor, a: &ConvAttrs) -> R<HostTensor> {
    let rank = x.rank();
    if rank < 2 || k.rank() != rank {
        return Err(format!("input {x} and kernel {k} must have one rank >= 2"));
    }
    let ns = rank - 2;
    for (v, name) in [
        (&a.window_strides, "window_strides"),
        (&a.padding_low, "padding_low"),
        (&a.padding_high, "padding_high"),
        (&a.lhs_dilation, "lhs_dilation"),
        (&a.rhs_dilation, "rhs_dilation"),
    ] {
        if v.len() != ns {
            return Err(format!("{name} {v:?} must have {ns} entries (one per spatial dim)"));
        }
    }
    let id = permutation(&a.input_dims, rank, "input_dims")?;
    let kd = permutation(&a.kernel_dims, rank, "kernel_dims")?;
    let od = permutation(&a.output_dims, rank, "output_dims")?;
    let xperm = id.clone();
    let kperm: Vec<usize> = [kd[1], kd[0]].into_iter().chain(kd[2..].iter().copied()).collect();
    let n = x.shape()[id[0]];
    let c = x.shape()[id[1]];
    let o = k.shape()[kd[1]];
    let ig = k.shape()[kd[0]];
    let groups = usize::try_from(a.feature_group_count).ok().filter(|&g| g >= 1).ok_or("feature_group_count must be >= 1")?;
    if ig * groups != c || !o.is_multiple_of(groups) {
        return Err(format!(
            "input features {c} must be kernel input features {ig} x feature_group_count {groups}, and output features {o} divisible by it"
        ));
    }
    let xs: Vec<usize> = id[2..].iter().map(|&d| x.shape()[d]).collect();
    let ks: Vec<usize> = kd[2..].iter().map(|&d| k.shape()[d]).collect();
    let mut ys = Vec::with_capacity(ns);
    for s in 0..ns {
        let y = window_extent(xs[s], a.padding_low[s], a.padding_high[s], a.lhs_dilation[s], ks[s] as i64, a.rhs_dilation[s], a.window_strides[s])
            .map_err(|e| format!("spatial dim {s}: {e}"))?;
        ys.push(y);
    }
    // Dilation and padding can make the result far larger than the operands.
    let cshape: Vec<usize> = [n, o].into_iter().chain(ys.iter().copied()).collect();
    super::env::check_size(x.dtype(), &cshape)?;
    let (xpos, taps, ypos) = (xs.iter().product::<usize>(), ks.iter().product::<usize>(), ys.iter().product::<usize>());
    // The tap table has taps * ypos entries, the patch matrix ig times as many.
    let patch = taps.checked_mul(ypos).and_then(|v| v.checked_mul(ig.max(1))).filter(|&v| v <= MAX_PATCH_ELEMENTS);
    if patch.is_none() {
        return Err(format!("the patch matrix ({ig} channels x {taps} taps x {ypos} positions) is too large"));
    }
    // Which input position each (tap, output position) reads, per spatial dim and combined.
    let xstr = strides(&xs);
    let mut table = Vec::with_capacity(taps * ypos);
    for_each_index(&ks, |t| {
        for_each_index(&ys, |y| {
            let mut off = Some(0usize);
            for s in 0..ns {
                let p = y[s] as i128 * a.window_strides[s] as i128 + t[s] as i128 * a.rhs_dilation[s] as i128 - a.padding_low[s] as i128;
                let ld = a.lhs_dilation[s] as i128;
                let inside = p >= 0 && p % ld == 0 && p / ld < xs[s] as i128;
                off = off.filter(|_| inside).map(|v| v + (p / ld) as usize * xstr[s]);
            }
            table.push(off);
        });
    });
    let job = ConvJob { xshape: x.shape().to_vec(), xperm, kshape: k.shape().to_vec(), kperm, n, groups, ig, og: o / groups, xpos, taps, ypos, table };
    let canonical = run_job(&job, x, k)?;
    // Canonical [N, O, Y...] into the result layout: result dim od[j] is canonical dim j.
    let mut inv = vec![0usize; rank];
    for (j, &d) in od.iter().enumerate() {
        inv[d] = j;
    }
    let t = HostTensor::new(cshape, canonical).expect("N*O*Y elements");
    super::movement::transpose(&t, &inv.iter().map(|&v| v as i64).collect::<Vec<_>>())
}
