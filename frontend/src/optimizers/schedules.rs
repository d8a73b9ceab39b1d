//! Learning-rate schedules (`keras.optimizers.schedules`): the learning rate as a
//! function of the optimizer's iteration count. A schedule is written with `kc::ops`, so
//! an optimizer given one evaluates it on the traced iteration variable inside the train
//! step; `value_at` evaluates it eagerly. Formulas, defaults and argument checks are
//! Keras 3's; all arithmetic is float32, as Keras's is.
use crate::error::Result;
use crate::ops;
use crate::tensor::Tensor;
use kc_ir::DType;

/// A learning-rate schedule.
pub trait LearningRateSchedule {
    /// Keras's class name (`ExponentialDecay`, ...).
    fn class_name(&self) -> &'static str;
    /// Are the arguments valid? Errors name the schedule and the argument.
    fn check(&self) -> Result<()>;
    /// The learning rate at `step` (a scalar, integer or float), as a float32 scalar.
    fn call(&self, step: &Tensor) -> Result<Tensor>;
    /// The learning rate at `step`, computed now.
    fn value_at(&self, step: i64) -> Result<f64> {
        self.check()?;
        self.call(&Tensor::from_host(kc_runtime::HostTensor::scalar(step)))?.item()
    }
}

fn f32s(x: f64) -> Result<Tensor> {
    ops::scalar(x, DType::F32)
}

fn step_f32(step: &Tensor) -> Result<Tensor> {
    ops::cast(step, DType::F32)
}

fn positive_steps(class: &str, arg: &str, n: f64) -> Result<()> {
    if !(n > 0.0) {
        crate::bail!("{class}: argument `{arg}` must be > 0, got {arg}={n}");
    }
    Ok(())
}

/// `initial_learning_rate * decay_rate ^ (step / decay_steps)`, the exponent floored
/// with `staircase`.
#[derive(Clone, Debug)]
pub struct ExponentialDecay {
    pub initial_learning_rate: f64,
    pub decay_steps: f64,
    pub decay_rate: f64,
    pub staircase: bool,
}

impl ExponentialDecay {
    pub fn new(initial_learning_rate: f64, decay_steps: f64, decay_rate: f64) -> ExponentialDecay {
        ExponentialDecay { initial_learning_rate, decay_steps, decay_rate, staircase: false }
    }
    pub fn staircase(mut self, s: bool) -> ExponentialDecay {
        self.staircase = s;
        self
    }
}

impl LearningRateSchedule for ExponentialDecay {
    fn class_name(&self) -> &'static str {
        "ExponentialDecay"
    }
    fn check(&self) -> Result<()> {
        positive_steps(self.class_name(), "decay_steps", self.decay_steps)
    }
    fn call(&self, step: &Tensor) -> Result<Tensor> {
        let mut p = ops::divide(&step_f32(step)?, &f32s(self.decay_steps)?)?;
        if self.staircase {
            p = ops::floor(&p)?;
        }
        ops::multiply(&f32s(self.initial_learning_rate)?, &ops::power(&f32s(self.decay_rate)?, &p)?)
    }
}

/// `values[0]` up to and including `boundaries[0]`, then `values[1]` up to
/// `boundaries[1]`, ..., `values[n]` after the last boundary. Boundaries are compared
/// in the step's type (an integer step truncates fractional boundaries, as Keras does).
#[derive(Clone, Debug)]
pub struct PiecewiseConstantDecay {
    pub boundaries: Vec<f64>,
    pub values: Vec<f64>,
}

impl PiecewiseConstantDecay {
    pub fn new(boundaries: &[f64], values: &[f64]) -> PiecewiseConstantDecay {
        PiecewiseConstantDecay { boundaries: boundaries.to_vec(), values: values.to_vec() }
    }
}

impl LearningRateSchedule for PiecewiseConstantDecay {
    fn class_name(&self) -> &'static str {
        "PiecewiseConstantDecay"
    }
    fn check(&self) -> Result<()> {
        if self.boundaries.len() + 1 != self.values.len() {
            crate::bail!(
                "PiecewiseConstantDecay: the length of boundaries should be 1 less than the length of values, got boundaries={:?} of length {} and values={:?} of length {}",
                self.boundaries,
                self.boundaries.len(),
                self.values,
                self.values.len()
            );
        }
        if self.boundaries.is_empty() {
            crate::bail!("PiecewiseConstantDecay: `boundaries` must not be empty");
        }
        Ok(())
    }
    fn call(&self, step: &Tensor) -> Result<Tensor> {
        self.check()?;
        let st = step.dtype();
        let b: Vec<Tensor> = self.boundaries.iter().map(|&x| ops::scalar(x, st)).collect::<Result<_>>()?;
        let indicator = |c: Tensor| ops::cast(&c, DType::F32);
        // a sum of value * [step in its interval], as Keras writes it
        let n = b.len();
        let mut r = ops::multiply(&indicator(ops::less_equal(step, &b[0])?)?, self.values[0])?;
        r = ops::add(&r, &ops::multiply(&indicator(ops::greater(step, &b[n - 1])?)?, self.values[n])?)?;
        for i in 0..n - 1 {
            let inside = ops::logical_and(&ops::greater(step, &b[i])?, &ops::less_equal(step, &b[i + 1])?)?;
            r = ops::add(&r, &ops::multiply(&indicator(inside)?, self.values[i + 1])?)?;
        }
        Ok(r)
    }
}

/// `(initial - end) * (1 - step / decay_steps) ^ power + end`; the step stops at
/// `decay_steps`, or with `cycle` the horizon grows to the next multiple of it.
#[derive(Clone, Debug)]
pub struct PolynomialDecay {
    pub initial_learning_rate: f64,
    pub decay_steps: f64,
    pub end_learning_rate: f64,
    pub power: f64,
    pub cycle: bool,
}

impl PolynomialDecay {
    /// Keras's defaults: `end_learning_rate` 0.0001, `power` 1, no cycle.
    pub fn new(initial_learning_rate: f64, decay_steps: f64) -> PolynomialDecay {
        PolynomialDecay { initial_learning_rate, decay_steps, end_learning_rate: 0.0001, power: 1.0, cycle: false }
    }
    pub fn end_learning_rate(mut self, e: f64) -> PolynomialDecay {
        self.end_learning_rate = e;
        self
    }
    pub fn power(mut self, p: f64) -> PolynomialDecay {
        self.power = p;
        self
    }
    pub fn cycle(mut self, c: bool) -> PolynomialDecay {
        self.cycle = c;
        self
    }
}

impl LearningRateSchedule for PolynomialDecay {
    fn class_name(&self) -> &'static str {
        "PolynomialDecay"
    }
    fn check(&self) -> Result<()> {
        positive_steps(self.class_name(), "decay_steps", self.decay_steps)
    }
    fn call(&self, step: &Tensor) -> Result<Tensor> {
        let mut s = step_f32(step)?;
        let mut decay_steps = f32s(self.decay_steps)?;
        if self.cycle {
            // ceil(step / decay_steps) periods, at least one (also at step 0)
            let periods = ops::ceil(&ops::divide(&s, self.decay_steps)?)?;
            let multiplier = ops::where_(&ops::equal(&s, 0.0)?, 1.0, &periods)?;
            decay_steps = ops::multiply(&decay_steps, &multiplier)?;
        } else {
            s = ops::minimum(&s, &decay_steps)?;
        }
        let p = ops::divide(&s, &decay_steps)?;
        let delta = ops::subtract(&f32s(self.initial_learning_rate)?, &f32s(self.end_learning_rate)?)?;
        ops::add(&ops::multiply(&delta, &ops::power(&ops::subtract(1.0, &p)?, self.power)?)?, self.end_learning_rate)
    }
}

/// `initial_learning_rate / (1 + decay_rate * step / decay_steps)`, the ratio floored
/// with `staircase`.
#[derive(Clone, Debug)]
pub struct InverseTimeDecay {
    pub initial_learning_rate: f64,
    pub decay_steps: f64,
    pub decay_rate: f64,
    pub staircase: bool,
}

impl InverseTimeDecay {
    pub fn new(initial_learning_rate: f64, decay_steps: f64, decay_rate: f64) -> InverseTimeDecay {
        InverseTimeDecay { initial_learning_rate, decay_steps, decay_rate, staircase: false }
    }
    pub fn staircase(mut self, s: bool) -> InverseTimeDecay {
        self.staircase = s;
        self
    }
}

impl LearningRateSchedule for InverseTimeDecay {
    fn class_name(&self) -> &'static str {
        "InverseTimeDecay"
    }
    fn check(&self) -> Result<()> {
        positive_steps(self.class_name(), "decay_steps", self.decay_steps)
    }
    fn call(&self, step: &Tensor) -> Result<Tensor> {
        let mut p = ops::divide(&step_f32(step)?, &f32s(self.decay_steps)?)?;
        if self.staircase {
            p = ops::floor(&p)?;
        }
        let denom = ops::add(&f32s(1.0)?, &ops::multiply(&f32s(self.decay_rate)?, &p)?)?;
        ops::divide(&f32s(self.initial_learning_rate)?, &denom)
    }
}

/// Cosine decay from `initial_learning_rate` to `alpha * initial_learning_rate` over
/// `decay_steps`, optionally after a linear warmup of `warmup_steps` to `warmup_target`
/// (then the decay starts from the target).
#[derive(Clone, Debug)]
pub struct CosineDecay {
    pub initial_learning_rate: f64,
    pub decay_steps: f64,
    pub alpha: f64,
    pub warmup_target: Option<f64>,
    pub warmup_steps: f64,
}

impl CosineDecay {
    /// Keras's defaults: `alpha` 0, no warmup.
    pub fn new(initial_learning_rate: f64, decay_steps: f64) -> CosineDecay {
        CosineDecay { initial_learning_rate, decay_steps, alpha: 0.0, warmup_target: None, warmup_steps: 0.0 }
    }
    pub fn alpha(mut self, a: f64) -> CosineDecay {
        self.alpha = a;
        self
    }
    pub fn warmup_target(mut self, t: f64) -> CosineDecay {
        self.warmup_target = Some(t);
        self
    }
    pub fn warmup_steps(mut self, s: f64) -> CosineDecay {
        self.warmup_steps = s;
        self
    }

    /// `from_lr * ((1 - alpha) * 0.5 * (1 + cos(pi * step / decay_steps)) + alpha)`.
    fn decay(&self, step: &Tensor, decay_steps: &Tensor, from_lr: &Tensor) -> Result<Tensor> {
        let fraction = ops::divide(step, decay_steps)?;
        let cosine = ops::multiply(&ops::add(&ops::cos(&ops::multiply(&f32s(std::f64::consts::PI)?, &fraction)?)?, 1.0)?, 0.5)?;
        let decayed = ops::add(&ops::multiply(&cosine, 1.0 - self.alpha)?, self.alpha)?;
        ops::multiply(from_lr, &decayed)
    }
}

impl LearningRateSchedule for CosineDecay {
    fn class_name(&self) -> &'static str {
        "CosineDecay"
    }
    fn check(&self) -> Result<()> {
        positive_steps(self.class_name(), "decay_steps", self.decay_steps)?;
        if self.warmup_steps < 0.0 {
            crate::bail!("CosineDecay: argument `warmup_steps` must be >= 0, got warmup_steps={}", self.warmup_steps);
        }
        Ok(())
    }
    fn call(&self, step: &Tensor) -> Result<Tensor> {
        let initial = f32s(self.initial_learning_rate)?;
        let decay_steps = f32s(self.decay_steps)?;
        let s = step_f32(step)?;
        let Some(target) = self.warmup_target else {
            return self.decay(&ops::minimum(&s, &decay_steps)?, &decay_steps, &initial);
        };
        let target = f32s(target)?;
        let warmup_steps = f32s(self.warmup_steps)?;
        let s = ops::minimum(&s, &ops::add(&decay_steps, &warmup_steps)?)?;
        // Keras's `cond` as a select: both branches are finite where they are chosen
        let warm = ops::add(&ops::multiply(&ops::subtract(&target, &initial)?, &ops::divide(&s, &warmup_steps)?)?, &initial)?;
        let decayed = self.decay(&ops::subtract(&s, &warmup_steps)?, &decay_steps, &target)?;
        ops::where_(&ops::less(&s, &warmup_steps)?, &warm, &decayed)
    }
}
