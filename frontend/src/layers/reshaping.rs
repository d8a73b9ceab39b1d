//! Reshaping layers: Flatten, Reshape, Permute, RepeatVector. None has weights; each
//! keeps the batch axis (which may be symbolic) and rearranges the rest.
use super::core::keras_shape;
use super::{base_config, unique_name, CallCtx, Layer};
use crate::config::Config;
use crate::error::Result;
use crate::ops;
use crate::tensor::Tensor;
use kc_ir::Dim;
use serde_json::json;

/// A shape as a Python tuple: `(3, 4)`, `(12,)`.
fn tuple<T: std::fmt::Display>(v: &[T]) -> String {
    match v {
        [one] => format!("({one},)"),
        _ => format!("({})", v.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")),
    }
}

/// Keras's `InputSpec(ndim=n)` check.
fn expect_rank(x: &Tensor, n: usize) -> Result<()> {
    if x.rank() != n {
        crate::bail!("Input 0 is incompatible with the layer: expected ndim={n}, found ndim={}. Full shape received: {}", x.rank(), keras_shape(&x.dims()));
    }
    Ok(())
}

/// The known extents of all but the batch axis.
fn sample_dims(x: &Tensor, layer: &str) -> Result<Vec<u64>> {
    let dims = x.dims();
    if dims.is_empty() {
        crate::bail!("{layer} needs a batch axis; got a scalar");
    }
    dims[1..]
        .iter()
        .map(|d| d.known().ok_or_else(|| crate::Error::msg(format!("{layer}: only the batch axis may be unknown, got {}", keras_shape(&dims)))))
        .collect()
}

/// `keras.layers.Flatten`: keep the batch axis, flatten the rest (`(N, 1)` when there
/// is nothing else).
pub struct Flatten {
    name: String,
    built: bool,
}

impl Flatten {
    pub fn new() -> Flatten {
        Flatten { name: unique_name("flatten"), built: false }
    }
}

impl Default for Flatten {
    fn default() -> Flatten {
        Flatten::new()
    }
}

impl Layer for Flatten {
    layer_basics!("Flatten");
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        let n: u64 = sample_dims(x, "Flatten")?.iter().product();
        Ok(vec![ops::reshape_dims(x, vec![x.dims()[0].clone(), Dim::Known(n)])?])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("data_format".into(), json!("channels_last"));
        c
    }
}

/// `keras.layers.Reshape(target_shape)`: each sample to `target_shape`; one entry may
/// be `-1`, inferred from the sample size.
pub struct Reshape {
    name: String,
    built: bool,
    pub target_shape: Vec<i64>,
}

impl Reshape {
    pub fn new(target_shape: &[i64]) -> Reshape {
        Reshape { name: unique_name("reshape"), built: false, target_shape: target_shape.to_vec() }
    }

    /// Keras's `compute_reshape_output_shape` for one sample.
    fn resolve(&self, sample: &[u64]) -> Result<Vec<u64>> {
        let t = &self.target_shape;
        if t.iter().any(|&d| d < -1) || t.iter().filter(|&&d| d == -1).count() > 1 {
            crate::bail!(
                "Each dimension in `target_shape` must be a non-negative integer, or `-1` for a single unknown dimension. Received: target_shape={}",
                tuple(t)
            );
        }
        let size: u64 = sample.iter().product();
        let known: u64 = t.iter().filter(|&&d| d != -1).map(|&d| d as u64).product();
        match t.iter().position(|&d| d == -1) {
            None if known != size => {
                crate::bail!("The total size of the tensor must be unchanged. Received: input_shape={}, target_shape={}", tuple(sample), tuple(t))
            }
            None => Ok(t.iter().map(|&d| d as u64).collect()),
            Some(_) if known == 0 || size % known != 0 => crate::bail!(
                "The total size of the tensor must be unchanged, however, the input size cannot by divided by the specified dimensions in target_shape. Received: input_shape={}, target_shape={}",
                tuple(sample),
                tuple(t)
            ),
            Some(i) => Ok(t.iter().enumerate().map(|(j, &d)| if j == i { size / known } else { d as u64 }).collect()),
        }
    }
}

impl Layer for Reshape {
    layer_basics!("Reshape");
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        let out = self.resolve(&sample_dims(x, "Reshape")?)?;
        let mut dims = vec![x.dims()[0].clone()];
        dims.extend(out.into_iter().map(Dim::Known));
        Ok(vec![ops::reshape_dims(x, dims)?])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("target_shape".into(), json!(self.target_shape));
        c
    }
}

/// `keras.layers.Permute(dims)`: permute the non-batch axes; `dims` is 1-based
/// (`[2, 1]` swaps the two axes after the batch).
pub struct Permute {
    name: String,
    built: bool,
    pub dims: Vec<usize>,
}

impl Permute {
    pub fn new(dims: &[usize]) -> Permute {
        Permute { name: unique_name("permute"), built: false, dims: dims.to_vec() }
    }
}

impl Layer for Permute {
    layer_basics!("Permute");
    fn build(&mut self, _: &Tensor) -> Result<()> {
        let mut sorted = self.dims.clone();
        sorted.sort();
        if sorted != (1..=self.dims.len()).collect::<Vec<_>>() {
            crate::bail!(
                "Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` must be consecutive and start from 1. Received dims={:?}",
                self.dims
            );
        }
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        expect_rank(x, self.dims.len() + 1)?;
        let perm: Vec<i64> = std::iter::once(0).chain(self.dims.iter().map(|&d| d as i64)).collect();
        Ok(vec![ops::transpose(x, Some(&perm))?])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("dims".into(), json!(self.dims));
        c
    }
}

/// `keras.layers.RepeatVector(n)`: `(batch, features)` to `(batch, n, features)`.
pub struct RepeatVector {
    name: String,
    built: bool,
    pub n: usize,
}

impl RepeatVector {
    pub fn new(n: usize) -> RepeatVector {
        RepeatVector { name: unique_name("repeat_vector"), built: false, n }
    }
}

impl Layer for RepeatVector {
    layer_basics!("RepeatVector");
    fn build(&mut self, _: &Tensor) -> Result<()> {
        if self.n == 0 {
            crate::bail!("Argument `n` should be a positive integer. Received: n=0");
        }
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        expect_rank(x, 2)?;
        let x3 = ops::expand_dims(x, 1)?;
        Ok(vec![ops::repeat(&x3, self.n, 1)?])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("n".into(), json!(self.n));
        c
    }
}

named!(Flatten, Reshape, Permute, RepeatVector);
