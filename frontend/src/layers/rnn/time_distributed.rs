//! `keras.layers.TimeDistributed`: one layer applied to every time step.
use crate::config::Config;
use crate::error::{Error, Result};
use crate::layers::core::keras_shape;
use crate::layers::{base_config, unique_name, CallCtx, Layer};
use crate::ops;
use crate::tensor::Tensor;
use crate::variable::Variable;

/// Applies `layer` to each step `x[:, t]` of a `(batch, timesteps, ...)` input, with the
/// same weights at every step; the outputs are stacked back along the time axis. As in
/// Keras the layer's `call` is used (its activity regularizer is not applied) and its
/// weights' penalties count once. The steps run in one `while` loop over the time dim,
/// so a symbolic number of timesteps traces once. A mask on the input passes through
/// (and each step's slice of it is attached to the step's input). A layer that updates
/// state while it runs (a BatchNormalization in training, a random layer in training)
/// is not supported inside yet: an error says so.
pub struct TimeDistributed {
    name: String,
    built: bool,
    layer: Box<dyn Layer>,
}

impl TimeDistributed {
    pub fn new(layer: impl Layer + 'static) -> TimeDistributed {
        TimeDistributed::from_box(Box::new(layer))
    }
    pub fn from_box(layer: Box<dyn Layer>) -> TimeDistributed {
        TimeDistributed { name: unique_name("time_distributed"), built: false, layer }
    }
    /// The wrapped layer.
    pub fn layer(&self) -> &dyn Layer {
        self.layer.as_ref()
    }

    fn prefix_paths(&self) {
        let prefix = format!("{}/", self.name);
        for w in self.layer.weights() {
            if !w.path().starts_with(&prefix) {
                w.set_path(format!("{prefix}{}", w.path()));
            }
        }
    }
}

impl Layer for TimeDistributed {
    layer_basics!("TimeDistributed");
    fn build(&mut self, x: &Tensor) -> Result<()> {
        if x.rank() < 3 {
            crate::bail!("`TimeDistributed` Layer should be passed an `input_shape` with at least 3 dimensions, received: {}", keras_shape(&x.dims()));
        }
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        if x.rank() < 3 {
            crate::bail!("`TimeDistributed` Layer should be passed an `input_shape` with at least 3 dimensions, received: {}", keras_shape(&x.dims()));
        }
        let dims = x.dims();
        let mask = match x.mask() {
            None => None,
            Some(m) => {
                let md = m.dims();
                let same = |a: &kc_ir::Dim, b: &kc_ir::Dim| a == b || a.known().is_none() || b.known().is_none();
                if md.len() < 2 {
                    crate::bail!(
                        "The `mask` passed to the `TimeDistributed` layer must be at least 2D (e.g., `(batch_size, timesteps)`), but it has {} dimension(s) with shape {}.",
                        md.len(),
                        keras_shape(&md)
                    );
                }
                if !same(&md[0], &dims[0]) || !same(&md[1], &dims[1]) {
                    crate::bail!(
                        "The `mask` passed to the `TimeDistributed` layer has a shape {} that is incompatible with the input shape {}. The first two dimensions of the mask (batch size and timesteps) must match the input's first two dimensions.",
                        keras_shape(&md),
                        keras_shape(&dims)
                    );
                }
                Some(m.clone())
            }
        };
        let swap = |t: &Tensor| -> Result<Tensor> {
            let mut p: Vec<i64> = vec![1, 0];
            p.extend(2..t.rank() as i64);
            ops::transpose(t, Some(&p))
        };
        let mut xs = vec![swap(x)?];
        if let Some(m) = &mask {
            xs.push(swap(m)?);
        }
        let (layer, training) = (&mut self.layer, cx.training);
        let mut n_losses = 0;
        let step = |_: &[Tensor], x_t: &[Tensor], _: &[Tensor]| -> Result<(Vec<Tensor>, Vec<Tensor>)> {
            let xt = x_t[0].with_mask(x_t.get(1).cloned());
            let named = |e: Error, l: &dyn Layer| e.context(format!("layer \"{}\" ({})", l.name(), l.class_name()));
            if !layer.built() {
                layer.build_all(std::slice::from_ref(&xt)).map_err(|e| named(e, layer.as_ref()))?;
                layer.set_built();
            }
            let inner = CallCtx::new(training);
            let mut ys = layer.call(std::slice::from_ref(&xt), &inner).map_err(|e| named(e, layer.as_ref()))?;
            if ys.len() != 1 {
                crate::bail!("TimeDistributed wraps layers with one output; {:?} returned {}", layer.name(), ys.len());
            }
            if !inner.take_updates().is_empty() {
                crate::bail!("{:?} ({}) updates state while it runs (training statistics, random draws), which TimeDistributed does not support yet", layer.name(), layer.class_name());
            }
            let losses = inner.take_losses();
            n_losses = losses.len();
            ys.extend(losses);
            Ok((Vec::new(), ys))
        };
        let (_, mut ys) = ops::scan(step, &[], &xs, &[], false)?;
        let y = swap(&ys.remove(0))?;
        // the layer's weight penalties: the same at every step, counted once
        for l in ys.into_iter().take(n_losses) {
            cx.add_loss(ops::take(&l, &ops::scalar(0.0, kc_ir::DType::I32)?, 0)?);
        }
        self.prefix_paths();
        Ok(vec![y])
    }
    fn supports_masking(&self) -> bool {
        true
    }
    fn weights(&self) -> Vec<Variable> {
        self.layer.weights()
    }
    fn layers(&self) -> Vec<&dyn Layer> {
        vec![self.layer.as_ref()]
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("layer".into(), crate::config::serialized("keras.layers", self.layer.class_name(), self.layer.get_config()));
        c
    }
}

named!(TimeDistributed);
