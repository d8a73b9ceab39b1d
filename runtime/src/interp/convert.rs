//! `convert` (value conversion) and `bitcast_convert` (bit reinterpretation).
//!
//! Every element converts through a lossless wide form ([`Wide`]): floats as f64 (every
//! f32/f16/bf16 is exact in f64), integers as i64 (u32 fits), bools as bool. From there:
//! - to a float: round to nearest even, once (see [`i64_to_f64_odd`] for why once needs care);
//! - float to integer: truncate toward zero, saturate at the type's range, NaN -> 0
//!   (exactly what Rust's `as` does);
//! - integer to integer: keep the low bits (wrap), as two's complement;
//! - anything to bool: `x != 0` (so NaN -> true); bool to a number: 0 or 1.
use crate::tensor::{Elem, HostTensor};
use crate::tensor::with_elem;
use half::{bf16, f16};
use kc_ir::DType;

/// An element's value in a form that loses nothing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Wide {
    F(f64),
    I(i64),
    B(bool),
}

/// Conversions of one element.
pub trait Convert: Elem {
    fn to_wide(self) -> Wide;
    /// The value of `w` in this type, by the rules in the module docs.
    fn from_wide(w: Wide) -> Self;
    /// The element's bits, zero-extended to 64 (bool is never bitcast).
    fn to_bits64(self) -> u64;
    /// An element from the low `bits()` bits of `b`.
    fn from_bits64(b: u64) -> Self;
}

/// i64 -> f64 rounded to odd: exact when the value fits in 53 bits, otherwise truncated
/// toward zero with the last significand bit forced to 1. Rounding this to f16/bf16 gives
/// the same result as rounding the integer directly; rounding to nearest twice would not
/// (e.g. 2^62 + 2^54 + 1 would tie to even in f64 and then round down in bf16).
pub fn i64_to_f64_odd(i: i64) -> f64 {
    let f = i as f64;
    let back = f as i128; // f is a whole number of magnitude <= 2^63: exact in i128
    let exact = i as i128;
    if back == exact {
        return f;
    }
    let away_from_zero = (back > exact) == (exact > 0);
    // For |f| >= 2^53 the bit pattern minus one is the next float toward zero.
    let trunc = if away_from_zero { f64::from_bits(f.to_bits() - 1) } else { f };
    f64::from_bits(trunc.to_bits() | 1)
}

// The f64 -> f32/f16/bf16 roundings live in the IR crate so constants and the
// interpreter round identically.
pub use kc_ir::literal::{f64_to_bf16, f64_to_f16, f64_to_f32_odd};

macro_rules! impl_convert_float {
    ($t:ty, $from_f64:expr, $to_f64:expr, $bits:ty, $from_bits:expr) => {
        impl Convert for $t {
            fn to_wide(self) -> Wide {
                Wide::F(($to_f64)(self))
            }
            fn from_wide(w: Wide) -> $t {
                match w {
                    Wide::F(v) => ($from_f64)(v),
                    Wide::I(i) => ($from_f64)(i64_to_f64_odd(i)),
                    Wide::B(b) => ($from_f64)(if b { 1.0 } else { 0.0 }),
                }
            }
            fn to_bits64(self) -> u64 {
                self.to_bits() as u64
            }
            fn from_bits64(b: u64) -> $t {
                ($from_bits)(b as $bits)
            }
        }
    };
}
// i64 -> f32 and i64 -> f64 with `as` already round once, correctly; so does f64 -> f32.
impl Convert for f32 {
    fn to_wide(self) -> Wide {
        Wide::F(self as f64)
    }
    fn from_wide(w: Wide) -> f32 {
        match w {
            Wide::F(v) => v as f32,
            Wide::I(i) => i as f32,
            Wide::B(b) => b as u8 as f32,
        }
    }
    fn to_bits64(self) -> u64 {
        self.to_bits() as u64
    }
    fn from_bits64(b: u64) -> f32 {
        f32::from_bits(b as u32)
    }
}
impl Convert for f64 {
    fn to_wide(self) -> Wide {
        Wide::F(self)
    }
    fn from_wide(w: Wide) -> f64 {
        match w {
            Wide::F(v) => v,
            Wide::I(i) => i as f64,
            Wide::B(b) => b as u8 as f64,
        }
    }
    fn to_bits64(self) -> u64 {
        self.to_bits()
    }
    fn from_bits64(b: u64) -> f64 {
        f64::from_bits(b)
    }
}
impl_convert_float!(f16, f64_to_f16, f16::to_f64, u16, f16::from_bits);
impl_convert_float!(bf16, f64_to_bf16, bf16::to_f64, u16, bf16::from_bits);

macro_rules! impl_convert_int {
    ($t:ty, $u:ty) => {
        impl Convert for $t {
            fn to_wide(self) -> Wide {
                Wide::I(self as i64)
            }
            fn from_wide(w: Wide) -> $t {
                match w {
                    Wide::F(v) => v as $t, // truncates, saturates, NaN -> 0
                    Wide::I(i) => i as $t, // keeps the low bits
                    Wide::B(b) => b as $t,
                }
            }
            fn to_bits64(self) -> u64 {
                self as $u as u64
            }
            fn from_bits64(b: u64) -> $t {
                b as $u as $t
            }
        }
    };
}
impl_convert_int!(i8, u8);
impl_convert_int!(i32, u32);
impl_convert_int!(i64, u64);
impl_convert_int!(u8, u8);
impl_convert_int!(u32, u32);

impl Convert for bool {
    fn to_wide(self) -> Wide {
        Wide::B(self)
    }
    fn from_wide(w: Wide) -> bool {
        match w {
            Wide::F(v) => v != 0.0,
            Wide::I(i) => i != 0,
            Wide::B(b) => b,
        }
    }
    fn to_bits64(self) -> u64 {
        self as u64
    }
    fn from_bits64(b: u64) -> bool {
        b & 1 != 0
    }
}

/// `convert`: every element's value in dtype `to`.
pub fn convert(x: &HostTensor, to: DType) -> HostTensor {
    if x.dtype() == to {
        return x.clone();
    }
    let data = with_elem!(x.dtype(), S => {
        let src = x.as_slice::<S>().expect("dtype matches data");
        with_elem!(to, D => D::wrap(src.iter().map(|&v| D::from_wide(v.to_wide())).collect()))
    });
    HostTensor::new(x.shape().to_vec(), data).expect("same element count")
}

/// `bitcast_convert`: the same bits read as dtype `to` of equal width (not bool).
pub fn bitcast(x: &HostTensor, to: DType) -> Result<HostTensor, String> {
    let from = x.dtype();
    if from.bits() != to.bits() || from.is_bool() || to.is_bool() {
        return Err(format!("cannot bitcast {from} to {to}: widths differ or bool is involved"));
    }
    let data = with_elem!(from, S => {
        let src = x.as_slice::<S>().expect("dtype matches data");
        with_elem!(to, D => D::wrap(src.iter().map(|&v| D::from_bits64(v.to_bits64())).collect()))
    });
    Ok(HostTensor::new(x.shape().to_vec(), data).expect("same element count"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv<S: Convert, D: Convert>(v: S) -> D {
        D::from_wide(v.to_wide())
    }

    #[test]
    fn float_to_int_truncates_and_saturates() {
        assert_eq!(conv::<f32, i32>(-2.7), -2);
        assert_eq!(conv::<f32, i32>(2.7), 2);
        assert_eq!(conv::<f64, i8>(1000.0), 127);
        assert_eq!(conv::<f64, i8>(-1000.0), -128);
        assert_eq!(conv::<f32, u8>(-5.0), 0);
        assert_eq!(conv::<f32, u32>(f32::NAN), 0);
        assert_eq!(conv::<f32, i64>(f32::INFINITY), i64::MAX);
    }

    #[test]
    fn int_to_int_wraps_and_bool_rules() {
        assert_eq!(conv::<i32, u8>(300), 44);
        assert_eq!(conv::<i32, u32>(-1), u32::MAX);
        assert_eq!(conv::<u32, i32>(u32::MAX), -1);
        assert!(conv::<i32, bool>(-3));
        assert!(!conv::<f32, bool>(-0.0));
        assert!(conv::<f32, bool>(f32::NAN));
        assert_eq!(conv::<bool, f32>(true), 1.0);
        assert_eq!(conv::<bool, i8>(true), 1);
    }

    #[test]
    fn conversions_to_narrow_floats_round_once() {
        // 1 + 2^-8 + 2^-30 is just above the bf16 halfway point between 1 and 1 + 2^-7.
        let x = 1.0 + 2f64.powi(-8) + 2f64.powi(-30);
        assert_eq!(conv::<f64, bf16>(x).to_f64(), 1.0 + 2f64.powi(-7));
        assert_eq!(conv::<f64, bf16>(-x).to_f64(), -1.0 - 2f64.powi(-7));
        // 1 + 2^-11 + 2^-40 is just above the f16 halfway point between 1 and 1 + 2^-10.
        assert_eq!(conv::<f64, f16>(1.0 + 2f64.powi(-11) + 2f64.powi(-40)).to_f64(), 1.0 + 2f64.powi(-10));
        // An exact tie still goes to even, and overflow goes to infinity.
        assert_eq!(conv::<f64, f16>(1.0 + 2f64.powi(-11)).to_f64(), 1.0);
        assert_eq!(conv::<f64, f16>(65520.0), f16::INFINITY);
        assert_eq!(conv::<f64, f16>(65519.99), f16::MAX);
        assert_eq!(conv::<f64, bf16>(1e300), bf16::INFINITY);
        assert_eq!(conv::<f64, bf16>(-1e-300).to_bits(), 0x8000);
        assert!(conv::<f64, bf16>(f64::NAN).is_nan());
        // The same trap for a large integer: 2^62 + 2^54 + 1.
        let i = (1i64 << 62) + (1i64 << 54) + 1;
        assert_eq!(conv::<i64, bf16>(i).to_f64(), 2f64.powi(62) + 2f64.powi(55));
        assert_eq!(conv::<i64, bf16>(-i).to_f64(), -(2f64.powi(62) + 2f64.powi(55)));
        assert_eq!(conv::<i64, f16>(70000), f16::INFINITY);
        assert_eq!(conv::<i64, f64>(i64::MAX), 2f64.powi(63));
        assert_eq!(i64_to_f64_odd(i64::MAX), 2f64.powi(63) - 1024.0);
        assert_eq!(i64_to_f64_odd(12345), 12345.0);
    }

    #[test]
    fn bitcasts() {
        assert_eq!(<i32 as Convert>::from_bits64(1f32.to_bits64()), 0x3f80_0000);
        assert_eq!(<u8 as Convert>::from_bits64((-1i8).to_bits64()), 255);
        assert_eq!(<bf16 as Convert>::from_bits64(f16::ONE.to_bits64()).to_bits(), 0x3c00);
        let t = HostTensor::from_vec(vec![2], vec![-1i32, 1]).unwrap();
        let u = bitcast(&t, DType::U32).unwrap();
        assert_eq!(u.as_slice::<u32>().unwrap(), &[u32::MAX, 1]);
        assert!(bitcast(&t, DType::I64).is_err());
    }
}
