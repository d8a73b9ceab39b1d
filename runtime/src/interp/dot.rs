//! `dot_general`: batched tensor contraction.
//!
//! result[b..., i..., j...] = sum over c... of lhs[b, i, c] * rhs[b, c, j], where b are the
//! paired batch dims, c the paired contracting dims, i the lhs's remaining ("free") dims
//! in order and j the rhs's. We transpose lhs to [batch, free, contracting] and rhs to
//! [batch, contracting, free], flatten each group to one dim, and do one matrix multiply
//! per batch element; the result [B, M, N] in row-major order is exactly the result
//! tensor's elements.
use super::matmul::{run_job, Gemm, GemmJob};
use crate::tensor::HostTensor;
use ndarray::{ArrayViewD, ArrayViewMut2, Axis, CowArray, Ix3, IxDyn};

type R<T> = Result<T, String>;

/// The attribute dims of one side, checked: in range and each used once.
fn side_dims(batch: &[i64], contracting: &[i64], rank: usize, side: &str) -> R<(Vec<usize>, Vec<usize>, Vec<usize>)> {
    let mut used = vec![false; rank];
    let mut take = |ds: &[i64], what: &str| -> R<Vec<usize>> {
        ds.iter()
            .map(|&d| {
                let a = usize::try_from(d).ok().filter(|&a| a < rank).ok_or_else(|| format!("{side} {what} dim {d} is out of range for rank {rank}"))?;
                if std::mem::replace(&mut used[a], true) {
                    return Err(format!("{side} dim {a} is used twice"));
                }
                Ok(a)
            })
            .collect()
    };
    let b = take(batch, "batch")?;
    let c = take(contracting, "contracting")?;
    let free = (0..rank).filter(|&i| !used[i]).collect();
    Ok((b, free, c))
}

/// Rows of `x` (viewed with its axes permuted by `perm`) as a [d0, d1, d2] array:
/// free when the permuted view is already row-major, else one copy.
fn as_3d<'a, T: Clone>(x: &'a [T], shape: &[usize], perm: &[usize], dims: (usize, usize, usize)) -> CowArray<'a, T, Ix3> {
    let v = ArrayViewD::from_shape(IxDyn(shape), x).expect("shape matches data").permuted_axes(IxDyn(perm));
    if v.is_standard_layout() {
        CowArray::from(v.into_shape_with_order(dims).expect("row-major views reshape"))
    } else {
        let owned = v.as_standard_layout().into_owned();
        CowArray::from(owned.into_shape_with_order(dims).expect("element count is unchanged"))
    }
}

struct DotJob {
    lshape: Vec<usize>,
    rshape: Vec<usize>,
    lperm: Vec<usize>,
    rperm: Vec<usize>,
    b: usize,
    m: usize,
    k: usize,
    n: usize,
}

impl GemmJob for DotJob {
    fn run<T: Gemm>(&self, a: &[T], b: &[T]) -> R<Vec<T>> {
        let (bs, m, k, n) = (self.b, self.m, self.k, self.n);
        let a3 = as_3d(a, &self.lshape, &self.lperm, (bs, m, k));
        let b3 = as_3d(b, &self.rshape, &self.rperm, (bs, k, n));
        let mut out = vec![T::zero(); bs * m * n];
        if m * n > 0 {
            for (i, chunk) in out.chunks_mut(m * n).enumerate() {
                let c = ArrayViewMut2::from_shape((m, n), chunk).expect("chunk is m*n");
                T::gemm(a3.index_axis(Axis(0), i), b3.index_axis(Axis(0), i), c);
            }
        }
        Ok(out)
    }
}

pub struct DotDims<'a> {
    pub lhs_batch: &'a [i64],
    pub rhs_batch: &'a [i64],
    pub lhs_contracting: &'a [i64],
    pub rhs_contracting: &'a [i64],
}

pub fn dot_general(l: &HostTensor, r: &HostTensor, d: &DotDims) -> R<HostTensor> {
    if d.lhs_batch.len() != d.rhs_batch.len() || d.lhs_contracting.len() != d.rhs_contracting.len() {
        return Err("lhs and rhs batch dims, and contracting dims, must pair up".into());
    }
    let (lb, lf, lc) = side_dims(d.lhs_batch, d.lhs_contracting, l.rank(), "lhs")?;
    let (rb, rf, rc) = side_dims(d.rhs_batch, d.rhs_contracting, r.rank(), "rhs")?;
    for (kind, ls, rs) in [("batch", &lb, &rb), ("contracting", &lc, &rc)] {
        for (&x, &y) in ls.iter().zip(rs.iter()) {
            if l.shape()[x] != r.shape()[y] {
                return Err(format!("{kind} dims differ: lhs dim {x} of {l} vs rhs dim {y} of {r}"));
            }
        }
    }
    let size = |t: &HostTensor, ds: &[usize]| ds.iter().map(|&i| t.shape()[i]).product::<usize>();
    let job = DotJob {
        lshape: l.shape().to_vec(),
        rshape: r.shape().to_vec(),
        lperm: [&lb[..], &lf, &lc].concat(),
        rperm: [&rb[..], &rc, &rf].concat(),
        b: size(l, &lb),
        m: size(l, &lf),
        k: size(l, &lc),
        n: size(r, &rf),
    };
    let out: Vec<usize> = lb.iter().map(|&i| l.shape()[i]).chain(lf.iter().map(|&i| l.shape()[i])).chain(rf.iter().map(|&i| r.shape()[i])).collect();
    // An outer product can be far larger than its operands: check before allocating.
    super::env::check_size(l.dtype(), &out)?;
    let data = run_job(&job, l, r)?;
    Ok(HostTensor::new(out, data).expect("B*M*N elements"))
}
