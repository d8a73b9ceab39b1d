//! Overriding the train step (Keras's `train_step`): a closure traced into the step in
//! place of the built-in forward/loss/gradient/update sequence. It gets the batch as
//! symbolic tensors and a [`StepCtx`] to call the network, use the compiled loss,
//! optimizer and metrics, take gradients (`value_and_grad` works inside a trace) and
//! assign variables (a second optimizer's updates, say); it returns the loss to report.
use super::step::Step;
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::layers::{invoke, CallCtx, Layer};
use crate::models::model::Compiled;
use crate::models::Model;
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::TensorType;

pub type TrainStepFn = Box<dyn FnMut(&mut StepCtx, &[Tensor], &[Tensor]) -> Result<Tensor>>;

pub struct StepCtx<'a> {
    net: &'a mut dyn Layer,
    compiled: &'a mut Compiled,
    cx: CallCtx,
    assigns: Vec<(Variable, Tensor)>,
    sample_weight: Option<Tensor>,
}

impl StepCtx<'_> {
    /// The network in training mode.
    pub fn call(&mut self, xs: &[Tensor]) -> Result<Vec<Tensor>> {
        invoke(self.net, xs, &self.cx)
    }
    pub fn trainable_weights(&self) -> Vec<Variable> {
        self.net.trainable_weights()
    }
    /// The batch's sample weights (`fit(sample_weight=...)` or `class_weight`), if any.
    pub fn sample_weight(&self) -> Option<&Tensor> {
        self.sample_weight.as_ref()
    }
    /// The compiled loss(es), weighted per output and by the batch's sample weights,
    /// summed over outputs.
    pub fn compute_loss(&mut self, ys: &[Tensor], preds: &[Tensor]) -> Result<Tensor> {
        Ok(Model::total_loss(self.compiled, ys, preds, self.sample_weight.as_ref())?.0)
    }
    /// The compiled optimizer's update for these gradients (applied after the step).
    pub fn apply_gradients(&mut self, grads: &[Tensor], vars: &[Variable]) -> Result<()> {
        let a = self.compiled.optimizer.apply(grads, vars)?;
        self.assign(a)
    }
    /// Update the compiled metrics with this batch (the weighted ones with its sample
    /// weights).
    pub fn update_metrics(&mut self, ys: &[Tensor], preds: &[Tensor]) -> Result<()> {
        Model::ensure_metrics(self.compiled, preds.len())?;
        let a = Model::metric_updates(self.compiled, ys, preds, self.sample_weight.as_ref())?;
        self.assign(a)
    }
    /// New values for variables, written after the step (weights, slots, state).
    pub fn assign(&mut self, a: Vec<(Variable, Tensor)>) -> Result<()> {
        for (v, t) in a {
            let t = match v.constraint() {
                Some(project) => project(&t)?,
                None => t,
            };
            self.assigns.push((v, t));
        }
        Ok(())
    }
}

impl Model {
    /// Replace the built-in train step with `f` (used by `fit` and `train_on_batch`).
    pub fn set_train_step(&mut self, f: TrainStepFn) {
        self.custom_step = Some(f);
        if let Some(c) = self.compiled.as_mut() {
            c.train = None;
        }
    }

    pub(crate) fn trace_custom_train(&mut self, xt: &[TensorType], yt: &[TensorType], swt: Option<&TensorType>) -> Result<Step> {
        let mut f = self.custom_step.take().ok_or_else(|| Error::msg("internal: no custom step"))?;
        let s = Graph::new();
        let _active = s.activate();
        let xs: Vec<Tensor> = xt.iter().enumerate().map(|(i, t)| s.input(&format!("x{i}"), t.clone())).collect();
        let ys: Vec<Tensor> = yt.iter().enumerate().map(|(i, t)| s.input(&format!("y{i}"), t.clone())).collect();
        let sample_weight = swt.map(|t| s.input("sw", t.clone()));
        let result = (|| {
            let compiled = self.compiled.as_mut().ok_or_else(|| Error::msg("you must call compile() before training"))?;
            let mut ctx = StepCtx { net: self.net.as_mut(), compiled, cx: CallCtx::new(true), assigns: Vec::new(), sample_weight };
            let loss = f(&mut ctx, &xs, &ys)?;
            if loss.rank() != 0 {
                crate::bail!("a custom train step must return a scalar loss, got {}", loss.ty());
            }
            for (v, t) in ctx.cx.take_updates() {
                ctx.assigns.push((v, t));
            }
            Ok((loss, std::mem::take(&mut ctx.assigns)))
        })();
        self.custom_step = Some(f);
        let (loss, assigns) = result?;
        let target = self.compiled.as_ref().map(|c| c.target).unwrap_or(super::Target::Interp);
        Step::build(&s, "train_step", &[loss], assigns, target)
    }
}
