//! Callbacks that set the optimizer's learning rate: `LearningRateScheduler` (a function
//! of the epoch) and `ReduceLROnPlateau` (lower it when a metric stalls). Both log the
//! rate as `learning_rate` at the end of each epoch, as Keras does. An optimizer whose
//! rate comes from a schedule cannot be set (Keras's error).
use super::monitor::{Mode, Monitor};
use super::{Callback, Logs};
use crate::error::{Error, Result};
use crate::models::Model;
use crate::optimizers::Optimizer;

fn optimizer<'a>(model: &'a Model, who: &str) -> Result<&'a dyn Optimizer> {
    model.optimizer().ok_or_else(|| Error::msg(format!("{who} needs a compiled model (it sets the optimizer's learning rate)")))
}

/// The learning rate as Keras logs it: the float32 variable's value as a float.
fn current_lr(model: &Model, who: &str) -> Result<f64> {
    Ok(optimizer(model, who)?.learning_rate())
}

/// `keras.callbacks.LearningRateScheduler`: at the start of each epoch the learning rate
/// becomes `schedule(epoch, current_lr)`.
pub struct LearningRateScheduler {
    schedule: Box<dyn FnMut(usize, f64) -> f64>,
    pub verbose: u8,
}

impl LearningRateScheduler {
    pub fn new(schedule: impl FnMut(usize, f64) -> f64 + 'static) -> LearningRateScheduler {
        LearningRateScheduler { schedule: Box::new(schedule), verbose: 0 }
    }
    pub fn verbose(mut self, v: u8) -> LearningRateScheduler {
        self.verbose = v;
        self
    }
}

impl Callback for LearningRateScheduler {
    fn on_epoch_begin(&mut self, epoch: usize, model: &mut Model) -> Result<()> {
        let lr = (self.schedule)(epoch, current_lr(model, "LearningRateScheduler")?);
        optimizer(model, "LearningRateScheduler")?.set_learning_rate(lr).map_err(|e| e.context(format!("LearningRateScheduler (epoch {epoch})")))?;
        if self.verbose > 0 {
            eprintln!("\nEpoch {}: LearningRateScheduler setting learning rate to {}.", epoch + 1, super::pyformat::repr(lr));
        }
        Ok(())
    }
    fn on_epoch_end(&mut self, _: usize, logs: &mut Logs, model: &mut Model) -> Result<()> {
        logs.insert("learning_rate".into(), current_lr(model, "LearningRateScheduler")?);
        Ok(())
    }
}

/// `keras.callbacks.ReduceLROnPlateau`: multiply the learning rate by `factor` when the
/// monitored value has not improved for `patience` epochs, then wait `cooldown` epochs;
/// never below `min_lr`.
pub struct ReduceLROnPlateau {
    m: Monitor,
    pub factor: f64,
    pub patience: usize,
    pub verbose: u8,
    pub cooldown: usize,
    pub min_lr: f64,
    wait: usize,
    cooldown_counter: usize,
}

impl Default for ReduceLROnPlateau {
    /// Keras's defaults: monitor `val_loss`, factor 0.1, patience 10, min_delta 1e-4.
    fn default() -> ReduceLROnPlateau {
        ReduceLROnPlateau::new("val_loss")
    }
}

impl ReduceLROnPlateau {
    pub fn new(monitor: &str) -> ReduceLROnPlateau {
        ReduceLROnPlateau { m: Monitor::new(monitor, 1e-4), factor: 0.1, patience: 10, verbose: 0, cooldown: 0, min_lr: 0.0, wait: 0, cooldown_counter: 0 }
    }
    pub fn monitor(mut self, m: &str) -> ReduceLROnPlateau {
        self.m.monitor = m.to_string();
        self
    }
    /// The new rate is `rate * factor`; must be below 1.
    pub fn factor(mut self, f: f64) -> ReduceLROnPlateau {
        self.factor = f;
        self
    }
    pub fn patience(mut self, p: usize) -> ReduceLROnPlateau {
        self.patience = p;
        self
    }
    pub fn mode(mut self, m: Mode) -> ReduceLROnPlateau {
        self.m.mode = m;
        self
    }
    pub fn min_delta(mut self, d: f64) -> ReduceLROnPlateau {
        self.m.min_delta = d.abs();
        self
    }
    pub fn cooldown(mut self, c: usize) -> ReduceLROnPlateau {
        self.cooldown = c;
        self
    }
    pub fn min_lr(mut self, lr: f64) -> ReduceLROnPlateau {
        self.min_lr = lr;
        self
    }
    pub fn verbose(mut self, v: u8) -> ReduceLROnPlateau {
        self.verbose = v;
        self
    }

    fn in_cooldown(&self) -> bool {
        self.cooldown_counter > 0
    }

    /// Keras's `_reduce_optimizer_lr`: only while the rate is above `min_lr` (compared
    /// in float32, as Keras compares with `np.float32(min_lr)`).
    fn reduce(&self, epoch: usize, model: &Model) -> Result<bool> {
        let old = current_lr(model, "ReduceLROnPlateau")?;
        if old > (self.min_lr as f32) as f64 {
            let new = (old * self.factor).max(self.min_lr);
            optimizer(model, "ReduceLROnPlateau")?.set_learning_rate(new).map_err(|e| e.context("ReduceLROnPlateau"))?;
            if self.verbose > 0 {
                eprintln!("\nEpoch {}: ReduceLROnPlateau reducing learning rate to {}.", epoch + 1, super::pyformat::repr(new));
            }
            return Ok(true);
        }
        Ok(false)
    }
}

impl Callback for ReduceLROnPlateau {
    fn on_train_begin(&mut self, _: &mut Model) -> Result<()> {
        if !(self.factor < 1.0) {
            crate::bail!("ReduceLROnPlateau does not support a factor >= 1.0, got factor={}", self.factor);
        }
        self.m.best = None;
        self.cooldown_counter = 0;
        self.wait = 0;
        Ok(())
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &mut Logs, model: &mut Model) -> Result<()> {
        self.m.resolve("ReduceLROnPlateau", model)?;
        logs.insert("learning_rate".into(), current_lr(model, "ReduceLROnPlateau")?);
        let Some(current) = self.m.value("Learning rate reduction", logs) else { return Ok(()) };
        if self.in_cooldown() {
            self.cooldown_counter -= 1;
            self.wait = 0;
        }
        if self.m.is_improvement(current, self.m.best) {
            self.m.best = Some(current);
            self.wait = 0;
        } else if !self.in_cooldown() {
            self.wait += 1;
            if self.wait >= self.patience && self.reduce(epoch, model)? {
                self.cooldown_counter = self.cooldown;
                self.wait = 0;
            }
        }
        Ok(())
    }
}
