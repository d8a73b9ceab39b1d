//! `keras.callbacks.EarlyStopping`.
use super::monitor::{Mode, Monitor};
use super::{Callback, Logs};
use crate::error::Result;
use crate::models::Model;
use kc_runtime::HostTensor;

/// Stop training when the monitored value has stopped improving for `patience` epochs.
pub struct EarlyStopping {
    m: Monitor,
    pub patience: usize,
    pub verbose: u8,
    /// A value to reach: until the monitored value beats it, improvements do not reset
    /// the patience counter.
    pub baseline: Option<f64>,
    /// Put back the weights of the best epoch when training ends.
    pub restore_best_weights: bool,
    /// Epochs to wait before starting to monitor.
    pub start_from_epoch: usize,
    wait: usize,
    best_weights: Option<Vec<HostTensor>>,
    /// The epoch training stopped at (0 when it did not stop early).
    pub stopped_epoch: usize,
    /// The epoch whose value was best.
    pub best_epoch: usize,
}

impl Default for EarlyStopping {
    /// Keras's defaults: monitor `val_loss`, patience 0.
    fn default() -> EarlyStopping {
        EarlyStopping::new("val_loss")
    }
}

impl EarlyStopping {
    pub fn new(monitor: &str) -> EarlyStopping {
        EarlyStopping {
            m: Monitor::new(monitor, 0.0),
            patience: 0,
            verbose: 0,
            baseline: None,
            restore_best_weights: false,
            start_from_epoch: 0,
            wait: 0,
            best_weights: None,
            stopped_epoch: 0,
            best_epoch: 0,
        }
    }
    pub fn monitor(mut self, m: &str) -> EarlyStopping {
        self.m.monitor = m.to_string();
        self
    }
    pub fn patience(mut self, p: usize) -> EarlyStopping {
        self.patience = p;
        self
    }
    /// The smallest change that counts as an improvement (its sign is ignored).
    pub fn min_delta(mut self, d: f64) -> EarlyStopping {
        self.m.min_delta = d.abs();
        self
    }
    pub fn mode(mut self, m: Mode) -> EarlyStopping {
        self.m.mode = m;
        self
    }
    pub fn baseline(mut self, b: f64) -> EarlyStopping {
        self.baseline = Some(b);
        self
    }
    pub fn restore_best_weights(mut self, r: bool) -> EarlyStopping {
        self.restore_best_weights = r;
        self
    }
    pub fn start_from_epoch(mut self, e: usize) -> EarlyStopping {
        self.start_from_epoch = e;
        self
    }
    pub fn verbose(mut self, v: u8) -> EarlyStopping {
        self.verbose = v;
        self
    }
    /// The best monitored value so far.
    pub fn best(&self) -> Option<f64> {
        self.m.best
    }
}

impl Callback for EarlyStopping {
    fn on_train_begin(&mut self, _: &mut Model) -> Result<()> {
        self.wait = 0;
        self.stopped_epoch = 0;
        self.m.best = None;
        self.best_weights = None;
        self.best_epoch = 0;
        Ok(())
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &mut Logs, model: &mut Model) -> Result<()> {
        self.m.resolve("EarlyStopping", model)?;
        let Some(current) = self.m.value("Early stopping", logs) else { return Ok(()) };
        if epoch < self.start_from_epoch {
            return Ok(());
        }
        if self.restore_best_weights && self.best_weights.is_none() {
            // the first monitored epoch's weights, in case none is ever better
            self.best_weights = Some(model.get_weights());
            self.best_epoch = epoch;
        }
        self.wait += 1;
        if self.m.is_improvement(current, self.m.best) {
            self.m.best = Some(current);
            self.best_epoch = epoch;
            if self.restore_best_weights {
                self.best_weights = Some(model.get_weights());
            }
            // only an improvement past the baseline resets the patience
            if self.baseline.is_none() || self.m.is_improvement(current, self.baseline) {
                self.wait = 0;
            }
            return Ok(());
        }
        if self.wait >= self.patience && epoch > 0 {
            self.stopped_epoch = epoch;
            model.set_stop_training(true);
        }
        Ok(())
    }
    fn on_train_end(&mut self, _: &Logs, model: &mut Model) -> Result<()> {
        if self.stopped_epoch > 0 && self.verbose > 0 {
            eprintln!("Epoch {}: early stopping", self.stopped_epoch + 1);
        }
        // Keras restores the best weights at the end of training, stopped early or not.
        if let (true, Some(best)) = (self.restore_best_weights, &self.best_weights) {
            if self.verbose > 0 {
                eprintln!("Restoring model weights from the end of the best epoch: {}.", self.best_epoch + 1);
            }
            model.set_weights(best)?;
        }
        Ok(())
    }
}
