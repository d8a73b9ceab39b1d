//! `reduce`: the cotangent of each result element goes back to the elements it reduced.
use super::single;
use crate::autodiff::emit::known_dims;
use crate::autodiff::{Emit, Site};
use kc_ir::{AttrsExt, Dim, Error, OpKind, Result, Shape, TensorType, Value};

type Out = Result<Vec<Option<Value>>>;

pub fn reduce(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let g = single(g)?;
    let x = s.x(0);
    let xt = e.ty(x);
    let reduced: Vec<i64> = s.attrs.ints("dimensions")?.to_vec();
    let kept: Vec<i64> = (0..xt.rank() as i64).filter(|d| !reduced.contains(d)).collect();
    let gb = e.broadcast(g, xt.clone(), &kept)?;
    let dx = match s.attrs.sym("kind")? {
        "sum" => gb,
        "max" | "min" => {
            // Split the cotangent evenly between the elements equal to the result.
            let yb = e.broadcast(s.y(), xt.clone(), &kept)?;
            let hit = e.cmp(x, yb, "eq")?;
            let one = e.full_like(x, 1.0)?;
            let zero = e.zeros_like(x)?;
            let ones = e.select(hit, one, zero)?;
            let count = e.sum(ones, &reduced)?;
            let share = e.div(g, count)?;
            let sb = e.broadcast(share, xt, &kept)?;
            e.select(hit, sb, zero)?
        }
        "prod" => prod(e, x, &kept, &reduced, gb, s)?,
        other => return Err(Error::ty(format!("reduce kind {other} is not differentiable"))),
    };
    Ok(vec![Some(dx)])
}

/// d prod / d x_i = product of the others, computed without dividing (so zeros are
/// fine) as exclusive running products from both ends over the flattened reduced dims.
/// With a symbolic reduced dim it falls back to `g · y / x`, which needs x ≠ 0.
fn prod(e: &mut Emit, x: Value, kept: &[i64], reduced: &[i64], gb: Value, s: &Site) -> Result<Value> {
    let xt = e.ty(x);
    let Ok(rdims) = known_dims(&TensorType::new(xt.dtype, Shape(reduced.iter().map(|&d| xt.shape.0[d as usize].clone()).collect())), "")
    else {
        let yb = e.broadcast(s.y(), xt.clone(), kept)?;
        let gy = e.mul(gb, yb)?;
        return e.div(gy, x);
    };
    let r: i64 = rdims.iter().product();
    if r == 0 {
        return e.zeros_like(x);
    }
    let perm: Vec<i64> = kept.iter().chain(reduced).copied().collect();
    let xp = e.transpose(x, &perm)?;
    let mut flat_dims: Vec<Dim> = kept.iter().map(|&d| xt.shape.0[d as usize].clone()).collect();
    flat_dims.push(Dim::Known(r as u64));
    let flat_t = TensorType::new(xt.dtype, Shape(flat_dims));
    let last = kept.len();
    let xf = e.reshape(xp, flat_t.clone())?;
    let a = kc_ir::attrs(&[("dimension", kc_ir::Attr::Int(last as i64)), ("reverse", kc_ir::Attr::Bool(false))]);
    let fwd = e.op(OpKind::CumProd, &[xf], a.clone())?;
    let mut ra = a;
    ra.insert("reverse".into(), kc_ir::Attr::Bool(true));
    let bwd = e.op(OpKind::CumProd, &[xf], ra)?;
    let one = e.scalar(xt.dtype, 1.0)?;
    let full: Vec<i64> = flat_t.shape.0.iter().map(|d| d.known().map(|n| n as i64).unwrap_or(-1)).collect();
    let (mut start, mut limit) = (vec![0i64; last + 1], full.clone());
    let unit = vec![1i64; last + 1];
    let mut pad_lo = vec![0i64; last + 1];
    let pad_hi = vec![0i64; last + 1];
    // exclusive forward product: [1, p0, p0 p1, ...]
    limit[last] = r - 1;
    let f = e.slice(fwd, &start, &limit, &unit)?;
    pad_lo[last] = 1;
    let ef = e.pad(f, one, &pad_lo, &pad_hi, &vec![0; last + 1])?;
    // exclusive backward product: [..., p(n-2) p(n-1), p(n-1), 1]
    start[last] = 1;
    limit[last] = r;
    let b = e.slice(bwd, &start, &limit, &unit)?;
    let eb = e.pad(b, one, &pad_hi, &pad_lo, &vec![0; last + 1])?;
    let others = e.mul(ef, eb)?;
    let pt = e.ty(xp);
    let others = e.reshape(others, pt)?;
    let mut inv = vec![0i64; perm.len()];
    for (i, &p) in perm.iter().enumerate() {
        inv[p as usize] = i as i64;
    }
    let others = e.transpose(others, &inv)?;
    e.mul(gb, others)
}
