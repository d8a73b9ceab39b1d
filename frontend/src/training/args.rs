//! The keyword arguments of `fit`, `evaluate` and `predict`, as builders with Keras's
//! names and defaults.
use super::callbacks::Callback;
use crate::tensor::Tensor;
use std::collections::BTreeMap;

/// `model.fit(...)`'s keyword arguments.
pub struct Fit {
    pub batch_size: usize,
    pub epochs: usize,
    pub initial_epoch: usize,
    pub validation_split: f64,
    pub shuffle: bool,
    /// 0 silent, 1 a progress bar, 2 one line per epoch.
    pub verbose: u8,
    pub steps_per_epoch: Option<usize>,
    /// Validate every this many epochs (Keras's integer `validation_freq`).
    pub validation_freq: usize,
    pub callbacks: Vec<Box<dyn Callback>>,
    pub(crate) validation_data: Option<(Tensor, Tensor, Option<Tensor>)>,
    pub(crate) sample_weight: Option<Tensor>,
    pub(crate) class_weight: Option<BTreeMap<i64, f64>>,
}

impl Default for Fit {
    fn default() -> Fit {
        Fit {
            batch_size: 32,
            epochs: 1,
            initial_epoch: 0,
            validation_split: 0.0,
            shuffle: true,
            verbose: 1,
            steps_per_epoch: None,
            validation_freq: 1,
            callbacks: Vec::new(),
            validation_data: None,
            sample_weight: None,
            class_weight: None,
        }
    }
}

impl Fit {
    pub fn new() -> Fit {
        Fit::default()
    }
    pub fn batch_size(mut self, b: usize) -> Fit {
        self.batch_size = b;
        self
    }
    pub fn epochs(mut self, e: usize) -> Fit {
        self.epochs = e;
        self
    }
    /// The epoch to start at (for resuming); `epochs` is the index to stop before.
    pub fn initial_epoch(mut self, e: usize) -> Fit {
        self.initial_epoch = e;
        self
    }
    /// The fraction of the samples, taken from the end before shuffling, to validate on
    /// (their sample weights go with them).
    pub fn validation_split(mut self, v: f64) -> Fit {
        self.validation_split = v;
        self
    }
    pub fn validation_data(mut self, x: Tensor, y: Tensor) -> Fit {
        self.validation_data = Some((x, y, None));
        self
    }
    /// Validation data with per-sample weights (Keras's `(x, y, sample_weight)` tuple).
    pub fn validation_data_weighted(mut self, x: Tensor, y: Tensor, sample_weight: Tensor) -> Fit {
        self.validation_data = Some((x, y, Some(sample_weight)));
        self
    }
    pub fn validation_freq(mut self, every: usize) -> Fit {
        self.validation_freq = every;
        self
    }
    pub fn shuffle(mut self, s: bool) -> Fit {
        self.shuffle = s;
        self
    }
    pub fn verbose(mut self, v: u8) -> Fit {
        self.verbose = v;
        self
    }
    pub fn steps_per_epoch(mut self, s: usize) -> Fit {
        self.steps_per_epoch = Some(s);
        self
    }
    pub fn callback(mut self, c: impl Callback + 'static) -> Fit {
        self.callbacks.push(Box::new(c));
        self
    }
    /// One weight per sample (`[samples]`), multiplied into the losses and the weighted
    /// metrics of every output.
    pub fn sample_weight(mut self, w: Tensor) -> Fit {
        self.sample_weight = Some(w);
        self
    }
    /// A weight per class index (`[(0, 1.0), (1, 5.0)]`), turned into sample weights
    /// from the targets (class indices, or one-hot rows by their argmax); classes not
    /// listed weigh 1. Single-output models only, and not with `sample_weight`.
    pub fn class_weight(mut self, w: impl IntoIterator<Item = (i64, f64)>) -> Fit {
        self.class_weight = Some(w.into_iter().collect());
        self
    }
}

/// `model.evaluate(...)`'s keyword arguments.
pub struct Evaluate {
    pub batch_size: usize,
    /// Keras's default (`"auto"`) is 1: a progress bar.
    pub verbose: u8,
    /// Evaluate on at most this many batches.
    pub steps: Option<usize>,
    pub callbacks: Vec<Box<dyn Callback>>,
    pub(crate) sample_weight: Option<Tensor>,
}

impl Default for Evaluate {
    fn default() -> Evaluate {
        Evaluate { batch_size: 32, verbose: 1, steps: None, callbacks: Vec::new(), sample_weight: None }
    }
}

impl Evaluate {
    pub fn new() -> Evaluate {
        Evaluate::default()
    }
    pub fn batch_size(mut self, b: usize) -> Evaluate {
        self.batch_size = b;
        self
    }
    pub fn verbose(mut self, v: u8) -> Evaluate {
        self.verbose = v;
        self
    }
    pub fn steps(mut self, s: usize) -> Evaluate {
        self.steps = Some(s);
        self
    }
    pub fn callback(mut self, c: impl Callback + 'static) -> Evaluate {
        self.callbacks.push(Box::new(c));
        self
    }
    pub fn sample_weight(mut self, w: Tensor) -> Evaluate {
        self.sample_weight = Some(w);
        self
    }
}

/// `model.predict(...)`'s keyword arguments.
pub struct Predict {
    pub batch_size: usize,
    /// Keras's default (`"auto"`) is 1: a progress bar.
    pub verbose: u8,
    /// Predict at most this many batches.
    pub steps: Option<usize>,
    pub callbacks: Vec<Box<dyn Callback>>,
}

impl Default for Predict {
    fn default() -> Predict {
        Predict { batch_size: 32, verbose: 1, steps: None, callbacks: Vec::new() }
    }
}

impl Predict {
    pub fn new() -> Predict {
        Predict::default()
    }
    pub fn batch_size(mut self, b: usize) -> Predict {
        self.batch_size = b;
        self
    }
    pub fn verbose(mut self, v: u8) -> Predict {
        self.verbose = v;
        self
    }
    pub fn steps(mut self, s: usize) -> Predict {
        self.steps = Some(s);
        self
    }
    pub fn callback(mut self, c: impl Callback + 'static) -> Predict {
        self.callbacks.push(Box::new(c));
        self
    }
}
