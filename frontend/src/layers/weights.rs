//! What layers with weights share: Keras's `add_weight` (initializer, constraint) and
//! the per-call regularization penalty.
use super::CallCtx;
use crate::config::Config;
use crate::constraints::{self, ConstraintArg};
use crate::error::Result;
use crate::initializers::InitArg;
use crate::regularizers::{self, RegArg};
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::DType;
use serde_json::Value;

/// How one weight is made and kept in shape: Keras's `*_initializer`, `*_regularizer`
/// and `*_constraint` arguments for it.
#[derive(Clone, Debug)]
pub struct WeightSpec {
    pub initializer: InitArg,
    pub regularizer: Option<RegArg>,
    pub constraint: Option<ConstraintArg>,
}

impl WeightSpec {
    pub fn new(initializer: &str) -> WeightSpec {
        WeightSpec { initializer: initializer.into(), regularizer: None, constraint: None }
    }

    /// `add_weight`: a variable `layer/name` drawn from the initializer, with the
    /// constraint installed. Names are resolved here, so a typo fails the build.
    pub fn make(&self, layer: &str, name: &str, shape: &[usize], trainable: bool) -> Result<Variable> {
        let init = self.initializer.resolve()?;
        self.make_with(layer, name, init.sample(shape, DType::F32)?, trainable)
    }

    /// [`WeightSpec::make`] with a variance-scaling initializer's fans over the given
    /// axes (Keras's `EinsumDense` kernels).
    pub fn make_axes(&self, layer: &str, name: &str, shape: &[usize], input_axes: &[usize], output_axes: &[usize]) -> Result<Variable> {
        let init = self.initializer.resolve()?;
        self.make_with(layer, name, init.sample_axes(shape, DType::F32, input_axes, output_axes)?, true)
    }

    /// `add_weight` with the initial value given (a value made of several initializers'
    /// draws, such as an LSTM's bias with `unit_forget_bias`).
    pub fn make_with(&self, layer: &str, name: &str, value: kc_runtime::HostTensor, trainable: bool) -> Result<Variable> {
        // resolved now only to fail early on a bad name; applied per call (`penalty`)
        if let Some(r) = &self.regularizer {
            r.resolve()?;
        }
        let v = Variable::new(format!("{layer}/{name}"), value, trainable);
        if let Some(c) = &self.constraint {
            v.set_constraint(c.resolve()?.into_fn());
        }
        Ok(v)
    }

    /// Add the regularization penalty of `w` to the call's losses. The weight is read
    /// in the trace of `like` when that is symbolic, so the penalty is part of the traced
    /// loss (and of its gradient), not a constant computed while tracing.
    pub fn penalty(&self, w: &Variable, like: &Tensor, cx: &CallCtx) -> Result<()> {
        if let Some(r) = &self.regularizer {
            let t = read(w, like)?;
            cx.add_loss(r.resolve()?.call(&t)?);
        }
        Ok(())
    }

    /// This weight's three config entries, `{prefix}_initializer` and so on.
    pub fn config_into(&self, c: &mut Config, prefix: &str) {
        c.insert(format!("{prefix}_initializer"), self.initializer.to_config());
        c.insert(format!("{prefix}_regularizer"), regularizers::to_config_opt(&self.regularizer));
        c.insert(format!("{prefix}_constraint"), constraints::to_config_opt(&self.constraint));
    }
}

/// A weight as an operand next to `like`: inside `like`'s trace when that is symbolic.
///
/// Why it matters: an op whose operands are all concrete or variables runs at once,
/// even while a step is being traced. `negative(&w.tensor())` alone would bake the
/// weight's current value into the step as a constant (no gradient, stale after the
/// first update). Read a weight with `read` before computing on it by itself; ops that
/// combine it directly with the traced input (`matmul(x, w)`) are traced anyway.
pub fn read(w: &Variable, like: &Tensor) -> Result<Tensor> {
    crate::ops::lift(&w.tensor(), like)
}

/// An optional regularizer argument's config value.
pub fn reg_config(r: &Option<RegArg>) -> Value {
    regularizers::to_config_opt(r)
}
