//! What every optimizer shares (Keras's `BaseOptimizer`): the iteration counter, the
//! learning rate (a variable, or a schedule evaluated on the counter), gradient clipping,
//! decoupled weight decay and the exponential moving average of the weights. All of it is
//! built from `kc::ops`, so it is traced into the train step with the update itself.
use super::schedules::LearningRateSchedule;
use crate::error::{Error, Result};
use crate::ops;
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::DType;
use kc_runtime::HostTensor;
use std::collections::HashMap;
use std::rc::Rc;

/// A new value for a variable, written after the step.
pub type Assign = (Variable, Tensor);

/// An optimizer's `learning_rate` argument: a number or a schedule.
#[derive(Clone)]
pub enum LearningRate {
    Value(f64),
    Schedule(Rc<dyn LearningRateSchedule>),
}

impl From<f64> for LearningRate {
    fn from(x: f64) -> LearningRate {
        LearningRate::Value(x)
    }
}
impl From<f32> for LearningRate {
    fn from(x: f32) -> LearningRate {
        LearningRate::Value(x as f64)
    }
}
impl<S: LearningRateSchedule + 'static> From<S> for LearningRate {
    fn from(s: S) -> LearningRate {
        LearningRate::Schedule(Rc::new(s))
    }
}

/// Where the learning rate lives: a variable (settable, e.g. by `ReduceLROnPlateau`) or a
/// schedule (not settable, as in Keras).
enum Lr {
    Var(Variable),
    Schedule(Rc<dyn LearningRateSchedule>),
}

/// The inputs of one update that every per-variable rule may use.
pub struct StepInfo {
    /// The learning rate for this step (float32 scalar).
    pub lr: Tensor,
    /// The iteration count before this step (Keras's `self.iterations`), an integer.
    pub iterations: Tensor,
    /// `iterations + 1` as float32 (Keras's `local_step`).
    pub local_step: Tensor,
}

/// The state and options common to every optimizer.
pub struct OptimizerBase {
    pub name: String,
    class: &'static str,
    pub iterations: Variable,
    lr: Lr,
    /// The number given as `learning_rate` (checked at build), when not a schedule.
    initial_lr: Option<f64>,
    pub clipnorm: Option<f64>,
    pub clipvalue: Option<f64>,
    pub global_clipnorm: Option<f64>,
    pub weight_decay: Option<f64>,
    pub use_ema: bool,
    pub ema_momentum: f64,
    pub ema_overwrite_frequency: Option<usize>,
    exclude_from_weight_decay: Vec<String>,
    averages: Vec<Variable>,
    /// Variable id -> its index in the list the optimizer was built with (Keras's
    /// `_get_variable_index`), so slots follow variables whatever order gradients come in.
    index: HashMap<u64, usize>,
    built: bool,
}

impl OptimizerBase {
    /// `class` is Keras's class name; the optimizer is named after it in snake case,
    /// made unique per session as Keras's `auto_name` does (`adam`, `adam_1`, ...).
    pub fn new(class: &'static str, lr: impl Into<LearningRate>) -> OptimizerBase {
        let name = crate::layers::unique_name(&crate::layers::snake(class));
        let (lr, initial_lr) = match lr.into() {
            LearningRate::Value(x) => (Lr::Var(Variable::new(format!("{name}/learning_rate"), HostTensor::scalar(x as f32), false)), Some(x)),
            LearningRate::Schedule(s) => (Lr::Schedule(s), None),
        };
        OptimizerBase {
            iterations: Variable::new(format!("{name}/iteration"), HostTensor::scalar(0i64), false),
            name,
            class,
            lr,
            initial_lr,
            clipnorm: None,
            clipvalue: None,
            global_clipnorm: None,
            weight_decay: None,
            use_ema: false,
            ema_momentum: 0.99,
            ema_overwrite_frequency: None,
            exclude_from_weight_decay: Vec::new(),
            averages: Vec::new(),
            index: HashMap::new(),
            built: false,
        }
    }

    pub fn class_name(&self) -> &'static str {
        self.class
    }

    /// Rename (Keras's `name=` argument); the variables made so far follow.
    pub fn set_name(&mut self, name: &str) {
        self.name = name.to_string();
        self.iterations.set_path(format!("{name}/iteration"));
        if let Lr::Var(v) = &self.lr {
            v.set_path(format!("{name}/learning_rate"));
        }
    }

    /// Variables whose name contains one of these strings get no weight decay.
    pub fn set_exclude_from_weight_decay(&mut self, names: &[&str]) {
        self.exclude_from_weight_decay = names.iter().map(|s| s.to_string()).collect();
    }

    /// An error naming the optimizer and the argument.
    pub fn arg_error(&self, arg: &str, what: &str, got: impl std::fmt::Display) -> Error {
        Error::msg(format!("{}: `{arg}` {what}, got {got}", self.class))
    }

    /// Check the common arguments (Keras's checks, plus the ones that only make nonsense:
    /// a negative or non-finite learning rate, a negative weight decay).
    pub fn check(&self) -> Result<()> {
        if let Some(lr) = self.initial_lr {
            if !lr.is_finite() || lr < 0.0 {
                return Err(self.arg_error("learning_rate", "must be a finite number >= 0", lr));
            }
        }
        if let Lr::Schedule(s) = &self.lr {
            s.check().map_err(|e| e.context(format!("{}: `learning_rate`", self.class)))?;
        }
        let clips = [("clipnorm", self.clipnorm), ("clipvalue", self.clipvalue), ("global_clipnorm", self.global_clipnorm)];
        for (arg, v) in clips {
            if let Some(v) = v {
                if v.is_nan() || v < 0.0 {
                    return Err(self.arg_error(arg, "must be >= 0 (0 turns clipping off)", v));
                }
            }
        }
        if clips.iter().filter(|(_, v)| v.is_some()).count() > 1 {
            let show = |v: Option<f64>| v.map_or("None".to_string(), |x| x.to_string());
            crate::bail!(
                "{}: only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set, got clipnorm={}, clipvalue={}, global_clipnorm={}",
                self.class,
                show(self.clipnorm),
                show(self.clipvalue),
                show(self.global_clipnorm)
            );
        }
        if let Some(wd) = self.weight_decay {
            if !wd.is_finite() || wd < 0.0 {
                return Err(self.arg_error("weight_decay", "must be a finite number >= 0", wd));
            }
        }
        if self.use_ema && !(0.0..=1.0).contains(&self.ema_momentum) {
            return Err(self.arg_error("ema_momentum", "must be in the range [0, 1]", self.ema_momentum));
        }
        if self.ema_overwrite_frequency == Some(0) {
            return Err(self.arg_error("ema_overwrite_frequency", "must be an integer >= 1 or None", 0));
        }
        Ok(())
    }

    pub fn built(&self) -> bool {
        self.built
    }

    /// Record the variables and make the moving averages (the part of `build` common to
    /// every optimizer; the averages come first among the slots, as in Keras).
    pub fn build(&mut self, vars: &[Variable]) -> Result<()> {
        self.index = vars.iter().enumerate().map(|(i, v)| (v.id(), i)).collect();
        self.averages = if self.use_ema { vars.iter().map(|v| self.slot(v, "average", 0.0)).collect::<Result<_>>()? } else { Vec::new() };
        self.built = true;
        Ok(())
    }

    /// A slot shaped like `v` filled with `init`, named as Keras names it:
    /// `adam/dense_kernel_momentum`.
    pub fn slot(&self, v: &Variable, what: &str, init: f64) -> Result<Variable> {
        let shape = v.shape();
        let n = shape.iter().product::<usize>();
        let value = HostTensor::from_f64(v.dtype(), shape, &vec![init; n])?;
        Ok(Variable::new(format!("{}/{}_{what}", self.name, v.path().replace('/', "_")), value, false))
    }

    /// The variables of the base: the iteration count, the learning rate (unless it is a
    /// schedule), the moving averages.
    pub fn variables(&self) -> Vec<Variable> {
        let mut v = vec![self.iterations.clone()];
        if let Lr::Var(lr) = &self.lr {
            v.push(lr.clone());
        }
        v.extend(self.averages.iter().cloned());
        v
    }

    /// The learning rate at iteration `it` (a tensor, so that a schedule is traced).
    pub fn lr_at(&self, it: &Tensor) -> Result<Tensor> {
        match &self.lr {
            Lr::Var(v) => Ok(v.tensor()),
            Lr::Schedule(s) => ops::cast(&s.call(it)?, DType::F32),
        }
    }

    pub fn schedule(&self) -> Option<&Rc<dyn LearningRateSchedule>> {
        match &self.lr {
            Lr::Schedule(s) => Some(s),
            Lr::Var(_) => None,
        }
    }

    /// Keras's `optimizer.learning_rate = x`: only for a learning rate given as a number.
    pub fn set_learning_rate(&self, lr: f64) -> Result<()> {
        match &self.lr {
            Lr::Var(v) => {
                if !lr.is_finite() || lr < 0.0 {
                    return Err(self.arg_error("learning_rate", "must be a finite number >= 0", lr));
                }
                v.assign(HostTensor::scalar(lr as f32))
            }
            Lr::Schedule(_) => crate::bail!(
                "{}: this optimizer was created with a LearningRateSchedule as its `learning_rate`, hence its learning rate is not settable; create it with a number to set it",
                self.class
            ),
        }
    }

    /// Each variable's index in the build list; an error for a variable the optimizer
    /// was not built with (Keras's "Unknown variable").
    pub fn indices(&self, vars: &[Variable]) -> Result<Vec<usize>> {
        if !self.built {
            crate::bail!("{} `{}` is not built: call build(variables) or apply_gradients first", self.class, self.name);
        }
        vars.iter()
            .map(|v| {
                self.index.get(&v.id()).copied().ok_or_else(|| {
                    Error::msg(format!(
                        "{}: unknown variable `{}`: this optimizer can only be called for the variables it was built with; make a new optimizer for new variables",
                        self.class,
                        v.path()
                    ))
                })
            })
            .collect()
    }

    /// Keras's `_clip_gradients`: by each gradient's norm, else by the global norm, else
    /// by value (one at most is set; 0 means off).
    pub fn clip(&self, grads: &[Tensor]) -> Result<Vec<Tensor>> {
        if let Some(c) = self.clipnorm.filter(|&c| c > 0.0) {
            // values * c / max(norm, c), with the norm's square root taken only where
            // the sum is positive (Keras's "two-tap where" against NaN gradients)
            return grads
                .iter()
                .map(|g| {
                    let l2sum = ops::sum(&ops::square(g)?, None, true)?;
                    let pred = ops::greater(&l2sum, 0.0)?;
                    let safe = ops::where_(&pred, &l2sum, &ops::ones_like(&l2sum)?)?;
                    let norm = ops::where_(&pred, &ops::sqrt(&safe)?, &l2sum)?;
                    ops::divide(&ops::multiply(g, c)?, &ops::maximum(&norm, c)?)
                })
                .collect();
        }
        if let Some(c) = self.global_clipnorm.filter(|&c| c > 0.0) {
            let mut total: Option<Tensor> = None;
            for g in grads {
                let s = ops::sum(&ops::square(g)?, None, false)?;
                total = Some(match total {
                    Some(t) => ops::add(&t, &s)?,
                    None => s,
                });
            }
            let Some(total) = total else { return Ok(Vec::new()) };
            let norm = ops::sqrt(&total)?;
            // c * min(1/norm, 1/c), plus (norm - norm) so a non-finite norm gives NaN
            let scale = ops::multiply(&ops::minimum(&ops::divide(1.0, &norm)?, 1.0 / c)?, c)?;
            let scale = ops::add(&scale, &ops::subtract(&norm, &norm)?)?;
            return grads.iter().map(|g| ops::multiply(g, &scale)).collect();
        }
        if let Some(v) = self.clipvalue.filter(|&v| v > 0.0) {
            return grads.iter().map(|g| ops::clip(g, -v, v)).collect();
        }
        Ok(grads.to_vec())
    }

    /// Whether weight decay applies to `v` (not excluded by name).
    fn decays(&self, v: &Variable) -> bool {
        let name = v.name();
        !self.exclude_from_weight_decay.iter().any(|s| name.contains(s.as_str()))
    }

    /// Keras's `_apply_weight_decay`: `v - v * wd * lr`, before the update.
    pub fn decayed(&self, v: &Variable, lr: &Tensor) -> Result<Tensor> {
        let w = v.tensor();
        match self.weight_decay {
            Some(wd) if self.decays(v) => ops::subtract(&w, &ops::multiply(&ops::multiply(&w, wd)?, lr)?),
            _ => Ok(w),
        }
    }

    /// Keras's moving average of the weights: `avg = m * avg + (1 - m) * w` with
    /// `m = ema_momentum` after the first step (0 on it), and every
    /// `ema_overwrite_frequency` steps the weights replaced by their average. Returns the
    /// (possibly overwritten) new weights and appends the averages' updates.
    pub fn ema(&self, idx: &[usize], new_w: Vec<Tensor>, it: &Tensor, out: &mut Vec<Assign>) -> Result<Vec<Tensor>> {
        if !self.use_ema {
            return Ok(new_w);
        }
        let not_first = ops::cast(&ops::not_equal(it, 0)?, DType::F32)?;
        let m = ops::multiply(&not_first, self.ema_momentum)?;
        let overwrite = match self.ema_overwrite_frequency {
            Some(f) => Some(ops::equal(&ops::mod_(&ops::add(it, 1)?, f as f64)?, 0)?),
            None => None,
        };
        let mut result = Vec::with_capacity(new_w.len());
        for (&i, w) in idx.iter().zip(new_w) {
            let avg_var = &self.averages[i];
            let avg = ops::add(&ops::multiply(&m, &avg_var.tensor())?, &ops::multiply(&ops::subtract(1.0, &m)?, &w)?)?;
            out.push((avg_var.clone(), avg.clone()));
            result.push(match &overwrite {
                Some(cond) => ops::where_(cond, &avg, &w)?,
                None => w,
            });
        }
        Ok(result)
    }

    /// The moving averages of `vars` (for `finalize_variable_values`).
    pub fn averages_of(&self, vars: &[Variable]) -> Result<Vec<Variable>> {
        Ok(self.indices(vars)?.into_iter().map(|i| self.averages[i].clone()).collect())
    }
}

/// The builder methods for the arguments every Keras optimizer takes.
macro_rules! common_arguments {
    ($t:ty) => {
        impl $t {
            /// Clip each gradient to this L2 norm.
            pub fn clipnorm(mut self, c: f64) -> Self {
                self.base.clipnorm = Some(c);
                self
            }
            /// Clip each gradient's elements to `[-c, c]`.
            pub fn clipvalue(mut self, c: f64) -> Self {
                self.base.clipvalue = Some(c);
                self
            }
            /// Clip the gradients together to this global L2 norm.
            pub fn global_clipnorm(mut self, c: f64) -> Self {
                self.base.global_clipnorm = Some(c);
                self
            }
            /// Decoupled weight decay: `w -= w * weight_decay * lr` before each update.
            pub fn weight_decay(mut self, wd: f64) -> Self {
                self.base.weight_decay = Some(wd);
                self
            }
            /// Keep an exponential moving average of the weights (written into the
            /// weights at the end of `fit`, or every `ema_overwrite_frequency` steps).
            pub fn use_ema(mut self, on: bool) -> Self {
                self.base.use_ema = on;
                self
            }
            pub fn ema_momentum(mut self, m: f64) -> Self {
                self.base.ema_momentum = m;
                self
            }
            pub fn ema_overwrite_frequency(mut self, steps: usize) -> Self {
                self.base.ema_overwrite_frequency = Some(steps);
                self
            }
            /// Weights whose name contains one of these strings are not decayed.
            pub fn exclude_from_weight_decay(mut self, names: &[&str]) -> Self {
                self.base.set_exclude_from_weight_decay(names);
                self
            }
            /// Keras's `name=`: the optimizer's name, its variables' path prefix.
            pub fn named(mut self, name: &str) -> Self {
                self.base.set_name(name);
                self
            }
        }
    };
}
pub(crate) use common_arguments;
