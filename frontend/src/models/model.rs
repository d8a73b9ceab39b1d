//! `Model`: Keras's model object — a network to call, `summary()`, and the trainer
//! (`compile`, `fit`, `evaluate`, `predict`; see `training/`).
use crate::error::Result;
use crate::graph::Graph;
use crate::layers::{call1, CallCtx, Layer};
use crate::losses::Loss;
use crate::metrics::Metric;
use crate::models::Sequential;
use crate::optimizers::Optimizer;
use crate::tensor::Tensor;
use crate::training::{JitCompile, Step};
use crate::variable::Variable;
use kc_ir::{Dim, Shape, TensorType};

/// Input, target and sample-weight types a step was traced for.
pub(crate) type Sig = (Vec<TensorType>, Vec<TensorType>, Option<TensorType>);

pub(crate) struct Compiled {
    pub optimizer: Box<dyn Optimizer>,
    pub losses: Vec<Loss>,
    pub loss_weights: Vec<f64>,
    pub metric_names: Vec<String>,
    /// `compile(weighted_metrics=...)`: updated with the sample weights.
    pub weighted_metric_names: Vec<String>,
    /// (output index, metric), made once the number of outputs is known.
    pub metrics: Vec<(usize, Metric)>,
    pub weighted_metrics: Vec<(usize, Metric)>,
    /// Names prefixing per-output logs (`dense_2_loss`, `dense_2_mae`).
    pub output_names: Vec<String>,
    pub jit: JitCompile,
    /// Where the steps run, as `jit` resolved at `compile`.
    pub target: crate::training::Target,
    pub train: Option<(Sig, Step)>,
    pub test: Option<(Sig, Step)>,
    pub predict: Option<(Vec<TensorType>, Step)>,
    /// How many times each step kind was traced.
    pub traces: crate::training::TraceCounts,
}

pub struct Model {
    pub(crate) net: Box<dyn Layer>,
    pub(crate) compiled: Option<Compiled>,
    pub(crate) jit_report: String,
    pub(crate) custom_step: Option<crate::training::TrainStepFn>,
    /// Keras's `model.stop_training`: a callback sets it to end `fit`.
    pub(crate) stop_training: bool,
    /// Keras's `model._initial_epoch`: set by `BackupAndRestore` to resume a run.
    pub(crate) initial_epoch: Option<usize>,
}

impl Model {
    /// A model of any layer (a subclassed model is a `Layer` implementation).
    pub fn new(net: impl Layer + 'static) -> Model {
        Model { net: Box::new(net), compiled: None, jit_report: String::new(), custom_step: None, stop_training: false, initial_epoch: None }
    }
    /// `keras.Model(inputs, outputs)`: a Functional model over the layer calls that led
    /// from `Input` tensors to `outputs`.
    pub fn functional(inputs: &[Tensor], outputs: &[Tensor]) -> Result<Model> {
        Ok(Model::new(crate::models::Functional::new(inputs, outputs)?))
    }
    /// This model as a layer, to call inside another model (a nested model).
    pub fn into_layer(self) -> crate::layers::Shared {
        crate::layers::Shared::from_box(self.net)
    }
    /// `keras.Sequential([...])`.
    pub fn sequential(layers: Vec<Box<dyn Layer>>) -> Model {
        Model::new(Sequential::new(layers))
    }
    /// `Sequential.add`.
    pub fn add(&mut self, layer: impl Layer + 'static) -> Result<()> {
        match self.net.as_sequential() {
            Some(s) => {
                s.add(layer);
                self.compiled = None;
                Ok(())
            }
            None => crate::bail!("add() is only for Sequential models; this is a {}", self.net.class_name()),
        }
    }
    pub fn name(&self) -> &str {
        self.net.name()
    }
    /// Whether every layer has its weights (after a first call or `build`).
    pub fn built(&self) -> bool {
        self.net.built()
    }
    /// Keras's `model.stop_training`: set by a callback, `fit` stops after the current
    /// batch's callbacks (and finishes the epoch's).
    pub fn stop_training(&self) -> bool {
        self.stop_training
    }
    pub fn set_stop_training(&mut self, stop: bool) {
        self.stop_training = stop;
    }
    pub fn net(&self) -> &dyn Layer {
        self.net.as_ref()
    }

    /// The declared input shape (from a leading `Input`), batch axis included as `None`.
    pub fn input_type(&mut self) -> Option<TensorType> {
        if let Some(f) = self.net.as_functional() {
            return f.input_types().into_iter().next();
        }
        let seq = self.net.as_sequential()?;
        let batch = seq.layers.first().and_then(|l| l.as_input()).and_then(|i| i.batch_size);
        let (shape, dtype) = seq.input_spec()?;
        let mut dims = vec![batch.map(|b| Dim::Known(b as u64)).unwrap_or_else(|| Dim::sym("N"))];
        let mut unknown = 0;
        dims.extend(shape.iter().map(|d| match d {
            Some(n) => Dim::Known(*n as u64),
            // one symbol per unknown dim: `T` (a sequence length), `T_1`, ...
            None => {
                unknown += 1;
                Dim::sym(&if unknown == 1 { "T".to_string() } else { format!("T_{}", unknown - 1) })
            }
        }));
        Some(TensorType::new(dtype, Shape(dims)))
    }

    /// Build every layer by tracing a call on a symbolic batch of `input` samples.
    pub fn build(&mut self, input: TensorType) -> Result<()> {
        let g = Graph::new();
        let x = g.input("x", input);
        call1(self.net.as_mut(), &x, &CallCtx::new(false))?;
        Ok(())
    }

    fn ensure_built(&mut self, sample: &TensorType) -> Result<()> {
        if !self.net.built() {
            let t = self.input_type().unwrap_or_else(|| with_batch(sample));
            self.build(t)?;
        }
        Ok(())
    }

    /// Run the model on a batch (eagerly, on the interpreter).
    #[track_caller]
    pub fn call(&mut self, x: &Tensor, training: bool) -> Result<Tensor> {
        call1(self.net.as_mut(), x, &CallCtx::new(training))
    }

    /// Run a model with several inputs (or outputs) on a batch.
    #[track_caller]
    pub fn call_all(&mut self, xs: &[Tensor], training: bool) -> Result<Vec<Tensor>> {
        crate::layers::call(self.net.as_mut(), xs, &CallCtx::new(training))
    }

    /// Keras's `model.output_names`: for a Functional model the layers producing the
    /// outputs; otherwise `output_0`, `output_1`, ... for `n` outputs.
    pub fn output_names(&self, n: usize) -> Vec<String> {
        match self.net.as_functional() {
            Some(f) => f.output_names(),
            None => (0..n).map(|i| format!("output_{i}")).collect(),
        }
    }

    pub fn weights(&self) -> Vec<Variable> {
        self.net.weights()
    }
    pub fn trainable_weights(&self) -> Vec<Variable> {
        self.net.trainable_weights()
    }
    pub fn non_trainable_weights(&self) -> Vec<Variable> {
        self.net.non_trainable_weights()
    }
    /// Zero the states of every stateful recurrent layer (Keras's `reset_states`).
    pub fn reset_states(&self) -> Result<()> {
        self.net.reset_states()
    }
    pub fn count_params(&self) -> usize {
        self.weights().iter().map(|w| w.num_elements()).sum()
    }
    /// The traced, optimized train step (after the first `fit`/`train_on_batch`).
    pub fn train_function(&self) -> Option<&kc_ir::Func> {
        self.compiled.as_ref()?.train.as_ref().map(|(_, s)| &s.func)
    }
    /// The traced predict step (after the first `predict` of a compiled model).
    pub fn predict_function(&self) -> Option<&kc_ir::Func> {
        self.compiled.as_ref()?.predict.as_ref().map(|(_, s)| &s.func)
    }
    /// The optimizer given to `compile`.
    pub fn optimizer(&self) -> Option<&dyn Optimizer> {
        self.compiled.as_ref().map(|c| c.optimizer.as_ref())
    }
    /// Which target `fit`/`evaluate`/`predict` run on, and why.
    pub fn jit_report(&self) -> &str {
        &self.jit_report
    }

    pub(crate) fn prepare(&mut self, sample: &TensorType) -> Result<()> {
        self.ensure_built(sample)
    }

    /// XLA compiles and cache hits of this model's steps (train, test, predict): a
    /// second epoch adds hits only; a new batch size adds one compile per step kind.
    pub fn compile_stats(&self) -> kc_runtime::xla::CompileStats {
        let mut total = kc_runtime::xla::CompileStats::default();
        if let Some(c) = &self.compiled {
            for s in [c.train.as_ref().map(|(_, s)| s), c.test.as_ref().map(|(_, s)| s)].into_iter().flatten() {
                total += s.compile_stats();
            }
            if let Some((_, s)) = &c.predict {
                total += s.compile_stats();
            }
        }
        total
    }

    /// The `jit_compile` setting given to `compile` (`Auto` before that).
    pub fn jit_compile(&self) -> JitCompile {
        self.compiled.as_ref().map(|c| c.jit).unwrap_or_default()
    }
}

/// A batch type with the given sample's dims after a symbolic batch axis `N`.
pub(crate) fn with_batch(sample: &TensorType) -> TensorType {
    let mut dims = vec![Dim::sym("N")];
    dims.extend(sample.shape.0.iter().skip(1).cloned());
    TensorType::new(sample.dtype, Shape(dims))
}
