//! Ops with regions: `fusion` (a call of its body) and `while`.
//!
//! Reverse mode through `while` uses saved activations.
//!
//! The loop must be a counted loop — `i < n` (or `<=`, `>`, `>=`) where the counter `i`
//! is a carried integer starting at a constant and stepping by 1, and `n` is a constant
//! (in the cond region, or a loop-invariant carried constant) — so the trip count `T` is
//! known when differentiating. This is the shape the frontend's recurrent layers emit.
//!
//! 1. The forward loop is replaced by one that also writes the carried values at the
//!    start of every iteration into `[T, ...]` stacks (loop-invariant values, such as
//!    weights, are not stacked).
//! 2. The body's VJP is built as a region (`vjp_region`).
//! 3. A reverse loop runs `T` times, reading iteration `T-1-k`'s saved state and
//!    applying the body's VJP to the carried cotangents.
//!
//! Both new loops are counted loops again, so the result can be differentiated again.
use crate::autodiff::{inline, vjp_region, Emit, Site};
use kc_ir::{attrs, Attr, DType, Dim, Error, OpKind, Region, Result, Shape, TensorType, Value};

type Out = Result<Vec<Option<Value>>>;

fn trip_count(outer: &Region, s: &Site) -> Result<i64> {
    crate::loops::trip_count(outer, &s.operands, &s.regions).map_err(|why| {
        Error::ty(format!(
            "reverse mode needs a counted loop (`while i < n`, i a carried integer starting at a constant and stepping by 1, n a constant): {why}"
        ))
    })
}

fn stacked(t: &TensorType, trip: i64) -> TensorType {
    let mut d = vec![Dim::Known(trip as u64)];
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

pub fn while_loop(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let (cond, body) = (&s.regions[0], &s.regions[1]);
    let k = s.operands.len();
    let carried: Vec<TensorType> = s.types.clone();
    let trip = trip_count(e.r, s)?;
    if trip == 0 {
        return Ok(g.to_vec());
    }
    let saved: Vec<usize> = (0..k).filter(|&j| !crate::loops::invariant(body, j)).collect();
    let inv: Vec<usize> = (0..k).filter(|&j| crate::loops::invariant(body, j)).collect();
    let i32t = TensorType::scalar(DType::I32);

    // 1. The forward loop, recording the state at the start of each iteration.
    let mut fwd_types = carried.clone();
    fwd_types.push(i32t.clone());
    fwd_types.extend(saved.iter().map(|&j| stacked(&carried[j], trip)));
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
        let st = stacked(&carried[j], 1);
        let row = Emit::new(&mut b1).reshape(p[j], st)?;
        let mut idx = vec![p[k + 1 + slot], row, step];
        idx.extend(std::iter::repeat_n(zero, carried[j].rank()));
        next.push(b1.push1(OpKind::DynamicUpdateSlice, &idx, Default::default())?);
    }
    b1.ret(&next);
    let mut init = s.operands.clone();
    init.push(int_const(e.r, 0)?);
    for &j in &saved {
        init.push(e.full(&stacked(&carried[j], trip), 0.0)?);
    }
    let fwd = e.r.build(OpKind::While, &init, Default::default(), Vec::new(), vec![c1, b1])?;
    for j in 0..k {
        e.r.replace_all_uses(s.results[j], fwd[j]);
    }
    e.r.graph.remove_node(s.node);
    let stacks: Vec<Value> = fwd[k + 1..].to_vec();

    // 2. The body's VJP: (state..., cotangents of float results) -> cotangents of float state.
    let (vb, floats, _) = vjp_region(body)?;

    // 3. The reverse loop: (k, cotangents..., stacks..., invariants...).
    let mut rev_types = vec![i32t];
    rev_types.extend(floats.iter().map(|&j| carried[j].clone()));
    rev_types.extend(saved.iter().map(|&j| stacked(&carried[j], trip)));
    rev_types.extend(inv.iter().map(|&j| carried[j].clone()));
    let nf = floats.len();
    let mut c2 = Region::new();
    let p = params(&mut c2, &rev_types);
    let bound = int_const(&mut c2, trip)?;
    let test = Emit::new(&mut c2).cmp(p[0], bound, "lt")?;
    c2.ret(&[test]);
    let mut b2 = Region::new();
    let p = params(&mut b2, &rev_types);
    let last = int_const(&mut b2, trip - 1)?;
    let zero = int_const(&mut b2, 0)?;
    let one = int_const(&mut b2, 1)?;
    let t = Emit::new(&mut b2).sub(last, p[0])?;
    let mut state = vec![Value { node: p[0].node, result: 0 }; k];
    for (slot, &j) in saved.iter().enumerate() {
        let mut idx = vec![p[1 + nf + slot], t];
        idx.extend(std::iter::repeat_n(zero, carried[j].rank()));
        let mut sizes = vec![1i64];
        sizes.extend(carried[j].shape.0.iter().map(|d| d.known().map(|n| n as i64).unwrap_or(-1)));
        let row = b2.push1(OpKind::DynamicSlice, &idx, attrs(&[("sizes", Attr::Ints(sizes))]))?;
        state[j] = Emit::new(&mut b2).reshape(row, carried[j].clone())?;
    }
    for (slot, &j) in inv.iter().enumerate() {
        state[j] = p[1 + nf + saved.len() + slot];
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
