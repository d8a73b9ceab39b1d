//! Random numbers from a counter-based generator, threefry-2x32, written with the IR's
//! integer ops (`docs/ir.md`, "Random numbers"): the bits are a pure function of a key
//! and each element's position, so eager code, a traced step and every lowering draw
//! identical bits for the same key.
//!
//! The construction is JAX's (threefry-2x32 in its "partitionable" mode, the default
//! since JAX 0.5): element `i` of a shape gets `y0 ^ y1` where `(y0, y1) =
//! threefry2x32(key, (0, i))`. Keras's JAX backend draws with a key `[seed, counter]`
//! (`keras.random.SeedGenerator`), so kc given the same key reproduces Keras's bits, its
//! uniforms exactly and its normals to an ulp or two (the inverse error function is an
//! approximation computed in f32 on both sides).
//!
//! A seed here is a `u32[2]` tensor, Keras's key. [`random_key`] makes the key Keras uses for
//! an integer seed; a `SeedGenerator` supplies a fresh one per call.
use super::math::*;
use super::{apply1, apply1_like, binary, broadcast_to, full_like, lift, scalar, where_ as select, Operand};
use crate::error::Result;
use crate::tensor::Tensor;
use kc_ir::{attrs, Attr, Attrs, DType, Dim, OpKind, Shape, TensorType};
use kc_runtime::HostTensor;

/// The rotation amounts of threefry-2x32's rounds, four per group; groups alternate.
const ROTATIONS: [[u32; 4]; 2] = [[13, 15, 26, 6], [17, 29, 16, 24]];
/// The key-schedule parity constant of Threefish.
const KEY_PARITY: u32 = 0x1BD1_1BDA;

/// The key Keras's JAX backend uses for an integer seed (`draw_seed(seed)`): `[seed, 0]`.
pub fn random_key(seed: u32) -> Tensor {
    Tensor::from_host(HostTensor::from_vec(vec![2], vec![seed, 0u32]).expect("two elements for shape [2]"))
}

fn check_seed(seed: &Tensor) -> Result<()> {
    let t = seed.ty();
    if t.dtype != DType::U32 || t.shape != Shape::known(&[2]) {
        crate::bail!("a random seed must be a u32[2] key (ops::random_key(n) or a SeedGenerator), got {t}");
    }
    Ok(())
}

/// Word `i` of the key, as a `u32[]` scalar.
fn key_word(seed: &Tensor, i: i64) -> Result<Tensor> {
    let one = apply1(OpKind::Slice, &[seed], attrs(&[("start", super::ints(&[i])), ("limit", super::ints(&[i + 1]))]), None)?;
    super::reshape_dims(&one, vec![])
}

fn rotl(x: &Tensor, r: u32) -> Result<Tensor> {
    let hi = binary(OpKind::ShiftLeft, x, r as f64)?;
    let lo = binary(OpKind::ShiftRightLogical, x, (32 - r) as f64)?;
    binary(OpKind::Or, &hi, &lo)
}

fn xor(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary(OpKind::Xor, a, b)
}

/// The threefry-2x32 block cipher (20 rounds) on counter words `x0`, `x1` (`u32`, one
/// shape) under the key `(k0, k1)` (`u32[]` scalars). Additions wrap, as the IR defines.
pub fn threefry2x32(k0: &Tensor, k1: &Tensor, x0: &Tensor, x1: &Tensor) -> Result<(Tensor, Tensor)> {
    for t in [k0, k1, x0, x1] {
        if t.dtype() != DType::U32 {
            crate::bail!("threefry2x32 works on u32 words, got {}", t.ty());
        }
    }
    let k2 = xor(&xor(k0, k1)?, &scalar(KEY_PARITY as f64, DType::U32)?)?;
    let ks = [k0.clone(), k1.clone(), k2];
    let mut x = [add(x0, &ks[0])?, add(x1, &ks[1])?];
    for group in 0..5usize {
        for &r in &ROTATIONS[group % 2] {
            let s = add(&x[0], &x[1])?;
            x[1] = xor(&rotl(&x[1], r)?, &s)?;
            x[0] = s;
        }
        // key injection after every four rounds: the schedule rotates, plus a counter
        x[0] = add(&x[0], &ks[(group + 1) % 3])?;
        x[1] = add(&add(&x[1], &ks[(group + 2) % 3])?, (group + 1) as f64)?;
    }
    let [a, b] = x;
    Ok((a, b))
}

/// The extent of `dims[k]` as a `u32[]`: a constant when known, else counted when the
/// step runs (the largest index along it, plus one).
fn extent(dims: &[Dim], k: usize, like: &Tensor) -> Result<Tensor> {
    match dims[k].known() {
        Some(n) => scalar(n as f64, DType::U32),
        None => {
            let t = TensorType::new(DType::U32, Shape(dims.to_vec()));
            let iota = apply1_like(like, OpKind::Iota, &[], attrs(&[("dimension", Attr::Int(k as i64))]), Some(t))?;
            add(&max(&iota, None, false)?, 1.0)
        }
    }
}

/// Each element's row-major position in `dims`, as `u32` (the low counter word).
fn positions(dims: &[Dim], like: &Tensor) -> Result<Tensor> {
    let t = TensorType::new(DType::U32, Shape(dims.to_vec()));
    if dims.is_empty() {
        return lift(&scalar(0.0, DType::U32)?, like);
    }
    if let Some(n) = Shape(dims.to_vec()).num_elements() {
        if n > u32::MAX as u64 {
            crate::bail!("random ops draw at most 2^32 elements at once, the shape {} has {n}", Shape(dims.to_vec()));
        }
    }
    let mut pos: Option<Tensor> = None;
    for k in 0..dims.len() {
        let iota = apply1_like(like, OpKind::Iota, &[], attrs(&[("dimension", Attr::Int(k as i64))]), Some(t.clone()))?;
        pos = Some(match pos {
            None => iota,
            // Horner: ((i0 * d1 + i1) * d2 + i2) ...
            Some(p) => add(&multiply(&p, &extent(dims, k, like)?)?, &iota)?,
        });
    }
    Ok(pos.expect("rank >= 1"))
}

/// Random `u32` bits of `dims` (symbolic dims need a `seed` inside a trace).
pub fn random_bits_dims(dims: &[Dim], seed: &Tensor) -> Result<Tensor> {
    check_seed(seed)?;
    if !seed.is_symbolic() && dims.iter().any(|d| d.known().is_none()) {
        crate::bail!(
            "random bits of shape {} have a symbolic dim, so they must be drawn inside a trace: use a seed from the trace (ops::lift a seed, or a SeedGenerator called on a symbolic input)",
            Shape(dims.to_vec())
        );
    }
    if !seed.is_symbolic() {
        if let Some(shape) = dims.iter().map(|d| d.known().map(|n| n as usize)).collect::<Option<Vec<usize>>>() {
            return host_bits(&shape, seed);
        }
    }
    let (k0, k1) = (key_word(seed, 0)?, key_word(seed, 1)?);
    let lo = positions(dims, seed)?;
    let hi = full_like(&lo, 0.0)?;
    let (y0, y1) = threefry2x32(&k0, &k1, &hi, &lo)?;
    xor(&y0, &y1)
}

/// One threefry-2x32 block in plain Rust: the same rounds as [`threefry2x32`].
fn threefry_block(k0: u32, k1: u32, x0: u32, x1: u32) -> (u32, u32) {
    let ks = [k0, k1, k0 ^ k1 ^ KEY_PARITY];
    let mut x = [x0.wrapping_add(ks[0]), x1.wrapping_add(ks[1])];
    for group in 0..5usize {
        for &r in &ROTATIONS[group % 2] {
            let s = x[0].wrapping_add(x[1]);
            x[1] = x[1].rotate_left(r) ^ s;
            x[0] = s;
        }
        x[0] = x[0].wrapping_add(ks[(group + 1) % 3]);
        x[1] = x[1].wrapping_add(ks[(group + 2) % 3]).wrapping_add(group as u32 + 1);
    }
    (x[0], x[1])
}

/// Eager random bits of a static shape computed on the host in one pass, bit for bit
/// what the traced ops give (`tests/frontend/random.rs` checks both against Keras):
/// the op-by-op path allocates ~100 full-size temporaries, which made initializing a
/// 100M-parameter layer take minutes.
fn host_bits(shape: &[usize], seed: &Tensor) -> Result<Tensor> {
    let n: usize = shape.iter().product();
    if n as u64 > u32::MAX as u64 {
        crate::bail!("random ops draw at most 2^32 elements at once, the shape {shape:?} has {n}");
    }
    let key = seed.host()?;
    let key = key.as_slice::<u32>().ok_or_else(|| crate::Error::msg("a random seed must be u32[2]"))?.to_vec();
    let bits: Vec<u32> = (0..n as u32)
        .map(|i| {
            let (a, b) = threefry_block(key[0], key[1], 0, i);
            a ^ b
        })
        .collect();
    Ok(Tensor::from_host(HostTensor::from_vec(shape.to_vec(), bits)?))
}

/// Random `u32` bits of a static shape (`jax.random.bits`).
pub fn random_bits(shape: &[usize], seed: &Tensor) -> Result<Tensor> {
    random_bits_dims(&known(shape), seed)
}

fn known(shape: &[usize]) -> Vec<Dim> {
    shape.iter().map(|&d| Dim::Known(d as u64)).collect()
}

fn float_dtype(dtype: DType, what: &str) -> Result<()> {
    if !dtype.is_float() {
        crate::bail!("{what} draws floats; dtype {dtype} is not a float dtype");
    }
    Ok(())
}

/// Uniform `f32` in `[minval, maxval)`: 23 random mantissa bits under the exponent of
/// 1.0 give a float in [1, 2), minus 1, then scaled (JAX's `_uniform`, in f32).
fn uniform_f32(dims: &[Dim], minval: f64, maxval: f64, seed: &Tensor) -> Result<Tensor> {
    let bits = random_bits_dims(dims, seed)?;
    let mantissa = binary(OpKind::ShiftRightLogical, &bits, 9.0)?;
    let one_bits = 1.0f32.to_bits() as f64;
    let in_1_2 = binary(OpKind::Or, &mantissa, one_bits)?;
    let f = apply1(OpKind::BitcastConvert, &[&in_1_2], Attrs::new(), Some(in_1_2.ty().with_dtype(DType::F32)))?;
    let unit = subtract(&f, 1.0)?;
    // The range is rounded to f32 first, as JAX computes `maxval - minval` in the dtype.
    let (lo, hi) = (minval as f32, maxval as f32);
    let scaled = add(&multiply(&unit, (hi - lo) as f64)?, lo as f64)?;
    maximum(&scaled, lo as f64)
}

/// Draws in f32 and converts: the bit recipes are defined for f32 (kc has no u16/u64
/// dtypes for the f16/f64 recipes), so other float dtypes are rounded f32 draws.
fn in_dtype(x: Tensor, dtype: DType) -> Result<Tensor> {
    cast(&x, dtype)
}

/// `keras.random.uniform` with dims that may be symbolic.
pub fn random_uniform_dims(dims: &[Dim], minval: f64, maxval: f64, dtype: DType, seed: &Tensor) -> Result<Tensor> {
    float_dtype(dtype, "random_uniform")?;
    in_dtype(uniform_f32(dims, minval, maxval, seed)?, dtype)
}

/// `keras.random.uniform(shape, minval, maxval, dtype, seed)`.
pub fn random_uniform(shape: &[usize], minval: f64, maxval: f64, dtype: DType, seed: &Tensor) -> Result<Tensor> {
    random_uniform_dims(&known(shape), minval, maxval, dtype, seed)
}

/// The largest f32 below 1.0 in magnitude on the negative side, `nextafter(-1, 0)`: the
/// low end of the uniform that `erfinv` maps to a normal (JAX's `_normal_real`).
const NEAR_MINUS_ONE: f32 = -0.999_999_94;

/// Standard normal draws: `sqrt(2) * erfinv(u)`, `u` uniform in (-1, 1).
fn standard_normal(dims: &[Dim], seed: &Tensor) -> Result<Tensor> {
    let u = uniform_f32(dims, NEAR_MINUS_ONE as f64, 1.0, seed)?;
    multiply(&super::special::erfinv(&u)?, std::f32::consts::SQRT_2 as f64)
}

/// `keras.random.normal` with dims that may be symbolic.
pub fn random_normal_dims(dims: &[Dim], mean: f64, stddev: f64, dtype: DType, seed: &Tensor) -> Result<Tensor> {
    float_dtype(dtype, "random_normal")?;
    let z = standard_normal(dims, seed)?;
    in_dtype(add(&multiply(&z, stddev)?, mean)?, dtype)
}

/// `keras.random.normal(shape, mean, stddev, dtype, seed)`.
pub fn random_normal(shape: &[usize], mean: f64, stddev: f64, dtype: DType, seed: &Tensor) -> Result<Tensor> {
    random_normal_dims(&known(shape), mean, stddev, dtype, seed)
}

/// `keras.random.truncated_normal` with dims that may be symbolic.
pub fn random_truncated_normal_dims(dims: &[Dim], mean: f64, stddev: f64, dtype: DType, seed: &Tensor) -> Result<Tensor> {
    float_dtype(dtype, "random_truncated_normal")?;
    // Inverse-CDF sampling between the cut points at ±2 standard deviations (JAX's
    // `truncated_normal`): u uniform in [erf(-√2), erf(√2)), then √2·erfinv(u), kept
    // strictly inside (-2, 2).
    let sqrt2 = std::f32::consts::SQRT_2 as f64;
    let cut = erf(&scalar(-2.0 / sqrt2, DType::F32)?)?.item()?;
    let u = uniform_f32(dims, cut, -cut, seed)?;
    let z = multiply(&super::special::erfinv(&u)?, sqrt2)?;
    let inside = (2.0f32 - f32::EPSILON) as f64; // nextafter(2, 0) in f32
    let z = clip(&z, -inside, inside)?;
    in_dtype(add(&multiply(&z, stddev)?, mean)?, dtype)
}

/// `keras.random.truncated_normal(shape, mean, stddev, dtype, seed)`: normal draws
/// restricted to two standard deviations around the mean.
pub fn random_truncated_normal(shape: &[usize], mean: f64, stddev: f64, dtype: DType, seed: &Tensor) -> Result<Tensor> {
    random_truncated_normal_dims(&known(shape), mean, stddev, dtype, seed)
}

/// `keras.random.dropout(x, rate, noise_shape, seed)`: zero each element with
/// probability `rate` and scale the rest by `1 / (1 - rate)`. `noise_shape` (one entry
/// per axis of `x`, `None` for "as `x`") draws one decision per noise element and
/// broadcasts it, e.g. `[None, 1, None]` drops whole timesteps' features alike. The keep
/// decision is `uniform < 1 - rate`, as JAX's `bernoulli`, so Keras's masks are reproduced.
pub fn dropout(x: &Tensor, rate: f64, noise_shape: Option<&[Option<usize>]>, seed: &Tensor) -> Result<Tensor> {
    if !(0.0..=1.0).contains(&rate) {
        crate::bail!("dropout rate must be in [0, 1], got {rate}");
    }
    if !x.dtype().is_float() {
        crate::bail!("dropout needs a float tensor, got {}", x.ty());
    }
    check_seed(seed)?;
    let dims = x.dims();
    let noise: Vec<Dim> = match noise_shape {
        None => dims.clone(),
        Some(ns) => {
            if ns.len() != dims.len() {
                crate::bail!("noise_shape {ns:?} has {} entries but the input {} has rank {}", ns.len(), x.ty(), dims.len());
            }
            let noise: Vec<Dim> = ns.iter().zip(&dims).map(|(n, d)| n.map(|v| Dim::Known(v as u64)).unwrap_or_else(|| d.clone())).collect();
            if let Some(i) = (0..dims.len()).find(|&i| noise[i] != dims[i] && noise[i] != Dim::Known(1)) {
                crate::bail!("noise_shape {ns:?} does not broadcast to the input {}: axis {i} must be 1 or {}", x.ty(), dims[i]);
            }
            noise
        }
    };
    if rate == 1.0 {
        return full_like(x, 0.0);
    }
    if rate == 0.0 {
        return Ok(x.clone());
    }
    let keep = 1.0 - rate;
    let seed = lift(seed, x)?;
    let u = uniform_f32(&noise, 0.0, 1.0, &seed)?;
    let mask = broadcast_to(&less(&u, keep as f32 as f64)?, &dims)?;
    select(&mask, &divide(x, keep)?, Operand::S(0.0))
}
