//! `evaluate`, `predict` and the single-batch `train_on_batch`, `test_on_batch`,
//! `predict_on_batch`.
use super::batches::{accumulate, batch_types, check_samples, host_type, hosts, rows, run_step, Arrays, Batch};
use super::callbacks::{Callback, CallbackList, Logs, Params, ProgbarLogger};
use super::{Evaluate, Predict};
use crate::error::{Error, Result};
use crate::models::Model;
use crate::tensor::Tensor;

/// The callbacks of an `evaluate`/`predict`: the user's, then a progress bar when
/// `verbose > 0` and none was given.
fn with_progbar<'a>(user: &'a mut [Box<dyn Callback>], progbar: &'a mut Option<ProgbarLogger>) -> CallbackList<'a> {
    let mut list = CallbackList(user.iter_mut().map(|c| c.as_mut() as &mut dyn Callback).collect());
    if let Some(p) = progbar.as_mut() {
        list.0.push(p);
    }
    list
}

impl Model {
    /// `model.evaluate(x, y, batch_size=...)`, silent: the loss and metrics over the data.
    pub fn evaluate(&mut self, x: impl Into<Arrays>, y: impl Into<Arrays>, batch_size: usize) -> Result<Logs> {
        self.evaluate_with(x, y, Evaluate::new().batch_size(batch_size).verbose(0))
    }

    /// `model.evaluate(x, y, ...)` with every keyword argument: sample weights, `steps`,
    /// callbacks (their test hooks), `verbose` (a progress bar by default, as in Keras).
    pub fn evaluate_with(&mut self, x: impl Into<Arrays>, y: impl Into<Arrays>, mut cfg: Evaluate) -> Result<Logs> {
        self.compiled()?;
        let data = Batch { x: hosts(x.into())?, y: hosts(y.into())?, sw: cfg.sample_weight.take().map(|w| w.host()).transpose()? };
        let steps = Self::test_batches(&data, cfg.batch_size, cfg.steps)?.len();
        let mut progbar = (cfg.verbose > 0 && !cfg.callbacks.iter().any(|c| c.is_progbar())).then(ProgbarLogger::new);
        let mut list = with_progbar(&mut cfg.callbacks, &mut progbar);
        list.set_params(&Params { verbose: cfg.verbose, epochs: 1, steps: Some(steps) });
        self.evaluate_loop(&data, cfg.batch_size, cfg.steps, &mut list)
    }

    /// `model.predict(x, batch_size=...)` for a single-output model, silent: the outputs
    /// for every sample, in order.
    pub fn predict(&mut self, x: impl Into<Arrays>, batch_size: usize) -> Result<Tensor> {
        let mut v = self.predict_all(x, batch_size)?;
        if v.len() != 1 {
            crate::bail!("the model has {} outputs; use predict_all", v.len());
        }
        Ok(v.remove(0))
    }

    /// `model.predict` returning every output, silent.
    pub fn predict_all(&mut self, x: impl Into<Arrays>, batch_size: usize) -> Result<Vec<Tensor>> {
        self.predict_with(x, Predict::new().batch_size(batch_size).verbose(0))
    }

    /// `model.predict(x, ...)` with every keyword argument: `steps`, callbacks (their
    /// predict hooks), `verbose` (a progress bar by default, as in Keras). Every output.
    pub fn predict_with(&mut self, x: impl Into<Arrays>, mut cfg: Predict) -> Result<Vec<Tensor>> {
        if cfg.batch_size == 0 {
            crate::bail!("batch_size must be a positive integer, got 0");
        }
        let mut xh = hosts(x.into())?;
        let n = check_samples(&xh, &[], None)?;
        if n == 0 {
            crate::bail!("predict needs at least one sample");
        }
        if let Some(first) = xh.first() {
            self.prepare(&host_type(first))?;
        }
        let mut batches: Vec<Vec<usize>> = (0..n).step_by(cfg.batch_size).map(|s| (s..(s + cfg.batch_size).min(n)).collect()).collect();
        if let Some(k) = cfg.steps {
            batches.truncate(k);
        }
        let xt = batch_types(&xh);
        // Cached on the model when compiled (predict works uncompiled too).
        let cached = self.compiled.as_mut().and_then(|c| match c.predict.take() {
            Some((t, s)) if super::trace::types_serve(&t, &xt, &mut Default::default()) => Some((t, s)),
            _ => None,
        });
        let (xt, step) = match cached {
            Some(s) => s,
            None => self.trace_predict(&xt)?,
        };
        let mut progbar = (cfg.verbose > 0 && !cfg.callbacks.iter().any(|c| c.is_progbar())).then(ProgbarLogger::new);
        let mut list = with_progbar(&mut cfg.callbacks, &mut progbar);
        list.set_params(&Params { verbose: cfg.verbose, epochs: 1, steps: Some(batches.len()) });
        list.predict_begin(self)?;
        let mut parts: Vec<Vec<Tensor>> = Vec::new();
        for (b, idx) in batches.iter().enumerate() {
            list.predict_batch_begin(b, self)?;
            // one batch of every sample (predict_on_batch): no copy of the rows
            let x = if idx.len() == n { std::mem::take(&mut xh) } else { rows(&xh, idx)? };
            let batch = Batch { x, y: Vec::new(), sw: None };
            let outs: Vec<Tensor> = run_step(&step, &batch)?.into_iter().map(Tensor::from_host).collect();
            list.predict_batch_end(b, &outs, self)?;
            for (o, t) in outs.into_iter().enumerate() {
                if parts.len() <= o {
                    parts.push(Vec::new());
                }
                parts[o].push(t);
            }
        }
        list.predict_end(self)?;
        if let Some(c) = self.compiled.as_mut() {
            c.predict = Some((xt, step));
        }
        parts.into_iter().map(|mut p| if p.len() == 1 { Ok(p.remove(0)) } else { crate::ops::concatenate(&p, 0) }).collect()
    }

    /// One gradient step on one batch; returns the loss.
    pub fn train_on_batch(&mut self, x: impl Into<Arrays>, y: impl Into<Arrays>) -> Result<f64> {
        Self::loss_of(self.train_on_batch_logs(x, y, None)?)
    }

    /// Keras's `train_on_batch(x, y, sample_weight, return_dict=True)`: one step, the
    /// metrics reset first, so the logs are this batch's (computed before the update).
    pub fn train_on_batch_logs(&mut self, x: impl Into<Arrays>, y: impl Into<Arrays>, sample_weight: Option<&Tensor>) -> Result<Logs> {
        self.compiled()?;
        let b = Batch { x: hosts(x.into())?, y: hosts(y.into())?, sw: sample_weight.map(|w| w.host()).transpose()? };
        let n = b.samples()?;
        if let Some(first) = b.x.first() {
            self.prepare(&host_type(first))?;
        }
        self.reset_metrics()?;
        let step = self.train_step_for(b.sig())?;
        let outs = run_step(step, &b)?;
        let mut sums = Vec::new();
        accumulate(&mut sums, &outs, n);
        self.metric_logs(&sums, n)
    }

    /// The loss of one batch, without updating the weights.
    pub fn test_on_batch(&mut self, x: impl Into<Arrays>, y: impl Into<Arrays>) -> Result<f64> {
        Self::loss_of(self.test_on_batch_logs(x, y, None)?)
    }

    /// Keras's `test_on_batch(x, y, sample_weight, return_dict=True)`: the loss and
    /// metrics of one batch (the metrics reset first).
    pub fn test_on_batch_logs(&mut self, x: impl Into<Arrays>, y: impl Into<Arrays>, sample_weight: Option<&Tensor>) -> Result<Logs> {
        self.compiled()?;
        let b = Batch { x: hosts(x.into())?, y: hosts(y.into())?, sw: sample_weight.map(|w| w.host()).transpose()? };
        let n = b.samples()?;
        if let Some(first) = b.x.first() {
            self.prepare(&host_type(first))?;
        }
        self.reset_metrics()?;
        let step = self.test_step_for(b.sig())?;
        let outs = run_step(step, &b)?;
        let mut sums = Vec::new();
        accumulate(&mut sums, &outs, n);
        self.metric_logs(&sums, n)
    }

    /// The outputs for one batch (every output), as one call of the predict step.
    pub fn predict_on_batch(&mut self, x: impl Into<Arrays>) -> Result<Vec<Tensor>> {
        let xs = x.into();
        let n = xs.0.first().and_then(|t| t.shape()).and_then(|s| s.first().copied()).unwrap_or(1).max(1);
        self.predict_with(xs, Predict::new().batch_size(n).verbose(0))
    }

    fn loss_of(logs: Logs) -> Result<f64> {
        logs.get("loss").copied().ok_or_else(|| Error::msg("internal: the step logged no loss"))
    }
}
