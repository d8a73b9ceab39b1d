//! Elementwise ops: the derivative is pointwise, so each rule is the textbook formula
//! times the cotangent `g`. Where a formula is undefined at a point (pow at x = 0, ties
//! of max/min) the choice follows JAX so gradients match Keras on its JAX backend.
use super::single;
use crate::autodiff::{Emit, Site};
use kc_ir::{OpKind, Result, Value};

type Out = Result<Vec<Option<Value>>>;

fn one(v: Value) -> Out {
    Ok(vec![Some(v)])
}

pub fn neg(e: &mut Emit, _: &Site, g: &[Option<Value>]) -> Out {
    one(e.neg(single(g)?)?)
}

pub fn abs(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let sg = e.unary(OpKind::Sign, s.x(0))?;
    one(e.mul(single(g)?, sg)?)
}

pub fn exp(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    one(e.mul(single(g)?, s.y())?)
}

pub fn expm1(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let ex = e.unary(OpKind::Exp, s.x(0))?;
    one(e.mul(single(g)?, ex)?)
}

pub fn log(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    one(e.div(single(g)?, s.x(0))?)
}

pub fn log1p(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let one_ = e.full_like(s.x(0), 1.0)?;
    let d = e.add(one_, s.x(0))?;
    one(e.div(single(g)?, d)?)
}

/// d sqrt(x) = 1 / (2 sqrt(x))
pub fn sqrt(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let two_y = e.scale(s.y(), 2.0)?;
    one(e.div(single(g)?, two_y)?)
}

/// d x^-1/2 = -1/2 · x^-1/2 / x
pub fn rsqrt(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let q = e.div(s.y(), s.x(0))?;
    let d = e.scale(q, -0.5)?;
    one(e.mul(single(g)?, d)?)
}

/// d tanh = 1 - tanh²
pub fn tanh(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let yy = e.mul(s.y(), s.y())?;
    let one_ = e.full_like(s.y(), 1.0)?;
    let d = e.sub(one_, yy)?;
    one(e.mul(single(g)?, d)?)
}

/// d σ = σ (1 - σ)
pub fn logistic(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let one_ = e.full_like(s.y(), 1.0)?;
    let c = e.sub(one_, s.y())?;
    let d = e.mul(s.y(), c)?;
    one(e.mul(single(g)?, d)?)
}

pub fn sin(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let c = e.unary(OpKind::Cos, s.x(0))?;
    one(e.mul(single(g)?, c)?)
}

pub fn cos(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let sn = e.unary(OpKind::Sin, s.x(0))?;
    let gs = e.mul(single(g)?, sn)?;
    one(e.neg(gs)?)
}

/// d tan = 1 + tan²
pub fn tan(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let yy = e.mul(s.y(), s.y())?;
    let one_ = e.full_like(s.y(), 1.0)?;
    let d = e.add(one_, yy)?;
    one(e.mul(single(g)?, d)?)
}

/// d erf = 2/√π · e^(-x²)
pub fn erf(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let xx = e.mul(s.x(0), s.x(0))?;
    let nxx = e.neg(xx)?;
    let ex = e.unary(OpKind::Exp, nxx)?;
    let d = e.scale(ex, std::f64::consts::FRAC_2_SQRT_PI)?;
    one(e.mul(single(g)?, d)?)
}

/// Float-to-float conversion: the cotangent converts back. (From an integer there is
/// nothing to propagate; the driver drops it.)
pub fn convert(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let to = e.ty(s.x(0)).dtype;
    one(e.convert(single(g)?, to)?)
}

pub fn add(_: &mut Emit, _: &Site, g: &[Option<Value>]) -> Out {
    let g = single(g)?;
    Ok(vec![Some(g), Some(g)])
}

pub fn sub(e: &mut Emit, _: &Site, g: &[Option<Value>]) -> Out {
    let g = single(g)?;
    Ok(vec![Some(g), Some(e.neg(g)?)])
}

pub fn mul(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let g = single(g)?;
    Ok(vec![Some(e.mul(g, s.x(1))?), Some(e.mul(s.x(0), g)?)])
}

/// d(a/b) = g/b, -g·(a/b)/b
pub fn div(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let g = single(g)?;
    let ga = e.div(g, s.x(1))?;
    let q = e.mul(ga, s.y())?;
    Ok(vec![Some(ga), Some(e.neg(q)?)])
}

/// rem(a, b) = a - b·trunc(a/b): d/da = 1, d/db = -trunc(a/b) = -(a - rem)/b.
pub fn rem(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let g = single(g)?;
    let diff = e.sub(s.x(0), s.y())?;
    let t = e.div(diff, s.x(1))?;
    let t = e.unary(OpKind::RoundNearestEven, t)?;
    let gt = e.mul(g, t)?;
    Ok(vec![Some(g), Some(e.neg(gt)?)])
}

/// d a^b: b·a^(b-1) (0 where b = 0), and a^b·log a (with log 0 taken as 0), as JAX does.
pub fn pow(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let (g, a, b) = (single(g)?, s.x(0), s.x(1));
    let one_ = e.full_like(b, 1.0)?;
    let zero = e.zeros_like(b)?;
    let bm1 = e.sub(b, one_)?;
    let p = e.op(OpKind::Pow, &[a, bm1], Default::default())?;
    let bp = e.mul(b, p)?;
    let b0 = e.cmp(b, zero, "eq")?;
    let da = e.select(b0, zero, bp)?;
    let a0 = e.cmp(a, zero, "eq")?;
    let safe_a = e.select(a0, one_, a)?;
    let la = e.unary(OpKind::Log, safe_a)?;
    let db = e.mul(s.y(), la)?;
    Ok(vec![Some(e.mul(g, da)?), Some(e.mul(g, db)?)])
}

/// max/min: the cotangent goes to the chosen operand; on a tie it is split in half.
fn extremum(e: &mut Emit, s: &Site, g: &[Option<Value>], dir: &str) -> Out {
    let (g, a, b) = (single(g)?, s.x(0), s.x(1));
    let one_ = e.full_like(a, 1.0)?;
    let half = e.full_like(a, 0.5)?;
    let zero = e.zeros_like(a)?;
    let wins = e.cmp(a, b, dir)?;
    let tie = e.cmp(a, b, "eq")?;
    let tie_share = e.select(tie, half, zero)?;
    let wa = e.select(wins, one_, tie_share)?;
    let wb = e.sub(one_, wa)?;
    Ok(vec![Some(e.mul(g, wa)?), Some(e.mul(g, wb)?)])
}

pub fn max(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    extremum(e, s, g, "gt")
}

pub fn min(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    extremum(e, s, g, "lt")
}

/// atan2(a, b): d/da = b/(a²+b²), d/db = -a/(a²+b²)
pub fn atan2(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let (g, a, b) = (single(g)?, s.x(0), s.x(1));
    let aa = e.mul(a, a)?;
    let bb = e.mul(b, b)?;
    let r2 = e.add(aa, bb)?;
    let gr = e.div(g, r2)?;
    let da = e.mul(gr, b)?;
    let ga = e.mul(gr, a)?;
    Ok(vec![Some(da), Some(e.neg(ga)?)])
}

/// The cotangent flows to the branch that was taken; the predicate gets none.
pub fn select(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let g = single(g)?;
    let zero = e.zeros_like(g)?;
    let t = e.select(s.x(0), g, zero)?;
    let f = e.select(s.x(0), zero, g)?;
    Ok(vec![None, Some(t), Some(f)])
}

/// clamp(lo, x, hi), with JAX's convention at the edges: x gets the cotangent where
/// lo < x < hi, lo where x < lo < hi, hi where x > hi (ties give it to no one). A scalar
/// bound gets the sum.
pub fn clamp(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let (g, lo, x, hi) = (single(g)?, s.x(0), s.x(1), s.x(2));
    let zero = e.zeros_like(g)?;
    let lo_b = if e.rank(lo) == 0 { e.broadcast(lo, e.ty(x), &[])? } else { lo };
    let hi_b = if e.rank(hi) == 0 { e.broadcast(hi, e.ty(x), &[])? } else { hi };
    let x_above_lo = e.cmp(x, lo_b, "gt")?;
    let x_below_hi = e.cmp(x, hi_b, "lt")?;
    let lo_above_x = e.cmp(lo_b, x, "gt")?;
    let lo_below_hi = e.cmp(lo_b, hi_b, "lt")?;
    let x_in = e.and(x_above_lo, x_below_hi)?;
    let lo_binds = e.and(lo_above_x, lo_below_hi)?;
    let hi_binds = e.cmp(hi_b, x, "lt")?;
    let g_x = e.select(x_in, g, zero)?;
    let g_lo = e.select(lo_binds, g, zero)?;
    let g_hi = e.select(hi_binds, g, zero)?;
    let g_lo = if e.rank(lo) == 0 { e.sum_all(g_lo)? } else { g_lo };
    let g_hi = if e.rank(hi) == 0 { e.sum_all(g_hi)? } else { g_hi };
    Ok(vec![Some(g_lo), Some(g_x), Some(g_hi)])
}
