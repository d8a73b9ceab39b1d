//! Elementwise ops. Most are one StableHLO op of the same meaning; the table says
//! which. The rest are written out where kc's semantics are more defined than
//! StableHLO's: `compare` (direction keyword), `convert` (saturating float → integer),
//! and `abs`/`sign` of unsigned integers (which StableHLO does not take).
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
    (OpKind::Div, "stablehlo.divide"),
    (OpKind::Rem, "stablehlo.remainder"),
    (OpKind::Pow, "stablehlo.power"),
    (OpKind::Max, "stablehlo.maximum"),
    (OpKind::Min, "stablehlo.minimum"),
    (OpKind::Atan2, "stablehlo.atan2"),
    (OpKind::And, "stablehlo.and"),
    (OpKind::Or, "stablehlo.or"),
    (OpKind::Xor, "stablehlo.xor"),
    (OpKind::ShiftLeft, "stablehlo.shift_left"),
    (OpKind::ShiftRightLogical, "stablehlo.shift_right_logical"),
    (OpKind::ShiftRightArithmetic, "stablehlo.shift_right_arithmetic"),
    (OpKind::Select, "stablehlo.select"),
    (OpKind::Clamp, "stablehlo.clamp"),
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
        _ => None,
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
