//! `fit`: epochs of train steps with the callbacks around them, in Keras's order
//! (`on_train_begin`; per epoch `on_epoch_begin`, per batch `on_train_batch_begin/end`,
//! the validation `evaluate` with its test hooks, `on_epoch_end`; `on_train_end`).
use super::batches::{accumulate, check_samples, class_weights_to_sample_weights, host_type, hosts, rows, run_step, Arrays, Batch};
use super::callbacks::{Callback, CallbackList, History, Logs, Params, ProgbarLogger};
use super::Fit;
use crate::data::{ArrayDataset, Dataset};
use crate::error::Result;
use crate::models::Model;
use std::collections::BTreeMap;

impl Model {
    /// `model.fit(x, y, ...)`: train for `epochs`, returning the per-epoch history. `x`
    /// and `y` are one array each, or one per model input / output.
    pub fn fit(&mut self, x: impl Into<Arrays>, y: impl Into<Arrays>, mut cfg: Fit) -> Result<History> {
        self.compiled()?;
        if cfg.batch_size == 0 {
            crate::bail!("batch_size must be a positive integer, got 0");
        }
        if !(0.0..1.0).contains(&cfg.validation_split) {
            crate::bail!("validation_split must be in [0, 1), got {}", cfg.validation_split);
        }
        let (xh, yh) = (hosts(x.into())?, hosts(y.into())?);
        let sw = cfg.sample_weight.take().map(|w| w.host()).transpose()?;
        if cfg.class_weight.is_some() {
            if sw.is_some() {
                crate::bail!("you cannot give `class_weight` and `sample_weight` at the same time");
            }
            if yh.len() > 1 {
                crate::bail!("`class_weight` is only supported for models with a single output; this one has {} target arrays", yh.len());
            }
        }
        let n = check_samples(&xh, &yh, sw.as_ref())?;
        if n == 0 {
            crate::bail!("fit needs at least one sample");
        }
        // Keras takes the validation split from the end, before shuffling.
        let split_at = if cfg.validation_split > 0.0 { ((n as f64) * (1.0 - cfg.validation_split)) as usize } else { n };
        if split_at == 0 {
            crate::bail!("validation_split {} leaves no training samples out of {n}", cfg.validation_split);
        }
        let all = Batch { x: xh, y: yh, sw };
        let val = match cfg.validation_data.take() {
            Some((vx, vy, vw)) => Some(Batch { x: vec![vx.host()?], y: vec![vy.host()?], sw: vw.map(|w| w.host()).transpose()? }),
            None if split_at < n => Some(all.rows(&(split_at..n).collect::<Vec<_>>())?),
            None => None,
        };
        let train = if split_at < n { all.rows(&(0..split_at).collect::<Vec<_>>())? } else { all };
        let mut ds = ArrayDataset::new(train.x, train.y, cfg.batch_size, cfg.shuffle)?;
        if let Some(w) = train.sw {
            ds = ds.with_sample_weight(w)?;
        }
        self.fit_loop(&mut ds, val, cfg)
    }

    /// `model.fit(dataset, ...)`: train on batches from a [`Dataset`] (with its sample
    /// weights, if it gives them; validation, if any, from `Fit::validation_data`).
    pub fn fit_dataset(&mut self, ds: &mut dyn Dataset, mut cfg: Fit) -> Result<History> {
        self.compiled()?;
        if cfg.sample_weight.is_some() {
            crate::bail!("the `sample_weight` argument is not supported when training on a Dataset; have the dataset give the weights (Dataset::sample_weight)");
        }
        let val = match cfg.validation_data.take() {
            Some((vx, vy, vw)) => Some(Batch { x: vec![vx.host()?], y: vec![vy.host()?], sw: vw.map(|w| w.host()).transpose()? }),
            None => None,
        };
        self.fit_loop(ds, val, cfg)
    }

    /// Batch `i` of `ds`, with its sample weights, or the class weights' (Keras turns
    /// `class_weight` into sample weights batch by batch).
    fn dataset_batch(ds: &mut dyn Dataset, i: usize, class_weight: Option<&BTreeMap<i64, f64>>) -> Result<Batch> {
        let (x, y) = ds.batch(i)?;
        let mut sw = ds.sample_weight(i)?;
        if let Some(cw) = class_weight {
            if sw.is_some() {
                crate::bail!("you cannot give `class_weight` and `sample_weight` at the same time");
            }
            let [y0] = y.as_slice() else { crate::bail!("`class_weight` is only supported for models with a single output; the data has {} target arrays", y.len()) };
            sw = Some(class_weights_to_sample_weights(y0, cw)?);
        }
        Ok(Batch { x, y, sw })
    }

    fn fit_loop(&mut self, ds: &mut dyn Dataset, val: Option<Batch>, mut cfg: Fit) -> Result<History> {
        let batches = ds.num_batches();
        if batches == 0 {
            crate::bail!("the dataset has no batches");
        }
        if cfg.validation_freq == 0 {
            crate::bail!("validation_freq must be a positive integer, got 0");
        }
        let steps = cfg.steps_per_epoch.map(|s| s.min(batches)).unwrap_or(batches);
        if cfg.verbose > 0 {
            eprintln!("{}", self.jit_report);
        }
        let class_weight = cfg.class_weight.take();
        // Build the model and the optimizer before the callbacks see them (Keras's
        // `_symbolic_build`): BackupAndRestore loads weights and optimizer state into
        // them in on_train_begin.
        let first = Self::dataset_batch(ds, 0, class_weight.as_ref())?;
        if let Some(x0) = first.x.first() {
            self.prepare(&host_type(x0))?;
        }
        let trainable = self.trainable_weights();
        self.compiled()?.optimizer.build(&trainable)?;

        let mut history = History::default();
        let mut progbar = (cfg.verbose > 0 && !cfg.callbacks.iter().any(|c| c.is_progbar())).then(ProgbarLogger::new);
        let mut user = std::mem::take(&mut cfg.callbacks);
        let mut list = CallbackList(user.iter_mut().map(|c| c.as_mut() as &mut dyn Callback).collect());
        list.0.push(&mut history);
        if let Some(p) = progbar.as_mut() {
            list.0.push(p);
        }
        list.set_params(&Params { verbose: cfg.verbose, epochs: cfg.epochs, steps: Some(steps) });
        self.stop_training = false;
        self.initial_epoch = None;
        list.train_begin(self)?;
        let initial = self.initial_epoch.take().unwrap_or(cfg.initial_epoch);
        let outcome = self.epochs(ds, val.as_ref(), &cfg, steps, class_weight.as_ref(), initial, &mut list);
        // with use_ema the moving averages become the weights, also when a callback
        // failed (Keras does it in a `finally`)
        let trainable = self.trainable_weights();
        let finalized = self.compiled()?.optimizer.finalize_variable_values(&trainable);
        let logs = outcome?;
        finalized?;
        list.train_end(&logs, self)?;
        drop(list);
        Ok(history)
    }

    #[allow(clippy::too_many_arguments)]
    fn epochs(
        &mut self,
        ds: &mut dyn Dataset,
        val: Option<&Batch>,
        cfg: &Fit,
        steps: usize,
        class_weight: Option<&BTreeMap<i64, f64>>,
        initial: usize,
        list: &mut CallbackList,
    ) -> Result<Logs> {
        let mut training_logs = Logs::new();
        for epoch in initial..cfg.epochs {
            self.reset_metrics()?;
            list.epoch_begin(epoch, self)?;
            let (mut sums, mut seen) = (Vec::<f64>::new(), 0usize);
            for b in 0..steps {
                list.train_batch_begin(b, self)?;
                let batch = Self::dataset_batch(ds, b, class_weight)?;
                let size = batch.samples()?;
                if let Some(x0) = batch.x.first() {
                    self.prepare(&host_type(x0))?;
                }
                let step = self.train_step_for(batch.sig())?;
                let outs = run_step(step, &batch)?;
                accumulate(&mut sums, &outs, size);
                seen += size;
                let logs = self.metric_logs(&sums, seen)?;
                list.train_batch_end(b, &logs, self)?;
                if self.stop_training {
                    break;
                }
            }
            ds.on_epoch_end();
            let mut logs = self.metric_logs(&sums, seen)?;
            if let Some(v) = val.filter(|_| (epoch + 1) % cfg.validation_freq == 0) {
                let vl = self.evaluate_loop(v, cfg.batch_size, None, list)?;
                logs.extend(vl.into_iter().map(|(k, v)| (format!("val_{k}"), v)));
            }
            list.epoch_end(epoch, &mut logs, self)?;
            training_logs = logs;
            if self.stop_training {
                break;
            }
        }
        Ok(training_logs)
    }

    /// The validation or test batches of `data`, for `evaluate_loop`.
    pub(crate) fn test_batches(data: &Batch, batch_size: usize, steps: Option<usize>) -> Result<Vec<Vec<usize>>> {
        if batch_size == 0 {
            crate::bail!("batch_size must be a positive integer, got 0");
        }
        let n = data.samples()?;
        if n == 0 {
            crate::bail!("evaluate needs at least one sample");
        }
        let all: Vec<Vec<usize>> = (0..n).step_by(batch_size).map(|s| (s..(s + batch_size).min(n)).collect()).collect();
        Ok(match steps {
            Some(k) => all.into_iter().take(k).collect(),
            None => all,
        })
    }

    /// `evaluate`'s loop: the test step over `data` in batches, with the test hooks.
    pub(crate) fn evaluate_loop(&mut self, data: &Batch, batch_size: usize, steps: Option<usize>, list: &mut CallbackList) -> Result<Logs> {
        let batches = Self::test_batches(data, batch_size, steps)?;
        if let Some(x0) = data.x.first() {
            self.prepare(&host_type(x0))?;
        }
        self.test_step_for(data.sig())?;
        list.test_begin(self)?;
        self.reset_metrics()?;
        let (mut sums, mut seen) = (Vec::<f64>::new(), 0usize);
        for (b, idx) in batches.iter().enumerate() {
            list.test_batch_begin(b, self)?;
            let batch = Batch { x: rows(&data.x, idx)?, y: rows(&data.y, idx)?, sw: data.sw.as_ref().map(|w| crate::data::take_rows(w, idx)).transpose()? };
            let step = self.test_step_for(batch.sig())?;
            let outs = run_step(step, &batch)?;
            accumulate(&mut sums, &outs, idx.len());
            seen += idx.len();
            let logs = self.metric_logs(&sums, seen)?;
            list.test_batch_end(b, &logs, self)?;
        }
        let logs = self.metric_logs(&sums, seen)?;
        list.test_end(&logs, self)?;
        Ok(logs)
    }
}
