//! Neural-network ops (`keras.ops.nn`): activations, softmax, cross-entropies. Formulas
//! follow Keras 3 (JAX backend), including its `epsilon = 1e-7` clipping of
//! probabilities, so losses match Keras to float rounding.
use super::math::*;
use super::{axis, full_like, one_hot as one_hot_f32, unary};
use crate::error::Result;
use crate::tensor::Tensor;
use kc_ir::{DType, OpKind};

/// Keras's fuzz factor (`keras.config.epsilon()`).
pub const EPSILON: f64 = 1e-7;

pub fn relu(x: &Tensor) -> Result<Tensor> {
    maximum(x, 0.0)
}
pub fn relu6(x: &Tensor) -> Result<Tensor> {
    clip(x, 0.0, 6.0)
}
pub fn sigmoid(x: &Tensor) -> Result<Tensor> {
    unary(OpKind::Logistic, x)
}
pub fn leaky_relu(x: &Tensor, negative_slope: f64) -> Result<Tensor> {
    let neg = multiply(x, negative_slope)?;
    where_(&greater_equal(x, 0.0)?, x, &neg)
}
pub fn elu(x: &Tensor, alpha: f64) -> Result<Tensor> {
    let neg = multiply(&expm1(x)?, alpha)?;
    where_(&greater(x, 0.0)?, x, &neg)
}
pub fn selu(x: &Tensor) -> Result<Tensor> {
    let (alpha, scale) = (1.673_263_242_354_377_3, 1.050_700_987_355_480_5);
    multiply(&elu(x, alpha)?, scale)
}
/// log(1 + e^x), computed without overflow: max(x, 0) + log1p(e^-|x|).
pub fn softplus(x: &Tensor) -> Result<Tensor> {
    let t = log1p(&exp(&negative(&abs(x)?)?)?)?;
    add(&relu(x)?, &t)
}
pub fn softsign(x: &Tensor) -> Result<Tensor> {
    divide(x, &add(&abs(x)?, 1.0)?)
}
pub fn silu(x: &Tensor) -> Result<Tensor> {
    multiply(x, &sigmoid(x)?)
}
pub fn log_sigmoid(x: &Tensor) -> Result<Tensor> {
    negative(&softplus(&negative(x)?)?)
}
/// Keras 3's hard sigmoid: relu6(x + 3) / 6.
pub fn hard_sigmoid(x: &Tensor) -> Result<Tensor> {
    divide(&relu6(&add(x, 3.0)?)?, 6.0)
}
/// GELU, exact (erf) or with the tanh approximation.
pub fn gelu(x: &Tensor, approximate: bool) -> Result<Tensor> {
    if approximate {
        let c = (2.0 / std::f64::consts::PI).sqrt();
        let x3 = multiply(&multiply(x, x)?, x)?;
        let inner = multiply(&add(x, &multiply(&x3, 0.044715)?)?, c)?;
        let t = add(&tanh(&inner)?, 1.0)?;
        multiply(&multiply(x, 0.5)?, &t)
    } else {
        let e = erf(&divide(x, std::f64::consts::SQRT_2)?)?;
        multiply(&multiply(x, 0.5)?, &add(&e, 1.0)?)
    }
}

pub fn softmax(x: &Tensor, ax: i64) -> Result<Tensor> {
    let a = [axis(ax, x.rank())? as i64];
    let m = max(x, Some(&a), true)?;
    let e = exp(&subtract(x, &m)?)?;
    divide(&e, &sum(&e, Some(&a), true)?)
}

pub fn log_softmax(x: &Tensor, ax: i64) -> Result<Tensor> {
    let a = [axis(ax, x.rank())? as i64];
    let m = max(x, Some(&a), true)?;
    let s = subtract(x, &m)?;
    let lse = log(&sum(&exp(&s)?, Some(&a), true)?)?;
    subtract(&s, &lse)
}

/// Probabilities renormalised along `ax` and clipped to [ε, 1-ε], then logged.
fn clipped_log_probs(output: &Tensor, ax: i64) -> Result<Tensor> {
    let a = [axis(ax, output.rank())? as i64];
    let p = divide(output, &sum(output, Some(&a), true)?)?;
    log(&clip(&p, EPSILON, 1.0 - EPSILON)?)
}

/// `-sum(target * log p, axis)`; per-sample values (the last axis reduced).
pub fn categorical_crossentropy(target: &Tensor, output: &Tensor, from_logits: bool, ax: i64) -> Result<Tensor> {
    if target.dims() != output.dims() {
        crate::bail!("categorical_crossentropy: target {} and output {} must have the same shape", target.ty(), output.ty());
    }
    let lp = if from_logits { log_softmax(output, ax)? } else { clipped_log_probs(output, ax)? };
    let a = [axis(ax, output.rank())? as i64];
    negative(&sum(&multiply(target, &lp)?, Some(&a), false)?)
}

/// Integer class ids against probabilities or logits (the class axis last).
pub fn sparse_categorical_crossentropy(target: &Tensor, output: &Tensor, from_logits: bool) -> Result<Tensor> {
    let classes = match output.dims().last().and_then(|d| d.known()) {
        Some(n) => n as usize,
        None => crate::bail!("sparse_categorical_crossentropy: the class axis of {} must be known", output.ty()),
    };
    // Keras accepts targets shaped like the output without its class axis, or with a
    // trailing 1.
    let target = if target.rank() == output.rank() { super::squeeze(target, Some(-1))? } else { target.clone() };
    if target.rank() + 1 != output.rank() {
        crate::bail!("sparse_categorical_crossentropy: target {} does not match output {}", target.ty(), output.ty());
    }
    let ids = if target.dtype().is_int() { target } else { cast(&target, DType::I32)? };
    let oh = cast(&one_hot_f32(&ids, classes)?, output.dtype())?;
    categorical_crossentropy(&oh, output, from_logits, -1)
}

/// Elementwise binary cross-entropy (not reduced).
pub fn binary_crossentropy(target: &Tensor, output: &Tensor, from_logits: bool) -> Result<Tensor> {
    if from_logits {
        let a = multiply(target, &log_sigmoid(output)?)?;
        let b = multiply(&subtract(1.0, target)?, &log_sigmoid(&negative(output)?)?)?;
        return negative(&add(&a, &b)?);
    }
    let p = clip(output, EPSILON, 1.0 - EPSILON)?;
    let a = multiply(target, &log(&p)?)?;
    let b = multiply(&subtract(1.0, target)?, &log(&subtract(1.0, &p)?)?)?;
    negative(&add(&a, &b)?)
}

/// Scale to unit L2 norm along `ax` (`keras.ops.normalize`, order 2): as Keras,
/// `x * min(rsqrt(sum(x²)), 1/ε)`, so an all-zero slice stays zero.
pub fn normalize(x: &Tensor, ax: i64) -> Result<Tensor> {
    let a = [axis(ax, x.rank())? as i64];
    let n = sum(&square(x)?, Some(&a), true)?;
    let cap = full_like(&n, 1.0 / EPSILON)?;
    multiply(x, &minimum(&rsqrt(&n)?, &cap)?)
}
