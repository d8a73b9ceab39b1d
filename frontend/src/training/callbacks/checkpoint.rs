//! `keras.callbacks.ModelCheckpoint`, writing kc's interim `.weights.npz` files (see
//! `models/weights_io.rs`) until the saving issue brings `.weights.h5` and `.keras`.
use super::monitor::{Mode, Monitor};
use super::pyformat::{self, Value};
use super::{Callback, Logs};
use crate::error::Result;
use crate::models::weights_io::WEIGHTS_SUFFIX;
use crate::models::Model;
use std::collections::BTreeMap;

/// When a checkpoint (or backup) is written: at the end of every epoch, or every this
/// many training batches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveFreq {
    Epoch,
    Batches(usize),
}

/// Counts batches across epochs for `SaveFreq::Batches` (Keras's `_should_save_on_batch`).
#[derive(Default)]
pub(crate) struct BatchCounter {
    since_last: usize,
    last_batch: Option<usize>,
}

impl BatchCounter {
    pub fn due(&mut self, batch: usize, every: usize) -> bool {
        let add = match self.last_batch {
            Some(last) if batch > last => batch - last,
            _ => batch + 1, // batches are 0-based; a smaller one starts a new epoch
        };
        self.since_last += add;
        self.last_batch = Some(batch);
        if self.since_last >= every {
            self.since_last = 0;
            return true;
        }
        false
    }
}

/// Save the model's weights (and optimizer state) during training: every epoch or every
/// `n` batches, optionally only when the monitored value improves. `filepath` may hold
/// Python-style fields: `{epoch}` (1-based), `{batch}` (with batch saving) and any logged
/// value, with format specs (`"ckpt-{epoch:02d}-{val_loss:.2f}.weights.npz"`).
pub struct ModelCheckpoint {
    pub filepath: String,
    m: Monitor,
    pub verbose: u8,
    pub save_best_only: bool,
    /// Must be true until whole-model files exist (Keras's default is false).
    pub save_weights_only: bool,
    pub save_freq: SaveFreq,
    counter: BatchCounter,
    current_epoch: usize,
}

impl ModelCheckpoint {
    /// Keras's defaults except `save_weights_only`, which is on: kc cannot write `.keras`
    /// model files yet.
    pub fn new(filepath: &str) -> ModelCheckpoint {
        ModelCheckpoint {
            filepath: filepath.to_string(),
            m: Monitor::new("val_loss", 0.0),
            verbose: 0,
            save_best_only: false,
            save_weights_only: true,
            save_freq: SaveFreq::Epoch,
            counter: BatchCounter::default(),
            current_epoch: 0,
        }
    }
    pub fn monitor(mut self, m: &str) -> ModelCheckpoint {
        self.m.monitor = m.to_string();
        self
    }
    pub fn mode(mut self, m: Mode) -> ModelCheckpoint {
        self.m.mode = m;
        self
    }
    pub fn save_best_only(mut self, b: bool) -> ModelCheckpoint {
        self.save_best_only = b;
        self
    }
    pub fn save_weights_only(mut self, w: bool) -> ModelCheckpoint {
        self.save_weights_only = w;
        self
    }
    pub fn save_freq(mut self, f: SaveFreq) -> ModelCheckpoint {
        self.save_freq = f;
        self
    }
    /// With `save_best_only`, a value the monitored one must beat to be saved at all.
    pub fn initial_value_threshold(mut self, v: f64) -> ModelCheckpoint {
        self.m.best = Some(v);
        self
    }
    pub fn verbose(mut self, v: u8) -> ModelCheckpoint {
        self.verbose = v;
        self
    }
    /// The best monitored value so far.
    pub fn best(&self) -> Option<f64> {
        self.m.best
    }

    fn file_path(&self, epoch: usize, batch: Option<usize>, logs: &Logs) -> Result<String> {
        let mut values: BTreeMap<String, Value> = logs.iter().map(|(k, v)| (k.clone(), Value::Float(*v))).collect();
        values.insert("epoch".into(), Value::Int(epoch as i64 + 1));
        if let Some(b) = batch {
            values.entry("batch".into()).or_insert(Value::Int(b as i64 + 1));
        }
        pyformat::format(&self.filepath, &values).map_err(|e| e.context("ModelCheckpoint"))
    }

    fn should_save(&mut self, epoch: usize, logs: &Logs, path: &str) -> bool {
        if !self.save_best_only {
            if self.verbose > 0 {
                eprintln!("\nEpoch {}: saving model to {path}", epoch + 1);
            }
            return true;
        }
        let Some(current) = logs.get(&self.m.monitor).copied() else {
            crate::warn(&format!("can save best model only with {} available", self.m.monitor));
            return true;
        };
        let best = self.m.best.map_or("None".to_string(), |b| format!("{b:.5}"));
        if self.m.is_improvement(current, self.m.best) {
            if self.verbose > 0 {
                eprintln!("\nEpoch {}: {} improved from {best} to {current:.5}, saving model to {path}", epoch + 1, self.m.monitor);
            }
            self.m.best = Some(current);
            true
        } else {
            if self.verbose > 0 {
                eprintln!("\nEpoch {}: {} did not improve from {best}", epoch + 1, self.m.monitor);
            }
            false
        }
    }

    fn save(&mut self, epoch: usize, batch: Option<usize>, logs: &Logs, model: &Model) -> Result<()> {
        let path = self.file_path(epoch, batch, logs)?;
        if std::path::Path::new(&path).is_dir() {
            crate::bail!("ModelCheckpoint: please specify a non-directory filepath; `{path}` is an existing directory");
        }
        if self.should_save(epoch, logs, &path) {
            model.save_weights(&path).map_err(|e| e.context("ModelCheckpoint"))?;
        }
        Ok(())
    }
}

impl Callback for ModelCheckpoint {
    fn on_train_begin(&mut self, _: &mut Model) -> Result<()> {
        if let SaveFreq::Batches(0) = self.save_freq {
            crate::bail!("ModelCheckpoint: save_freq must be SaveFreq::Epoch or a positive number of batches, got 0");
        }
        if !self.save_weights_only {
            crate::bail!(
                "ModelCheckpoint: saving the whole model (save_weights_only=false, a `.keras` file) is not available yet; use save_weights_only(true) with a `{WEIGHTS_SUFFIX}` filepath"
            );
        }
        if !self.filepath.ends_with(WEIGHTS_SUFFIX) {
            crate::bail!(
                "ModelCheckpoint: with save_weights_only the filepath must end in `{WEIGHTS_SUFFIX}` (kc's interim weights format), got {}",
                self.filepath
            );
        }
        Ok(())
    }
    fn on_epoch_begin(&mut self, epoch: usize, _: &mut Model) -> Result<()> {
        self.current_epoch = epoch;
        Ok(())
    }
    fn on_train_batch_end(&mut self, batch: usize, logs: &Logs, model: &mut Model) -> Result<()> {
        if let SaveFreq::Batches(n) = self.save_freq {
            if self.counter.due(batch, n) {
                self.m.resolve("ModelCheckpoint", model)?;
                self.save(self.current_epoch, Some(batch), logs, model)?;
            }
        }
        Ok(())
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &mut Logs, model: &mut Model) -> Result<()> {
        if self.save_best_only {
            self.m.resolve("ModelCheckpoint", model)?;
        }
        if self.save_freq == SaveFreq::Epoch {
            self.save(epoch, None, logs, model)?;
        }
        Ok(())
    }
}
