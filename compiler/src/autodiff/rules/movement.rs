//! Data movement: each rule moves the cotangent back to where the elements came from
//! (the transpose of the linear map), summing where one element was used many times.
use super::single;
use crate::autodiff::{Emit, Site};
use kc_ir::{attrs, Attr, AttrsExt, Dim, Error, OpKind, Result, Value};

type Out = Result<Vec<Option<Value>>>;

/// Sum over the broadcast dims (new ones, and size-1 dims that were stretched), then put
/// the survivors back in the operand's order and shape.
pub fn broadcast_in_dim(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let g = single(g)?;
    let x = e.ty(s.x(0));
    let y = e.ty(s.y());
    let dims = s.attrs.ints("dims")?.to_vec();
    let stretched = |i: usize| x.shape.0[i] == Dim::Known(1) && y.shape.0[dims[i] as usize] != Dim::Known(1);
    let kept: Vec<usize> = (0..x.rank()).filter(|&i| !stretched(i)).collect();
    let kept_result: Vec<i64> = kept.iter().map(|&i| dims[i]).collect();
    let summed: Vec<i64> = (0..y.rank() as i64).filter(|d| !kept_result.contains(d)).collect();
    let r = e.sum(g, &summed)?;
    // `r`'s dims are the kept result dims in ascending order; reorder to operand order.
    let mut ascending = kept_result.clone();
    ascending.sort();
    let perm: Vec<i64> = kept_result.iter().map(|d| ascending.iter().position(|a| a == d).unwrap_or(0) as i64).collect();
    let r = e.transpose(r, &perm)?;
    Ok(vec![Some(e.reshape(r, x)?)])
}

pub fn reshape(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let x = e.ty(s.x(0));
    Ok(vec![Some(e.reshape(single(g)?, x)?)])
}

pub fn transpose(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let perm = s.attrs.ints("permutation")?;
    let mut inv = vec![0i64; perm.len()];
    for (i, &p) in perm.iter().enumerate() {
        inv[p as usize] = i as i64;
    }
    Ok(vec![Some(e.transpose(single(g)?, &inv)?)])
}

/// Scatter the slice back with a pad: `start` zeros before, `stride - 1` between.
pub fn slice(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let g = single(g)?;
    let x = e.ty(s.x(0));
    let y = e.ty(s.y());
    let r = x.rank();
    let start = s.attrs.ints("start")?.to_vec();
    let strides = s.attrs.ints_or("strides", r, 1)?;
    let (mut lo, mut hi, mut interior) = (vec![0; r], vec![0; r], vec![0; r]);
    for i in 0..r {
        let (Dim::Known(n), Dim::Known(m)) = (&x.shape.0[i], &y.shape.0[i]) else { continue };
        let (n, m) = (*n as i64, *m as i64);
        if m == 0 {
            hi[i] = n;
            continue;
        }
        lo[i] = start[i];
        interior[i] = strides[i] - 1;
        hi[i] = n - start[i] - (m - 1) * strides[i] - 1;
    }
    let zero = e.scalar(x.dtype, 0.0)?;
    Ok(vec![Some(e.pad(g, zero, &lo, &hi, &interior)?)])
}

/// The sizes of `t` as a `sizes` attribute: known extents, `-1` for symbolic ones.
fn sizes_of(t: &kc_ir::TensorType) -> Vec<i64> {
    t.shape.0.iter().map(|d| d.known().map(|n| n as i64).unwrap_or(-1)).collect()
}

pub fn dynamic_slice(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let g = single(g)?;
    let zeros = e.zeros_like(s.x(0))?;
    let mut operands = vec![zeros, g];
    operands.extend(&s.operands[1..]);
    let dx = e.op(OpKind::DynamicUpdateSlice, &operands, Default::default())?;
    let mut out = vec![Some(dx)];
    out.resize(s.operands.len(), None);
    Ok(out)
}

pub fn dynamic_update_slice(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let g = single(g)?;
    let u = s.x(1);
    let zeros = e.zeros_like(u)?;
    let mut operands = vec![g, zeros];
    operands.extend(&s.operands[2..]);
    let dx = e.op(OpKind::DynamicUpdateSlice, &operands, Default::default())?;
    let mut sliced = vec![g];
    sliced.extend(&s.operands[2..]);
    let sizes = sizes_of(&e.ty(u));
    let du = e.op(OpKind::DynamicSlice, &sliced, attrs(&[("sizes", Attr::Ints(sizes))]))?;
    let mut out = vec![Some(dx), Some(du)];
    out.resize(s.operands.len(), None);
    Ok(out)
}

/// Undo the edge padding with a negative pad, drop the interior padding with a strided
/// slice; the padding value gets everything that did not come from the operand.
pub fn pad(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let g = single(g)?;
    let r = e.rank(s.x(0));
    let lo: Vec<i64> = s.attrs.ints("low")?.iter().map(|v| -v).collect();
    let hi: Vec<i64> = s.attrs.ints("high")?.iter().map(|v| -v).collect();
    let interior = s.attrs.ints_or("interior", r, 0)?;
    let zero = e.scalar(e.ty(g).dtype, 0.0)?;
    let t = e.pad(g, zero, &lo, &hi, &vec![0; r])?;
    let tt = e.ty(t);
    let limit = sizes_of(&tt);
    let strides: Vec<i64> = interior.iter().map(|i| i + 1).collect();
    let dx = e.slice(t, &vec![0; r], &limit, &strides)?;
    let total = e.sum_all(g)?;
    let inner = e.sum_all(dx)?;
    let dv = e.sub(total, inner)?;
    Ok(vec![Some(dx), Some(dv)])
}

pub fn concatenate(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let g = single(g)?;
    if s.operands.len() == 1 {
        return Ok(vec![Some(g)]);
    }
    let d = s.attrs.int("dimension")? as usize;
    let gt = e.ty(g);
    let mut offset = 0i64;
    let mut out = Vec::new();
    for &x in &s.operands {
        let xt = e.ty(x);
        // only the joined dim must be known; other dims are taken whole (limit -1),
        // so a symbolic batch dim is fine
        let n = match xt.shape.0.get(d) {
            Some(kc_ir::Dim::Known(n)) => *n as i64,
            Some(kc_ir::Dim::Sym(sym)) => {
                return Err(kc_ir::Error::ty(format!("the gradient of concatenate needs the joined dim known, but {xt} has the symbolic dim {sym} there")))
            }
            None => 0,
        };
        let mut start = vec![0i64; gt.rank()];
        let mut limit = sizes_of(&gt);
        start[d] = offset;
        limit[d] = offset + n;
        out.push(Some(e.slice(g, &start, &limit, &vec![1; gt.rank()])?));
        offset += n;
    }
    Ok(out)
}

pub fn reverse(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let a = attrs(&[("dimensions", Attr::Ints(s.attrs.ints("dimensions")?.to_vec()))]);
    Ok(vec![Some(e.op(OpKind::Reverse, &[single(g)?], a)?)])
}

fn ints(s: &Site, k: &str) -> Result<Attr> {
    Ok(Attr::Ints(s.attrs.ints(k)?.to_vec()))
}

/// Gather's transpose is a scatter-add of the cotangent into zeros. (Like XLA, gather
/// clamps start indices into range while scatter skips out-of-range windows, so an
/// out-of-range index gets no gradient.)
pub fn gather(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let g = single(g)?;
    let zeros = e.zeros_like(s.x(0))?;
    let a = attrs(&[
        ("update_window_dims", ints(s, "offset_dims")?),
        ("inserted_window_dims", ints(s, "collapsed_slice_dims")?),
        ("scatter_dims_to_operand_dims", ints(s, "start_index_map")?),
        ("index_vector_dim", Attr::Int(s.attrs.int("index_vector_dim")?)),
        ("kind", Attr::Sym("add".into())),
    ]);
    let dx = e.op(OpKind::Scatter, &[zeros, s.x(1), g], a)?;
    Ok(vec![Some(dx), None])
}

/// Scatter add/replace: the updates' cotangent is a gather of the result's at the same
/// windows; the operand keeps the cotangent where it was not overwritten.
pub fn scatter(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let g = single(g)?;
    let kind = s.attrs.sym("kind")?.to_string();
    let (x, idx, upd) = (s.x(0), s.x(1), s.x(2));
    let window = s.attrs.ints("update_window_dims")?.to_vec();
    let inserted = s.attrs.ints("inserted_window_dims")?.to_vec();
    let ut = e.ty(upd);
    let mut slice_sizes = Vec::new();
    let mut w = window.iter();
    for d in 0..e.rank(x) as i64 {
        if inserted.contains(&d) {
            slice_sizes.push(1);
        } else {
            let ud = w.next().map(|&k| ut.shape.0[k as usize].clone()).unwrap_or(Dim::Known(0));
            let n = ud.known().ok_or_else(|| Error::ty(format!("update window dim {ud} must be known")))?;
            slice_sizes.push(n as i64);
        }
    }
    let a = attrs(&[
        ("offset_dims", Attr::Ints(window)),
        ("collapsed_slice_dims", Attr::Ints(inserted)),
        ("start_index_map", ints(s, "scatter_dims_to_operand_dims")?),
        ("index_vector_dim", Attr::Int(s.attrs.int("index_vector_dim")?)),
        ("slice_sizes", Attr::Ints(slice_sizes)),
    ]);
    // `gather` of any operand-shaped value at the update windows.
    let at = |e: &mut Emit, v: Value| e.op(OpKind::Gather, &[v, idx], a.clone());
    let with_kind = |k: &str| {
        let mut a = s.attrs.clone();
        a.insert("kind".into(), Attr::Sym(k.into()));
        a
    };
    let (dx, du) = match kind.as_str() {
        "add" => (g, at(e, g)?),
        "replace" => {
            let zeros = e.zeros_like(upd)?;
            (e.op(OpKind::Scatter, &[g, idx, zeros], with_kind("replace"))?, at(e, g)?)
        }
        // r = x · Π u: d x = g · Π u (scattered onto ones, no division); d u = g·r / u,
        // which needs u ≠ 0.
        "mul" => {
            let ones = e.full_like(x, 1.0)?;
            let prod = e.op(OpKind::Scatter, &[ones, idx, upd], with_kind("mul"))?;
            let gr = e.mul(g, s.y())?;
            let at_gr = at(e, gr)?;
            (e.mul(g, prod)?, e.div(at_gr, upd)?)
        }
        // r = max(x, max u): the cotangent goes to whatever equals r, split evenly on ties
        // (between x and updates, and between updates landing on one element).
        "max" | "min" => {
            let (zero_x, one_x) = (e.zeros_like(x)?, e.full_like(x, 1.0)?);
            let x_wins = e.cmp(x, s.y(), "eq")?;
            let x_count = e.select(x_wins, one_x, zero_x)?;
            let r_at = at(e, s.y())?;
            let u_wins = e.cmp(upd, r_at, "eq")?;
            let (zero_u, one_u) = (e.zeros_like(upd)?, e.full_like(upd, 1.0)?);
            let u_ones = e.select(u_wins, one_u, zero_u)?;
            let u_count = e.op(OpKind::Scatter, &[zero_x, idx, u_ones], with_kind("add"))?;
            let count = e.add(x_count, u_count)?;
            let share = e.div(g, count)?;
            let dx = e.select(x_wins, share, zero_x)?;
            let share_at = at(e, share)?;
            (dx, e.select(u_wins, share_at, zero_u)?)
        }
        other => return Err(Error::ty(format!("scatter kind {other} has no gradient rule"))),
    };
    Ok(vec![Some(dx), None, Some(du)])
}
