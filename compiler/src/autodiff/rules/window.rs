//! `reduce_window` (pooling). The window is unfolded: for each offset `k` inside the
//! window, a strided slice of the padded operand lines up with the output, and the
//! cotangent placed back at that offset is a pad with `stride - 1` interior zeros. Sum
//! pooling sends the cotangent to every offset; max/min pooling only to the first offset
//! (in row-major window order) that holds the result, as XLA's select-and-scatter does.
//! Everything is built from slice/pad/compare/select, so the result is differentiable
//! again. Cost: one slice and one pad per window element.
use super::single;
use crate::autodiff::{Emit, Site};
use kc_ir::{AttrsExt, Dim, Error, Result, Value};

type Out = Result<Vec<Option<Value>>>;

struct Geometry {
    /// Per dim: operand extent, output extent (`None`: symbolic, window trivial there).
    n: Vec<Option<i64>>,
    m: Vec<Option<i64>>,
    win: Vec<i64>,
    strides: Vec<i64>,
    lo: Vec<i64>,
    hi: Vec<i64>,
    wdil: Vec<i64>,
}

impl Geometry {
    fn rank(&self) -> usize {
        self.win.len()
    }
    /// Every window offset, row-major.
    fn offsets(&self) -> Vec<Vec<i64>> {
        let mut all = vec![vec![]];
        for &w in &self.win {
            all = all.into_iter().flat_map(|p| (0..w).map(move |k| [p.clone(), vec![k]].concat())).collect();
        }
        all
    }
    /// Slice of the padded operand that offset `k` contributes to the output.
    fn slice_of(&self, k: &[i64]) -> (Vec<i64>, Vec<i64>, Vec<i64>) {
        let r = self.rank();
        let (mut start, mut limit, mut stride) = (vec![0; r], vec![-1; r], vec![1; r]);
        for i in 0..r {
            if let Some(m) = self.m[i] {
                start[i] = k[i] * self.wdil[i];
                limit[i] = start[i] + if m == 0 { 0 } else { (m - 1) * self.strides[i] + 1 };
                stride[i] = self.strides[i];
            }
        }
        (start, limit, stride)
    }
    /// Pad that puts an output-shaped tensor back at offset `k` of the padded operand.
    fn place(&self, k: &[i64]) -> (Vec<i64>, Vec<i64>, Vec<i64>) {
        let r = self.rank();
        let (mut lo, mut hi, mut interior) = (vec![0; r], vec![0; r], vec![0; r]);
        for i in 0..r {
            if let (Some(n), Some(m)) = (self.n[i], self.m[i]) {
                let padded = n + self.lo[i] + self.hi[i];
                if m == 0 {
                    hi[i] = padded;
                    continue;
                }
                lo[i] = k[i] * self.wdil[i];
                interior[i] = self.strides[i] - 1;
                hi[i] = padded - lo[i] - ((m - 1) * self.strides[i] + 1);
            }
        }
        (lo, hi, interior)
    }
}

fn known(d: &Dim) -> Option<i64> {
    d.known().map(|n| n as i64)
}

pub fn reduce_window(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let g = single(g)?;
    let x = s.x(0);
    let xt = e.ty(x);
    let r = xt.rank();
    if s.attrs.ints_or("base_dilation", r, 1)?.iter().any(|&b| b != 1) {
        return Err(Error::ty("reduce_window with base_dilation has no gradient rule"));
    }
    let geo = Geometry {
        n: xt.shape.0.iter().map(known).collect(),
        m: e.ty(s.y()).shape.0.iter().map(known).collect(),
        win: s.attrs.ints("window")?.to_vec(),
        strides: s.attrs.ints_or("strides", r, 1)?,
        lo: s.attrs.ints_or("padding_low", r, 0)?,
        hi: s.attrs.ints_or("padding_high", r, 0)?,
        wdil: s.attrs.ints_or("window_dilation", r, 1)?,
    };
    let kind = s.attrs.sym("kind")?.to_string();
    let zero = e.scalar(xt.dtype, 0.0)?;
    // For max/min: the operand padded the way the op pads it (with the identity), and a
    // mask of output positions whose cotangent is already taken.
    let chooser = kind != "sum";
    let (padded, mut taken) = if chooser {
        let fill = if kind == "max" { f64::NEG_INFINITY } else { f64::INFINITY };
        let fill = e.scalar(xt.dtype, fill)?;
        let p = e.pad(x, fill, &geo.lo, &geo.hi, &vec![0; r])?;
        let gt = e.ty(g);
        (Some(p), Some(e.full(&gt.with_dtype(kc_ir::DType::Bool), 0.0)?))
    } else {
        (None, None)
    };
    let gzero = e.zeros_like(g)?;
    let mut acc: Option<Value> = None;
    for k in geo.offsets() {
        let part = match (padded, taken) {
            (Some(p), Some(t)) => {
                let (start, limit, stride) = geo.slice_of(&k);
                let xk = e.slice(p, &start, &limit, &stride)?;
                let eq = e.cmp(xk, s.y(), "eq")?;
                let free = e.not(t)?;
                let mine = e.and(eq, free)?;
                taken = Some(e.op(kc_ir::OpKind::Or, &[t, mine], Default::default())?);
                e.select(mine, g, gzero)?
            }
            _ => g,
        };
        let (lo, hi, interior) = geo.place(&k);
        let placed = e.pad(part, zero, &lo, &hi, &interior)?;
        acc = Some(match acc {
            Some(a) => e.add(a, placed)?,
            None => placed,
        });
    }
    let Some(acc) = acc else { return Ok(vec![Some(e.zeros_like(x)?)]) };
    // Drop the op's own padding (pad by its negation).
    let neg_lo: Vec<i64> = geo.lo.iter().map(|v| -v).collect();
    let neg_hi: Vec<i64> = geo.hi.iter().map(|v| -v).collect();
    Ok(vec![Some(e.pad(acc, zero, &neg_lo, &neg_hi, &vec![0; r])?)])
}
