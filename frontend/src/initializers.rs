//! Weight initializers with Keras 3's names, defaults and formulas.
//!
//! Random initializers draw from kc's threefry generator (`ops::random_*`), with the
//! key `[seed, 0]` that Keras's JAX backend uses for an integer seed, so an initializer
//! given a seed produces the values Keras produces for that seed (uniform draws exactly,
//! normal ones to an ulp or two; orthogonal ones to float rounding of the QR). Without a
//! seed each `sample` takes a fresh seed from the global stream (`set_random_seed`
//! makes runs repeatable); Keras instead fixes one seed per unseeded initializer object.
//!
//! Fans follow Keras: for a kernel of shape `[..receptive, in, out]`,
//! fan_in = in · receptive and fan_out = out · receptive.
use crate::config::{self, serialized, Config};
use crate::error::{unknown, Result};
use crate::ops;
use crate::random::next_seed;
use crate::tensor::Tensor;
use kc_ir::DType;
use kc_runtime::HostTensor;
use serde_json::{json, Value};

#[derive(Clone, Debug, PartialEq)]
pub enum Initializer {
    Zeros,
    Ones,
    Constant(f64),
    RandomUniform { minval: f64, maxval: f64, seed: Option<u32> },
    RandomNormal { mean: f64, stddev: f64, seed: Option<u32> },
    /// Normal draws kept within two standard deviations of the mean.
    TruncatedNormal { mean: f64, stddev: f64, seed: Option<u32> },
    /// Variance `scale / fan`, uniform or (truncated) normal.
    VarianceScaling { scale: f64, mode: Fan, distribution: Distribution, seed: Option<u32> },
    /// A named variance-scaling preset (`GlorotUniform`, `HeNormal`, ...): its own
    /// Keras class, so its config round-trips.
    Preset { preset: Preset, seed: Option<u32> },
    Orthogonal { gain: f64, seed: Option<u32> },
    /// `gain` times the identity matrix (2-D shapes only; rectangular allowed).
    Identity { gain: f64 },
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fan {
    In,
    Out,
    Avg,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Distribution {
    Uniform,
    TruncatedNormal,
    UntruncatedNormal,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Preset {
    GlorotUniform,
    GlorotNormal,
    HeUniform,
    HeNormal,
    LecunUniform,
    LecunNormal,
}

/// Each preset's Keras class, snake-case name and variance-scaling arguments.
const PRESETS: &[(Preset, &str, &str, f64, Fan, Distribution)] = &[
    (Preset::GlorotUniform, "GlorotUniform", "glorot_uniform", 1.0, Fan::Avg, Distribution::Uniform),
    (Preset::GlorotNormal, "GlorotNormal", "glorot_normal", 1.0, Fan::Avg, Distribution::TruncatedNormal),
    (Preset::HeUniform, "HeUniform", "he_uniform", 2.0, Fan::In, Distribution::Uniform),
    (Preset::HeNormal, "HeNormal", "he_normal", 2.0, Fan::In, Distribution::TruncatedNormal),
    (Preset::LecunUniform, "LecunUniform", "lecun_uniform", 1.0, Fan::In, Distribution::Uniform),
    (Preset::LecunNormal, "LecunNormal", "lecun_normal", 1.0, Fan::In, Distribution::TruncatedNormal),
];

fn preset_row(p: Preset) -> &'static (Preset, &'static str, &'static str, f64, Fan, Distribution) {
    PRESETS.iter().find(|r| r.0 == p).expect("every preset has a row")
}

/// Every identifier `Initializer::from_name` accepts: Keras's class names, their snake
/// case, and Keras's aliases.
pub const NAMES: &[&str] = &[
    "zeros", "zero", "Zeros", "ones", "one", "Ones", "constant", "Constant", "random_uniform", "uniform", "RandomUniform", "random_normal",
    "normal", "RandomNormal", "truncated_normal", "TruncatedNormal", "variance_scaling", "VarianceScaling", "glorot_uniform", "GlorotUniform",
    "glorot_normal", "GlorotNormal", "he_uniform", "HeUniform", "he_normal", "HeNormal", "lecun_uniform", "LecunUniform", "lecun_normal",
    "LecunNormal", "orthogonal", "Orthogonal", "OrthogonalInitializer", "identity", "Identity", "IdentityInitializer",
];

impl Fan {
    fn name(self) -> &'static str {
        match self {
            Fan::In => "fan_in",
            Fan::Out => "fan_out",
            Fan::Avg => "fan_avg",
        }
    }
    pub fn from_name(s: &str) -> Result<Fan> {
        Ok(match s {
            "fan_in" => Fan::In,
            "fan_out" => Fan::Out,
            "fan_avg" => Fan::Avg,
            _ => return Err(unknown("variance-scaling mode", s, &["fan_in", "fan_out", "fan_avg"])),
        })
    }
}

impl Distribution {
    fn name(self) -> &'static str {
        match self {
            Distribution::Uniform => "uniform",
            Distribution::TruncatedNormal => "truncated_normal",
            Distribution::UntruncatedNormal => "untruncated_normal",
        }
    }
    /// Keras lower-cases the name and reads `normal` as `truncated_normal`.
    pub fn from_name(s: &str) -> Result<Distribution> {
        Ok(match s.to_lowercase().as_str() {
            "uniform" => Distribution::Uniform,
            "truncated_normal" | "normal" => Distribution::TruncatedNormal,
            "untruncated_normal" => Distribution::UntruncatedNormal,
            _ => return Err(unknown("variance-scaling distribution", s, &["uniform", "truncated_normal", "untruncated_normal", "normal"])),
        })
    }
}

impl Initializer {
    /// The initializer a Keras string identifier names, with Keras's defaults.
    pub fn from_name(name: &str) -> Result<Initializer> {
        if let Some(row) = PRESETS.iter().find(|r| r.1 == name || r.2 == name) {
            return Ok(Initializer::Preset { preset: row.0, seed: None });
        }
        Ok(match name {
            "zeros" | "zero" | "Zeros" => Initializer::Zeros,
            "ones" | "one" | "Ones" => Initializer::Ones,
            "constant" | "Constant" => Initializer::Constant(0.0),
            "random_uniform" | "uniform" | "RandomUniform" => Initializer::RandomUniform { minval: -0.05, maxval: 0.05, seed: None },
            "random_normal" | "normal" | "RandomNormal" => Initializer::RandomNormal { mean: 0.0, stddev: 0.05, seed: None },
            "truncated_normal" | "TruncatedNormal" => Initializer::TruncatedNormal { mean: 0.0, stddev: 0.05, seed: None },
            "variance_scaling" | "VarianceScaling" => {
                Initializer::VarianceScaling { scale: 1.0, mode: Fan::In, distribution: Distribution::TruncatedNormal, seed: None }
            }
            "orthogonal" | "Orthogonal" | "OrthogonalInitializer" => Initializer::Orthogonal { gain: 1.0, seed: None },
            "identity" | "Identity" | "IdentityInitializer" => Initializer::Identity { gain: 1.0 },
            _ => return Err(unknown("initializer", name, NAMES)),
        })
    }

    /// `keras.initializers.VarianceScaling(scale, mode, distribution)`, checked as Keras
    /// checks it (a positive scale, known mode and distribution names).
    pub fn variance_scaling(scale: f64, mode: &str, distribution: &str) -> Result<Initializer> {
        if !(scale > 0.0) {
            crate::bail!("VarianceScaling: argument `scale` must be a positive float, got {scale}");
        }
        Ok(Initializer::VarianceScaling { scale, mode: Fan::from_name(mode)?, distribution: Distribution::from_name(distribution)?, seed: None })
    }

    /// The same initializer with a fixed seed (ignored by the deterministic ones).
    pub fn seed(mut self, s: u32) -> Initializer {
        match &mut self {
            Initializer::RandomUniform { seed, .. }
            | Initializer::RandomNormal { seed, .. }
            | Initializer::TruncatedNormal { seed, .. }
            | Initializer::VarianceScaling { seed, .. }
            | Initializer::Preset { seed, .. }
            | Initializer::Orthogonal { seed, .. } => *seed = Some(s),
            Initializer::Zeros | Initializer::Ones | Initializer::Constant(_) | Initializer::Identity { .. } => {}
        }
        self
    }

    fn fixed_seed(&self) -> Option<u32> {
        match self {
            Initializer::RandomUniform { seed, .. }
            | Initializer::RandomNormal { seed, .. }
            | Initializer::TruncatedNormal { seed, .. }
            | Initializer::VarianceScaling { seed, .. }
            | Initializer::Preset { seed, .. }
            | Initializer::Orthogonal { seed, .. } => *seed,
            _ => None,
        }
    }

    /// A tensor of `shape`: with the initializer's seed when it has one, else with a
    /// fresh seed from the global stream.
    pub fn sample(&self, shape: &[usize], dtype: DType) -> Result<HostTensor> {
        let seed = self.fixed_seed().unwrap_or_else(|| (next_seed() >> 32) as u32);
        self.sample_seeded(shape, dtype, seed as u64)
    }

    /// A tensor of `shape` drawn with the key `[seed, 0]` (the seed must fit in 32 bits,
    /// as Keras's JAX keys do).
    pub fn sample_seeded(&self, shape: &[usize], dtype: DType, seed: u64) -> Result<HostTensor> {
        self.sample_with_fans(shape, dtype, seed, fans(shape))
    }

    /// [`Initializer::sample`] with the fans of the variance-scaling initializers taken
    /// over the given axes of `shape` (the product of their extents), as Keras's
    /// `EinsumDense` sets `input_axes`/`output_axes` on its kernel initializer.
    pub fn sample_axes(&self, shape: &[usize], dtype: DType, input_axes: &[usize], output_axes: &[usize]) -> Result<HostTensor> {
        let seed = self.fixed_seed().unwrap_or_else(|| (next_seed() >> 32) as u32);
        let extent = |axes: &[usize]| -> Result<f64> {
            axes.iter()
                .map(|&a| shape.get(a).map(|&n| n as f64).ok_or_else(|| crate::Error::msg(format!("fan axis {a} is outside the shape {shape:?}"))))
                .product()
        };
        self.sample_with_fans(shape, dtype, seed as u64, (extent(input_axes)?, extent(output_axes)?))
    }

    fn sample_with_fans(&self, shape: &[usize], dtype: DType, seed: u64, fans: (f64, f64)) -> Result<HostTensor> {
        let Ok(seed) = u32::try_from(seed) else { crate::bail!("initializer seeds are 32-bit, got {seed}") };
        if !dtype.is_float() {
            crate::bail!("initializers make float weights; dtype {dtype} is not a float dtype");
        }
        let key = ops::random_key(seed);
        let f32s = |t: Tensor| -> Result<HostTensor> { ops::cast(&t, dtype)?.host() };
        let full = |x: f64| -> Result<HostTensor> {
            let n: usize = shape.iter().product();
            Ok(HostTensor::from_f64(dtype, shape.to_vec(), &vec![x; n])?)
        };
        match self {
            Initializer::Zeros => full(0.0),
            Initializer::Ones => full(1.0),
            Initializer::Constant(c) => full(*c),
            Initializer::RandomUniform { minval, maxval, .. } => f32s(ops::random_uniform(shape, *minval, *maxval, DType::F32, &key)?),
            Initializer::RandomNormal { mean, stddev, .. } => f32s(ops::random_normal(shape, *mean, *stddev, DType::F32, &key)?),
            Initializer::TruncatedNormal { mean, stddev, .. } => f32s(ops::random_truncated_normal(shape, *mean, *stddev, DType::F32, &key)?),
            Initializer::VarianceScaling { scale, mode, distribution, .. } => f32s(variance_scaling(shape, fans, *scale, *mode, *distribution, &key)?),
            Initializer::Preset { preset, .. } => {
                let &(_, _, _, scale, mode, distribution) = preset_row(*preset);
                f32s(variance_scaling(shape, fans, scale, mode, distribution, &key)?)
            }
            Initializer::Orthogonal { gain, .. } => f32s(orthogonal(shape, *gain, &key)?),
            Initializer::Identity { gain } => {
                let [r, c] = shape else { crate::bail!("the Identity initializer needs a 2-D shape, got {shape:?}") };
                let v: Vec<f64> = (0..r * c).map(|i| if i / c == i % c { *gain } else { 0.0 }).collect();
                Ok(HostTensor::from_f64(dtype, shape.to_vec(), &v)?)
            }
        }
    }

    /// Keras's serialized form (`keras.initializers.serialize`).
    pub fn to_config(&self) -> Value {
        let seed = |s: &Option<u32>| s.map(|v| json!(v)).unwrap_or(Value::Null);
        let (class, cfg): (&str, Config) = match self {
            Initializer::Zeros => ("Zeros", Config::new()),
            Initializer::Ones => ("Ones", Config::new()),
            Initializer::Constant(v) => ("Constant", config::config(&[("value", json!(v))])),
            Initializer::RandomUniform { minval, maxval, seed: s } => {
                ("RandomUniform", config::config(&[("seed", seed(s)), ("minval", json!(minval)), ("maxval", json!(maxval))]))
            }
            Initializer::RandomNormal { mean, stddev, seed: s } => {
                ("RandomNormal", config::config(&[("seed", seed(s)), ("mean", json!(mean)), ("stddev", json!(stddev))]))
            }
            Initializer::TruncatedNormal { mean, stddev, seed: s } => {
                ("TruncatedNormal", config::config(&[("seed", seed(s)), ("mean", json!(mean)), ("stddev", json!(stddev))]))
            }
            Initializer::VarianceScaling { scale, mode, distribution, seed: s } => (
                "VarianceScaling",
                config::config(&[
                    ("seed", seed(s)),
                    ("scale", json!(scale)),
                    ("mode", json!(mode.name())),
                    ("distribution", json!(distribution.name())),
                    ("input_axes", Value::Null),
                    ("output_axes", Value::Null),
                ]),
            ),
            Initializer::Preset { preset, seed: s } => {
                (preset_row(*preset).1, config::config(&[("seed", seed(s)), ("input_axes", Value::Null), ("output_axes", Value::Null)]))
            }
            Initializer::Orthogonal { gain, seed: s } => ("Orthogonal", config::config(&[("seed", seed(s)), ("gain", json!(gain))])),
            // Keras 3 writes no keys for Identity (its gain is lost); kc keeps a
            // non-default gain so the config still recreates the initializer.
            Initializer::Identity { gain } if *gain == 1.0 => ("Identity", Config::new()),
            Initializer::Identity { gain } => ("Identity", config::config(&[("gain", json!(gain))])),
        };
        serialized("keras.initializers", class, cfg)
    }

    /// An initializer from Keras's serialized form, or from a bare string identifier.
    pub fn from_config(v: &Value) -> Result<Initializer> {
        if let Some(name) = v.as_str() {
            return Initializer::from_name(name);
        }
        let (class, cfg) = config::split(v, "initializer")?;
        let base = Initializer::from_name(class)?;
        let seed = config::seed_of(&cfg)?;
        let f = |k: &str, d: f64| config::f64_or(&cfg, k, d);
        let init = match base {
            Initializer::Zeros | Initializer::Ones => base,
            Initializer::Constant(_) => Initializer::Constant(f("value", 0.0)?),
            Initializer::RandomUniform { .. } => Initializer::RandomUniform { minval: f("minval", -0.05)?, maxval: f("maxval", 0.05)?, seed },
            Initializer::RandomNormal { .. } => Initializer::RandomNormal { mean: f("mean", 0.0)?, stddev: f("stddev", 0.05)?, seed },
            Initializer::TruncatedNormal { .. } => Initializer::TruncatedNormal { mean: f("mean", 0.0)?, stddev: f("stddev", 0.05)?, seed },
            Initializer::VarianceScaling { .. } => {
                let vs = Initializer::variance_scaling(
                    f("scale", 1.0)?,
                    config::str_or(&cfg, "mode", "fan_in")?,
                    config::str_or(&cfg, "distribution", "truncated_normal")?,
                )?;
                match seed {
                    Some(s) => vs.seed(s),
                    None => vs,
                }
            }
            Initializer::Preset { preset, .. } => Initializer::Preset { preset, seed },
            Initializer::Orthogonal { .. } => Initializer::Orthogonal { gain: f("gain", 1.0)?, seed },
            Initializer::Identity { .. } => Initializer::Identity { gain: f("gain", 1.0)? },
        };
        for axes in ["input_axes", "output_axes"] {
            if cfg.get(axes).is_some_and(|a| !a.is_null()) {
                crate::bail!("initializer {class}: `{axes}` is not supported by kc (the fans come from the shape as for Keras's default)");
            }
        }
        Ok(init)
    }
}

fn variance_scaling(shape: &[usize], (fan_in, fan_out): (f64, f64), scale: f64, mode: Fan, distribution: Distribution, key: &Tensor) -> Result<Tensor> {
    let fan = match mode {
        Fan::In => fan_in,
        Fan::Out => fan_out,
        Fan::Avg => (fan_in + fan_out) / 2.0,
    };
    let var = scale / fan.max(1.0);
    match distribution {
        Distribution::Uniform => {
            let limit = (3.0 * var).sqrt();
            ops::random_uniform(shape, -limit, limit, DType::F32, key)
        }
        // 0.8796... is the stddev of a unit normal truncated to [-2, 2]: dividing by it
        // makes the truncated draws have variance `var`.
        Distribution::TruncatedNormal => ops::random_truncated_normal(shape, 0.0, var.sqrt() / 0.879_625_661_034_239_8, DType::F32, key),
        Distribution::UntruncatedNormal => ops::random_normal(shape, 0.0, var.sqrt(), DType::F32, key),
    }
}

/// An initializer given to a layer: by Keras name (checked when the layer is built, so
/// a typo is an error listing the valid names) or as a value.
#[derive(Clone, Debug)]
pub enum InitArg {
    Name(String),
    Value(Initializer),
}

impl InitArg {
    pub fn resolve(&self) -> Result<Initializer> {
        match self {
            InitArg::Name(n) => Initializer::from_name(n),
            InitArg::Value(i) => Ok(i.clone()),
        }
    }
    /// The serialized form for a layer's config (a bad name serializes as the string).
    pub fn to_config(&self) -> Value {
        match self.resolve() {
            Ok(i) => i.to_config(),
            Err(_) => match self {
                InitArg::Name(n) => json!(n),
                InitArg::Value(i) => i.to_config(),
            },
        }
    }
}

impl From<&str> for InitArg {
    fn from(s: &str) -> InitArg {
        InitArg::Name(s.to_string())
    }
}

impl From<Initializer> for InitArg {
    fn from(i: Initializer) -> InitArg {
        InitArg::Value(i)
    }
}

/// Keras's fan computation.
pub fn fans(shape: &[usize]) -> (f64, f64) {
    match shape.len() {
        0 => (1.0, 1.0),
        1 => (shape[0] as f64, shape[0] as f64),
        2 => (shape[0] as f64, shape[1] as f64),
        r => {
            let receptive: usize = shape[..r - 2].iter().product();
            ((shape[r - 2] * receptive) as f64, (shape[r - 1] * receptive) as f64)
        }
    }
}

/// Keras's orthogonal initializer: normal draws of shape `[max(rows, cols), min(rows,
/// cols)]` (rows = the product of all but the last dim), the Q of their QR
/// decomposition with R's diagonal made positive (= Gram–Schmidt on the columns),
/// transposed when there are fewer rows than columns, times `gain`.
fn orthogonal(shape: &[usize], gain: f64, key: &Tensor) -> Result<Tensor> {
    if shape.len() < 2 {
        crate::bail!("the Orthogonal initializer needs a shape of rank 2 or more, got {shape:?} of rank {}", shape.len());
    }
    let cols = shape[shape.len() - 1];
    let rows: usize = shape[..shape.len() - 1].iter().product();
    let (m, n) = (rows.max(cols), rows.min(cols));
    let a = ops::random_normal(&[m, n], 0.0, 1.0, DType::F32, key)?.to_f64_vec()?;
    // column j of the m x n matrix, orthonormalised against the earlier ones
    let mut q: Vec<Vec<f64>> = (0..n).map(|j| (0..m).map(|i| a[i * n + j]).collect()).collect();
    for j in 0..n {
        for k in 0..j {
            let d: f64 = (0..m).map(|i| q[j][i] * q[k][i]).sum();
            for i in 0..m {
                q[j][i] -= d * q[k][i];
            }
        }
        let norm: f64 = q[j].iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-30);
        for v in &mut q[j] {
            *v /= norm;
        }
    }
    let mut out = vec![0.0; rows * cols];
    for r in 0..rows {
        for c in 0..cols {
            out[r * cols + c] = gain * if rows < cols { q[r][c] } else { q[c][r] };
        }
    }
    Ok(Tensor::from_host(HostTensor::from_f64(DType::F32, shape.to_vec(), &out)?))
}
