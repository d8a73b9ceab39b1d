//! Ops with regions: `fusion` (a call of its body) and `while`.
//!
//! Reverse mode through `while` uses saved activations.
//!
//! The loop must be a counted loop (`crate::loops`) — `i < n` (or `<=`, `>`, `>=`) where
//! the counter `i` is a carried integer starting at a constant and stepping by 1, and `n`
//! is a constant, a loop-invariant carried constant, or the extent of a dim (a
//! `get_dimension_size`) — so the trip count `T` is known when differentiating, as a
//! number or as a symbolic dim. This is the shape the frontend's recurrent layers emit.
//!
//! 1. The body's VJP is built as a region (`vjp_region`); the carried values it reads
//!    are the ones worth saving.
//! 2. The forward loop is replaced by one that also writes those carried values at the
//!    start of every iteration into `[T, ...]` stacks. Loop-invariant values (weights)
//!    are not stacked, and neither are values the VJP does not read (an output sequence
//!    written one step at a time), so the saved state is `T` times the recurrent state.
//! 3. A reverse loop runs `T` times, reading iteration `T-1-k`'s saved state and
//!    applying the body's VJP to the carried cotangents. With a symbolic `T` it carries
//!    its bound, `get_dimension_size` of the value that gave the forward loop its.
//!
//! Both new loops are counted loops again, so the result can be differentiated again.
use crate::autodiff::{inline, vjp_region, Emit, Site};
use crate::loops::Trip;
use kc_ir::{attrs, Attr, DType, Dim, Error, OpKind, Region, Result, Shape, TensorType, Value};
use petgraph::visit::{Reversed, Walker};

type Out = Result<Vec<Option<Value>>>;

fn trip_count(outer: &Region, s: &Site) -> Result<Trip> {
    crate::loops::trip_count(outer, &s.operands, &s.regions).map_err(|why| {
        Error::ty(format!(
            "reverse mode needs a counted loop (`while i < n`, i a carried integer starting at a constant and stepping by 1, n a constant or a dim's extent): {why}"
        ))
    })
}

fn stacked(t: &TensorType, trip: &Dim) -> TensorType {
    let mut d = vec![trip.clone()];
    d.extend(t.shape.0.iter().cloned());
    TensorType::new(t.dtype, Shape(d))
}

fn int_const(r: &mut Region, v: i64) -> Result<Value> {
    Emit::new(r).scalar(DType::I32, v as f64)
}

/// Region parameters for `types`, named `p0, p1, ...`.
fn params(r: &mut Region, types: &[TensorType]) -> Vec<Value> {
    types.iter().enumerate().map(|(i, t)| r.param(&format!("p{i}"), t.clone())).collect()
}

/// Which of the first `k` parameters of `r` its results depend on.
fn params_read(r: &Region, k: usize) -> Vec<bool> {
    let Some(ret) = r.return_node() else { return vec![true; k] };
    let live: std::collections::HashSet<_> = petgraph::visit::Dfs::new(Reversed(&r.graph), ret).iter(Reversed(&r.graph)).collect();
    r.params().iter().take(k).map(|p| live.contains(p)).collect()
}

pub fn while_loop(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let (cond, body) = (&s.regions[0], &s.regions[1]);
    let k = s.operands.len();
    let carried: Vec<TensorType> = s.types.clone();
    let trip = trip_count(e.r, s)?;
    if trip.count == Dim::Known(0) {
        return Ok(g.to_vec());
    }
    let count = trip.count.clone();
    // The body's VJP: (state..., cotangents of float results) -> cotangents of float state.
    let (vb, floats, _) = vjp_region(body)?;
    let read = params_read(&vb, k);
    let inv: Vec<usize> = (0..k).filter(|&j| crate::loops::invariant(body, j)).collect();
    let saved: Vec<usize> = (0..k).filter(|&j| !inv.contains(&j) && read[j]).collect();
    let i32t = TensorType::scalar(DType::I32);

    // 1. The forward loop, recording the state at the start of each iteration.
    let mut fwd_types = carried.clone();
    fwd_types.push(i32t.clone());
    fwd_types.extend(saved.iter().map(|&j| stacked(&carried[j], &count)));
    let mut c1 = Region::new();
    let p = params(&mut c1, &fwd_types);
    let test = inline(cond, &mut c1, &p[..k])?;
    c1.ret(&test);
    let mut b1 = Region::new();
    let p = params(&mut b1, &fwd_types);
    let step = p[k];
    let mut next = inline(body, &mut b1, &p[..k])?;
    let one = int_const(&mut b1, 1)?;
    let zero = int_const(&mut b1, 0)?;
    next.push(Emit::new(&mut b1).add(step, one)?);
    for (slot, &j) in saved.iter().enumerate() {
        let st = stacked(&carried[j], &Dim::Known(1));
        let row = Emit::new(&mut b1).reshape(p[j], st)?;
        let mut idx = vec![p[k + 1 + slot], row, step];
        idx.extend(std::iter::repeat_n(zero, carried[j].rank()));
        next.push(b1.push1(OpKind::DynamicUpdateSlice, &idx, Default::default())?);
    }
    b1.ret(&next);
    let mut init = s.operands.clone();
    init.push(int_const(e.r, 0)?);
    for &j in &saved {
        init.push(e.full(&stacked(&carried[j], &count), 0.0)?);
    }
    let fwd = e.r.build(OpKind::While, &init, Default::default(), Vec::new(), vec![c1, b1])?;
    for j in 0..k {
        e.r.replace_all_uses(s.results[j], fwd[j]);
    }
    e.r.graph.remove_node(s.node);
    let stacks: Vec<Value> = fwd[k + 1..].to_vec();

    // 2. The reverse loop: (k, cotangents..., stacks..., invariants..., [bound]).
    let mut rev_types = vec![i32t.clone()];
    rev_types.extend(floats.iter().map(|&j| carried[j].clone()));
    rev_types.extend(saved.iter().map(|&j| stacked(&carried[j], &count)));
    rev_types.extend(inv.iter().map(|&j| carried[j].clone()));
    // a symbolic trip count is carried as a value: the extent the forward loop ran to
    let bound_at = match (&count, trip.extent_of) {
        (Dim::Known(_), _) => None,
        (Dim::Sym(_), Some(_)) => {
            rev_types.push(i32t.clone());
            Some(rev_types.len() - 1)
        }
        (Dim::Sym(s), None) => return Err(Error::ty(format!("internal: the symbolic trip count {s} has no value it is the extent of"))),
    };
    let trips = |r: &mut Region, p: &[Value]| -> Result<Value> {
        match (&count, bound_at) {
            (_, Some(b)) => Ok(p[b]),
            (Dim::Known(n), None) => int_const(r, *n as i64),
            (Dim::Sym(_), None) => unreachable!("a symbolic count carries its bound"),
        }
    };
    let nf = floats.len();
    let mut c2 = Region::new();
    let p = params(&mut c2, &rev_types);
    let bound = trips(&mut c2, &p)?;
    let test = Emit::new(&mut c2).cmp(p[0], bound, "lt")?;
    c2.ret(&[test]);
    let mut b2 = Region::new();
    let p = params(&mut b2, &rev_types);
    let last = match (&count, bound_at) {
        (_, Some(b)) => {
            let one = int_const(&mut b2, 1)?;
            Emit::new(&mut b2).sub(p[b], one)?
        }
        (Dim::Known(n), None) => int_const(&mut b2, *n as i64 - 1)?,
        (Dim::Sym(_), None) => unreachable!("a symbolic count carries its bound"),
    };
    let zero = int_const(&mut b2, 0)?;
    let one = int_const(&mut b2, 1)?;
    let t = Emit::new(&mut b2).sub(last, p[0])?;
    let mut state = Vec::with_capacity(k);
    for (j, ty) in carried.iter().enumerate() {
        state.push(if let Some(slot) = saved.iter().position(|&x| x == j) {
            let mut idx = vec![p[1 + nf + slot], t];
            idx.extend(std::iter::repeat_n(zero, ty.rank()));
            let mut sizes = vec![1i64];
            sizes.extend(ty.shape.0.iter().map(|d| d.known().map(|n| n as i64).unwrap_or(-1)));
            let row = b2.push1(OpKind::DynamicSlice, &idx, attrs(&[("sizes", Attr::Ints(sizes))]))?;
            Emit::new(&mut b2).reshape(row, ty.clone())?
        } else if let Some(slot) = inv.iter().position(|&x| x == j) {
            p[1 + nf + saved.len() + slot]
        } else {
            // not read by the VJP: any value of the type will do (dead code after `dce`)
            Emit::new(&mut b2).full(ty, 0.0)?
        });
    }
    let mut args = state;
    args.extend(&p[1..1 + nf]);
    let cts_in = inline(&vb, &mut b2, &args)?;
    let mut next = vec![Emit::new(&mut b2).add(p[0], one)?];
    next.extend(cts_in);
    next.extend(&p[1 + nf..]);
    b2.ret(&next);
    let mut init = vec![int_const(e.r, 0)?];
    for &j in &floats {
        init.push(match g[j] {
            Some(c) => c,
            None => e.full(&carried[j], 0.0)?,
        });
    }
    init.extend(&stacks);
    init.extend(inv.iter().map(|&j| s.operands[j]));
    if let (Some(_), Some((x, d))) = (bound_at, trip.extent_of) {
        init.push(e.op(OpKind::GetDimensionSize, &[x], attrs(&[("dimension", Attr::Int(d as i64))]))?);
    }
    let rev = e.r.build(OpKind::While, &init, Default::default(), Vec::new(), vec![c2, b2])?;
    let mut out = vec![None; k];
    for (slot, &j) in floats.iter().enumerate() {
        out[j] = Some(rev[1 + slot]);
    }
    Ok(out)
}

/// A fusion computes its body on its operands, so its VJP is the body's VJP on the same
/// operands, spliced into the outer region unfused (a later `fuse` may fuse it again).
/// The body's forward ops are recomputed there: fusions hold cheap elementwise work.
pub fn fusion(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let (vb, float_params, float_outs) = vjp_region(&s.regions[0])?;
    let mut args = s.operands.clone();
    for &j in &float_outs {
        args.push(match g[j] {
            Some(c) => c,
            None => e.full(&s.types[j], 0.0)?,
        });
    }
    let cts = inline(&vb, e.r, &args)?;
    let mut out = vec![None; s.operands.len()];
    for (k, &i) in float_params.iter().enumerate() {
        out[i] = Some(cts[k]);
    }
    Ok(out)
}
