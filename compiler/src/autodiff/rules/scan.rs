//! Ops along one dimension: sort, top_k and the running (cumulative) ops.
use super::single;
use crate::autodiff::{Emit, Site};
use kc_ir::{attrs, Attr, AttrsExt, DType, Dim, OpKind, Result, Shape, TensorType, Value};

type Out = Result<Vec<Option<Value>>>;

/// Sorting permutes; the cotangents are permuted back. The permutation is recovered by
/// sorting the keys again together with an iota (same attributes, so the same stable
/// order), and undone by sorting the cotangents by that permutation.
pub fn sort(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let d = s.attrs.int("dimension")?;
    let keys = s.x(0);
    let kt = e.ty(keys);
    let iota = e.iota(kt.with_dtype(DType::I32), d)?;
    let perm = e.r.push(OpKind::Sort, &[keys, iota], s.attrs.clone())?[1];
    let slots: Vec<usize> = (0..g.len()).filter(|&i| g[i].is_some()).collect();
    let mut operands = vec![perm];
    operands.extend(slots.iter().filter_map(|&i| g[i]));
    let undo = attrs(&[("dimension", Attr::Int(d)), ("descending", Attr::Bool(false))]);
    let back = e.r.push(OpKind::Sort, &operands, undo)?;
    let mut out = vec![None; s.operands.len()];
    for (j, &i) in slots.iter().enumerate() {
        out[i] = Some(back[j + 1]);
    }
    Ok(out)
}

/// One-hot of `idx` (an index into dim `at` of `full`) along a new axis placed at `at`:
/// `sum_j g[.., j, ..] · [idx[.., j, ..] == i]` for every `i` of `full`'s dim `at`, where
/// `j` runs over dim `at` of `idx`/`g`. Memory is |g| · n.
fn scatter_back(e: &mut Emit, g: Value, idx: Value, full: &TensorType, at: usize) -> Result<Value> {
    let gt = e.ty(g);
    let r = gt.rank();
    let n = full.shape.0[at].clone();
    // Work in [g dims..., n]: the new last axis is the destination index i.
    let mut wide = gt.shape.0.clone();
    wide.push(n);
    let wide_t = TensorType::new(gt.dtype, Shape(wide));
    let keep: Vec<i64> = (0..r as i64).collect();
    let it = e.ty(idx);
    let idx_b = e.broadcast(idx, wide_t.with_dtype(it.dtype), &keep)?;
    let iota = e.iota(wide_t.with_dtype(it.dtype), r as i64)?;
    let hit = e.cmp(idx_b, iota, "eq")?;
    let gb = e.broadcast(g, wide_t.clone(), &keep)?;
    let zero = e.zeros_like(gb)?;
    let picked = e.select(hit, gb, zero)?;
    let summed = e.sum(picked, &[at as i64])?;
    // Dims are now g's without `at`, then i: move i to `at`.
    let mut perm: Vec<i64> = (0..r as i64 - 1).collect();
    perm.insert(at, r as i64 - 1);
    e.transpose(summed, &perm)
}

pub fn top_k(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let Some(gv) = g[0] else { return Ok(vec![None]) };
    let xt = e.ty(s.x(0));
    let at = xt.rank() - 1;
    Ok(vec![Some(scatter_back(e, gv, s.results[1], &xt, at)?)])
}

fn cum(e: &mut Emit, op: OpKind, v: Value, d: i64, reverse: bool) -> Result<Value> {
    e.op(op, &[v], attrs(&[("dimension", Attr::Int(d)), ("reverse", Attr::Bool(reverse))]))
}

/// The transpose of a running sum is the running sum in the other direction.
pub fn cumsum(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let (d, rev) = (s.attrs.int("dimension")?, s.attrs.boolean("reverse")?);
    Ok(vec![Some(cum(e, OpKind::CumSum, single(g)?, d, !rev)?)])
}

/// d y_j / d x_i = y_j / x_i for i ≤ j: a reversed running sum of g·y, divided by x.
/// Like `reduce prod`'s symbolic fallback this needs x ≠ 0.
pub fn cumprod(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let (d, rev) = (s.attrs.int("dimension")?, s.attrs.boolean("reverse")?);
    let gy = e.mul(single(g)?, s.y())?;
    let c = cum(e, OpKind::CumSum, gy, d, !rev)?;
    Ok(vec![Some(e.div(c, s.x(0))?)])
}

/// Running max/min: y_j comes from the latest position i ≤ j (earliest i ≥ j when
/// reversed) where x_i equals the running value; each y_j's cotangent goes there.
pub fn cum_extremum(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let (d, rev) = (s.attrs.int("dimension")?, s.attrs.boolean("reverse")?);
    let x = s.x(0);
    let xt = e.ty(x);
    let at = d as usize;
    let it = xt.with_dtype(DType::I32);
    let iota = e.iota(it.clone(), d)?;
    let attains = e.cmp(x, s.y(), "eq")?;
    let src = if rev {
        let n = match &xt.shape.0[at] {
            Dim::Known(n) => *n as f64,
            Dim::Sym(_) => f64::from(i32::MAX),
        };
        let none = e.full(&it, n)?;
        let marked = e.select(attains, iota, none)?;
        cum(e, OpKind::CumMin, marked, d, true)?
    } else {
        let none = e.full(&it, -1.0)?;
        let marked = e.select(attains, iota, none)?;
        cum(e, OpKind::CumMax, marked, d, false)?
    };
    Ok(vec![Some(scatter_back(e, single(g)?, src, &xt, at)?)])
}
