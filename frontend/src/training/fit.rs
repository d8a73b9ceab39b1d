//! `compile`, `fit`, `evaluate`, `predict`, `train_on_batch`: the loops around the
//! traced steps. Each step is traced once per input type with a symbolic batch axis
//! (`N`), so the last, smaller batch of an epoch reuses the same step.
use super::callbacks::{CallbackCtx, History, Logs};
use super::step::Step;
use super::{Compile, Fit};
use crate::data::{sample_count, take_rows};
use crate::error::{Error, Result};
use crate::graph::{Graph, ParamSource};
use crate::layers::{call1, CallCtx};
use crate::models::model::{with_batch, Compiled};
use crate::models::Model;
use crate::random::{next_seed, Rng};
use crate::tensor::Tensor;
use kc_compiler::autodiff::grad_keeping_outputs;
use kc_ir::TensorType;
use kc_runtime::HostTensor;
use std::io::Write;
use std::time::Instant;

fn host_type(h: &HostTensor) -> TensorType {
    TensorType::known(h.dtype(), &h.shape().iter().map(|&d| d as u64).collect::<Vec<_>>())
}

impl Model {
    /// `model.compile(optimizer=..., loss=..., metrics=[...], jit_compile=...)`.
    pub fn compile(&mut self, c: Compile) -> Result<()> {
        let (optimizer, loss, metrics, jit) = c.resolve()?;
        let (_, why) = jit.resolve();
        self.jit_report = why;
        self.compiled = Some(Compiled { optimizer, loss, metrics, jit, optimizer_built: false, train: None, test: None, predict: None });
        Ok(())
    }

    fn compiled(&mut self) -> Result<&mut Compiled> {
        self.compiled.as_mut().ok_or_else(|| Error::msg("you must call compile() before training or evaluating the model"))
    }

    /// Trace forward + loss + gradients + optimizer + metrics into one step.
    fn trace_train(&mut self, xt: &TensorType, yt: &TensorType) -> Result<Step> {
        let weights = self.trainable_weights();
        let c = self.compiled.as_mut().ok_or_else(|| Error::msg("not compiled"))?;
        if !c.optimizer_built {
            c.optimizer.build(&weights)?;
            c.optimizer_built = true;
        }
        // 1. forward and loss, differentiated with respect to the trainable weights
        let g = Graph::new();
        let x = g.input("x", xt.clone());
        let y = g.input("y", yt.clone());
        let cx = CallCtx::new(true);
        let y_pred = call1(self.net.as_mut(), &x, &cx)?;
        let c = self.compiled.as_mut().ok_or_else(|| Error::msg("not compiled"))?;
        let mut loss = c.loss.call(&y, &y_pred).map_err(|e| e.context(format!("loss {}", c.loss.name)))?;
        if loss.rank() != 0 {
            crate::bail!("the loss must reduce to a scalar, got {}", loss.ty());
        }
        for extra in cx.take_losses() {
            loss = crate::ops::add(&loss, &extra)?;
        }
        let updates = cx.take_updates();
        let mut outs = vec![loss, y_pred];
        outs.extend(updates.iter().map(|(_, t)| t.clone()));
        let (f, sources) = g.finish("forward", &outs)?;
        let wrt: Vec<usize> = sources.iter().enumerate().filter_map(|(i, s)| matches!(s, ParamSource::Variable(v) if v.trainable()).then_some(i)).collect();
        let vars: Vec<_> = wrt.iter().map(|&i| match &sources[i] {
            ParamSource::Variable(v) => v.clone(),
            ParamSource::Input(_) => unreachable!("wrt holds variables only"),
        }).collect();
        let gf = grad_keeping_outputs(&f, &wrt, 0, "forward_grad")?;
        // 2. the step: call the differentiated forward, then update weights and metrics
        let s = Graph::new();
        let x2 = s.input("x", xt.clone());
        let y2 = s.input("y", yt.clone());
        let args = sources.iter().map(|src| match src {
            ParamSource::Input(n) if n == "x" => x2.in_graph(&s),
            ParamSource::Input(_) => y2.in_graph(&s),
            ParamSource::Variable(v) => Ok(s.capture(v)),
        }).collect::<Result<Vec<_>>>()?;
        let res: Vec<Tensor> = s.inline(&gf, &args)?.into_iter().map(|v| s.tensor(v)).collect();
        let k = updates.len();
        let (loss, y_pred) = (res[0].clone(), res[1].clone());
        let grads = &res[2 + k..];
        let mut assigns = c.optimizer.apply(grads, &vars)?;
        for (v, t) in assigns.iter_mut() {
            if let Some(project) = v.constraint() {
                *t = project(t)?;
            }
        }
        for m in &c.metrics {
            assigns.extend(m.update(&y2, &y_pred)?);
        }
        for (i, (v, _)) in updates.iter().enumerate() {
            assigns.push((v.clone(), res[2 + i].clone()));
        }
        Step::build(&s, "train_step", &[loss], assigns)
    }

    /// Forward (inference mode), loss and metric updates.
    fn trace_test(&mut self, xt: &TensorType, yt: &TensorType) -> Result<Step> {
        let g = Graph::new();
        let x = g.input("x", xt.clone());
        let y = g.input("y", yt.clone());
        let y_pred = call1(self.net.as_mut(), &x, &CallCtx::new(false))?;
        let c = self.compiled.as_ref().ok_or_else(|| Error::msg("not compiled"))?;
        let loss = c.loss.call(&y, &y_pred)?;
        let mut assigns = Vec::new();
        for m in &c.metrics {
            assigns.extend(m.update(&y, &y_pred)?);
        }
        Step::build(&g, "test_step", &[loss], assigns)
    }

    fn trace_predict(&mut self, xt: &TensorType) -> Result<Step> {
        let g = Graph::new();
        let x = g.input("x", xt.clone());
        let y_pred = call1(self.net.as_mut(), &x, &CallCtx::new(false))?;
        Step::build(&g, "predict_step", &[y_pred], Vec::new())
    }

    fn train_step_for(&mut self, xt: TensorType, yt: TensorType) -> Result<()> {
        let have = matches!(&self.compiled()?.train, Some((a, b, _)) if *a == xt && *b == yt);
        if !have {
            let step = self.trace_train(&xt, &yt)?;
            self.compiled()?.train = Some((xt, yt, step));
        }
        Ok(())
    }

    fn test_step_for(&mut self, xt: TensorType, yt: TensorType) -> Result<()> {
        let have = matches!(&self.compiled()?.test, Some((a, b, _)) if *a == xt && *b == yt);
        if !have {
            let step = self.trace_test(&xt, &yt)?;
            self.compiled()?.test = Some((xt, yt, step));
        }
        Ok(())
    }

    fn reset_metrics(&mut self) -> Result<()> {
        for m in &self.compiled()?.metrics {
            m.reset()?;
        }
        Ok(())
    }

    fn metric_logs(&mut self, prefix: &str, loss: f64) -> Result<Logs> {
        let mut logs = Logs::new();
        logs.insert(format!("{prefix}loss"), loss);
        for m in &self.compiled()?.metrics {
            logs.insert(format!("{prefix}{}", m.name), m.result());
        }
        Ok(logs)
    }

    /// `model.fit(x, y, ...)`: train for `epochs`, returning the per-epoch history.
    pub fn fit(&mut self, x: &Tensor, y: &Tensor, mut cfg: Fit) -> Result<History> {
        self.compiled()?;
        if cfg.batch_size == 0 {
            crate::bail!("batch_size must be a positive integer, got 0");
        }
        if !(0.0..1.0).contains(&cfg.validation_split) {
            crate::bail!("validation_split must be in [0, 1), got {}", cfg.validation_split);
        }
        let (xh, yh) = (x.host()?, y.host()?);
        let n = sample_count(&[("x", &xh), ("y", &yh)])?;
        if n == 0 {
            crate::bail!("fit needs at least one sample");
        }
        // Keras takes the validation split from the end, before shuffling.
        let split_at = if cfg.validation_split > 0.0 { ((n as f64) * (1.0 - cfg.validation_split)) as usize } else { n };
        if split_at == 0 {
            crate::bail!("validation_split {} leaves no training samples out of {n}", cfg.validation_split);
        }
        let val = match cfg.validation_data.take() {
            Some((vx, vy)) => Some((vx.host()?, vy.host()?)),
            None if split_at < n => {
                let idx: Vec<usize> = (split_at..n).collect();
                Some((take_rows(&xh, &idx)?, take_rows(&yh, &idx)?))
            }
            None => None,
        };
        let xt = with_batch(&host_type(&xh));
        let yt = with_batch(&host_type(&yh));
        self.prepare(&host_type(&xh))?;
        self.train_step_for(xt, yt)?;
        if cfg.verbose > 0 {
            eprintln!("{}", self.jit_report);
        }
        let weights = self.weights();
        let lr0 = self.compiled()?.optimizer.learning_rate();
        let mut cb = CallbackCtx { weights: &weights, stop_training: false, learning_rate: lr0 };
        for c in &mut cfg.callbacks {
            c.on_train_begin(&mut cb)?;
        }
        let mut history = History::default();
        let steps = split_at.div_ceil(cfg.batch_size);
        let steps = cfg.steps_per_epoch.map(|s| s.min(steps)).unwrap_or(steps);
        let mut rng = Rng::new(next_seed());
        for epoch in cfg.initial_epoch..cfg.epochs {
            for c in &mut cfg.callbacks {
                c.on_epoch_begin(epoch, &mut cb)?;
            }
            let order: Vec<usize> = if cfg.shuffle { rng.permutation(split_at) } else { (0..split_at).collect() };
            self.reset_metrics()?;
            let (mut loss_sum, mut seen) = (0.0, 0usize);
            let start = Instant::now();
            if cfg.verbose == 1 {
                eprintln!("Epoch {}/{}", epoch + 1, cfg.epochs);
            }
            for b in 0..steps {
                let idx = &order[b * cfg.batch_size..((b + 1) * cfg.batch_size).min(split_at)];
                let xb = take_rows(&xh, idx)?;
                let yb = take_rows(&yh, idx)?;
                let step = &self.compiled()?.train.as_ref().ok_or_else(|| Error::msg("no train step"))?.2;
                let outs = step.run(&[("x", &xb), ("y", &yb)])?;
                let loss = outs[0].to_f64_vec()[0];
                loss_sum += loss * idx.len() as f64;
                seen += idx.len();
                let logs = self.metric_logs("", loss_sum / seen as f64)?;
                for c in &mut cfg.callbacks {
                    c.on_train_batch_end(b, &logs, &mut cb)?;
                }
                if cfg.verbose == 1 {
                    progress(b + 1, steps, start, &logs, false);
                }
            }
            let mut logs = self.metric_logs("", loss_sum / seen.max(1) as f64)?;
            if let Some((vx, vy)) = &val {
                let v = self.evaluate_host(vx, vy, cfg.batch_size)?;
                logs.extend(v.into_iter().map(|(k, v)| (format!("val_{k}"), v)));
            }
            if cfg.verbose > 0 {
                progress(steps, steps, start, &logs, true);
            }
            history.push(epoch, &logs);
            cb.learning_rate = self.compiled()?.optimizer.learning_rate();
            for c in &mut cfg.callbacks {
                c.on_epoch_end(epoch, &logs, &mut cb)?;
            }
            if (cb.learning_rate - self.compiled()?.optimizer.learning_rate()).abs() > 0.0 {
                self.compiled()?.optimizer.set_learning_rate(cb.learning_rate)?;
            }
            if cb.stop_training {
                break;
            }
        }
        for c in &mut cfg.callbacks {
            c.on_train_end(&mut cb)?;
        }
        Ok(history)
    }

    fn evaluate_host(&mut self, xh: &HostTensor, yh: &HostTensor, batch_size: usize) -> Result<Logs> {
        if batch_size == 0 {
            crate::bail!("batch_size must be a positive integer, got 0");
        }
        let n = sample_count(&[("x", xh), ("y", yh)])?;
        self.prepare(&host_type(xh))?;
        self.test_step_for(with_batch(&host_type(xh)), with_batch(&host_type(yh)))?;
        self.reset_metrics()?;
        let (mut loss_sum, mut seen) = (0.0, 0usize);
        for start in (0..n).step_by(batch_size) {
            let idx: Vec<usize> = (start..(start + batch_size).min(n)).collect();
            let (xb, yb) = (take_rows(xh, &idx)?, take_rows(yh, &idx)?);
            let step = &self.compiled()?.test.as_ref().ok_or_else(|| Error::msg("no test step"))?.2;
            let outs = step.run(&[("x", &xb), ("y", &yb)])?;
            loss_sum += outs[0].to_f64_vec()[0] * idx.len() as f64;
            seen += idx.len();
        }
        self.metric_logs("", loss_sum / seen.max(1) as f64)
    }

    /// `model.evaluate(x, y, batch_size)`: the loss and metrics over the data.
    pub fn evaluate(&mut self, x: &Tensor, y: &Tensor, batch_size: usize) -> Result<Logs> {
        self.compiled()?;
        self.evaluate_host(&x.host()?, &y.host()?, batch_size)
    }

    /// `model.predict(x, batch_size)`: the outputs for every sample, in order.
    pub fn predict(&mut self, x: &Tensor, batch_size: usize) -> Result<Tensor> {
        if batch_size == 0 {
            crate::bail!("batch_size must be a positive integer, got 0");
        }
        let xh = x.host()?;
        let n = sample_count(&[("x", &xh)])?;
        self.prepare(&host_type(&xh))?;
        let xt = with_batch(&host_type(&xh));
        // Cached on the model when compiled (predict works uncompiled too).
        let cached = self.compiled.as_mut().and_then(|c| match c.predict.take() {
            Some((t, s)) if t == xt => Some(s),
            _ => None,
        });
        let step = match cached {
            Some(s) => s,
            None => self.trace_predict(&xt)?,
        };
        let mut parts = Vec::new();
        for start in (0..n).step_by(batch_size) {
            let idx: Vec<usize> = (start..(start + batch_size).min(n)).collect();
            let xb = take_rows(&xh, &idx)?;
            parts.push(Tensor::from_host(step.run(&[("x", &xb)])?.remove(0)));
        }
        if let Some(c) = self.compiled.as_mut() {
            c.predict = Some((xt, step));
        }
        crate::ops::concatenate(&parts, 0)
    }

    /// One gradient step on one batch; returns the loss.
    pub fn train_on_batch(&mut self, x: &Tensor, y: &Tensor) -> Result<f64> {
        self.compiled()?;
        let (xh, yh) = (x.host()?, y.host()?);
        sample_count(&[("x", &xh), ("y", &yh)])?;
        self.prepare(&host_type(&xh))?;
        self.train_step_for(with_batch(&host_type(&xh)), with_batch(&host_type(&yh)))?;
        let step = &self.compiled()?.train.as_ref().ok_or_else(|| Error::msg("no train step"))?.2;
        Ok(step.run(&[("x", &xh), ("y", &yh)])?[0].to_f64_vec()[0])
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
