//! Arithmetic identities. Each must give bit-identical results for every input, IEEE
//! floats included (NaN counts as NaN whatever its sign and payload, which docs/ir.md
//! leaves unspecified). That rules out some familiar ones for floats:
//!
//! - `x + 0.0 → x` is wrong for `x = -0.0` (`-0.0 + 0.0 = +0.0`); `x + (-0.0) → x` is exact;
//! - `x - 0.0 → x` is exact (it is `x + (-0.0)`); `x - (-0.0)` is `x + 0.0` and is not;
//! - `x * 0 → 0` is wrong for NaN, ±inf (NaN) and negative x (`-0.0`), so only integers;
//! - `x - x → 0` is wrong for NaN and ±inf (NaN), so only integers.
use super::site::{zero, Scalar, Site};
use super::{Ops, Replacement, Rule};
use kc_ir::{DType, OpKind, Result, Value};

pub static RULES: &[Rule] = &[
    Rule { name: "add-zero", ops: Ops::These(&[OpKind::Add]), summary: "x + 0 → x and 0 + x → x; for floats only -0.0 is the identity", apply: add_zero },
    Rule { name: "sub-zero", ops: Ops::These(&[OpKind::Sub]), summary: "x - 0 → x (floats: +0.0 only)", apply: sub_zero },
    Rule { name: "sub-self", ops: Ops::These(&[OpKind::Sub]), summary: "x - x → 0, integers only", apply: sub_self },
    Rule { name: "mul-one", ops: Ops::These(&[OpKind::Mul]), summary: "x * 1 → x and 1 * x → x", apply: mul_one },
    Rule { name: "mul-zero", ops: Ops::These(&[OpKind::Mul]), summary: "x * 0 → 0 and 0 * x → 0, integers only", apply: mul_zero },
    Rule { name: "div-one", ops: Ops::These(&[OpKind::Div]), summary: "x / 1 → x", apply: div_one },
    Rule { name: "double-neg", ops: Ops::These(&[OpKind::Neg]), summary: "neg(neg(x)) → x", apply: double_neg },
    Rule { name: "double-abs", ops: Ops::These(&[OpKind::Abs]), summary: "abs(abs(x)) → abs(x)", apply: double_abs },
    Rule { name: "minmax-self", ops: Ops::These(&[OpKind::Max, OpKind::Min]), summary: "max(x, x) → x and min(x, x) → x", apply: minmax_self },
    Rule { name: "select-same", ops: Ops::These(&[OpKind::Select]), summary: "select(p, x, x) → x", apply: select_same },
    Rule { name: "select-const", ops: Ops::These(&[OpKind::Select]), summary: "select(true, a, b) → a and select(false, a, b) → b, for a constant (splat) predicate", apply: select_const },
    Rule { name: "convert-same", ops: Ops::These(&[OpKind::Convert]), summary: "convert to the operand's own dtype → the operand", apply: convert_same },
];

/// A binary op's operands, their splat values when they are constants, and the dtype.
struct Binary {
    x: Value,
    y: Value,
    cx: Option<Scalar>,
    cy: Option<Scalar>,
    dtype: DType,
}

fn binary(s: &Site<'_>) -> Option<Binary> {
    let (x, y) = (s.operand(0)?, s.operand(1)?);
    Some(Binary { x, y, cx: s.splat(x), cy: s.splat(y), dtype: s.result_type(0)?.dtype })
}

/// The identity of `add` for a dtype: -0.0 for floats (`-0.0 + -0.0 = -0.0`, whereas
/// `-0.0 + 0.0 = +0.0`), 0 for integers.
fn is_add_identity(c: Option<Scalar>, dtype: DType) -> bool {
    let Some(c) = c else { return false };
    if dtype.is_float() {
        c.is_float_bits(-0.0)
    } else {
        c.is_int(0)
    }
}

fn is_one(c: Option<Scalar>, dtype: DType) -> bool {
    let Some(c) = c else { return false };
    if dtype.is_float() {
        c.is_float_bits(1.0)
    } else {
        c.is_int(1)
    }
}

fn add_zero(s: &mut Site<'_>) -> Result<Replacement> {
    let Some(Binary { x, y, cx, cy, dtype }) = binary(s) else { return Ok(None) };
    Ok(if is_add_identity(cy, dtype) {
        Some(vec![x])
    } else if is_add_identity(cx, dtype) {
        Some(vec![y])
    } else {
        None
    })
}

fn sub_zero(s: &mut Site<'_>) -> Result<Replacement> {
    let Some(Binary { x, cy, dtype, .. }) = binary(s) else { return Ok(None) };
    // x - (+0.0) = x + (-0.0), which is exact; x - (-0.0) = x + 0.0 is not.
    let zero = match cy {
        Some(c) if dtype.is_float() => c.is_float_bits(0.0),
        Some(c) => c.is_int(0),
        None => false,
    };
    Ok(zero.then(|| vec![x]))
}

fn sub_self(s: &mut Site<'_>) -> Result<Replacement> {
    let Some(Binary { x, y, dtype, .. }) = binary(s) else { return Ok(None) };
    if x != y || !dtype.is_int() {
        return Ok(None);
    }
    let Some(ty) = s.result_type(0).cloned() else { return Ok(None) };
    Ok(Some(vec![s.splat_const(zero(dtype), &ty)?]))
}

fn mul_one(s: &mut Site<'_>) -> Result<Replacement> {
    let Some(Binary { x, y, cx, cy, dtype }) = binary(s) else { return Ok(None) };
    Ok(if is_one(cy, dtype) {
        Some(vec![x])
    } else if is_one(cx, dtype) {
        Some(vec![y])
    } else {
        None
    })
}

fn mul_zero(s: &mut Site<'_>) -> Result<Replacement> {
    let Some(Binary { x, y, cx, cy, dtype }) = binary(s) else { return Ok(None) };
    if !dtype.is_int() {
        return Ok(None);
    }
    // The zero operand already has the result's type: it is the replacement.
    Ok(if cy.is_some_and(|c| c.is_int(0)) {
        Some(vec![y])
    } else if cx.is_some_and(|c| c.is_int(0)) {
        Some(vec![x])
    } else {
        None
    })
}

fn div_one(s: &mut Site<'_>) -> Result<Replacement> {
    let Some(Binary { x, cy, dtype, .. }) = binary(s) else { return Ok(None) };
    Ok(is_one(cy, dtype).then(|| vec![x]))
}

/// `op(op(x))` where the inner op is `inner`: x.
fn inner_operand(s: &Site<'_>, inner: OpKind) -> Option<Value> {
    s.produced_by(s.operand(0)?, inner)?.first().copied()
}

fn double_neg(s: &mut Site<'_>) -> Result<Replacement> {
    // Exact for integers too: negation wraps, and -(-MIN) = MIN.
    Ok(inner_operand(s, OpKind::Neg).map(|x| vec![x]))
}

fn double_abs(s: &mut Site<'_>) -> Result<Replacement> {
    // abs(x) is never negative except abs(MIN) = MIN for integers, and abs(MIN) is MIN
    // again, so the outer abs changes nothing in every case.
    let Some(inner) = s.operand(0) else { return Ok(None) };
    Ok(s.produced_by(inner, OpKind::Abs).map(|_| vec![inner]))
}

fn minmax_self(s: &mut Site<'_>) -> Result<Replacement> {
    let Some(Binary { x, y, .. }) = binary(s) else { return Ok(None) };
    Ok((x == y).then(|| vec![x]))
}

fn select_same(s: &mut Site<'_>) -> Result<Replacement> {
    let (Some(a), Some(b)) = (s.operand(1), s.operand(2)) else { return Ok(None) };
    Ok((a == b).then(|| vec![a]))
}

fn select_const(s: &mut Site<'_>) -> Result<Replacement> {
    let (Some(p), Some(a), Some(b)) = (s.operand(0), s.operand(1), s.operand(2)) else { return Ok(None) };
    Ok(match s.splat(p) {
        Some(Scalar::Bool(true)) => Some(vec![a]),
        Some(Scalar::Bool(false)) => Some(vec![b]),
        _ => None,
    })
}

fn convert_same(s: &mut Site<'_>) -> Result<Replacement> {
    let Some(x) = s.operand(0) else { return Ok(None) };
    Ok((s.ty(x) == s.result_type(0)).then(|| vec![x]))
}
