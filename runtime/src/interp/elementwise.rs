//! Elementwise ops: unary math, binary arithmetic and logic, compare, select, clamp.
//! Operands have equal shapes (the IR has no implicit broadcasting); `select`'s pred and
//! `clamp`'s bounds may also be scalars.
use super::dispatch::{sl, with_float, with_int, with_num};
use super::scalar::{Float, Int, Num, Real};
use crate::tensor::{Data, Elem, HostTensor};
use crate::tensor::with_elem;
use kc_ir::{DType, OpKind};
use std::cmp::Ordering;

type R<T> = Result<T, String>;

fn not_for(op: OpKind, dtype: DType) -> String {
    format!("`{op}` does not apply to {dtype}")
}

fn finish(shape: &[usize], data: Data) -> HostTensor {
    HostTensor::new(shape.to_vec(), data).expect("elementwise results keep the operand's shape")
}

/// 1 / (1 + e^-x), written so that no intermediate overflows: for x < 0 it is
/// e^x / (1 + e^x), where e^x is small.
fn logistic<C: Real>(x: C) -> C {
    if x >= C::ZERO {
        C::ONE / (C::ONE + (-x).exp())
    } else {
        let e = x.exp();
        e / (C::ONE + e)
    }
}

fn unary_float<T: Float>(op: OpKind, x: &[T]) -> Option<Vec<T>> {
    use OpKind::*;
    let f: fn(T::C) -> T::C = match op {
        Exp => Real::exp,
        Expm1 => Real::exp_m1,
        Log => Real::ln,
        Log1p => Real::ln_1p,
        Sqrt => Real::sqrt,
        Rsqrt => |c| <T::C as Real>::ONE / c.sqrt(),
        Tanh => Real::tanh,
        Logistic => logistic,
        Sin => Real::sin,
        Cos => Real::cos,
        Tan => Real::tan,
        Erf => Real::erf,
        Floor => Real::floor,
        Ceil => Real::ceil,
        RoundNearestEven => Real::round_ties_even,
        _ => return None,
    };
    Some(x.iter().map(|&v| T::from_c(f(v.to_c()))).collect())
}

pub fn unary(op: OpKind, x: &HostTensor) -> R<HostTensor> {
    use OpKind::*;
    let dt = x.dtype();
    let bad = || not_for(op, dt);
    let data = match op {
        Neg | Abs | Sign => with_num!(dt, T => {
            let f: fn(T) -> T = match op { Neg => Num::neg, Abs => Num::abs, _ => Num::sign };
            T::wrap(sl::<T>(x).iter().map(|&v| f(v)).collect())
        }, else => return Err(bad())),
        IsFinite => with_float!(dt, T => {
            Data::Bool(sl::<T>(x).iter().map(|v| v.to_c().is_finite()).collect())
        }, else => return Err(bad())),
        Not if dt == DType::Bool => Data::Bool(sl::<bool>(x).iter().map(|v| !v).collect()),
        Not => with_int!(dt, T => T::wrap(sl::<T>(x).iter().map(|&v| v.not()).collect()), else => return Err(bad())),
        PopCnt => with_int!(dt, T => T::wrap(sl::<T>(x).iter().map(|&v| v.popcnt()).collect()), else => return Err(bad())),
        _ => with_float!(dt, T => T::wrap(unary_float::<T>(op, sl::<T>(x)).ok_or_else(|| format!("`{op}` is not a unary op"))?),
            else => return Err(bad())),
    };
    Ok(finish(x.shape(), data))
}

fn zip<T: Copy, U>(a: &[T], b: &[T], f: impl Fn(T, T) -> U) -> Vec<U> {
    a.iter().zip(b).map(|(&x, &y)| f(x, y)).collect()
}

/// Whether an ordering (`None`: unordered, i.e. a NaN is involved) satisfies a compare
/// direction. Unordered satisfies only `ne`.
pub fn direction_holds(direction: &str, ord: Option<Ordering>) -> R<bool> {
    use Ordering::*;
    Ok(match direction {
        "eq" => ord == Some(Equal),
        "ne" => ord != Some(Equal),
        "lt" => ord == Some(Less),
        "le" => matches!(ord, Some(Less | Equal)),
        "gt" => ord == Some(Greater),
        "ge" => matches!(ord, Some(Greater | Equal)),
        other => return Err(format!("unknown compare direction `{other}`")),
    })
}

fn compare(a: &HostTensor, b: &HostTensor, direction: &str) -> R<Data> {
    direction_holds(direction, None)?; // reject an unknown direction once, up front
    let holds = |o: Option<Ordering>| direction_holds(direction, o).expect("direction checked");
    Ok(Data::Bool(if a.dtype() == DType::Bool {
        zip(sl::<bool>(a), sl::<bool>(b), |x, y| holds(Some(x.cmp(&y))))
    } else {
        with_num!(a.dtype(), T => zip(sl::<T>(a), sl::<T>(b), |x, y| holds(x.compare(y))), else => unreachable!())
    }))
}

/// Binary elementwise ops; `direction` is `compare`'s attribute (ignored by the others).
pub fn binary(op: OpKind, a: &HostTensor, b: &HostTensor, direction: Option<&str>) -> R<HostTensor> {
    use OpKind::*;
    if a.dtype() != b.dtype() || a.shape() != b.shape() {
        return Err(format!("operands differ: {a} vs {b}"));
    }
    let dt = a.dtype();
    let bad = || not_for(op, dt);
    let data = match op {
        Add | Sub | Mul | Div | Rem | Pow | Max | Min => with_num!(dt, T => {
            let f: fn(T, T) -> T = match op {
                Add => Num::add, Sub => Num::sub, Mul => Num::mul, Div => Num::div,
                Rem => Num::rem, Pow => Num::pow, Max => Num::max, _ => Num::min,
            };
            T::wrap(zip(sl::<T>(a), sl::<T>(b), f))
        }, else => return Err(bad())),
        Atan2 => with_float!(dt, T => T::wrap(zip(sl::<T>(a), sl::<T>(b), |y, x| T::from_c(y.to_c().atan2(x.to_c())))),
            else => return Err(bad())),
        And | Or | Xor if dt == DType::Bool => {
            let f: fn(bool, bool) -> bool = match op { And => |x, y| x & y, Or => |x, y| x | y, _ => |x, y| x ^ y };
            Data::Bool(zip(sl::<bool>(a), sl::<bool>(b), f))
        }
        And | Or | Xor | ShiftLeft | ShiftRightLogical | ShiftRightArithmetic => with_int!(dt, T => {
            let f: fn(T, T) -> T = match op {
                And => Int::and, Or => Int::or, Xor => Int::xor, ShiftLeft => Int::shl,
                ShiftRightLogical => Int::shr_logical, _ => Int::shr_arith,
            };
            T::wrap(zip(sl::<T>(a), sl::<T>(b), f))
        }, else => return Err(bad())),
        Compare => compare(a, b, direction.ok_or("compare needs a direction")?)?,
        _ => return Err(format!("`{op}` is not a binary op")),
    };
    Ok(finish(a.shape(), data))
}

/// `select(pred, on_true, on_false)`; pred is a bool scalar or has the result's shape.
pub fn select(pred: &HostTensor, t: &HostTensor, f: &HostTensor) -> R<HostTensor> {
    if t.dtype() != f.dtype() || t.shape() != f.shape() {
        return Err(format!("on_true {t} and on_false {f} differ"));
    }
    if pred.dtype() != DType::Bool || (pred.rank() != 0 && pred.shape() != t.shape()) {
        return Err(format!("pred {pred} must be bool[] or bool with the shape of {t}"));
    }
    let p = sl::<bool>(pred);
    let pick = |i: usize| if p.len() == 1 && pred.rank() == 0 { p[0] } else { p[i] };
    let data = with_elem!(t.dtype(), T => {
        let (a, b) = (sl::<T>(t), sl::<T>(f));
        T::wrap((0..a.len()).map(|i| if pick(i) { a[i] } else { b[i] }).collect())
    });
    Ok(finish(t.shape(), data))
}

/// `clamp(lo, x, hi)` = min(max(x, lo), hi), with NaN propagating; lo and hi are scalars
/// or have x's shape.
pub fn clamp(lo: &HostTensor, x: &HostTensor, hi: &HostTensor) -> R<HostTensor> {
    for (b, name) in [(lo, "min"), (hi, "max")] {
        if b.dtype() != x.dtype() || (b.rank() != 0 && b.shape() != x.shape()) {
            return Err(format!("{name} {b} must be a scalar or have the type of the operand {x}"));
        }
    }
    let data = with_num!(x.dtype(), T => {
        let (l, v, h) = (sl::<T>(lo), sl::<T>(x), sl::<T>(hi));
        let at = |s: &[T], scalar: bool, i: usize| if scalar { s[0] } else { s[i] };
        let (ls, hs) = (lo.rank() == 0, hi.rank() == 0);
        T::wrap((0..v.len()).map(|i| Num::min(Num::max(v[i], at(l, ls, i)), at(h, hs, i))).collect())
    }, else => return Err(not_for(OpKind::Clamp, x.dtype())));
    Ok(finish(x.shape(), data))
}
