//! Weight initializers with Keras's names and formulas (`glorot_uniform`, `he_normal`,
//! ...). Fan-in/fan-out follow Keras: for a kernel of shape `[..receptive, in, out]`,
//! fan_in = in · receptive, fan_out = out · receptive.
use crate::error::{unknown, Result};
use crate::random::{next_seed, Rng};
use kc_ir::DType;
use kc_runtime::HostTensor;

#[derive(Clone, Debug, PartialEq)]
pub enum Initializer {
    Zeros,
    Ones,
    Constant(f64),
    RandomUniform { minval: f64, maxval: f64 },
    RandomNormal { mean: f64, stddev: f64 },
    TruncatedNormal { mean: f64, stddev: f64 },
    /// Variance scaling: `scale / fan`, uniform or (truncated) normal.
    VarianceScaling { scale: f64, mode: Fan, distribution: Distribution },
    Orthogonal { gain: f64 },
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

pub const NAMES: &[&str] = &[
    "zeros", "ones", "random_uniform", "random_normal", "truncated_normal", "glorot_uniform", "glorot_normal", "he_uniform",
    "he_normal", "lecun_uniform", "lecun_normal", "orthogonal",
];

impl Initializer {
    pub fn from_name(name: &str) -> Result<Initializer> {
        use Distribution::*;
        use Fan::*;
        let vs = |scale, mode, distribution| Initializer::VarianceScaling { scale, mode, distribution };
        Ok(match name {
            "zeros" => Initializer::Zeros,
            "ones" => Initializer::Ones,
            "random_uniform" => Initializer::RandomUniform { minval: -0.05, maxval: 0.05 },
            "random_normal" => Initializer::RandomNormal { mean: 0.0, stddev: 0.05 },
            "truncated_normal" => Initializer::TruncatedNormal { mean: 0.0, stddev: 0.05 },
            "glorot_uniform" => vs(1.0, Avg, Uniform),
            "glorot_normal" => vs(1.0, Avg, TruncatedNormal),
            "he_uniform" => vs(2.0, In, Uniform),
            "he_normal" => vs(2.0, In, TruncatedNormal),
            "lecun_uniform" => vs(1.0, In, Uniform),
            "lecun_normal" => vs(1.0, In, TruncatedNormal),
            "orthogonal" => Initializer::Orthogonal { gain: 1.0 },
            _ => return Err(unknown("initializer", name, NAMES)),
        })
    }

    /// A tensor of `shape` drawn with a fresh seed from the global stream.
    pub fn sample(&self, shape: &[usize], dtype: DType) -> Result<HostTensor> {
        self.sample_seeded(shape, dtype, next_seed())
    }

    pub fn sample_seeded(&self, shape: &[usize], dtype: DType, seed: u64) -> Result<HostTensor> {
        let n: usize = shape.iter().product();
        let mut rng = Rng::new(seed);
        let trunc = |rng: &mut Rng| loop {
            let z = rng.normal();
            if z.abs() <= 2.0 {
                return z;
            }
        };
        let v: Vec<f64> = match self {
            Initializer::Zeros => vec![0.0; n],
            Initializer::Ones => vec![1.0; n],
            Initializer::Constant(c) => vec![*c; n],
            Initializer::RandomUniform { minval, maxval } => (0..n).map(|_| minval + (maxval - minval) * rng.uniform()).collect(),
            Initializer::RandomNormal { mean, stddev } => (0..n).map(|_| mean + stddev * rng.normal()).collect(),
            Initializer::TruncatedNormal { mean, stddev } => (0..n).map(|_| mean + stddev * trunc(&mut rng)).collect(),
            Initializer::VarianceScaling { scale, mode, distribution } => {
                let (fan_in, fan_out) = fans(shape);
                let fan = match mode {
                    Fan::In => fan_in,
                    Fan::Out => fan_out,
                    Fan::Avg => (fan_in + fan_out) / 2.0,
                };
                let var = scale / fan.max(1.0);
                match distribution {
                    Distribution::Uniform => {
                        let limit = (3.0 * var).sqrt();
                        (0..n).map(|_| -limit + 2.0 * limit * rng.uniform()).collect()
                    }
                    // 0.8796... is the stddev of a unit normal truncated to [-2, 2].
                    Distribution::TruncatedNormal => (0..n).map(|_| var.sqrt() / 0.879_625_661_034_239_8 * trunc(&mut rng)).collect(),
                    Distribution::UntruncatedNormal => (0..n).map(|_| var.sqrt() * rng.normal()).collect(),
                }
            }
            Initializer::Orthogonal { gain } => orthogonal(shape, *gain, &mut rng),
        };
        Ok(HostTensor::from_f64(dtype, shape.to_vec(), &v)?)
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

/// Rows of a flattened `[prod(shape[..-1]), shape[-1]]` normal matrix, orthonormalised
/// with Gram–Schmidt (on the shorter side), times `gain`.
fn orthogonal(shape: &[usize], gain: f64, rng: &mut Rng) -> Vec<f64> {
    let cols = *shape.last().unwrap_or(&1);
    let rows: usize = shape.iter().product::<usize>() / cols.max(1);
    let (m, n, transposed) = if rows < cols { (cols, rows, true) } else { (rows, cols, false) };
    // m x n with orthonormal columns
    let mut a: Vec<Vec<f64>> = (0..n).map(|_| (0..m).map(|_| rng.normal()).collect()).collect();
    for j in 0..n {
        for k in 0..j {
            let d: f64 = (0..m).map(|i| a[j][i] * a[k][i]).sum();
            for i in 0..m {
                a[j][i] -= d * a[k][i];
            }
        }
        let norm: f64 = a[j].iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-12);
        for v in &mut a[j] {
            *v /= norm;
        }
    }
    let mut out = vec![0.0; rows * cols];
    for r in 0..rows {
        for c in 0..cols {
            out[r * cols + c] = gain * if transposed { a[r][c] } else { a[c][r] };
        }
    }
    out
}
