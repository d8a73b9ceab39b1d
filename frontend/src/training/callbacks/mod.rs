//! Callbacks (`keras.callbacks`): Keras's hooks around `fit`, `evaluate` and `predict`,
//! and the built-in callbacks, one file per family.
//!
//! A hook gets the model (Keras's `self.model`): callbacks read and set weights, the
//! optimizer's learning rate, and `stop_training` through it. `fit` runs the user's
//! callbacks in order, then its `History`, then a `ProgbarLogger` when `verbose > 0`
//! (Keras's `CallbackList` order), and passes them to the validation `evaluate` too.
mod backup;
mod checkpoint;
mod csv_logger;
mod early_stopping;
mod lambda;
mod lr;
mod monitor;
mod progbar;
pub(crate) mod pyformat;
mod terminate;

pub use backup::BackupAndRestore;
pub use checkpoint::{ModelCheckpoint, SaveFreq};
pub use csv_logger::CsvLogger;
pub use early_stopping::EarlyStopping;
pub use lambda::LambdaCallback;
pub use lr::{LearningRateScheduler, ReduceLROnPlateau};
pub use monitor::Mode;
pub use progbar::ProgbarLogger;
pub use terminate::TerminateOnNaN;

use crate::error::Result;
use crate::models::Model;
use crate::tensor::Tensor;
use std::collections::BTreeMap;

/// Metric values by name (`loss`, `accuracy`, `val_loss`, ...).
pub type Logs = BTreeMap<String, f64>;

/// What the loop tells its callbacks before it starts (Keras's `callback.params`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    /// 0 silent, 1 progress bar, 2 one line per epoch.
    pub verbose: u8,
    pub epochs: usize,
    /// Batches per epoch (or per `evaluate`/`predict` run).
    pub steps: Option<usize>,
}

/// Keras's `Callback`. Every hook has a default that does nothing; `Err` stops the loop
/// and is returned by `fit`/`evaluate`/`predict` (without `on_train_end`, as an exception
/// in Keras skips it).
#[allow(unused_variables)]
pub trait Callback {
    fn set_params(&mut self, params: &Params) {}

    fn on_train_begin(&mut self, model: &mut Model) -> Result<()> {
        Ok(())
    }
    /// `logs`: the last epoch's logs.
    fn on_train_end(&mut self, logs: &Logs, model: &mut Model) -> Result<()> {
        Ok(())
    }
    fn on_epoch_begin(&mut self, epoch: usize, model: &mut Model) -> Result<()> {
        Ok(())
    }
    /// `logs`: the epoch's training and validation (`val_`) results. A callback may add
    /// entries (`ReduceLROnPlateau` adds `learning_rate`) that the callbacks after it, the
    /// history and the progress bar see.
    fn on_epoch_end(&mut self, epoch: usize, logs: &mut Logs, model: &mut Model) -> Result<()> {
        Ok(())
    }
    /// Keras's `on_batch_begin`: what `on_train_batch_begin` calls unless overridden.
    fn on_batch_begin(&mut self, batch: usize, model: &mut Model) -> Result<()> {
        Ok(())
    }
    /// Keras's `on_batch_end`: what `on_train_batch_end` calls unless overridden.
    fn on_batch_end(&mut self, batch: usize, logs: &Logs, model: &mut Model) -> Result<()> {
        Ok(())
    }
    fn on_train_batch_begin(&mut self, batch: usize, model: &mut Model) -> Result<()> {
        self.on_batch_begin(batch, model)
    }
    /// `logs`: the running results of the epoch so far.
    fn on_train_batch_end(&mut self, batch: usize, logs: &Logs, model: &mut Model) -> Result<()> {
        self.on_batch_end(batch, logs, model)
    }
    fn on_test_begin(&mut self, model: &mut Model) -> Result<()> {
        Ok(())
    }
    fn on_test_end(&mut self, logs: &Logs, model: &mut Model) -> Result<()> {
        Ok(())
    }
    fn on_test_batch_begin(&mut self, batch: usize, model: &mut Model) -> Result<()> {
        Ok(())
    }
    fn on_test_batch_end(&mut self, batch: usize, logs: &Logs, model: &mut Model) -> Result<()> {
        Ok(())
    }
    fn on_predict_begin(&mut self, model: &mut Model) -> Result<()> {
        Ok(())
    }
    fn on_predict_end(&mut self, model: &mut Model) -> Result<()> {
        Ok(())
    }
    fn on_predict_batch_begin(&mut self, batch: usize, model: &mut Model) -> Result<()> {
        Ok(())
    }
    /// `outputs`: the batch's predictions, one tensor per model output (Keras's
    /// `logs["outputs"]`).
    fn on_predict_batch_end(&mut self, batch: usize, outputs: &[Tensor], model: &mut Model) -> Result<()> {
        Ok(())
    }

    /// Whether this is a progress bar (so `fit` does not add a second one, as Keras's
    /// `CallbackList` checks with `isinstance`).
    #[doc(hidden)]
    fn is_progbar(&self) -> bool {
        false
    }
}

/// The callbacks of one `fit`/`evaluate`/`predict`, called in order.
pub(crate) struct CallbackList<'a>(pub Vec<&'a mut dyn Callback>);

impl CallbackList<'_> {
    pub fn set_params(&mut self, p: &Params) {
        for c in &mut self.0 {
            c.set_params(p);
        }
    }
    pub fn train_begin(&mut self, m: &mut Model) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_train_begin(m))
    }
    pub fn train_end(&mut self, logs: &Logs, m: &mut Model) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_train_end(logs, m))
    }
    pub fn epoch_begin(&mut self, e: usize, m: &mut Model) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_epoch_begin(e, m))
    }
    pub fn epoch_end(&mut self, e: usize, logs: &mut Logs, m: &mut Model) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_epoch_end(e, logs, m))
    }
    pub fn train_batch_begin(&mut self, b: usize, m: &mut Model) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_train_batch_begin(b, m))
    }
    pub fn train_batch_end(&mut self, b: usize, logs: &Logs, m: &mut Model) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_train_batch_end(b, logs, m))
    }
    pub fn test_begin(&mut self, m: &mut Model) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_test_begin(m))
    }
    pub fn test_end(&mut self, logs: &Logs, m: &mut Model) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_test_end(logs, m))
    }
    pub fn test_batch_begin(&mut self, b: usize, m: &mut Model) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_test_batch_begin(b, m))
    }
    pub fn test_batch_end(&mut self, b: usize, logs: &Logs, m: &mut Model) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_test_batch_end(b, logs, m))
    }
    pub fn predict_begin(&mut self, m: &mut Model) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_predict_begin(m))
    }
    pub fn predict_end(&mut self, m: &mut Model) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_predict_end(m))
    }
    pub fn predict_batch_begin(&mut self, b: usize, m: &mut Model) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_predict_batch_begin(b, m))
    }
    pub fn predict_batch_end(&mut self, b: usize, outputs: &[Tensor], m: &mut Model) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_predict_batch_end(b, outputs, m))
    }
}

/// Per-epoch values of every metric, as `fit` returns it (Keras's `History` callback,
/// which `fit` always adds after the user's callbacks).
#[derive(Clone, Debug, Default)]
pub struct History {
    pub epochs: Vec<usize>,
    pub history: BTreeMap<String, Vec<f64>>,
    pub params: Params,
}

impl History {
    pub fn push(&mut self, epoch: usize, logs: &Logs) {
        self.epochs.push(epoch);
        for (k, v) in logs {
            self.history.entry(k.clone()).or_default().push(*v);
        }
    }
    /// The values of one metric, one per epoch.
    pub fn get(&self, key: &str) -> Option<&[f64]> {
        self.history.get(key).map(|v| v.as_slice())
    }
    pub fn last(&self, key: &str) -> Option<f64> {
        self.get(key).and_then(|v| v.last().copied())
    }
}

impl Callback for History {
    fn set_params(&mut self, params: &Params) {
        self.params = params.clone();
    }
    fn on_train_begin(&mut self, _: &mut Model) -> Result<()> {
        self.epochs.clear();
        Ok(())
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &mut Logs, _: &mut Model) -> Result<()> {
        self.push(epoch, logs);
        Ok(())
    }
}
