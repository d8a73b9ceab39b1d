//! Weight constraints (`keras.constraints`): projections applied to a weight after each
//! optimizer update. A layer installs one with `Variable::set_constraint`; the trainer
//! traces it into the step right after the update.
//!
//! Norms are taken over `axis` (an axis or a list, negative ones count from the end), as
//! Keras does: for a Dense kernel `[in, out]`, axis 0 constrains each unit's incoming
//! weight vector.
use crate::config::{self, serialized, Config};
use crate::error::{unknown, Result};
use crate::ops::{self, EPSILON};
use crate::tensor::Tensor;
use serde_json::{json, Value};
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq)]
pub enum Constraint {
    /// Rescale slices whose L2 norm exceeds `max_value` down to it.
    MaxNorm { max_value: f64, axis: Vec<i64> },
    /// Clip negative weights to zero.
    NonNeg,
    /// Rescale each slice to unit L2 norm.
    UnitNorm { axis: Vec<i64> },
    /// Move each slice's norm towards `[min_value, max_value]` by the fraction `rate`.
    MinMaxNorm { min_value: f64, max_value: f64, rate: f64, axis: Vec<i64> },
}

pub const NAMES: &[&str] = &["max_norm", "MaxNorm", "non_neg", "NonNeg", "unit_norm", "UnitNorm", "min_max_norm", "MinMaxNorm"];

impl Constraint {
    /// The constraint a Keras string identifier names, with Keras's defaults.
    pub fn from_name(name: &str) -> Result<Constraint> {
        Ok(match name {
            "max_norm" | "MaxNorm" => Constraint::MaxNorm { max_value: 2.0, axis: vec![0] },
            "non_neg" | "NonNeg" => Constraint::NonNeg,
            "unit_norm" | "UnitNorm" => Constraint::UnitNorm { axis: vec![0] },
            "min_max_norm" | "MinMaxNorm" => Constraint::MinMaxNorm { min_value: 0.0, max_value: 1.0, rate: 1.0, axis: vec![0] },
            _ => return Err(unknown("constraint", name, NAMES)),
        })
    }

    /// The projection of `w`.
    pub fn call(&self, w: &Tensor) -> Result<Tensor> {
        if !w.dtype().is_float() {
            crate::bail!("a constraint needs a float weight, got {}", w.ty());
        }
        let norms = |axis: &[i64]| -> Result<Tensor> { ops::sqrt(&ops::sum(&ops::square(w)?, Some(axis), true)?) };
        // w * desired / (ε + norm): the ε keeps an all-zero slice at zero
        let rescale = |desired: &Tensor, n: &Tensor| -> Result<Tensor> { ops::multiply(w, &ops::divide(desired, &ops::add(n, EPSILON)?)?) };
        match self {
            Constraint::NonNeg => ops::maximum(w, 0.0),
            Constraint::MaxNorm { max_value, axis } => {
                let n = norms(axis)?;
                rescale(&ops::clip(&n, 0.0, *max_value)?, &n)
            }
            Constraint::UnitNorm { axis } => {
                let n = norms(axis)?;
                ops::divide(w, &ops::add(&n, EPSILON)?)
            }
            Constraint::MinMaxNorm { min_value, max_value, rate, axis } => {
                let n = norms(axis)?;
                let clipped = ops::multiply(&ops::clip(&n, *min_value, *max_value)?, *rate)?;
                let desired = ops::add(&clipped, &ops::multiply(&n, 1.0 - rate)?)?;
                rescale(&desired, &n)
            }
        }
    }

    /// The form `Variable::set_constraint` takes.
    pub fn into_fn(self) -> crate::variable::Constraint {
        Rc::new(move |w: &Tensor| self.call(w))
    }

    /// Keras's serialized form.
    pub fn to_config(&self) -> Value {
        let ax = config::axes_value;
        let (class, cfg): (&str, Config) = match self {
            Constraint::MaxNorm { max_value, axis } => ("MaxNorm", config::config(&[("max_value", json!(max_value)), ("axis", ax(axis))])),
            Constraint::NonNeg => ("NonNeg", Config::new()),
            Constraint::UnitNorm { axis } => ("UnitNorm", config::config(&[("axis", ax(axis))])),
            Constraint::MinMaxNorm { min_value, max_value, rate, axis } => (
                "MinMaxNorm",
                config::config(&[("min_value", json!(min_value)), ("max_value", json!(max_value)), ("rate", json!(rate)), ("axis", ax(axis))]),
            ),
        };
        serialized("keras.constraints", class, cfg)
    }

    /// A constraint from Keras's serialized form or a string identifier.
    pub fn from_config(v: &Value) -> Result<Constraint> {
        if let Some(name) = v.as_str() {
            return Constraint::from_name(name);
        }
        let (class, cfg) = config::split(v, "constraint")?;
        let f = |k: &str, d: f64| config::f64_or(&cfg, k, d);
        let axis = config::axes_or(&cfg, "axis", &[0])?;
        Ok(match Constraint::from_name(class)? {
            Constraint::MaxNorm { .. } => Constraint::MaxNorm { max_value: f("max_value", 2.0)?, axis },
            Constraint::NonNeg => Constraint::NonNeg,
            Constraint::UnitNorm { .. } => Constraint::UnitNorm { axis },
            Constraint::MinMaxNorm { .. } => {
                Constraint::MinMaxNorm { min_value: f("min_value", 0.0)?, max_value: f("max_value", 1.0)?, rate: f("rate", 1.0)?, axis }
            }
        })
    }
}

/// A constraint given to a layer: a Keras name (checked when the layer is built) or a
/// value.
#[derive(Clone, Debug)]
pub enum ConstraintArg {
    Name(String),
    Value(Constraint),
}

impl ConstraintArg {
    pub fn resolve(&self) -> Result<Constraint> {
        match self {
            ConstraintArg::Name(n) => Constraint::from_name(n),
            ConstraintArg::Value(c) => Ok(c.clone()),
        }
    }
}

impl From<&str> for ConstraintArg {
    fn from(s: &str) -> ConstraintArg {
        ConstraintArg::Name(s.to_string())
    }
}

impl From<Constraint> for ConstraintArg {
    fn from(c: Constraint) -> ConstraintArg {
        ConstraintArg::Value(c)
    }
}

/// The config value of an optional constraint (`null` when absent).
pub fn to_config_opt(c: &Option<ConstraintArg>) -> Value {
    match c {
        None => Value::Null,
        Some(a) => match a.resolve() {
            Ok(c) => c.to_config(),
            Err(_) => match a {
                ConstraintArg::Name(n) => json!(n),
                ConstraintArg::Value(c) => c.to_config(),
            },
        },
    }
}
