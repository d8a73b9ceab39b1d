//! `compile`, and tracing the steps the loops run. Each step is traced once per input
//! signature with a symbolic batch axis (`N`), so the last, smaller batch of an epoch
//! reuses the same step. Models may have several inputs (`x0`, `x1`, ...) and outputs
//! (`y0`, ...), each output with its loss; sample weights, when given, are one more input
//! (`sw`) that weighs every output's loss and the weighted metrics.
use super::step::Step;
use super::Compile;
use crate::callbacks::Logs;
use crate::error::{Error, Result};
use crate::graph::{Graph, ParamSource};
use crate::layers::{invoke, CallCtx};
use crate::metrics::{Direction, Metric};
use crate::models::model::{Compiled, Sig};
use crate::models::Model;
use crate::tensor::Tensor;
use kc_compiler::autodiff::grad_keeping_outputs;
use kc_ir::{Dim, Shape, TensorType};
use std::collections::HashMap;

/// How many times each step kind was traced (`Model::trace_counts`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TraceCounts {
    pub train: usize,
    pub test: usize,
    pub predict: usize,
}

/// The targets' types for a step whose outputs are `outs`: a target dim at the position
/// of an output's symbolic dim (a sequence-to-sequence target's time axis) is that
/// symbol too.
fn general_targets(yt: &[TensorType], outs: &[Tensor]) -> Vec<TensorType> {
    yt.iter()
        .enumerate()
        .map(|(i, t)| match outs.get(i) {
            Some(o) => {
                let od = o.dims();
                let dims = t.shape.0.iter().enumerate().map(|(k, d)| match od.get(k) {
                    Some(s @ Dim::Sym(_)) if k > 0 => s.clone(),
                    _ => d.clone(),
                }).collect();
                TensorType::new(t.dtype, Shape(dims))
            }
            None => t.clone(),
        })
        .collect()
}

/// Whether a step traced for `general` serves `concrete` types: same dtypes and ranks,
/// equal known dims, and each symbol standing for one extent throughout.
pub(crate) fn types_serve(general: &[TensorType], concrete: &[TensorType], env: &mut HashMap<String, Dim>) -> bool {
    general.len() == concrete.len()
        && general.iter().zip(concrete).all(|(g, c)| {
            g.dtype == c.dtype
                && g.rank() == c.rank()
                && g.shape.0.iter().zip(&c.shape.0).all(|(gd, cd)| match gd {
                    Dim::Known(_) => gd == cd,
                    Dim::Sym(s) => env.entry(s.clone()).or_insert_with(|| cd.clone()) == cd,
                })
        })
}

fn sig_serves(general: &Sig, concrete: &Sig) -> bool {
    let mut env = HashMap::new();
    types_serve(&general.0, &concrete.0, &mut env)
        && types_serve(&general.1, &concrete.1, &mut env)
        && match (&general.2, &concrete.2) {
            (Some(g), Some(c)) => types_serve(std::slice::from_ref(g), std::slice::from_ref(c), &mut env),
            (None, None) => true,
            _ => false,
        }
}

impl Model {
    /// `model.compile(optimizer=..., loss=..., metrics=[...], weighted_metrics=[...],
    /// jit_compile=...)`.
    pub fn compile(&mut self, c: Compile) -> Result<()> {
        let r = c.resolve()?;
        let (target, why) = r.jit.resolve()?;
        self.jit_report = why;
        self.compiled = Some(Compiled {
            optimizer: r.optimizer,
            losses: r.losses,
            loss_weights: r.loss_weights,
            metric_names: r.metrics,
            weighted_metric_names: r.weighted_metrics,
            metrics: Vec::new(),
            weighted_metrics: Vec::new(),
            output_names: Vec::new(),
            jit: r.jit,
            target,
            train: None,
            test: None,
            predict: None,
            traces: TraceCounts::default(),
        });
        Ok(())
    }

    pub(crate) fn compiled(&mut self) -> Result<&mut Compiled> {
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

    /// The compiled metrics for each of `n_out` outputs (made once the count is known):
    /// named by their identifier, prefixed by the output's name when there are several;
    /// a weighted metric named like an unweighted one becomes `weighted_<name>` (Keras's
    /// `CompileMetrics.result`).
    pub(crate) fn ensure_metrics(c: &mut Compiled, n_out: usize) -> Result<()> {
        if !c.metrics.is_empty() || !c.weighted_metrics.is_empty() {
            return Ok(());
        }
        let prefix = |c: &Compiled, o: usize, name: &str| {
            if n_out > 1 {
                let out = c.output_names.get(o).cloned().unwrap_or_else(|| format!("output_{o}"));
                format!("{out}_{name}")
            } else {
                name.to_string()
            }
        };
        for o in 0..n_out {
            let loss_name = c.losses[if c.losses.len() == 1 { 0 } else { o }].name.clone();
            for m in c.metric_names.clone() {
                let mut metric = Metric::resolve(&m, &loss_name)?;
                metric.name = prefix(c, o, &metric.name);
                c.metrics.push((o, metric));
            }
            for m in c.weighted_metric_names.clone() {
                let mut metric = Metric::resolve(&m, &loss_name)?;
                let plain = prefix(c, o, &metric.name);
                metric.name = if c.metrics.iter().any(|(_, u)| u.name == plain) { prefix(c, o, &format!("weighted_{}", metric.name)) } else { plain };
                c.weighted_metrics.push((o, metric));
            }
        }
        Ok(())
    }

    /// The total loss (weighted per output, and by the sample weights) and, for several
    /// outputs, each output's weighted loss (logged as `<output>_loss`, as Keras does);
    /// makes the per-output metrics on first use.
    pub(crate) fn total_loss(c: &mut Compiled, ys: &[Tensor], outs: &[Tensor], sw: Option<&Tensor>) -> Result<(Tensor, Vec<Tensor>)> {
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
            let mut l = loss.call_weighted(y, p, sw).map_err(|e| e.context(format!("loss {} (output {o})", loss.name)))?;
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

    /// The metrics' updates for a batch: the plain ones without weights, the weighted
    /// ones with the sample weights.
    pub(crate) fn metric_updates(c: &Compiled, ys: &[Tensor], preds: &[Tensor], sw: Option<&Tensor>) -> Result<Vec<(crate::Variable, Tensor)>> {
        let mut a = Vec::new();
        for (o, m) in &c.metrics {
            let (Some(y), Some(p)) = (ys.get(*o), preds.get(*o)) else { crate::bail!("metric {}: no output {o}", m.name) };
            a.extend(m.update(y, p)?);
        }
        for (o, m) in &c.weighted_metrics {
            let (Some(y), Some(p)) = (ys.get(*o), preds.get(*o)) else { crate::bail!("metric {}: no output {o}", m.name) };
            a.extend(m.update_weighted(y, p, sw)?);
        }
        Ok(a)
    }

    /// The types a step is traced for: the batch's, except that a dim the model declares
    /// unknown (an `Input`'s `None`: a sequence length) stays symbolic, so one trace (and
    /// one XLA program per extent) serves every sequence length.
    pub(crate) fn general_inputs(&mut self, xt: &[TensorType]) -> Vec<TensorType> {
        let declared: Vec<TensorType> = match self.net.as_functional() {
            Some(f) => f.input_types(),
            None => self.input_type().into_iter().collect(),
        };
        xt.iter()
            .enumerate()
            .map(|(i, t)| match declared.get(i) {
                Some(d) if d.rank() == t.rank() => {
                    let dims = t.shape.0.iter().zip(&d.shape.0).enumerate().map(|(k, (c, w))| if k > 0 && w.known().is_none() { w.clone() } else { c.clone() }).collect();
                    TensorType::new(t.dtype, Shape(dims))
                }
                _ => t.clone(),
            })
            .collect()
    }

    /// Trace forward + loss + gradients + optimizer + metrics into one step; returns the
    /// (general) signature it serves and the step.
    fn trace_train(&mut self, sig: &Sig) -> Result<(Sig, Step)> {
        let (xt, yt, swt) = sig;
        let weights = self.trainable_weights();
        self.compiled()?.optimizer.build(&weights)?;
        self.compiled()?.traces.train += 1;
        if self.custom_step.is_some() {
            return Ok((sig.clone(), self.trace_custom_train(xt, yt, swt.as_ref())?));
        }
        let xt = &self.general_inputs(xt);
        // 1. forward and loss, differentiated with respect to the trainable weights
        let g = Graph::new();
        let _active = g.activate();
        let (_, outs, cx) = self.trace_forward(&g, xt, true)?;
        let yt = &general_targets(yt, &outs);
        let ys: Vec<Tensor> = yt.iter().enumerate().map(|(i, t)| g.input(&format!("y{i}"), t.clone())).collect();
        let sw = swt.as_ref().map(|t| g.input("sw", t.clone()));
        let c = self.compiled()?;
        let (mut loss, each) = Self::total_loss(c, &ys, &outs, sw.as_ref())?;
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
        let sw2 = swt.as_ref().map(|t| s.input("sw", t.clone()));
        let args = sources
            .iter()
            .map(|src| match src {
                ParamSource::Input(n) if n == "sw" => sw2.as_ref().ok_or_else(|| Error::msg("internal: no sample weights in the step")).and_then(|t| t.in_graph(&s)),
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
        assigns.extend(Self::metric_updates(c, &ys2, preds, sw2.as_ref())?);
        for (i, (v, _)) in updates.iter().enumerate() {
            assigns.push((v.clone(), res[1 + np + n_out + i].clone()));
        }
        let target = self.compiled()?.target;
        let general = (xt.clone(), yt.clone(), swt.clone());
        Ok((general, Step::build(&s, "train_step", logged, assigns, target)?))
    }

    /// Forward (inference mode), loss and metric updates.
    fn trace_test(&mut self, sig: &Sig) -> Result<(Sig, Step)> {
        let (xt, yt, swt) = sig;
        self.compiled()?.traces.test += 1;
        let xt = &self.general_inputs(xt);
        let g = Graph::new();
        let _active = g.activate();
        let (_, outs, cx) = self.trace_forward(&g, xt, false)?;
        let yt = &general_targets(yt, &outs);
        let ys: Vec<Tensor> = yt.iter().enumerate().map(|(i, t)| g.input(&format!("y{i}"), t.clone())).collect();
        let sw = swt.as_ref().map(|t| g.input("sw", t.clone()));
        let c = self.compiled()?;
        let (loss, each) = Self::total_loss(c, &ys, &outs, sw.as_ref())?;
        let mut logged = vec![loss];
        logged.extend(each);
        let mut assigns = Self::metric_updates(c, &ys, &outs, sw.as_ref())?;
        // state an inference call moves (a stateful recurrent layer's states)
        assigns.extend(cx.take_updates());
        let target = c.target;
        let general = (xt.clone(), yt.clone(), swt.clone());
        Ok((general, Step::build(&g, "test_step", &logged, assigns, target)?))
    }

    /// The predict step; returns the (general) input types it serves.
    pub(crate) fn trace_predict(&mut self, xt: &[TensorType]) -> Result<(Vec<TensorType>, Step)> {
        if let Some(c) = self.compiled.as_mut() {
            c.traces.predict += 1;
        }
        let xt = self.general_inputs(xt);
        let g = Graph::new();
        let (_, outs, cx) = self.trace_forward(&g, &xt, false)?;
        let target = match &self.compiled {
            Some(c) => c.target,
            None => super::JitCompile::Auto.resolve()?.0,
        };
        // state an inference call moves (a stateful recurrent layer's states)
        let updates = cx.take_updates();
        Ok((xt, Step::build(&g, "predict_step", &outs, updates, target)?))
    }

    /// The train step for this signature (traced on first use, or when it is not an
    /// instance of the one traced: a symbolic dim takes any extent).
    pub(crate) fn train_step_for(&mut self, sig: Sig) -> Result<&Step> {
        let have = matches!(&self.compiled()?.train, Some((s, _)) if sig_serves(s, &sig));
        if !have {
            let traced = self.trace_train(&sig)?;
            self.compiled()?.train = Some(traced);
        }
        self.compiled()?.train.as_ref().map(|(_, s)| s).ok_or_else(|| Error::msg("internal: no train step"))
    }

    /// How many times each step kind was traced since `compile` (a new signature
    /// retraces; a new extent of a symbolic dim does not).
    pub fn trace_counts(&self) -> TraceCounts {
        self.compiled.as_ref().map(|c| c.traces).unwrap_or_default()
    }

    pub(crate) fn test_step_for(&mut self, sig: Sig) -> Result<&Step> {
        let have = matches!(&self.compiled()?.test, Some((s, _)) if sig_serves(s, &sig));
        if !have {
            let traced = self.trace_test(&sig)?;
            self.compiled()?.test = Some(traced);
        }
        self.compiled()?.test.as_ref().map(|(_, s)| s).ok_or_else(|| Error::msg("internal: no test step"))
    }

    /// Keras's `reset_metrics`: zero every compiled metric.
    pub fn reset_metrics(&mut self) -> Result<()> {
        if let Some(c) = self.compiled.as_mut() {
            for (_, m) in c.metrics.iter().chain(&c.weighted_metrics) {
                m.reset()?;
            }
        }
        Ok(())
    }

    /// The logs after `seen` samples: the running means of the step's logged losses
    /// (`sums`: the total, then one per output) and the metrics' results.
    pub(crate) fn metric_logs(&mut self, sums: &[f64], seen: usize) -> Result<Logs> {
        let mut logs = Logs::new();
        let c = self.compiled()?;
        for (i, s) in sums.iter().enumerate() {
            let name = if i == 0 { "loss".to_string() } else { format!("{}_loss", c.output_names.get(i - 1).cloned().unwrap_or_else(|| format!("output_{}", i - 1))) };
            logs.insert(name, s / seen.max(1) as f64);
        }
        for (_, m) in c.metrics.iter().chain(&c.weighted_metrics) {
            logs.insert(m.name.clone(), m.result());
        }
        Ok(logs)
    }

    /// Which way the compiled metric logged as `name` improves (for callbacks in
    /// `mode="auto"`).
    pub(crate) fn metric_direction(&self, name: &str) -> Option<Direction> {
        let c = self.compiled.as_ref()?;
        c.metrics.iter().chain(&c.weighted_metrics).find(|(_, m)| m.name == name).and_then(|(_, m)| m.direction())
    }
}
