//! What one element computes: the per-dtype semantics every op is built from.
//!
//! - [`Num`]: arithmetic shared by floats and integers (add ... min, neg, abs, sign,
//!   comparisons, the identities of reductions).
//! - [`Float`]: float elements, computed in [`Real`] (`f32` for f32/f16/bf16, `f64` for
//!   f64) and rounded back once per operation.
//! - [`Int`]: integer elements: two's complement, wrapping, with the division, shift and
//!   power rules written down in the op table.
use super::erf::erf;
use crate::tensor::Elem;
use half::{bf16, f16};
use std::cmp::Ordering;
use std::ops::{Add, Div, Mul, Neg, Rem, Sub};

/// Arithmetic on one element.
pub trait Num: Elem {
    /// Where sums, products and dot products accumulate: f32 for f16 and bf16 (so a long
    /// sum does not round at every step), the type itself otherwise. Integer sums wrap.
    type Acc: Num;
    fn to_acc(self) -> Self::Acc;
    fn from_acc(a: Self::Acc) -> Self;
    fn zero() -> Self;
    fn one() -> Self;
    /// The identity of `max`: -inf, or the smallest integer.
    fn lowest() -> Self;
    /// The identity of `min`: +inf, or the largest integer.
    fn highest() -> Self;
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    fn div(self, o: Self) -> Self;
    fn rem(self, o: Self) -> Self;
    fn pow(self, o: Self) -> Self;
    /// The larger; NaN if either is NaN; max(-0.0, 0.0) = 0.0.
    fn max(self, o: Self) -> Self;
    /// The smaller; NaN if either is NaN; min(-0.0, 0.0) = -0.0.
    fn min(self, o: Self) -> Self;
    fn neg(self) -> Self;
    fn abs(self) -> Self;
    /// -1, 0 or 1; floats keep the sign of zero and NaN stays NaN.
    fn sign(self) -> Self;
    fn is_nan(self) -> bool;
    /// IEEE comparison: `None` when either is NaN; -0.0 equals 0.0.
    fn compare(self, o: Self) -> Option<Ordering>;
}

/// The float type elementwise math is computed in (`f32` or `f64`).
pub trait Real:
    Copy
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Rem<Output = Self>
    + Neg<Output = Self>
{
    const ZERO: Self;
    const ONE: Self;
    const NAN: Self;
    const INFINITY: Self;
    fn exp(self) -> Self;
    fn exp_m1(self) -> Self;
    fn ln(self) -> Self;
    fn ln_1p(self) -> Self;
    fn sqrt(self) -> Self;
    fn tanh(self) -> Self;
    fn sin(self) -> Self;
    fn cos(self) -> Self;
    fn tan(self) -> Self;
    fn erf(self) -> Self;
    fn floor(self) -> Self;
    fn ceil(self) -> Self;
    fn round_ties_even(self) -> Self;
    fn abs(self) -> Self;
    fn atan2(self, x: Self) -> Self;
    fn powf(self, y: Self) -> Self;
    fn is_nan(self) -> bool;
    fn is_finite(self) -> bool;
    fn is_sign_negative(self) -> bool;
}

macro_rules! impl_real {
    ($t:ty, $erf:expr) => {
        impl Real for $t {
            const ZERO: $t = 0.0;
            const ONE: $t = 1.0;
            const NAN: $t = <$t>::NAN;
            const INFINITY: $t = <$t>::INFINITY;
            fn exp(self) -> $t { <$t>::exp(self) }
            fn exp_m1(self) -> $t { <$t>::exp_m1(self) }
            fn ln(self) -> $t { <$t>::ln(self) }
            fn ln_1p(self) -> $t { <$t>::ln_1p(self) }
            fn sqrt(self) -> $t { <$t>::sqrt(self) }
            fn tanh(self) -> $t { <$t>::tanh(self) }
            fn sin(self) -> $t { <$t>::sin(self) }
            fn cos(self) -> $t { <$t>::cos(self) }
            fn tan(self) -> $t { <$t>::tan(self) }
            fn erf(self) -> $t { ($erf)(self) }
            fn floor(self) -> $t { <$t>::floor(self) }
            fn ceil(self) -> $t { <$t>::ceil(self) }
            fn round_ties_even(self) -> $t { <$t>::round_ties_even(self) }
            fn abs(self) -> $t { <$t>::abs(self) }
            fn atan2(self, x: $t) -> $t { <$t>::atan2(self, x) }
            fn powf(self, y: $t) -> $t { <$t>::powf(self, y) }
            fn is_nan(self) -> bool { <$t>::is_nan(self) }
            fn is_finite(self) -> bool { <$t>::is_finite(self) }
            fn is_sign_negative(self) -> bool { <$t>::is_sign_negative(self) }
        }
    };
}
impl_real!(f64, erf);
// erf in f64, rounded once to f32: correctly rounded for all but a vanishing few inputs.
impl_real!(f32, |x: f32| erf(x as f64) as f32);

/// NaN-propagating maximum; among equal values +0.0 beats -0.0.
pub fn fmax<C: Real>(a: C, b: C) -> C {
    if a.is_nan() || b.is_nan() {
        C::NAN
    } else if a < b || (a == b && a.is_sign_negative()) {
        b
    } else {
        a
    }
}

/// NaN-propagating minimum; among equal values -0.0 beats +0.0.
pub fn fmin<C: Real>(a: C, b: C) -> C {
    if a.is_nan() || b.is_nan() {
        C::NAN
    } else if b < a || (a == b && b.is_sign_negative()) {
        b
    } else {
        a
    }
}

/// A float element: stored as itself, computed in `C`.
pub trait Float: Num {
    type C: Real;
    fn to_c(self) -> Self::C;
    fn from_c(c: Self::C) -> Self;
}

macro_rules! impl_float {
    ($t:ty, $c:ty, $to:expr, $from:expr) => {
        impl Float for $t {
            type C = $c;
            fn to_c(self) -> $c {
                ($to)(self)
            }
            fn from_c(c: $c) -> $t {
                ($from)(c)
            }
        }
        impl Num for $t {
            type Acc = $c;
            fn to_acc(self) -> $c { self.to_c() }
            fn from_acc(a: $c) -> $t { <$t>::from_c(a) }
            fn zero() -> $t { <$t>::from_c(0.0) }
            fn one() -> $t { <$t>::from_c(1.0) }
            fn lowest() -> $t { <$t>::from_c(<$c>::NEG_INFINITY) }
            fn highest() -> $t { <$t>::from_c(<$c>::INFINITY) }
            fn add(self, o: $t) -> $t { <$t>::from_c(self.to_c() + o.to_c()) }
            fn sub(self, o: $t) -> $t { <$t>::from_c(self.to_c() - o.to_c()) }
            fn mul(self, o: $t) -> $t { <$t>::from_c(self.to_c() * o.to_c()) }
            fn div(self, o: $t) -> $t { <$t>::from_c(self.to_c() / o.to_c()) }
            // Rust's float `%` is C's fmod: the result has the sign of the dividend.
            fn rem(self, o: $t) -> $t { <$t>::from_c(self.to_c() % o.to_c()) }
            fn pow(self, o: $t) -> $t { <$t>::from_c(self.to_c().powf(o.to_c())) }
            fn max(self, o: $t) -> $t { <$t>::from_c(fmax(self.to_c(), o.to_c())) }
            fn min(self, o: $t) -> $t { <$t>::from_c(fmin(self.to_c(), o.to_c())) }
            fn neg(self) -> $t { <$t>::from_c(-self.to_c()) }
            fn abs(self) -> $t { <$t>::from_c(self.to_c().abs()) }
            fn sign(self) -> $t {
                let x = self.to_c();
                // NaN, +0.0 and -0.0 are their own sign.
                if x.is_nan() || x == 0.0 { self } else if x > 0.0 { Self::one() } else { Num::neg(Self::one()) }
            }
            fn is_nan(self) -> bool { self.to_c().is_nan() }
            fn compare(self, o: $t) -> Option<Ordering> { self.to_c().partial_cmp(&o.to_c()) }
        }
    };
}
impl_float!(f32, f32, |x| x, |c| c);
impl_float!(f64, f64, |x| x, |c| c);
impl_float!(f16, f32, f16::to_f32, f16::from_f32);
impl_float!(bf16, f32, bf16::to_f32, bf16::from_f32);

/// Bitwise and shift operations of integer elements.
pub trait Int: Num {
    fn not(self) -> Self;
    fn and(self, o: Self) -> Self;
    fn or(self, o: Self) -> Self;
    fn xor(self, o: Self) -> Self;
    /// `self << amount`; 0 once `amount` (read as unsigned) reaches the bit width.
    fn shl(self, amount: Self) -> Self;
    /// Zero-filling right shift of the bits; 0 once `amount` reaches the bit width.
    fn shr_logical(self, amount: Self) -> Self;
    /// Sign-filling right shift of the bits (the top bit is the sign, also for unsigned
    /// types); all sign bits once `amount` reaches the bit width.
    fn shr_arith(self, amount: Self) -> Self;
    fn popcnt(self) -> Self;
}

/// `base^exp` for integers, computed in i128 and truncated by the caller, which wraps
/// exactly like repeated multiplication in the element type (products are taken mod 2^128,
/// and the element width divides 128). For exp < 0 it is the truncated value of
/// 1/base^|exp|: 1 for base 1, ±1 for base -1, 0 otherwise (also 0 for base 0, where
/// there is no value to truncate).
fn int_pow(base: i128, exp: i128) -> i128 {
    if exp < 0 {
        return match base {
            1 => 1,
            -1 if exp % 2 == 0 => 1,
            -1 => -1,
            _ => 0,
        };
    }
    let (mut acc, mut b, mut e) = (1i128, base, exp);
    while e != 0 {
        if e & 1 == 1 {
            acc = acc.wrapping_mul(b);
        }
        b = b.wrapping_mul(b);
        e >>= 1;
    }
    acc
}

macro_rules! impl_int {
    ($t:ty, $u:ty, $s:ty, $abs:expr, $sign:expr) => {
        impl Num for $t {
            type Acc = $t;
            fn to_acc(self) -> $t { self }
            fn from_acc(a: $t) -> $t { a }
            fn zero() -> $t { 0 }
            fn one() -> $t { 1 }
            fn lowest() -> $t { <$t>::MIN }
            fn highest() -> $t { <$t>::MAX }
            fn add(self, o: $t) -> $t { self.wrapping_add(o) }
            fn sub(self, o: $t) -> $t { self.wrapping_sub(o) }
            fn mul(self, o: $t) -> $t { self.wrapping_mul(o) }
            // x/0 is all bits set (-1, or MAX unsigned); MIN/-1 wraps to MIN.
            fn div(self, o: $t) -> $t { if o == 0 { !0 } else { self.wrapping_div(o) } }
            // x%0 = x; MIN % -1 = 0; otherwise the sign of the dividend (Rust's `%`).
            fn rem(self, o: $t) -> $t { if o == 0 { self } else { self.wrapping_rem(o) } }
            fn pow(self, o: $t) -> $t { int_pow(self as i128, o as i128) as $t }
            fn max(self, o: $t) -> $t { Ord::max(self, o) }
            fn min(self, o: $t) -> $t { Ord::min(self, o) }
            fn neg(self) -> $t { self.wrapping_neg() }
            fn abs(self) -> $t { ($abs)(self) }
            fn sign(self) -> $t { ($sign)(self) }
            fn is_nan(self) -> bool { false }
            fn compare(self, o: $t) -> Option<Ordering> { Some(self.cmp(&o)) }
        }
        impl Int for $t {
            fn not(self) -> $t { !self }
            fn and(self, o: $t) -> $t { self & o }
            fn or(self, o: $t) -> $t { self | o }
            fn xor(self, o: $t) -> $t { self ^ o }
            fn shl(self, amount: $t) -> $t {
                let s = amount as $u as u64;
                if s >= <$t>::BITS as u64 { 0 } else { self << s }
            }
            fn shr_logical(self, amount: $t) -> $t {
                let s = amount as $u as u64;
                if s >= <$t>::BITS as u64 { 0 } else { ((self as $u) >> s) as $t }
            }
            fn shr_arith(self, amount: $t) -> $t {
                let s = (amount as $u as u64).min(<$t>::BITS as u64 - 1);
                ((self as $s) >> s) as $t
            }
            fn popcnt(self) -> $t { self.count_ones() as $t }
        }
    };
}
impl_int!(i8, u8, i8, i8::wrapping_abs, i8::signum);
impl_int!(i32, u32, i32, i32::wrapping_abs, i32::signum);
impl_int!(i64, u64, i64, i64::wrapping_abs, i64::signum);
impl_int!(u8, u8, i8, |x: u8| x, |x: u8| (x != 0) as u8);
impl_int!(u32, u32, i32, |x: u32| x, |x: u32| (x != 0) as u32);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_division_rules() {
        assert_eq!(Num::div(7i32, -2), -3);
        assert_eq!(Num::div(-7i32, 2), -3);
        assert_eq!(Num::div(5i32, 0), -1);
        assert_eq!(Num::div(5u8, 0), 255);
        assert_eq!(Num::div(i32::MIN, -1), i32::MIN);
        assert_eq!(Num::rem(-7i32, 2), -1);
        assert_eq!(Num::rem(7i32, -2), 1);
        assert_eq!(Num::rem(7i8, 0), 7);
        assert_eq!(Num::rem(i64::MIN, -1), 0);
    }

    #[test]
    fn integer_pow() {
        assert_eq!(Num::pow(3i32, 4), 81);
        assert_eq!(Num::pow(0i32, 0), 1);
        assert_eq!(Num::pow(2i8, 7), -128); // 128 wraps
        assert_eq!(Num::pow(2u8, 8), 0);
        assert_eq!(Num::pow(1i32, -5), 1);
        assert_eq!(Num::pow(-1i32, -5), -1);
        assert_eq!(Num::pow(-1i32, -4), 1);
        assert_eq!(Num::pow(2i32, -1), 0);
        assert_eq!(Num::pow(0i64, -1), 0);
        assert_eq!(Num::pow(-3i64, 3), -27);
    }

    #[test]
    fn shifts() {
        assert_eq!(Int::shl(1i32, 31), i32::MIN);
        assert_eq!(Int::shl(1i32, 32), 0);
        assert_eq!(Int::shl(1i32, -1), 0); // -1 read as unsigned is huge
        assert_eq!(Int::shr_logical(-1i8, 4), 0x0f);
        assert_eq!(Int::shr_logical(-1i8, 8), 0);
        assert_eq!(Int::shr_arith(-16i8, 2), -4);
        assert_eq!(Int::shr_arith(-16i8, 100), -1);
        assert_eq!(Int::shr_arith(16i8, 100), 0);
        assert_eq!(Int::shr_arith(0x80u8, 1), 0xc0);
        assert_eq!(Int::popcnt(-1i32), 32);
        assert_eq!(Int::popcnt(0xf0u8), 4);
    }

    #[test]
    fn float_max_min_and_sign() {
        assert!(Num::max(f32::NAN, 1.0).is_nan());
        assert!(Num::min(1.0f64, f64::NAN).is_nan());
        assert!(Num::max(-0.0f32, 0.0).is_sign_positive());
        assert!(Num::min(0.0f32, -0.0).is_sign_negative());
        assert!(Num::sign(f32::NAN).is_nan());
        assert!(Num::sign(-0.0f64).is_sign_negative() && Num::sign(-0.0f64) == 0.0);
        assert_eq!(Num::sign(-3.5f32), -1.0);
        assert_eq!(Num::sign(-3i8), -1);
        assert_eq!(Num::sign(200u8), 1);
        assert_eq!(Num::abs(i8::MIN), i8::MIN);
        assert_eq!(Num::neg(1u8), 255);
    }

    #[test]
    fn half_precision_rounds_once() {
        // 1 + 2^-11 is halfway between f16 1.0 and its successor: ties to even gives 1.0.
        let one = f16::from_f32(1.0);
        let tiny = f16::from_f32(2f32.powi(-11));
        assert_eq!(Num::add(one, tiny), one);
        // 1 + 3*2^-12 is above halfway: rounds up to 1 + 2^-10.
        let t2 = f16::from_f32(3.0 * 2f32.powi(-12));
        assert_eq!(Num::add(one, t2).to_f32(), 1.0 + 2f32.powi(-10));
        // bf16 has 8 significant bits: 1 + 2^-8 ties to 1.0.
        assert_eq!(Num::add(bf16::from_f32(1.0), bf16::from_f32(2f32.powi(-8))).to_f32(), 1.0);
    }
}
