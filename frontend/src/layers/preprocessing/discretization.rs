//! `keras.layers.Discretization`: bucket indices of floats, by given boundaries or by
//! approximate quantiles learned with `adapt`.
use super::adapt::AdaptData;
use super::category_encoding::encode;
use super::quantiles::{self, Summary};
use crate::config::Config;
use crate::error::Result;
use crate::layers::{unique_name, CallCtx, Layer};
use crate::ops;
use crate::tensor::Tensor;
use kc_ir::DType;
use serde_json::json;

/// Puts each value in the bucket between two boundaries: with `bin_boundaries =
/// [0, 1, 2]` the buckets are `(-inf, 0)`, `[0, 1)`, `[1, 2)`, `[2, inf)` (NaN goes
/// last, as `jnp.digitize` puts it). The index (int32, `output_mode="int"`, default) or
/// its `one_hot`/`multi_hot`/`count` encoding (float32) is the output; inputs are
/// compared as float32. `num_bins` (with `epsilon`, default 0.01) learns `num_bins - 1`
/// boundaries from data with [`Discretization::adapt`] (Keras's approximate
/// quantiles). Dense outputs only (`sparse=False`).
pub struct Discretization {
    name: String,
    built: bool,
    pub bin_boundaries: Option<Vec<f64>>,
    pub num_bins: Option<usize>,
    pub epsilon: f64,
    pub output_mode: String,
}

impl Discretization {
    /// Given boundaries (increasing).
    pub fn new(bin_boundaries: &[f64]) -> Discretization {
        Discretization::make(Some(bin_boundaries.to_vec()), None)
    }
    /// Boundaries to learn with [`Discretization::adapt`].
    pub fn with_num_bins(num_bins: usize) -> Discretization {
        Discretization::make(None, Some(num_bins))
    }
    /// Keras's constructor as it reads a config: after `adapt` both are set.
    pub(crate) fn make(bin_boundaries: Option<Vec<f64>>, num_bins: Option<usize>) -> Discretization {
        Discretization { name: unique_name("discretization"), built: false, bin_boundaries, num_bins, epsilon: 0.01, output_mode: "int".into() }
    }
    pub fn epsilon(mut self, e: f64) -> Self {
        self.epsilon = e;
        self
    }
    /// `"int"` (default), `"one_hot"`, `"multi_hot"` or `"count"`.
    pub fn output_mode(mut self, m: &str) -> Self {
        self.output_mode = m.to_string();
        self
    }

    /// Keras's constructor checks (`from_config` runs them too).
    pub fn check(&self) -> Result<()> {
        if !["int", "one_hot", "multi_hot", "count"].contains(&self.output_mode.as_str()) {
            crate::bail!(
                "Unknown value for `output_mode` argument of Discretization. Allowed values are: ('int', 'one_hot', 'multi_hot', 'count'). Received: output_mode={}",
                self.output_mode
            );
        }
        if self.bin_boundaries.is_none() && self.num_bins.is_none() {
            crate::bail!("You need to set either `num_bins` or `bin_boundaries`.");
        }
        if let Some(b) = &self.bin_boundaries {
            if b.windows(2).any(|w| !(w[0] <= w[1])) {
                crate::bail!("`bin_boundaries` must be increasing, got {b:?}");
            }
        }
        if !(self.epsilon > 0.0 && self.epsilon.is_finite()) {
            crate::bail!("`epsilon` must be a positive number, got {}", self.epsilon);
        }
        Ok(())
    }

    /// Learn `num_bins - 1` boundaries from `data` (Keras's `adapt`: each batch, or the
    /// array, is summarized to about `1 / epsilon` weighted values, summaries are
    /// merged, and the boundaries are the summary's quantiles at multiples of
    /// `1 / num_bins`). Replaces boundaries learned before. Errors name the layer.
    pub fn adapt<'a>(&mut self, data: impl Into<AdaptData<'a>>) -> Result<()> {
        let data = data.into();
        self.adapt_inner(data).map_err(|e| e.context(format!("layer \"{}\" (Discretization)", self.name)))
    }

    fn adapt_inner(&mut self, data: AdaptData) -> Result<()> {
        self.check()?;
        let Some(num_bins) = self.num_bins else {
            crate::bail!("Cannot adapt a Discretization layer that has been initialized with `bin_boundaries`, use `num_bins` instead.");
        };
        if num_bins == 0 {
            crate::bail!("adapt() needs `num_bins` of at least 1, got 0");
        }
        let batches = data.batches()?;
        if batches.is_empty() || batches.iter().all(|b| b.is_empty()) {
            crate::bail!("adapt() received no data (no batches, or only empty ones)");
        }
        let mut summary = Summary::default();
        for b in &batches {
            let values: Vec<f32> = b.to_f64_vec().iter().map(|&v| v as f32).collect();
            summary = quantiles::merge(quantiles::summarize(&values, self.epsilon), &summary, self.epsilon);
        }
        self.bin_boundaries = Some(quantiles::bin_boundaries(&summary, num_bins).iter().map(|&v| v as f64).collect());
        Ok(())
    }
}

impl Layer for Discretization {
    layer_basics!("Discretization");
    fn build(&mut self, _: &Tensor) -> Result<()> {
        self.check()
    }
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        let Some(bounds) = &self.bin_boundaries else {
            crate::bail!(
                "You need to either pass the `bin_boundaries` argument at construction time or call `adapt(dataset)` before you can start using the `Discretization` layer."
            );
        };
        let x = ops::cast(&inputs[0], DType::F32)?;
        // digitize: how many boundaries are <= x (boundaries compared as float32)
        let mut index = ops::cast(&ops::isnan(&x)?, DType::I32)?;
        index = ops::multiply(&index, bounds.len() as f64)?;
        for &b in bounds {
            index = ops::add(&index, &ops::cast(&ops::greater_equal(&x, b)?, DType::I32)?)?;
        }
        let y = if self.output_mode == "int" { index } else { encode(&index, &self.output_mode, bounds.len() + 1, None)? };
        Ok(vec![y])
    }
    /// Keras's keys (this layer's config has no `trainable`).
    fn get_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("bin_boundaries".into(), json!(self.bin_boundaries));
        c.insert("num_bins".into(), json!(self.num_bins));
        c.insert("epsilon".into(), json!(self.epsilon));
        c.insert("output_mode".into(), json!(self.output_mode));
        c.insert("sparse".into(), json!(false));
        c.insert("name".into(), json!(self.name));
        c.insert("dtype".into(), json!("float32"));
        c
    }
}

named!(Discretization);
