//! `compile`, `fit`, `evaluate`, `predict`, `train_on_batch`: the loops around the
//! traced steps. Each step is traced once per input signature with a symbolic batch axis
//! (`N`), so the last, smaller batch of an epoch reuses the same step. Models may have
//! several inputs (`x0`, `x1`, ...) and outputs (`y0`, ...), each output with its loss.
use super::callbacks::{CallbackCtx, History, Logs};
use super::step::Step;
use super::{Compile, Fit};
use crate::data::{sample_count, take_rows, ArrayDataset, Dataset};
use crate::error::{Error, Result};
use crate::graph::{Graph, ParamSource};
use crate::layers::{invoke, CallCtx};
use crate::metrics::Metric;
use crate::models::model::{with_batch, Compiled, Sig};
use crate::models::Model;
use crate::tensor::Tensor;
use kc_compiler::autodiff::grad_keeping_outputs;
use kc_ir::TensorType;
use kc_runtime::HostTensor;
use std::io::Write;
use std::time::Instant;

/// The arrays of one side of the data: one per model input (or output).
pub struct Arrays(pub Vec<Tensor>);

impl From<&Tensor> for Arrays {
    fn from(t: &Tensor) -> Arrays {
        Arrays(vec![t.clone()])
    }
}
impl From<Tensor> for Arrays {
    fn from(t: Tensor) -> Arrays {
        Arrays(vec![t])
    }
}
impl From<Vec<Tensor>> for Arrays {
    fn from(v: Vec<Tensor>) -> Arrays {
        Arrays(v)
    }
}
impl From<&[Tensor]> for Arrays {
    fn from(v: &[Tensor]) -> Arrays {
        Arrays(v.to_vec())
    }
}
impl<const K: usize> From<[&Tensor; K]> for Arrays {
    fn from(v: [&Tensor; K]) -> Arrays {
        Arrays(v.iter().map(|t| (*t).clone()).collect())
    }
}

fn host_type(h: &HostTensor) -> TensorType {
    TensorType::known(h.dtype(), &h.shape().iter().map(|&d| d as u64).collect::<Vec<_>>())
}

fn hosts(a: Arrays) -> Result<Vec<HostTensor>> {
    a.0.iter().map(|t| t.host()).collect()
}

fn batch_types(v: &[HostTensor]) -> Vec<TensorType> {
    v.iter().map(|h| with_batch(&host_type(h))).collect()
}

fn rows(v: &[HostTensor], idx: &[usize]) -> Result<Vec<HostTensor>> {
    v.iter().map(|h| take_rows(h, idx)).collect()
}

/// `("x0", ..), ("y0", ..)` for a step's named inputs.
fn named<'a>(xs: &'a [HostTensor], ys: &'a [HostTensor]) -> (Vec<String>, Vec<&'a HostTensor>) {
    let mut names: Vec<String> = (0..xs.len()).map(|i| format!("x{i}")).collect();
    names.extend((0..ys.len()).map(|i| format!("y{i}")));
    (names, xs.iter().chain(ys).collect())
}

fn run_step(step: &Step, xs: &[HostTensor], ys: &[HostTensor]) -> Result<Vec<HostTensor>> {
    let (names, vals) = named(xs, ys);
    let inputs: Vec<(&str, &HostTensor)> = names.iter().map(|s| s.as_str()).zip(vals).collect();
    step.run(&inputs)
}

/// Add a step's scalar outputs (the logged losses), weighted by the batch's sample
/// count, to the running sums.
fn accumulate(sums: &mut Vec<f64>, outs: &[HostTensor], size: usize) {
    sums.resize(outs.len(), 0.0);
    for (s, o) in sums.iter_mut().zip(outs) {
        *s += o.to_f64_vec()[0] * size as f64;
    }
}

fn check_samples(xs: &[HostTensor], ys: &[HostTensor]) -> Result<usize> {
    let mut all: Vec<(String, &HostTensor)> = xs.iter().enumerate().map(|(i, h)| (if xs.len() == 1 { "x".into() } else { format!("x[{i}]") }, h)).collect();
    all.extend(ys.iter().enumerate().map(|(i, h)| (if ys.len() == 1 { "y".into() } else { format!("y[{i}]") }, h)));
    let refs: Vec<(&str, &HostTensor)> = all.iter().map(|(n, h)| (n.as_str(), *h)).collect();
    sample_count(&refs)
}

impl Model {
    /// `model.compile(optimizer=..., loss=..., metrics=[...], jit_compile=...)`.
    pub fn compile(&mut self, c: Compile) -> Result<()> {
        let r = c.resolve()?;
        let (_, why) = r.jit.resolve();
        self.jit_report = why;
        self.compiled = Some(Compiled {
            optimizer: r.optimizer,
            losses: r.losses,
            loss_weights: r.loss_weights,
            metric_names: r.metrics,
            metrics: Vec::new(),
            output_names: Vec::new(),
            jit: r.jit,
            train: None,
            test: None,
            predict: None,
        });
        Ok(())
    }

    fn compiled(&mut self) -> Result<&mut Compiled> {
        self.compiled.as_mut().ok_or_else(|| Error::msg("you must call compile() before training or evaluating the model"))
    }

    /// Call the network on symbolic inputs `x0..` of a new trace.
    fn trace_forward(&mut self, g: &Graph, xt: &[TensorType], training: bool) -> Result<(Vec<Tensor>, Vec<Tensor>, CallCtx)> {
        let _active = g.activate();
        let xs: Vec<Tensor> = xt.iter().enumerate().map(|(i, t)| g.input(&format!("x{i}"), t.clone())).collect();
        let cx = CallCtx::new(training);
        let outs = invoke(self.net.as_mut(), &xs, &cx)?;
        let names = self.output_names(outs.len());
        if let Some(c) = self.compiled.as_mut() {
            c.output_names = names;
        }
        Ok((xs, outs, cx))
    }

    /// The compiled metrics for each of `n_out` outputs (made once the count is known).
    pub(crate) fn ensure_metrics(c: &mut Compiled, n_out: usize) -> Result<()> {
        if c.metrics.is_empty() && !c.metric_names.is_empty() {
            for o in 0..n_out {
                let loss_name = &c.losses[if c.losses.len() == 1 { 0 } else { o }].name;
                for m in &c.metric_names {
                    let mut metric = Metric::resolve(m, loss_name)?;
                    if n_out > 1 {
                        let out = c.output_names.get(o).cloned().unwrap_or_else(|| format!("output_{o}"));
                        metric.name = format!("{out}_{}", metric.name);
                    }
                    c.metrics.push((o, metric));
                }
            }
        }
        Ok(())
    }

    /// The total loss (weighted per output) and, for several outputs, each output's
    /// weighted loss (logged as `<output>_loss`, as Keras does); makes the per-output
    /// metrics on first use.
    pub(crate) fn total_loss(c: &mut Compiled, ys: &[Tensor], outs: &[Tensor]) -> Result<(Tensor, Vec<Tensor>)> {
        if ys.len() != outs.len() {
            crate::bail!("the model has {} output(s) but {} target array(s) were given", outs.len(), ys.len());
        }
        if c.losses.len() != 1 && c.losses.len() != outs.len() {
            crate::bail!("compile was given {} losses for a model with {} outputs", c.losses.len(), outs.len());
        }
        Self::ensure_metrics(c, outs.len())?;
        let mut total: Option<Tensor> = None;
        let mut each = Vec::new();
        for (o, (y, p)) in ys.iter().zip(outs).enumerate() {
            let loss = &c.losses[if c.losses.len() == 1 { 0 } else { o }];
            let mut l = loss.call(y, p).map_err(|e| e.context(format!("loss {} (output {o})", loss.name)))?;
            if l.rank() != 0 {
                crate::bail!("loss {} must reduce to a scalar, got {}", loss.name, l.ty());
            }
            if let Some(&w) = c.loss_weights.get(o) {
                l = crate::ops::multiply(&l, w)?;
            }
            if outs.len() > 1 {
                each.push(l.clone());
            }
            total = Some(match total {
                Some(t) => crate::ops::add(&t, &l)?,
                None => l,
            });
        }
        Ok((total.ok_or_else(|| Error::msg("the model has no outputs"))?, each))
    }

    /// Trace forward + loss + gradients + optimizer + metrics into one step.
    fn trace_train(&mut self, xt: &[TensorType], yt: &[TensorType]) -> Result<Step> {
        let weights = self.trainable_weights();
        let c = self.compiled()?;
        c.optimizer.build(&weights)?;
        if self.custom_step.is_some() {
            return self.trace_custom_train(xt, yt);
        }
        // 1. forward and loss, differentiated with respect to the trainable weights
        let g = Graph::new();
        let _active = g.activate();
        let (_, outs, cx) = self.trace_forward(&g, xt, true)?;
        let ys: Vec<Tensor> = yt.iter().enumerate().map(|(i, t)| g.input(&format!("y{i}"), t.clone())).collect();
        let c = self.compiled()?;
        let (mut loss, each) = Self::total_loss(c, &ys, &outs)?;
        for extra in cx.take_losses() {
            loss = crate::ops::add(&loss, &extra)?;
        }
        let updates = cx.take_updates();
        let np = each.len();
        let mut results = vec![loss];
        results.extend(each);
        results.extend(outs.iter().cloned());
        results.extend(updates.iter().map(|(_, t)| t.clone()));
        let (f, sources) = g.finish("forward", &results)?;
        let wrt: Vec<usize> = sources.iter().enumerate().filter_map(|(i, s)| matches!(s, ParamSource::Variable(v) if v.trainable()).then_some(i)).collect();
        let vars: Vec<_> = wrt
            .iter()
            .filter_map(|&i| match &sources[i] {
                ParamSource::Variable(v) => Some(v.clone()),
                ParamSource::Input(_) => None,
            })
            .collect();
        let gf = grad_keeping_outputs(&f, &wrt, 0, "forward_grad")?;
        // 2. the step: call the differentiated forward, then update weights and metrics
        let s = Graph::new();
        // (the forward trace is finished; from here on ops on variables go to the step)
        drop(_active);
        let _active = s.activate();
        let xs2: Vec<Tensor> = xt.iter().enumerate().map(|(i, t)| s.input(&format!("x{i}"), t.clone())).collect();
        let ys2: Vec<Tensor> = yt.iter().enumerate().map(|(i, t)| s.input(&format!("y{i}"), t.clone())).collect();
        let args = sources
            .iter()
            .map(|src| match src {
                ParamSource::Input(n) => {
                    let (side, i) = n.split_at(1);
                    let i: usize = i.parse().map_err(|_| Error::msg(format!("internal: unexpected step input {n}")))?;
                    let t = if side == "x" { &xs2[i] } else { &ys2[i] };
                    t.in_graph(&s)
                }
                ParamSource::Variable(v) => Ok(s.capture(v)),
            })
            .collect::<Result<Vec<_>>>()?;
        let res: Vec<Tensor> = s.inline(&gf, &args)?.into_iter().map(|v| s.tensor(v)).collect();
        let (n_out, k) = (outs.len(), updates.len());
        let logged = &res[..1 + np];
        let preds = &res[1 + np..1 + np + n_out];
        let grads = &res[1 + np + n_out + k..];
        let c = self.compiled()?;
        let mut assigns = c.optimizer.apply(grads, &vars)?;
        for (v, t) in assigns.iter_mut() {
            if let Some(project) = v.constraint() {
                *t = project(t)?;
            }
        }
        for (o, m) in &c.metrics {
            assigns.extend(m.update(&ys2[*o], &preds[*o])?);
        }
        for (i, (v, _)) in updates.iter().enumerate() {
            assigns.push((v.clone(), res[1 + np + n_out + i].clone()));
        }
        Step::build(&s, "train_step", logged, assigns)
    }

    /// Forward (inference mode), loss and metric updates.
    fn trace_test(&mut self, xt: &[TensorType], yt: &[TensorType]) -> Result<Step> {
        let g = Graph::new();
        let _active = g.activate();
        let (_, outs, _) = self.trace_forward(&g, xt, false)?;
        let ys: Vec<Tensor> = yt.iter().enumerate().map(|(i, t)| g.input(&format!("y{i}"), t.clone())).collect();
        let c = self.compiled()?;
        let (loss, each) = Self::total_loss(c, &ys, &outs)?;
        let mut logged = vec![loss];
        logged.extend(each);
        let mut assigns = Vec::new();
        for (o, m) in &c.metrics {
            assigns.extend(m.update(&ys[*o], &outs[*o])?);
        }
        Step::build(&g, "test_step", &logged, assigns)
    }

    fn trace_predict(&mut self, xt: &[TensorType]) -> Result<Step> {
        let g = Graph::new();
        let (_, outs, _) = self.trace_forward(&g, xt, false)?;
        Step::build(&g, "predict_step", &outs, Vec::new())
    }

    fn train_step_for(&mut self, sig: Sig) -> Result<()> {
        let have = matches!(&self.compiled()?.train, Some((s, _)) if *s == sig);
        if !have {
            let step = self.trace_train(&sig.0, &sig.1)?;
            self.compiled()?.train = Some((sig, step));
        }
        Ok(())
    }

    fn test_step_for(&mut self, sig: Sig) -> Result<()> {
        let have = matches!(&self.compiled()?.test, Some((s, _)) if *s == sig);
        if !have {
            let step = self.trace_test(&sig.0, &sig.1)?;
            self.compiled()?.test = Some((sig, step));
        }
        Ok(())
    }

    fn reset_metrics(&mut self) -> Result<()> {
        for (_, m) in &self.compiled()?.metrics {
            m.reset()?;
        }
        Ok(())
    }

    /// The logs after `seen` samples: the running means of the step's logged losses
    /// (`sums`: the total, then one per output) and the metrics' results.
    fn metric_logs(&mut self, prefix: &str, sums: &[f64], seen: usize) -> Result<Logs> {
        let mut logs = Logs::new();
        let c = self.compiled()?;
        for (i, s) in sums.iter().enumerate() {
            let name = if i == 0 { "loss".to_string() } else { format!("{}_loss", c.output_names.get(i - 1).cloned().unwrap_or_else(|| format!("output_{}", i - 1))) };
            logs.insert(format!("{prefix}{name}"), s / seen.max(1) as f64);
        }
        for (_, m) in &c.metrics {
            logs.insert(format!("{prefix}{}", m.name), m.result());
        }
        Ok(logs)
    }

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
        let n = check_samples(&xh, &yh)?;
        if n == 0 {
            crate::bail!("fit needs at least one sample");
        }
        // Keras takes the validation split from the end, before shuffling.
        let split_at = if cfg.validation_split > 0.0 { ((n as f64) * (1.0 - cfg.validation_split)) as usize } else { n };
        if split_at == 0 {
            crate::bail!("validation_split {} leaves no training samples out of {n}", cfg.validation_split);
        }
        let val = match cfg.validation_data.take() {
            Some((vx, vy)) => Some((vec![vx.host()?], vec![vy.host()?])),
            None if split_at < n => {
                let idx: Vec<usize> = (split_at..n).collect();
                Some((rows(&xh, &idx)?, rows(&yh, &idx)?))
            }
            None => None,
        };
        let (tx, ty) = if split_at < n {
            let idx: Vec<usize> = (0..split_at).collect();
            (rows(&xh, &idx)?, rows(&yh, &idx)?)
        } else {
            (xh, yh)
        };
        let mut ds = ArrayDataset::new(tx, ty, cfg.batch_size, cfg.shuffle)?;
        self.fit_loop(&mut ds, val, cfg)
    }

    /// `model.fit(dataset, ...)`: train on batches from a [`Dataset`] (validation, if any,
    /// from `Fit::validation_data`).
    pub fn fit_dataset(&mut self, ds: &mut dyn Dataset, mut cfg: Fit) -> Result<History> {
        self.compiled()?;
        let val = match cfg.validation_data.take() {
            Some((vx, vy)) => Some((vec![vx.host()?], vec![vy.host()?])),
            None => None,
        };
        self.fit_loop(ds, val, cfg)
    }

    fn fit_loop(&mut self, ds: &mut dyn Dataset, val: Option<(Vec<HostTensor>, Vec<HostTensor>)>, mut cfg: Fit) -> Result<History> {
        let batches = ds.num_batches();
        if batches == 0 {
            crate::bail!("the dataset has no batches");
        }
        let steps = cfg.steps_per_epoch.map(|s| s.min(batches)).unwrap_or(batches);
        if cfg.verbose > 0 {
            eprintln!("{}", self.jit_report);
        }
        let weights = self.weights();
        let mut history = History::default();
        let mut stop = false;
        {
            let lr = self.compiled()?.optimizer.learning_rate();
            let mut cx = CallbackCtx { weights: &weights, stop_training: false, learning_rate: lr };
            for c in &mut cfg.callbacks {
                c.on_train_begin(&mut cx)?;
            }
        }
        for epoch in cfg.initial_epoch..cfg.epochs {
            let lr = self.compiled()?.optimizer.learning_rate();
            let mut cx = CallbackCtx { weights: &weights, stop_training: false, learning_rate: lr };
            for c in &mut cfg.callbacks {
                c.on_epoch_begin(epoch, &mut cx)?;
            }
            self.reset_metrics()?;
            let (mut sums, mut seen) = (Vec::<f64>::new(), 0usize);
            let start = Instant::now();
            if cfg.verbose == 1 {
                eprintln!("Epoch {}/{}", epoch + 1, cfg.epochs);
            }
            for b in 0..steps {
                let (xb, yb) = ds.batch(b)?;
                let size = check_samples(&xb, &yb)?;
                if let Some(first) = xb.first() {
                    self.prepare(&host_type(first))?;
                }
                self.train_step_for((batch_types(&xb), batch_types(&yb)))?;
                let step = &self.compiled()?.train.as_ref().ok_or_else(|| Error::msg("no train step"))?.1;
                let outs = run_step(step, &xb, &yb)?;
                accumulate(&mut sums, &outs, size);
                seen += size;
                let logs = self.metric_logs("", &sums, seen)?;
                for c in &mut cfg.callbacks {
                    c.on_train_batch_end(b, &logs, &mut cx)?;
                }
                if cfg.verbose == 1 {
                    progress(b + 1, steps, start, &logs, false);
                }
            }
            ds.on_epoch_end();
            let mut logs = self.metric_logs("", &sums, seen)?;
            if let Some((vx, vy)) = &val {
                let v = self.evaluate_host(vx, vy, cfg.batch_size)?;
                logs.extend(v.into_iter().map(|(k, v)| (format!("val_{k}"), v)));
            }
            if cfg.verbose > 0 {
                progress(steps, steps, start, &logs, true);
            }
            history.push(epoch, &logs);
            for c in &mut cfg.callbacks {
                c.on_epoch_end(epoch, &logs, &mut cx)?;
            }
            if cx.learning_rate != self.compiled()?.optimizer.learning_rate() {
                self.compiled()?.optimizer.set_learning_rate(cx.learning_rate)?;
            }
            if cx.stop_training {
                stop = true;
                break;
            }
        }
        // with use_ema the moving averages become the weights (Keras's fit does this)
        let trainable = self.trainable_weights();
        self.compiled()?.optimizer.finalize_variable_values(&trainable)?;
        let lr = self.compiled()?.optimizer.learning_rate();
        let mut cx = CallbackCtx { weights: &weights, stop_training: stop, learning_rate: lr };
        for c in &mut cfg.callbacks {
            c.on_train_end(&mut cx)?;
        }
        Ok(history)
    }

    fn evaluate_host(&mut self, xh: &[HostTensor], yh: &[HostTensor], batch_size: usize) -> Result<Logs> {
        if batch_size == 0 {
            crate::bail!("batch_size must be a positive integer, got 0");
        }
        let n = check_samples(xh, yh)?;
        if let Some(first) = xh.first() {
            self.prepare(&host_type(first))?;
        }
        self.test_step_for((batch_types(xh), batch_types(yh)))?;
        self.reset_metrics()?;
        let (mut sums, mut seen) = (Vec::<f64>::new(), 0usize);
        for start in (0..n).step_by(batch_size) {
            let idx: Vec<usize> = (start..(start + batch_size).min(n)).collect();
            let (xb, yb) = (rows(xh, &idx)?, rows(yh, &idx)?);
            let step = &self.compiled()?.test.as_ref().ok_or_else(|| Error::msg("no test step"))?.1;
            let outs = run_step(step, &xb, &yb)?;
            accumulate(&mut sums, &outs, idx.len());
            seen += idx.len();
        }
        self.metric_logs("", &sums, seen)
    }

    /// `model.evaluate(x, y, batch_size)`: the loss and metrics over the data.
    pub fn evaluate(&mut self, x: impl Into<Arrays>, y: impl Into<Arrays>, batch_size: usize) -> Result<Logs> {
        self.compiled()?;
        let (xh, yh) = (hosts(x.into())?, hosts(y.into())?);
        self.evaluate_host(&xh, &yh, batch_size)
    }

    /// `model.predict(x, batch_size)` for a single-output model: the outputs for every
    /// sample, in order.
    pub fn predict(&mut self, x: impl Into<Arrays>, batch_size: usize) -> Result<Tensor> {
        let mut v = self.predict_all(x, batch_size)?;
        if v.len() != 1 {
            crate::bail!("the model has {} outputs; use predict_all", v.len());
        }
        Ok(v.remove(0))
    }

    /// `model.predict` returning every output.
    pub fn predict_all(&mut self, x: impl Into<Arrays>, batch_size: usize) -> Result<Vec<Tensor>> {
        if batch_size == 0 {
            crate::bail!("batch_size must be a positive integer, got 0");
        }
        let xh = hosts(x.into())?;
        let n = check_samples(&xh, &[])?;
        if let Some(first) = xh.first() {
            self.prepare(&host_type(first))?;
        }
        let xt = batch_types(&xh);
        // Cached on the model when compiled (predict works uncompiled too).
        let cached = self.compiled.as_mut().and_then(|c| match c.predict.take() {
            Some((t, s)) if t == xt => Some(s),
            _ => None,
        });
        let step = match cached {
            Some(s) => s,
            None => self.trace_predict(&xt)?,
        };
        let mut parts: Vec<Vec<Tensor>> = Vec::new();
        for start in (0..n).step_by(batch_size) {
            let idx: Vec<usize> = (start..(start + batch_size).min(n)).collect();
            let xb = rows(&xh, &idx)?;
            let outs = run_step(&step, &xb, &[])?;
            for (o, t) in outs.into_iter().enumerate() {
                if parts.len() <= o {
                    parts.push(Vec::new());
                }
                parts[o].push(Tensor::from_host(t));
            }
        }
        if let Some(c) = self.compiled.as_mut() {
            c.predict = Some((xt, step));
        }
        parts.iter().map(|p| crate::ops::concatenate(p, 0)).collect()
    }

    /// One gradient step on one batch; returns the loss.
    pub fn train_on_batch(&mut self, x: impl Into<Arrays>, y: impl Into<Arrays>) -> Result<f64> {
        self.compiled()?;
        let (xh, yh) = (hosts(x.into())?, hosts(y.into())?);
        check_samples(&xh, &yh)?;
        if let Some(first) = xh.first() {
            self.prepare(&host_type(first))?;
        }
        self.train_step_for((batch_types(&xh), batch_types(&yh)))?;
        let step = &self.compiled()?.train.as_ref().ok_or_else(|| Error::msg("no train step"))?.1;
        Ok(run_step(step, &xh, &yh)?[0].to_f64_vec()[0])
    }
}

/// Keras-style progress: `469/469 ━━━━━━━━━━━━━━━━━━━━ 3s 6ms/step - accuracy: 0.8213 - loss: 0.5112`.
fn progress(done: usize, total: usize, start: Instant, logs: &Logs, last: bool) {
    // Redraw at most ~20 times per epoch, and always at the end.
    let every = (total / 20).max(1);
    if !last && done % every != 0 {
        return;
    }
    let width = 20;
    let filled = (done * width) / total.max(1);
    let bar: String = "━".repeat(filled) + &" ".repeat(width - filled);
    let secs = start.elapsed().as_secs_f64();
    let per = secs * 1e3 / done.max(1) as f64;
    let metrics: Vec<String> = logs.iter().map(|(k, v)| format!("{k}: {v:.4}")).collect();
    let line = format!("{done}/{total} {bar} {}s {per:.0}ms/step - {}", secs.round() as u64, metrics.join(" - "));
    let mut err = std::io::stderr();
    use std::io::IsTerminal;
    if !err.is_terminal() && !last {
        return;
    }
    if last {
        let _ = writeln!(err, "\r{line}");
    } else {
        let _ = write!(err, "\r{line}");
        let _ = err.flush();
    }
}
