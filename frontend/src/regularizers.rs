//! Weight regularizers (`keras.regularizers`): penalties a layer adds to the training
//! loss with `CallCtx::add_loss` each time it is called.
//!
//! String identifiers are Keras 3's: `l1`, `l2` (factor 0.01), `l1l2` / `L1L2` (Keras 3
//! builds `L1L2()`, whose factors default to 0, so the penalty is zero), and
//! `orthogonal_regularizer`. kc also accepts `l1_l2`, the name Keras documents (and
//! Keras 2 had) with l1 = l2 = 0.01; Keras 3.15 itself rejects that string.
use crate::config::{self, serialized, Config};
use crate::error::{unknown, Result};
use crate::ops;
use crate::tensor::Tensor;
use serde_json::{json, Value};

#[derive(Clone, Debug, PartialEq)]
pub enum Regularizer {
    /// `l1 * sum(|x|)`
    L1(f64),
    /// `l2 * sum(x²)`
    L2(f64),
    /// `l1 * sum(|x|) + l2 * sum(x²)`
    L1L2 { l1: f64, l2: f64 },
    /// `factor * 0.5 * mean over pairs i≠j of |<u_i, u_j>|` for the L2-normalised rows
    /// (or columns) `u` of a 2-D weight: pushes them towards orthogonality.
    Orthogonal { factor: f64, mode: OrthogonalMode },
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OrthogonalMode {
    Rows,
    Columns,
}

pub const NAMES: &[&str] = &["l1", "L1", "l2", "L2", "l1_l2", "l1l2", "L1L2", "orthogonal_regularizer", "OrthogonalRegularizer"];

/// Keras's check of a factor: a finite, non-negative number.
fn factor(x: f64, name: &str) -> Result<f64> {
    if !x.is_finite() || x < 0.0 {
        crate::bail!("invalid value for argument {name}: expected a non-negative float, got {name}={x}");
    }
    Ok(x)
}

impl Regularizer {
    pub fn l1(l1: f64) -> Result<Regularizer> {
        Ok(Regularizer::L1(factor(l1, "l1")?))
    }
    pub fn l2(l2: f64) -> Result<Regularizer> {
        Ok(Regularizer::L2(factor(l2, "l2")?))
    }
    pub fn l1_l2(l1: f64, l2: f64) -> Result<Regularizer> {
        Ok(Regularizer::L1L2 { l1: factor(l1, "l1")?, l2: factor(l2, "l2")? })
    }
    pub fn orthogonal(f: f64, mode: &str) -> Result<Regularizer> {
        let mode = match mode {
            "rows" => OrthogonalMode::Rows,
            "columns" => OrthogonalMode::Columns,
            _ => return Err(unknown("OrthogonalRegularizer mode", mode, &["rows", "columns"])),
        };
        Ok(Regularizer::Orthogonal { factor: factor(f, "factor")?, mode })
    }

    /// The regularizer a Keras string identifier names, with Keras's defaults.
    pub fn from_name(name: &str) -> Result<Regularizer> {
        Ok(match name {
            "l1" | "L1" => Regularizer::L1(0.01),
            "l2" | "L2" => Regularizer::L2(0.01),
            "l1_l2" => Regularizer::L1L2 { l1: 0.01, l2: 0.01 },
            "l1l2" | "L1L2" => Regularizer::L1L2 { l1: 0.0, l2: 0.0 },
            "orthogonal_regularizer" | "OrthogonalRegularizer" => Regularizer::Orthogonal { factor: 0.01, mode: OrthogonalMode::Rows },
            _ => return Err(unknown("regularizer", name, NAMES)),
        })
    }

    /// The penalty for `x`, a scalar of its dtype. Factors are rounded to that dtype
    /// first, as Keras casts them.
    pub fn call(&self, x: &Tensor) -> Result<Tensor> {
        let dt = x.dtype();
        if !dt.is_float() {
            crate::bail!("a regularizer needs a float tensor, got {}", x.ty());
        }
        let l1 = |f: f64| -> Result<Tensor> { ops::multiply(&ops::sum(&ops::abs(x)?, None, false)?, f) };
        let l2 = |f: f64| -> Result<Tensor> { ops::multiply(&ops::sum(&ops::square(x)?, None, false)?, f) };
        match *self {
            Regularizer::L1(f) => l1(f),
            Regularizer::L2(f) => l2(f),
            Regularizer::L1L2 { l1: a, l2: b } => {
                // Keras adds only the nonzero terms to a zero scalar.
                let mut total = ops::scalar(0.0, dt)?;
                if a != 0.0 {
                    total = ops::add(&total, &l1(a)?)?;
                }
                if b != 0.0 {
                    total = ops::add(&total, &l2(b)?)?;
                }
                Ok(total)
            }
            Regularizer::Orthogonal { factor, mode } => orthogonal_penalty(x, factor, mode),
        }
    }

    /// Keras's serialized form.
    pub fn to_config(&self) -> Value {
        // Keras stores L1's and the orthogonal factor as float32 tensors, so their
        // configs carry the f32-rounded value (0.01 -> 0.009999999776482582).
        let f32r = |x: f64| json!(x as f32 as f64);
        let (class, cfg): (&str, Config) = match self {
            Regularizer::L1(f) => ("L1", config::config(&[("l1", f32r(*f))])),
            Regularizer::L2(f) => ("L2", config::config(&[("l2", json!(f))])),
            Regularizer::L1L2 { l1, l2 } => ("L1L2", config::config(&[("l1", json!(l1)), ("l2", json!(l2))])),
            Regularizer::Orthogonal { factor, mode } => {
                let m = if *mode == OrthogonalMode::Rows { "rows" } else { "columns" };
                ("OrthogonalRegularizer", config::config(&[("factor", f32r(*factor)), ("mode", json!(m))]))
            }
        };
        serialized("keras.regularizers", class, cfg)
    }

    /// A regularizer from Keras's serialized form or a string identifier.
    pub fn from_config(v: &Value) -> Result<Regularizer> {
        if let Some(name) = v.as_str() {
            return Regularizer::from_name(name);
        }
        let (class, cfg) = config::split(v, "regularizer")?;
        let f = |k: &str, d: f64| config::f64_or(&cfg, k, d);
        match Regularizer::from_name(class)? {
            Regularizer::L1(_) => Regularizer::l1(f("l1", 0.01)?),
            Regularizer::L2(_) => Regularizer::l2(f("l2", 0.01)?),
            Regularizer::L1L2 { .. } => Regularizer::l1_l2(f("l1", 0.0)?, f("l2", 0.0)?),
            Regularizer::Orthogonal { .. } => Regularizer::orthogonal(f("factor", 0.01)?, config::str_or(&cfg, "mode", "rows")?),
        }
    }
}

fn orthogonal_penalty(x: &Tensor, factor: f64, mode: OrthogonalMode) -> Result<Tensor> {
    let Some(shape) = x.shape().filter(|s| s.len() == 2) else {
        crate::bail!("inputs to OrthogonalRegularizer must have rank 2 with known dims, got {}", x.ty());
    };
    let (u, size) = match mode {
        OrthogonalMode::Rows => (ops::normalize(x, 1)?, shape[0]),
        OrthogonalMode::Columns => (ops::transpose(&ops::normalize(x, 0)?, None)?, shape[1]),
    };
    let product = ops::matmul(&u, &ops::transpose(&u, None)?)?;
    let off_diagonal = ops::multiply(&product, &ops::subtract(1.0, &ops::eye(size, size, x.dtype())?)?)?;
    let pairs = size as f64 * (size as f64 - 1.0) / 2.0;
    let total = ops::sum(&ops::abs(&off_diagonal)?, None, false)?;
    ops::divide(&ops::multiply(&total, factor * 0.5)?, pairs)
}

/// A regularizer given to a layer: a Keras name (checked when the layer is built) or a
/// value.
#[derive(Clone, Debug)]
pub enum RegArg {
    Name(String),
    Value(Regularizer),
}

impl RegArg {
    pub fn resolve(&self) -> Result<Regularizer> {
        match self {
            RegArg::Name(n) => Regularizer::from_name(n),
            RegArg::Value(r) => Ok(r.clone()),
        }
    }
}

impl From<&str> for RegArg {
    fn from(s: &str) -> RegArg {
        RegArg::Name(s.to_string())
    }
}

impl From<Regularizer> for RegArg {
    fn from(r: Regularizer) -> RegArg {
        RegArg::Value(r)
    }
}

/// The config value of an optional regularizer (`null` when absent).
pub fn to_config_opt(r: &Option<RegArg>) -> Value {
    match r {
        None => Value::Null,
        Some(a) => match a.resolve() {
            Ok(r) => r.to_config(),
            Err(_) => match a {
                RegArg::Name(n) => json!(n),
                RegArg::Value(r) => r.to_config(),
            },
        },
    }
}
