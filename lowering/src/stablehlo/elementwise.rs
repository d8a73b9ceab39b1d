//! Elementwise ops. Most are one StableHLO op of the same meaning; the table says
//! which. The rest are written out where kc's semantics are more defined than
//! StableHLO's: `compare` (direction keyword), `convert` (saturating float → integer),
//! float `max`/`min`/`clamp` (the plugin's XLA does not propagate NaN through its
//! min/max; kc does), `abs`/`sign` of unsigned integers (which StableHLO does not take), and integer
//! `div`/`rem`, whose divisor is made safe first: XLA's CPU backend traps (SIGFPE) on a
//! zero divisor or `INT_MIN / -1`, where kc defines `x / 0 = -1`, `x rem 0 = x`.
use super::text::{int_range, Ty, Writer, V};
use super::{Error, Result};
use kc_ir::{AttrsExt, DType, LiteralData, Node, OpKind};

/// kc op → StableHLO op with identical semantics on every dtype kc allows.
const SIMPLE: &[(OpKind, &str)] = &[
    (OpKind::Neg, "stablehlo.negate"),
    (OpKind::Exp, "stablehlo.exponential"),
    (OpKind::Expm1, "stablehlo.exponential_minus_one"),
    (OpKind::Log, "stablehlo.log"),
    (OpKind::Log1p, "stablehlo.log_plus_one"),
    (OpKind::Sqrt, "stablehlo.sqrt"),
    (OpKind::Rsqrt, "stablehlo.rsqrt"),
    (OpKind::Tanh, "stablehlo.tanh"),
    (OpKind::Logistic, "stablehlo.logistic"),
    (OpKind::Sin, "stablehlo.sine"),
    (OpKind::Cos, "stablehlo.cosine"),
    (OpKind::Tan, "chlo.tan"),
    (OpKind::Erf, "chlo.erf"),
    (OpKind::Floor, "stablehlo.floor"),
    (OpKind::Ceil, "stablehlo.ceil"),
    (OpKind::RoundNearestEven, "stablehlo.round_nearest_even"),
    (OpKind::IsFinite, "stablehlo.is_finite"),
    (OpKind::Not, "stablehlo.not"),
    (OpKind::PopCnt, "stablehlo.popcnt"),
    (OpKind::BitcastConvert, "stablehlo.bitcast_convert"),
    (OpKind::Add, "stablehlo.add"),
    (OpKind::Sub, "stablehlo.subtract"),
    (OpKind::Mul, "stablehlo.multiply"),
    (OpKind::Pow, "stablehlo.power"),
    (OpKind::Atan2, "stablehlo.atan2"),
    (OpKind::And, "stablehlo.and"),
    (OpKind::Or, "stablehlo.or"),
    (OpKind::Xor, "stablehlo.xor"),
    (OpKind::ShiftLeft, "stablehlo.shift_left"),
    (OpKind::ShiftRightLogical, "stablehlo.shift_right_logical"),
    (OpKind::ShiftRightArithmetic, "stablehlo.shift_right_arithmetic"),
    (OpKind::Select, "stablehlo.select"),
];

/// The StableHLO op for a kc op that maps one to one.
pub fn simple(op: OpKind) -> Option<&'static str> {
    SIMPLE.iter().find(|(k, _)| *k == op).map(|(_, n)| *n)
}

/// Ops that need more than one StableHLO op on some dtypes (see [`lower`]).
pub fn lower(w: &mut Writer, node: &Node, ops: &[V]) -> Option<V> {
    let x = &ops[0];
    let unsigned = matches!(x.ty.dtype, DType::U8 | DType::U32);
    match node.op {
        OpKind::Abs if unsigned => Some(x.clone()),
        OpKind::Abs => Some(w.unary("stablehlo.abs", x)),
        OpKind::Sign if unsigned => {
            let zero = w.splat_int(&x.ty, 0);
            let one = w.splat_int(&x.ty, 1);
            let nz = w.compare("NE", x, &zero, false);
            Some(w.select(&nz, &one, &zero))
        }
        OpKind::Sign => Some(w.unary("stablehlo.sign", x)),
        OpKind::Max => Some(super::reductions::combine(w, "stablehlo.maximum", x, &ops[1])),
        OpKind::Min => Some(super::reductions::combine(w, "stablehlo.minimum", x, &ops[1])),
        OpKind::Clamp if ops[1].ty.dtype.is_float() => {
            // clamp(lo, x, hi) = min(max(x, lo), hi), NaN from any operand
            let (lo, v, hi) = (&ops[0], &ops[1], &ops[2]);
            let (lo, hi) = (broadcast_scalar(w, lo, &v.ty), broadcast_scalar(w, hi, &v.ty));
            let m = super::reductions::combine(w, "stablehlo.maximum", v, &lo);
            Some(super::reductions::combine(w, "stablehlo.minimum", &m, &hi))
        }
        OpKind::Clamp => Some(w.op("stablehlo.clamp", &[&ops[0], &ops[1], &ops[2]], &[], ops[1].ty.clone())),
        OpKind::Div | OpKind::Rem if x.ty.dtype.is_float() => {
            Some(w.binary(if node.op == OpKind::Div { "stablehlo.divide" } else { "stablehlo.remainder" }, x, &ops[1]))
        }
        OpKind::Div | OpKind::Rem => Some(int_div_rem(w, node.op == OpKind::Div, x, &ops[1])),
        _ => None,
    }
}

/// `x` at the shape of `to` (clamp's bounds may be scalars).
fn broadcast_scalar(w: &mut Writer, x: &V, to: &Ty) -> V {
    if x.ty.dims == to.dims {
        x.clone()
    } else {
        w.broadcast(x, &[], to)
    }
}

/// Integer `div`/`rem` with kc's answers for the divisions hardware traps on: the
/// divisor becomes 1 where it is 0 or where `x = INT_MIN, y = -1` (and `INT_MIN / 1`,
/// `INT_MIN rem 1` are already kc's answers there), then `y = 0` takes `-1` (div) or `x`
/// (rem).
fn int_div_rem(w: &mut Writer, div: bool, x: &V, y: &V) -> V {
    let zero = w.splat_int(&y.ty, 0);
    let one = w.splat_int(&y.ty, 1);
    let y_zero = w.compare("EQ", y, &zero, false);
    let mut unsafe_y = y_zero.clone();
    if matches!(x.ty.dtype, DType::I8 | DType::I32 | DType::I64) {
        let min = w.splat_int(&x.ty, int_range(x.ty.dtype).0);
        let minus_one = w.splat_int(&y.ty, -1);
        let x_min = w.compare("EQ", x, &min, false);
        let y_m1 = w.compare("EQ", y, &minus_one, false);
        let overflow = w.binary("stablehlo.and", &x_min, &y_m1);
        unsafe_y = w.binary("stablehlo.or", &unsafe_y, &overflow);
    }
    let safe = w.select(&unsafe_y, &one, y);
    if div {
        let q = w.binary("stablehlo.divide", x, &safe);
        // all bits set: -1, or the maximum of an unsigned dtype
        let ones = w.splat_int(&x.ty, if matches!(x.ty.dtype, DType::U8 | DType::U32) { int_range(x.ty.dtype).1 } else { -1 });
        w.select(&y_zero, &ones, &q)
    } else {
        let r = w.binary("stablehlo.remainder", x, &safe);
        w.select(&y_zero, x, &r)
    }
}

const DIRECTIONS: &[(&str, &str)] = &[("eq", "EQ"), ("ne", "NE"), ("lt", "LT"), ("le", "LE"), ("gt", "GT"), ("ge", "GE")];

pub fn compare(w: &mut Writer, node: &Node, ops: &[V]) -> Result<V> {
    let d = node.attrs.sym("direction")?;
    let (_, dir) = DIRECTIONS.iter().find(|(k, _)| *k == d).ok_or_else(|| Error::new(format!("unknown direction {d}")))?;
    Ok(w.compare(dir, &ops[0], &ops[1], false))
}

/// `convert` with kc's semantics: number → bool is `x != 0`; float → integer truncates
/// toward zero and saturates to the integer range, NaN → 0. f16/bf16 go through f32,
/// which holds them exactly.
pub fn convert(w: &mut Writer, x: &V, to: &Ty) -> V {
    let from = x.ty.dtype;
    if from == to.dtype {
        return x.clone();
    }
    if to.dtype.is_bool() {
        let zero = w.splat(&x.ty, 0.0);
        return w.compare("NE", x, &zero, false);
    }
    if !(from.is_float() && to.dtype.is_int()) {
        return w.convert(x, to.dtype);
    }
    let x = if matches!(from, DType::F16 | DType::BF16) { w.convert(x, DType::F32) } else { x.clone() };
    let (lo, hi) = int_range(to.dtype);
    // The integer range's ends as floats of x's width: `lo` is 0 or -2^(bits-1), exact;
    // `top` = hi + 1 is a power of two, exact; `below` is the largest float < top, the
    // largest value that converts without overflow.
    let top = hi as f64 + 1.0;
    let below = match x.ty.dtype {
        DType::F32 => f32::from_bits((top as f32).to_bits() - 1) as f64,
        _ => f64::from_bits(top.to_bits() - 1),
    };
    let below = below.min(hi as f64);
    let lo_c = w.splat(&x.ty, lo as f64);
    let hi_c = w.splat(&x.ty, below);
    let clamped = w.op("stablehlo.clamp", &[&lo_c, &x, &hi_c], &[], x.ty.clone());
    let mut r = w.convert(&clamped, to.dtype);
    let top_c = w.splat(&x.ty, top);
    let over = w.compare("GE", &x, &top_c, false);
    let max = w.constant(to, &LiteralData::Int(vec![hi]));
    r = w.select(&over, &max, &r);
    let nan = w.is_nan(&x);
    let zero = w.splat_int(to, 0);
    w.select(&nan, &zero, &r)
}
