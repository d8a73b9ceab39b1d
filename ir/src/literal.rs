//! Constant tensor data carried by `constant` ops.
//!
//! Floats of every width are kept as `f64` (f32, f16 and bf16 values are exactly
//! representable), integers of every width as `i64` (u32 fits), bools as `bool`.
//! A literal whose data has one element while its shape has more is a splat.
use crate::dtype::DType;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum LiteralData {
    Float(#[serde(with = "json_floats")] Vec<f64>),
    Int(Vec<i64>),
    Bool(Vec<bool>),
}

/// Equality is by value, except that NaN equals NaN (whatever its payload) so that a
/// printed and re-parsed constant compares equal; -0.0 and 0.0 stay different.
impl PartialEq for LiteralData {
    fn eq(&self, other: &LiteralData) -> bool {
        match (self, other) {
            (LiteralData::Float(a), LiteralData::Float(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits())
            }
            (LiteralData::Int(a), LiteralData::Int(b)) => a == b,
            (LiteralData::Bool(a), LiteralData::Bool(b)) => a == b,
            _ => false,
        }
    }
}

impl LiteralData {
    pub fn len(&self) -> usize {
        match self {
            LiteralData::Float(v) => v.len(),
            LiteralData::Int(v) => v.len(),
            LiteralData::Bool(v) => v.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The storage class a dtype's literal must use.
    pub fn matches(&self, dtype: DType) -> bool {
        matches!(
            (self, dtype.is_float(), dtype.is_int()),
            (LiteralData::Float(_), true, _) | (LiteralData::Int(_), _, true) | (LiteralData::Bool(_), false, false)
        )
    }
}

/// Check that an integer fits the dtype's range; used by the parser and the verifier.
pub fn int_fits(dtype: DType, v: i64) -> bool {
    let (lo, hi): (i64, i64) = match dtype {
        DType::I8 => (i8::MIN as i64, i8::MAX as i64),
        DType::I32 => (i32::MIN as i64, i32::MAX as i64),
        DType::I64 => (i64::MIN, i64::MAX),
        DType::U8 => (0, u8::MAX as i64),
        DType::U32 => (0, u32::MAX as i64),
        _ => return false,
    };
    v >= lo && v <= hi
}

/// Round an f64 to the precision of a float dtype (what storing it would do).
pub fn round_to(dtype: DType, v: f64) -> f64 {
    match dtype {
        DType::F32 => v as f32 as f64,
        DType::F16 => f64_to_f16(v).to_f64(),
        DType::BF16 => f64_to_bf16(v).to_f64(),
        _ => v,
    }
}

/// f64 -> f32 rounded to odd: exact values stay, others are truncated toward zero with
/// the last significand bit forced to 1 (see [`i64_to_f64_odd`]).
pub fn f64_to_f32_odd(x: f64) -> f32 {
    let f = x as f32;
    if x.is_nan() || f as f64 == x {
        return f;
    }
    // `as` rounded to nearest; if that went away from zero (possibly to infinity), step
    // back one float toward zero, which the bit pattern minus one is.
    let trunc = if (f as f64).abs() > x.abs() { f32::from_bits(f.to_bits() - 1) } else { f };
    f32::from_bits(trunc.to_bits() | 1)
}

/// f64 -> f16, rounded to nearest even once. (`half::f16::from_f64` drops the low 32
/// bits of the significand before rounding, which turns some values just above a tie
/// into ties; going through f32 rounded to odd keeps that information.)
pub fn f64_to_f16(x: f64) -> half::f16 {
    half::f16::from_f32(f64_to_f32_odd(x))
}

/// f64 -> bf16, rounded to nearest even once (see [`f64_to_f16`]).
pub fn f64_to_bf16(x: f64) -> half::bf16 {
    half::bf16::from_f32(f64_to_f32_odd(x))
}

/// JSON has no NaN or infinities: write those as the strings "nan", "inf", "-inf" (the
/// spellings of the .kir text), everything else as plain numbers.
mod json_floats {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum F {
        Num(f64),
        Special(String),
    }

    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        let items: Vec<F> = v
            .iter()
            .map(|&x| match x {
                x if x.is_nan() => F::Special("nan".into()),
                x if x == f64::INFINITY => F::Special("inf".into()),
                x if x == f64::NEG_INFINITY => F::Special("-inf".into()),
                x => F::Num(x),
            })
            .collect();
        items.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Vec::<F>::deserialize(d)?
            .into_iter()
            .map(|f| match f {
                F::Num(x) => Ok(x),
                F::Special(s) => match s.as_str() {
                    "nan" => Ok(f64::NAN),
                    "inf" => Ok(f64::INFINITY),
                    "-inf" => Ok(f64::NEG_INFINITY),
                    other => Err(serde::de::Error::custom(format!("`{other}` is not a number"))),
                },
            })
            .collect()
    }
}
