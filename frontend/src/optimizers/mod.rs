//! Optimizers, with Keras 3's names, defaults and update rules. State (the iteration
//! count, the learning rate, per-weight slots) lives in variables, and `apply` builds the
//! whole update from gradients with `kc::ops`: inside `fit` it is traced into the train
//! step — no per-variable loop on the host. The parts every optimizer shares (clipping,
//! weight decay, EMA, schedules) are in `base.rs`; each optimizer's rule is in its own
//! file.
mod adadelta;
mod adagrad;
mod adam;
mod adamax;
mod base;
mod ftrl;
mod lion;
mod nadam;
mod rmsprop;
pub mod schedules;
mod sgd;

pub use adadelta::Adadelta;
pub use adagrad::Adagrad;
pub use adam::{Adam, AdamW};
pub use adamax::Adamax;
pub use base::{Assign, LearningRate, OptimizerBase, StepInfo};
pub use ftrl::Ftrl;
pub use lion::Lion;
pub use nadam::Nadam;
pub use rmsprop::RmsProp;
pub use schedules::LearningRateSchedule;
pub use sgd::Sgd;

use crate::error::{unknown, Result};
use crate::ops;
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::DType;

/// A Keras optimizer. An implementation supplies its slots and its per-variable rule
/// (`update_step`, Keras's method of that name); the provided methods do the rest as
/// Keras's `BaseOptimizer.apply` does: clip the gradients, decay the weights, update,
/// average (EMA), count the iteration.
pub trait Optimizer {
    fn base(&self) -> &OptimizerBase;
    fn base_mut(&mut self) -> &mut OptimizerBase;
    /// Check the optimizer's own arguments (the common ones are checked by the base).
    fn check_args(&self) -> Result<()> {
        Ok(())
    }
    /// Make the slots for these variables, in Keras's order.
    fn build_slots(&mut self, vars: &[Variable]) -> Result<()>;
    /// The slot variables, in Keras's order (after the base's variables).
    fn slots(&self) -> Vec<Variable>;
    /// The new value of variable `i` (its index in the build list) given its gradient
    /// `g` and current value `w` (after weight decay); slot updates go to `out`.
    fn update_step(&self, i: usize, g: &Tensor, w: &Tensor, s: &StepInfo, out: &mut Vec<Assign>) -> Result<Tensor>;
    /// Updates made once per step before the per-variable ones (Nadam's running
    /// product).
    fn step_assigns(&self, _s: &StepInfo) -> Result<Vec<Assign>> {
        Ok(Vec::new())
    }

    /// Keras's `optimizer.name` (`adam`, `adam_1`, ...).
    fn name(&self) -> &str {
        &self.base().name
    }
    /// Keras's class name (`Adam`, `RMSprop`, ...).
    fn class_name(&self) -> &str {
        self.base().class_name()
    }
    /// Every argument valid? Errors name the optimizer and the argument.
    fn check(&self) -> Result<()> {
        self.base().check()?;
        self.check_args()
    }
    fn built(&self) -> bool {
        self.base().built()
    }
    /// Make the state for these variables (once; later calls do nothing, as in Keras).
    fn build(&mut self, vars: &[Variable]) -> Result<()> {
        if self.built() {
            return Ok(());
        }
        self.check()?;
        self.base_mut().build(vars)?;
        self.build_slots(vars)
    }
    /// Keras's `optimizer.variables`: the iteration count, the learning rate (unless a
    /// schedule gives it), the moving averages (EMA), then the slots.
    fn variables(&self) -> Vec<Variable> {
        let mut v = self.base().variables();
        v.extend(self.slots());
        v
    }
    /// The learning rate the next step uses (a schedule is evaluated at the current
    /// iteration).
    fn learning_rate(&self) -> f64 {
        let b = self.base();
        b.lr_at(&b.iterations.tensor()).and_then(|t| t.item()).unwrap_or(f64::NAN)
    }
    /// Keras's `optimizer.learning_rate = lr` (an error when a schedule gives it).
    fn set_learning_rate(&self, lr: f64) -> Result<()> {
        self.base().set_learning_rate(lr)
    }
    /// How many steps have been applied.
    fn iterations(&self) -> i64 {
        self.base().iterations.value().to_f64_vec()[0] as i64
    }

    /// The whole step as assignments: clipping, weight decay, the rule, the moving
    /// averages, the iteration count. Traced when the gradients are symbolic.
    fn apply(&self, grads: &[Tensor], vars: &[Variable]) -> Result<Vec<Assign>> {
        if grads.len() != vars.len() {
            crate::bail!("{}: {} gradients for {} variables", self.class_name(), grads.len(), vars.len());
        }
        let b = self.base();
        let idx = b.indices(vars)?;
        let grads = b.clip(grads)?;
        let it = b.iterations.tensor();
        let lr = b.lr_at(&it)?;
        let local_step = ops::cast(&ops::add(&it, 1)?, DType::F32)?;
        let s = StepInfo { lr, iterations: it.clone(), local_step };
        let mut out = self.step_assigns(&s)?;
        let mut new_w = Vec::with_capacity(vars.len());
        for ((g, v), &i) in grads.iter().zip(vars).zip(&idx) {
            let g = ops::cast(g, v.dtype())?;
            let w = b.decayed(v, &s.lr)?;
            new_w.push(self.update_step(i, &g, &w, &s, &mut out)?);
        }
        let new_w = b.ema(&idx, new_w, &it, &mut out)?;
        out.extend(vars.iter().cloned().zip(new_w));
        out.push((b.iterations.clone(), ops::add(&it, 1)?));
        Ok(out)
    }

    /// Apply gradients now (eagerly) and write the new values into the variables: for
    /// custom training loops with [`crate::autodiff::value_and_grad`]. Builds the
    /// optimizer on these variables the first time.
    fn apply_gradients(&mut self, grads: &[Tensor], vars: &[Variable]) -> Result<()> {
        self.build(vars)?;
        for (v, t) in self.apply(grads, vars)? {
            let t = match v.constraint() {
                Some(project) => project(&t)?,
                None => t,
            };
            v.assign(t.host()?)?;
        }
        Ok(())
    }

    /// Keras's `finalize_variable_values`: with `use_ema`, write the moving averages into
    /// the variables (`fit` does this when training ends).
    fn finalize_variable_values(&self, vars: &[Variable]) -> Result<()> {
        if !self.base().use_ema || !self.built() {
            return Ok(());
        }
        for (v, a) in vars.iter().zip(self.base().averages_of(vars)?) {
            v.assign(a.value())?;
        }
        Ok(())
    }
}

/// A slot for every variable: `build_slots`' common case.
pub(crate) fn slots_for(base: &OptimizerBase, vars: &[Variable], what: &str, init: f64) -> Result<Vec<Variable>> {
    vars.iter().map(|v| base.slot(v, what, init)).collect()
}

/// Two slots per variable made interleaved (`m0, v0, m1, v1`), as Keras's
/// `add_optimizer_variables` with two names makes them; returns them as two lists.
pub(crate) fn slot_pairs(base: &OptimizerBase, vars: &[Variable], a: (&str, f64), b: (&str, f64)) -> Result<(Vec<Variable>, Vec<Variable>)> {
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for v in vars {
        xs.push(base.slot(v, a.0, a.1)?);
        ys.push(base.slot(v, b.0, b.1)?);
    }
    Ok((xs, ys))
}

/// Interleave two slot lists back into Keras's variable order.
pub(crate) fn interleave(a: &[Variable], b: &[Variable]) -> Vec<Variable> {
    a.iter().zip(b).flat_map(|(x, y)| [x.clone(), y.clone()]).collect()
}

/// `Err` naming the optimizer and argument unless `ok`.
pub(crate) fn require(base: &OptimizerBase, ok: bool, arg: &str, what: &str, got: f64) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(base.arg_error(arg, what, got))
    }
}

/// The identifiers `get` (and `compile`) accept: Keras's class names in lower case (the
/// lookup ignores case, as Keras's does).
pub const NAMES: &[&str] = &["adadelta", "adagrad", "adam", "adamax", "adamw", "ftrl", "lion", "nadam", "rmsprop", "sgd"];

/// An optimizer by Keras identifier (`"adam"`, `"RMSprop"`, ...) with its default
/// arguments.
pub fn get(name: &str) -> Result<Box<dyn Optimizer>> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "adadelta" => Box::new(Adadelta::default()),
        "adagrad" => Box::new(Adagrad::default()),
        "adam" => Box::new(Adam::default()),
        "adamax" => Box::new(Adamax::default()),
        "adamw" => Box::new(AdamW::new(0.001)),
        "ftrl" => Box::new(Ftrl::default()),
        "lion" => Box::new(Lion::default()),
        "nadam" => Box::new(Nadam::default()),
        "rmsprop" => Box::new(RmsProp::default()),
        "sgd" => Box::new(Sgd::default()),
        _ => return Err(unknown("optimizer", name, NAMES)),
    })
}
