//! Image augmentation layers (`keras.layers.Random*`): active only in training, where
//! each draws its parameters from a seeded [`SeedGenerator`] with the same draws as
//! Keras's JAX backend (shapes, dtypes, order), so a seeded layer transforms as Keras's
//! does and moves its key on every training call. At inference they return the input
//! (cast to float32, except RandomContrast, as in Keras).
//!
//! `flip` (RandomFlip) and `contrast` (RandomContrast) are elementwise; `rotation`,
//! `zoom` and `translation` build an affine transform per image and sample it with
//! `affine` (`keras.ops.image.affine_transform`), which they share with users.
mod affine;
mod contrast;
mod flip;
mod rotation;
mod translation;
mod zoom;

pub use affine::{affine_transform, FillMode, Interpolation};
pub use contrast::RandomContrast;
pub use flip::RandomFlip;
pub use rotation::RandomRotation;
pub use translation::RandomTranslation;
pub use zoom::RandomZoom;

use super::{keras_shape, unique_name};
use crate::error::Result;
use crate::ops;
use crate::seed_generator::SeedGenerator;
use crate::tensor::Tensor;
use kc_ir::{DType, Dim};
use serde_json::{json, Value};

/// A factor argument: Keras takes a number or a pair `(lower, upper)`. A list of
/// another length only comes from a config, and is refused with Keras's message.
#[derive(Clone, Debug, PartialEq)]
pub enum Factor {
    One(f64),
    Pair(f64, f64),
    List(Vec<f64>),
}

impl From<f64> for Factor {
    fn from(x: f64) -> Factor {
        Factor::One(x)
    }
}
impl From<(f64, f64)> for Factor {
    fn from((a, b): (f64, f64)) -> Factor {
        Factor::Pair(a, b)
    }
}
impl From<[f64; 2]> for Factor {
    fn from([a, b]: [f64; 2]) -> Factor {
        Factor::Pair(a, b)
    }
}

impl Factor {
    /// As Keras writes it in a config: a number or a list.
    pub fn to_json(&self) -> Value {
        match self {
            Factor::One(x) => json!(x),
            Factor::Pair(a, b) => json!([a, b]),
            Factor::List(v) => json!(v),
        }
    }
    /// From a config value (a number or a list of numbers).
    pub fn from_json(v: &Value, key: &str) -> Result<Factor> {
        let bad = || crate::error::Error::msg(format!("config key `{key}` must be a number or a list of two numbers, got {v}"));
        match v {
            Value::Number(n) => Ok(Factor::One(n.as_f64().ok_or_else(bad)?)),
            Value::Array(a) => {
                let xs = a.iter().map(|x| x.as_f64().ok_or_else(bad)).collect::<Result<Vec<_>>>()?;
                Ok(match xs[..] {
                    [a, b] => Factor::Pair(a, b),
                    _ => Factor::List(xs),
                })
            }
            _ => Err(bad()),
        }
    }
    /// Python's repr of the argument, for Keras's messages.
    fn repr(&self) -> String {
        match self {
            Factor::One(x) => py_float(*x),
            Factor::Pair(a, b) => format!("[{}, {}]", py_float(*a), py_float(*b)),
            Factor::List(v) => format!("[{}]", v.iter().map(|x| py_float(*x)).collect::<Vec<_>>().join(", ")),
        }
    }
}

/// A float as Python prints it (`1.0`, not `1`).
fn py_float(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

/// The (lower, upper) range of the base layer's `factor` (RandomRotation,
/// RandomContrast): a number `f` in `bounds` means `(max(-|f|, low), |f|)`; a pair is
/// sorted and must overlap `bounds`. Keras's message otherwise.
fn base_factor(f: &Factor, bounds: (f64, f64)) -> Result<(f64, f64)> {
    let err = || {
        crate::error::Error::msg(format!(
            "The `factor` argument should be a number (or a list of two numbers) in the range [{}, {}]. Received: factor={}",
            bounds.0,
            bounds.1,
            f.repr()
        ))
    };
    match *f {
        Factor::One(x) if x >= bounds.0 && x <= bounds.1 => Ok(((-x.abs()).max(bounds.0), x.abs())),
        Factor::Pair(a, b) if !(a > bounds.1 || b < bounds.0) => Ok((a.min(b), a.max(b))),
        _ => Err(err()),
    }
}

/// The (lower, upper) range of RandomZoom's and RandomTranslation's factors: each
/// number must pass `in_range`; a number `f` means `(-|f|, |f|)`, a pair is sorted.
fn spatial_factor(f: &Factor, name: &str, message: &str, in_range: fn(f64) -> bool) -> Result<(f64, f64)> {
    let check = |x: f64| -> Result<()> {
        if in_range(x) {
            Ok(())
        } else {
            crate::bail!("{message}Received: input_number={}", py_float(x))
        }
    };
    match *f {
        Factor::One(x) => {
            check(x)?;
            Ok((-x.abs(), x.abs()))
        }
        Factor::Pair(a, b) => {
            check(a)?;
            check(b)?;
            Ok((a.min(b), a.max(b)))
        }
        Factor::List(_) => crate::bail!("{message}Received: {name}={}", f.repr()),
    }
}

/// The fill and interpolation arguments of the affine layers, checked with Keras's
/// messages (the layers take four fill modes; `affine_transform` also `mirror`).
fn check_fill(fill_mode: &str, interpolation: &str) -> Result<(FillMode, Interpolation)> {
    let fill = match fill_mode {
        "reflect" | "wrap" | "constant" | "nearest" => FillMode::parse(fill_mode),
        _ => None,
    };
    let Some(fill) = fill else {
        crate::bail!("Unknown `fill_mode` {fill_mode}. Expected of one ('reflect', 'wrap', 'constant', 'nearest').");
    };
    let Some(interp) = Interpolation::parse(interpolation) else {
        crate::bail!("Unknown `interpolation` {interpolation}. Expected of one ('nearest', 'bilinear').");
    };
    Ok((fill, interp))
}

/// A layer's generator, named as Keras names its generators' states.
fn generator(seed: Option<u32>) -> SeedGenerator {
    SeedGenerator::new(seed, format!("{}/seed_generator_state", unique_name("seed_generator")))
}

fn seed_value(seed: Option<u32>) -> Value {
    seed.map(|s| json!(s)).unwrap_or(Value::Null)
}

/// Keras's rank check of the image layers: 3 (one image) or 4 (a batch).
fn check_image_rank(x: &Tensor) -> Result<()> {
    if !matches!(x.rank(), 3 | 4) {
        crate::bail!("Expected image tensor to have rank 3 (single image) or 4 (batch of images). Received: data.shape={}", keras_shape(&x.dims()));
    }
    Ok(())
}

/// The number of images: the batch axis, or 1 for a single image.
fn batch_dim(x: &Tensor) -> Dim {
    if x.rank() == 4 {
        x.dims()[0].clone()
    } else {
        Dim::Known(1)
    }
}

/// The image's (height, width), which must be known.
fn height_width(x: &Tensor, channels_first: bool) -> Result<(u64, u64)> {
    let r = x.rank();
    let (ha, wa) = if channels_first { (r - 2, r - 1) } else { (r - 3, r - 2) };
    let d = x.dims();
    match (d[ha].known(), d[wa].known()) {
        (Some(h), Some(w)) => Ok((h, w)),
        _ => crate::bail!("the height and width of the images {} must be known", keras_shape(&d)),
    }
}

/// The float32 images Keras's geometric layers compute on (and return at inference).
fn as_float(x: &Tensor) -> Result<Tensor> {
    ops::cast(x, DType::F32)
}

/// A per-image number `(batch, 1)` as a transform coefficient `(batch, 1, 1)`.
fn per_image(t: &Tensor) -> Result<Tensor> {
    ops::expand_dims(t, -1)
}

/// A coefficient that is the same for every image, `(1, 1, 1)`.
fn constant(v: f64) -> Result<Tensor> {
    ops::reshape(&ops::scalar(v, DType::F32)?, &[1, 1, 1])
}

/// The builders of the arguments the affine layers share (`fill_mode`,
/// `interpolation`, `fill_value`, `seed`, `data_format`).
macro_rules! affine_layer_builders {
    ($ty:ident) => {
        impl $ty {
            /// `reflect` (the default), `wrap`, `constant` or `nearest`.
            pub fn fill_mode(mut self, m: &str) -> Self {
                self.fill_mode = m.to_string();
                self
            }
            /// `bilinear` (the default) or `nearest`.
            pub fn interpolation(mut self, m: &str) -> Self {
                self.interpolation = m.to_string();
                self
            }
            /// The value outside the image with `fill_mode = "constant"`.
            pub fn fill_value(mut self, v: f64) -> Self {
                self.fill_value = v;
                self
            }
            pub fn seed(mut self, s: u32) -> Self {
                self.seed = Some(s);
                self
            }
            pub fn data_format(mut self, f: &str) -> Self {
                self.data_format = f.to_lowercase();
                self
            }
        }
    };
}
use affine_layer_builders;

/// Sample float32 `images` (rank 3 or 4) through `coeffs` with a layer's arguments.
fn resample(images: &Tensor, coeffs: &affine::Coeffs, fill_mode: &str, interpolation: &str, fill_value: f64, data_format: &str) -> Result<Tensor> {
    let (fill, interp) = check_fill(fill_mode, interpolation)?;
    affine::transform_images(images, coeffs, interp, fill, fill_value, ops::channels_first(data_format)?)
}
