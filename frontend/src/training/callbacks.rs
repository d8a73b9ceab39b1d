//! Callbacks: Keras's hooks around training, and the built-in ones.
use crate::error::Result;
use crate::variable::Variable;
use std::collections::BTreeMap;

/// Metric values by name (`loss`, `accuracy`, `val_loss`, ...).
pub type Logs = BTreeMap<String, f64>;

/// What a callback may look at and change while training runs.
pub struct CallbackCtx<'a> {
    /// The model's weights (for checkpoints and restoring the best ones).
    pub weights: &'a [Variable],
    /// Set to stop after the current epoch (Keras's `model.stop_training`).
    pub stop_training: bool,
    /// The optimizer's learning rate; a callback may change it.
    pub learning_rate: f64,
}

#[allow(unused_variables)]
pub trait Callback {
    fn on_train_begin(&mut self, cx: &mut CallbackCtx) -> Result<()> {
        Ok(())
    }
    fn on_epoch_begin(&mut self, epoch: usize, cx: &mut CallbackCtx) -> Result<()> {
        Ok(())
    }
    fn on_train_batch_end(&mut self, batch: usize, logs: &Logs, cx: &mut CallbackCtx) -> Result<()> {
        Ok(())
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &Logs, cx: &mut CallbackCtx) -> Result<()> {
        Ok(())
    }
    fn on_train_end(&mut self, cx: &mut CallbackCtx) -> Result<()> {
        Ok(())
    }
}

/// Per-epoch values of every metric, as `fit` returns it.
#[derive(Clone, Debug, Default)]
pub struct History {
    pub epochs: Vec<usize>,
    pub history: BTreeMap<String, Vec<f64>>,
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

/// `keras.callbacks.EarlyStopping`.
pub struct EarlyStopping {
    pub monitor: String,
    pub min_delta: f64,
    pub patience: usize,
    /// `"min"`, `"max"` or `"auto"` (max for accuracy-like names, else min).
    pub mode: String,
    pub restore_best_weights: bool,
    pub start_from_epoch: usize,
    best: Option<f64>,
    wait: usize,
    best_weights: Option<Vec<kc_runtime::HostTensor>>,
    /// The epoch training stopped at (0 when it did not stop early).
    pub stopped_epoch: usize,
}

impl EarlyStopping {
    pub fn new(monitor: &str) -> EarlyStopping {
        EarlyStopping {
            monitor: monitor.into(),
            min_delta: 0.0,
            patience: 0,
            mode: "auto".into(),
            restore_best_weights: false,
            start_from_epoch: 0,
            best: None,
            wait: 0,
            best_weights: None,
            stopped_epoch: 0,
        }
    }
    pub fn patience(mut self, p: usize) -> EarlyStopping {
        self.patience = p;
        self
    }
    pub fn min_delta(mut self, d: f64) -> EarlyStopping {
        self.min_delta = d.abs();
        self
    }
    pub fn mode(mut self, m: &str) -> EarlyStopping {
        self.mode = m.into();
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
    fn maximize(&self) -> bool {
        match self.mode.as_str() {
            "max" => true,
            "min" => false,
            _ => self.monitor.ends_with("acc") || self.monitor.ends_with("accuracy") || self.monitor.ends_with("auc"),
        }
    }
    fn improved(&self, v: f64) -> bool {
        match self.best {
            None => true,
            Some(b) if self.maximize() => v - self.min_delta > b,
            Some(b) => v + self.min_delta < b,
        }
    }
}

impl Callback for EarlyStopping {
    fn on_train_begin(&mut self, _: &mut CallbackCtx) -> Result<()> {
        if !matches!(self.mode.as_str(), "min" | "max" | "auto") {
            crate::bail!("EarlyStopping mode `{}` is not one of min, max, auto", self.mode);
        }
        self.best = None;
        self.wait = 0;
        self.stopped_epoch = 0;
        Ok(())
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &Logs, cx: &mut CallbackCtx) -> Result<()> {
        let Some(&v) = logs.get(&self.monitor) else {
            let have: Vec<&String> = logs.keys().collect();
            crate::bail!("EarlyStopping monitors `{}`, which is not among the logged metrics {have:?}", self.monitor);
        };
        if epoch < self.start_from_epoch {
            return Ok(());
        }
        if self.restore_best_weights && self.best_weights.is_none() {
            self.best_weights = Some(cx.weights.iter().map(|w| w.value()).collect());
        }
        self.wait += 1;
        if self.improved(v) {
            self.best = Some(v);
            self.wait = 0;
            if self.restore_best_weights {
                self.best_weights = Some(cx.weights.iter().map(|w| w.value()).collect());
            }
            return Ok(());
        }
        if self.wait >= self.patience && epoch > 0 {
            self.stopped_epoch = epoch;
            cx.stop_training = true;
            if let (true, Some(best)) = (self.restore_best_weights, &self.best_weights) {
                for (w, b) in cx.weights.iter().zip(best) {
                    w.assign(b.clone())?;
                }
            }
        }
        Ok(())
    }
}
