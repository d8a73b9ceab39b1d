//! Pooling layers: `MaxPooling1D/2D/3D` and `AveragePooling1D/2D/3D` (`Pooling<N,
//! MAX>`), `GlobalMaxPooling1D/2D/3D` and `GlobalAveragePooling1D/2D/3D`
//! (`GlobalPooling<N, MAX>`). No weights.
use super::core::keras_shape;
use super::spatial::{channels_first, check_padding, expect_rank, py_tuple, tuple_value, Ints};
use super::{base_config, snake, unique_name, CallCtx, Layer};
use crate::config::Config;
use crate::error::Result;
use crate::ops;
use crate::tensor::Tensor;
use serde_json::json;

/// `keras.layers.{Max,Average}Pooling{N}D(pool_size)`: the max or mean of each
/// window (`strides` default to `pool_size`). `same` padding keeps `ceil(in / stride)`
/// outputs; the average then counts only the window's elements inside the input.
pub struct Pooling<const N: usize, const MAX: bool> {
    name: String,
    built: bool,
    pub pool_size: Ints,
    pub strides: Option<Ints>,
    pub padding: String,
    pub data_format: String,
    resolved: Option<(Vec<usize>, Vec<usize>)>,
}

pub type MaxPooling1D = Pooling<1, true>;
pub type MaxPooling2D = Pooling<2, true>;
pub type MaxPooling3D = Pooling<3, true>;
pub type AveragePooling1D = Pooling<1, false>;
pub type AveragePooling2D = Pooling<2, false>;
pub type AveragePooling3D = Pooling<3, false>;

impl<const N: usize, const MAX: bool> Pooling<N, MAX> {
    const CLASS: &'static str = match (N, MAX) {
        (1, true) => "MaxPooling1D",
        (2, true) => "MaxPooling2D",
        (_, true) => "MaxPooling3D",
        (1, false) => "AveragePooling1D",
        (2, false) => "AveragePooling2D",
        (_, false) => "AveragePooling3D",
    };

    /// Windows of `pool_size` (one size for every spatial dim, or one per dim).
    pub fn new(pool_size: impl Into<Ints>) -> Pooling<N, MAX> {
        Pooling {
            name: unique_name(&snake(Self::CLASS)),
            built: false,
            pool_size: pool_size.into(),
            strides: None,
            padding: "valid".into(),
            data_format: "channels_last".into(),
            resolved: None,
        }
    }
    pub fn strides(mut self, s: impl Into<Ints>) -> Self {
        self.strides = Some(s.into());
        self
    }
    /// `"valid"` or `"same"`.
    pub fn padding(mut self, p: &str) -> Self {
        self.padding = p.to_lowercase();
        self
    }
    pub fn data_format(mut self, f: &str) -> Self {
        self.data_format = f.to_lowercase();
        self
    }
    pub fn name(mut self, n: &str) -> Self {
        self.name = n.to_string();
        self
    }
}

/// Keras's `MaxPooling{N}D()`: windows of 2.
impl<const N: usize> Default for Pooling<N, true> {
    fn default() -> Self {
        Pooling::new(2)
    }
}

impl<const N: usize, const MAX: bool> super::Named for Pooling<N, MAX> {
    fn with_name(self, n: &str) -> Self {
        self.name(n)
    }
}

impl<const N: usize, const MAX: bool> Layer for Pooling<N, MAX> {
    layer_basics!(Self::CLASS);
    fn build(&mut self, _: &Tensor) -> Result<()> {
        let pool = self.pool_size.tuple(N, "pool_size", false)?;
        let strides = match &self.strides {
            Some(s) => s.tuple(N, "strides", false)?,
            None => pool.clone(),
        };
        check_padding(&self.padding, false)?;
        channels_first(&self.data_format)?;
        self.resolved = Some((pool, strides));
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        let Some((pool, strides)) = &self.resolved else { crate::bail!("not built") };
        let x = &inputs[0];
        expect_rank(x, N + 2)?;
        let cf = channels_first(&self.data_format)?;
        let input = ops::spatial_extents(x, cf, Self::CLASS)?;
        if self.padding == "valid" && input.iter().zip(pool).any(|(&i, &p)| (i as usize) < p) {
            crate::bail!(
                "Computed output size would be zero or negative: the window {} is larger than the unpadded input's spatial dims {} (input shape {}, padding=\"valid\")",
                py_tuple(pool),
                py_tuple(&input),
                keras_shape(&x.dims())
            );
        }
        let y = if MAX {
            ops::max_pool(x, pool, Some(strides), &self.padding, &self.data_format)?
        } else {
            ops::average_pool(x, pool, Some(strides), &self.padding, &self.data_format)?
        };
        Ok(vec![y])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        let pool = self.pool_size.tuple(N, "pool_size", false).unwrap_or_default();
        let strides = match &self.strides {
            Some(s) => s.tuple(N, "strides", false).unwrap_or_default(),
            None => pool.clone(),
        };
        c.insert("pool_size".into(), tuple_value(&pool));
        c.insert("padding".into(), json!(self.padding));
        c.insert("strides".into(), tuple_value(&strides));
        c.insert("data_format".into(), json!(self.data_format));
        c
    }
}

/// `keras.layers.Global{Max,Average}Pooling{N}D`: the max or mean over all spatial
/// dims, `(batch, channels)` (or `(batch, 1, ..., channels)` with `keepdims`).
pub struct GlobalPooling<const N: usize, const MAX: bool> {
    name: String,
    built: bool,
    pub data_format: String,
    pub keepdims: bool,
}

pub type GlobalMaxPooling1D = GlobalPooling<1, true>;
pub type GlobalMaxPooling2D = GlobalPooling<2, true>;
pub type GlobalMaxPooling3D = GlobalPooling<3, true>;
pub type GlobalAveragePooling1D = GlobalPooling<1, false>;
pub type GlobalAveragePooling2D = GlobalPooling<2, false>;
pub type GlobalAveragePooling3D = GlobalPooling<3, false>;

impl<const N: usize, const MAX: bool> GlobalPooling<N, MAX> {
    const CLASS: &'static str = match (N, MAX) {
        (1, true) => "GlobalMaxPooling1D",
        (2, true) => "GlobalMaxPooling2D",
        (_, true) => "GlobalMaxPooling3D",
        (1, false) => "GlobalAveragePooling1D",
        (2, false) => "GlobalAveragePooling2D",
        (_, false) => "GlobalAveragePooling3D",
    };

    pub fn new() -> GlobalPooling<N, MAX> {
        GlobalPooling { name: unique_name(&snake(Self::CLASS)), built: false, data_format: "channels_last".into(), keepdims: false }
    }
    pub fn data_format(mut self, f: &str) -> Self {
        self.data_format = f.to_lowercase();
        self
    }
    /// Keep the pooled spatial dims as size 1.
    pub fn keepdims(mut self, k: bool) -> Self {
        self.keepdims = k;
        self
    }
    pub fn name(mut self, n: &str) -> Self {
        self.name = n.to_string();
        self
    }
}

impl<const N: usize, const MAX: bool> Default for GlobalPooling<N, MAX> {
    fn default() -> Self {
        GlobalPooling::new()
    }
}

impl<const N: usize, const MAX: bool> super::Named for GlobalPooling<N, MAX> {
    fn with_name(self, n: &str) -> Self {
        self.name(n)
    }
}

impl<const N: usize, const MAX: bool> Layer for GlobalPooling<N, MAX> {
    layer_basics!(Self::CLASS);
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        expect_rank(x, N + 2)?;
        let cf = channels_first(&self.data_format)?;
        let axes: Vec<i64> = ops::spatial_axes(x.rank(), cf).into_iter().map(|a| a as i64).collect();
        // GlobalAveragePooling1D averages only the steps a Keras mask keeps (all masked:
        // 0/0, as Keras); the other global pools ignore masks, as Keras's do
        if let (1, false, Some(mask)) = (N, MAX, x.mask()) {
            let m = ops::expand_dims(&ops::cast(mask, kc_ir::DType::Bool)?, if cf { 1 } else { 2 })?;
            let kept = ops::where_(&m, x, 0.0)?;
            let count = ops::sum(&ops::cast(&m, x.dtype())?, Some(&axes), self.keepdims)?;
            return Ok(vec![ops::divide(&ops::sum(&kept, Some(&axes), self.keepdims)?, &count)?]);
        }
        let y = if MAX { ops::max(x, Some(&axes), self.keepdims)? } else { ops::mean(x, Some(&axes), self.keepdims)? };
        Ok(vec![y])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("data_format".into(), json!(self.data_format));
        c.insert("keepdims".into(), json!(self.keepdims));
        c
    }
}
