//! `keras.ops.image.affine_transform`: the deterministic core of RandomRotation,
//! RandomZoom and RandomTranslation, written with the IR's primitive ops (iota, floor,
//! integer arithmetic, `gather`, `select`), so it traces, differentiates and lowers
//! like everything else.
//!
//! The semantics are those of Keras's JAX backend, which maps every output pixel
//! `(x, y)` to the input point `x' = a0 x + a1 y + a2`, `y' = b0 x + b1 y + b2` and
//! samples it with `jax.scipy.ndimage.map_coordinates`: the nearest pixel (rounding
//! half away from zero) or a bilinear blend of the four around it, each neighbour's
//! index folded back into the image by the fill mode (`constant` reads `fill_value`
//! outside, `nearest` clamps, `wrap` tiles, `mirror` and `reflect` mirror about the
//! edge pixels or the edges). The projective terms `c0, c1` divide by `c0 x + c1 y + 1`
//! (TensorFlow's meaning); Keras's JAX backend multiplies them with the channel index
//! instead, so kc agrees with it only for `c0 = c1 = 0`, which is all its layers make.
use crate::error::Result;
use crate::ops;
use crate::tensor::Tensor;
use kc_ir::{attrs, Attr, DType, Dim, OpKind, Shape, TensorType};

/// How a point between pixels is sampled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interpolation {
    Nearest,
    Bilinear,
}

/// How points outside the image are filled (`jax.scipy.ndimage`'s modes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FillMode {
    Constant,
    Nearest,
    Wrap,
    Mirror,
    Reflect,
}

impl Interpolation {
    pub fn parse(s: &str) -> Option<Interpolation> {
        match s {
            "nearest" => Some(Interpolation::Nearest),
            "bilinear" => Some(Interpolation::Bilinear),
            _ => None,
        }
    }
}

impl FillMode {
    pub fn parse(s: &str) -> Option<FillMode> {
        Some(match s {
            "constant" => FillMode::Constant,
            "nearest" => FillMode::Nearest,
            "wrap" => FillMode::Wrap,
            "mirror" => FillMode::Mirror,
            "reflect" => FillMode::Reflect,
            _ => return None,
        })
    }
}

/// The eight numbers of a transform, one tensor each, shaped `(batch, 1, 1)` (or
/// `(1, 1, 1)` for one transform for every image) so they broadcast over the pixels.
pub(crate) struct Coeffs {
    pub a: [Tensor; 3],
    pub b: [Tensor; 3],
    /// `(c0, c1)`; `None` when they are zero (the layers' transforms).
    pub projective: Option<[Tensor; 2]>,
}

impl Coeffs {
    /// From a `(batch, 8)` float tensor `[a0, a1, a2, b0, b1, b2, c0, c1]`.
    pub fn from_rows(t: &Tensor) -> Result<Coeffs> {
        let col = |k: u64| -> Result<Tensor> {
            let c = ops::slice_axis(t, 1, k, k + 1)?;
            ops::expand_dims(&c, 2)
        };
        Ok(Coeffs { a: [col(0)?, col(1)?, col(2)?], b: [col(3)?, col(4)?, col(5)?], projective: Some([col(6)?, col(7)?]) })
    }
}

/// `keras.ops.image.affine_transform(images, transform, interpolation, fill_mode,
/// fill_value, data_format)`: `images` of rank 4 (batch) or 3 (one image), `transform`
/// `(batch, 8)` or `(8,)` as `[a0, a1, a2, b0, b1, b2, c0, c1]`. Integer images are
/// interpolated in float32 and rounded half away from zero, as JAX does.
pub fn affine_transform(images: &Tensor, transform: &Tensor, interpolation: &str, fill_mode: &str, fill_value: f64, data_format: &str) -> Result<Tensor> {
    let Some(interp) = Interpolation::parse(interpolation) else {
        crate::bail!("Invalid value for argument `interpolation`. Expected of one {{'nearest', 'bilinear'}}. Received: interpolation={interpolation}");
    };
    let Some(fill) = FillMode::parse(fill_mode) else {
        crate::bail!("Invalid value for argument `fill_mode`. Expected of one {{'constant', 'nearest', 'wrap', 'mirror', 'reflect'}}. Received: fill_mode={fill_mode}");
    };
    let cf = ops::channels_first(data_format)?;
    if !matches!(images.rank(), 3 | 4) {
        crate::bail!(
            "Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). Received input with shape: images.shape={}",
            crate::layers::keras_shape(&images.dims())
        );
    }
    if !matches!(transform.rank(), 1 | 2) {
        crate::bail!(
            "Invalid transform rank: expected rank 1 (single transform) or rank 2 (batch of transforms). Received input with shape: transform.shape={}",
            crate::layers::keras_shape(&transform.dims())
        );
    }
    if transform.dims().last() != Some(&Dim::Known(8)) || !transform.dtype().is_float() {
        crate::bail!("affine_transform: the transform must be float [a0, a1, a2, b0, b1, b2, c0, c1] rows (last axis 8), got {}", transform.ty());
    }
    let t = if transform.rank() == 1 { ops::expand_dims(transform, 0)? } else { transform.clone() };
    let t = ops::cast(&t, DType::F32)?;
    let coeffs = Coeffs::from_rows(&t)?;
    transform_images(images, &coeffs, interp, fill, fill_value, cf)
}

/// [`affine_transform`] with the transform given as coefficients: images of rank 3 or
/// 4 in either layout.
pub(crate) fn transform_images(images: &Tensor, m: &Coeffs, interp: Interpolation, fill: FillMode, fill_value: f64, channels_first: bool) -> Result<Tensor> {
    let unbatched = images.rank() == 3;
    let mut x = if unbatched { ops::expand_dims(images, 0)? } else { images.clone() };
    if channels_first {
        x = ops::transpose(&x, Some(&[0, 2, 3, 1]))?;
    }
    let mut y = transform_nhwc(&x, m, interp, fill, fill_value)?;
    if channels_first {
        y = ops::transpose(&y, Some(&[0, 3, 1, 2]))?;
    }
    if unbatched {
        y = ops::squeeze(&y, Some(0))?;
    }
    Ok(y)
}

fn known(x: &Tensor, axis: usize, what: &str) -> Result<u64> {
    match x.dims()[axis].known() {
        Some(n) if n > 0 => Ok(n),
        Some(_) => crate::bail!("affine_transform: the image {what} of {} is zero", crate::layers::keras_shape(&x.dims())),
        None => crate::bail!("affine_transform: the image {what} of {} must be known", crate::layers::keras_shape(&x.dims())),
    }
}

/// Channels-last batch `(B, H, W, C)`.
fn transform_nhwc(x: &Tensor, m: &Coeffs, interp: Interpolation, fill: FillMode, fill_value: f64) -> Result<Tensor> {
    let (h, w, c) = (known(x, 1, "height")?, known(x, 2, "width")?, known(x, 3, "channels")?);
    let dtype = x.dtype();
    if !(dtype == DType::F32 || dtype.is_int()) {
        crate::bail!("affine_transform: images must be float32 or integers, got {}", x.ty());
    }
    // Each output pixel's row and column, as f32, shaped (1, H, W).
    let grid = |axis: i64| -> Result<Tensor> {
        let t = TensorType::known(DType::I32, &[1, h, w]);
        ops::cast(&ops::apply1(OpKind::Iota, &[], attrs(&[("dimension", Attr::Int(axis))]), Some(t))?, DType::F32)
    };
    let (gy, gx) = (grid(1)?, grid(2)?);
    // JAX contracts (row, column) with the transform's columns in this order, then adds
    // the offset: y*a1 + x*a0 + a2.
    let apply = |k: &[Tensor; 3]| -> Result<Tensor> { ops::add(&ops::add(&ops::multiply(&gy, &k[1])?, &ops::multiply(&gx, &k[0])?)?, &k[2]) };
    let (mut xs, mut ys) = (apply(&m.a)?, apply(&m.b)?);
    if let Some([c0, c1]) = &m.projective {
        let k = ops::add(&ops::add(&ops::multiply(&gx, c0)?, &ops::multiply(&gy, c1)?)?, 1.0)?;
        xs = ops::divide(&xs, &k)?;
        ys = ops::divide(&ys, &k)?;
    }
    // the batch the output has: the images' (the transform may be one for all)
    let out_dims = vec![x.dims()[0].clone(), Dim::Known(h), Dim::Known(w)];
    let cval = ops::scalar(if dtype.is_int() { fill_value.trunc() } else { fill_value }, DType::F32)?;
    let image = ops::cast(x, DType::F32)?;
    let sample = |iy: &Tensor, ix: &Tensor| -> Result<Tensor> {
        let (iy, ix) = (ops::broadcast_to(iy, &out_dims)?, ops::broadcast_to(ix, &out_dims)?);
        let v = gather_pixels(&image, &fix(&iy, h, fill)?, &fix(&ix, w, fill)?, c)?;
        if fill != FillMode::Constant {
            return Ok(v);
        }
        let inside = ops::logical_and(&in_range(&iy, h)?, &in_range(&ix, w)?)?;
        ops::where_(&ops::expand_dims(&inside, -1)?, &v, &cval)
    };
    let out = match interp {
        Interpolation::Nearest => sample(&round_half_away(&ys)?, &round_half_away(&xs)?)?,
        Interpolation::Bilinear => {
            let (ny, nx) = (linear_nodes(&ys)?, linear_nodes(&xs)?);
            // the four neighbours in JAX's order: (y0, x0), (y0, x1), (y1, x0), (y1, x1)
            let mut acc: Option<Tensor> = None;
            for (iy, wy) in &ny {
                for (ix, wx) in &nx {
                    let weight = ops::expand_dims(&ops::multiply(wy, wx)?, -1)?;
                    let term = ops::multiply(&weight, &sample(iy, ix)?)?;
                    acc = Some(match acc {
                        None => term,
                        Some(a) => ops::add(&a, &term)?,
                    });
                }
            }
            acc.expect("four terms")
        }
    };
    if dtype.is_int() {
        return ops::cast(&round_half_away_float(&out)?, dtype);
    }
    Ok(out)
}

/// `jax.lax.round` (half away from zero), from truncation: exact for every f32.
fn round_half_away_float(v: &Tensor) -> Result<Tensor> {
    let t = ops::where_(&ops::less(v, 0.0)?, &ops::ceil(v)?, &ops::floor(v)?)?;
    let frac = ops::abs(&ops::subtract(v, &t)?)?;
    ops::where_(&ops::greater_equal(&frac, 0.5)?, &ops::add(&t, &ops::sign(v)?)?, &t)
}

/// The nearest pixel index of each coordinate (`map_coordinates(order=0)`).
fn round_half_away(v: &Tensor) -> Result<Tensor> {
    ops::cast(&round_half_away_float(v)?, DType::I32)
}

/// The two pixels around each coordinate and their weights (`order=1`): `floor(v)`
/// weighs `1 - (v - floor(v))`, the next one `v - floor(v)`.
fn linear_nodes(v: &Tensor) -> Result<[(Tensor, Tensor); 2]> {
    let lower = ops::floor(v)?;
    let upper_w = ops::subtract(v, &lower)?;
    let lower_w = ops::subtract(1.0, &upper_w)?;
    let i = ops::cast(&lower, DType::I32)?;
    let i1 = ops::add(&i, 1.0)?;
    Ok([(i, lower_w), (i1, upper_w)])
}

fn in_range(i: &Tensor, n: u64) -> Result<Tensor> {
    ops::logical_and(&ops::greater_equal(i, 0.0)?, &ops::less(i, n as f64)?)
}

/// `i mod n` with the sign of `n` (Python's `%`, JAX's `remainder`).
fn floor_mod(i: &Tensor, n: f64) -> Result<Tensor> {
    ops::mod_(&ops::add(&ops::mod_(i, n)?, n)?, n)
}

/// The triangular wave `|((i + s) mod 2s) - s|` with `s = n - 1`: `mirror`'s fold.
fn mirror(i: &Tensor, n: u64) -> Result<Tensor> {
    if n == 1 {
        return ops::zeros_like(i);
    }
    let s = (n - 1) as f64;
    ops::abs(&ops::subtract(&floor_mod(&ops::add(i, s)?, 2.0 * s)?, s)?)
}

/// An index (possibly outside `0..n`) folded into the image as the fill mode says
/// (jax.scipy.ndimage's index fixers). `constant` leaves it: the caller masks it, and
/// `gather` clamps it meanwhile.
fn fix(i: &Tensor, n: u64, mode: FillMode) -> Result<Tensor> {
    match mode {
        FillMode::Constant => Ok(i.clone()),
        FillMode::Nearest => ops::clip(i, 0.0, (n - 1) as f64),
        FillMode::Wrap => floor_mod(i, n as f64),
        FillMode::Mirror => mirror(i, n),
        // half-sample symmetric: mirror on the doubled grid, then halve
        FillMode::Reflect => {
            let doubled = ops::add(&ops::multiply(i, 2.0)?, 1.0)?;
            ops::divide(&ops::subtract(&mirror(&doubled, 2 * n + 1)?, 1.0)?, 2.0)
        }
    }
}

/// `image[b, iy, ix, :]` for every `(b, y, x)`: one `gather` of whole pixels, the
/// batch index from an iota so the batch may be symbolic.
fn gather_pixels(image: &Tensor, iy: &Tensor, ix: &Tensor, c: u64) -> Result<Tensor> {
    let b = ops::apply1_like(iy, OpKind::Iota, &[], attrs(&[("dimension", Attr::Int(0))]), Some(TensorType::new(DType::I32, Shape(iy.dims()))))?;
    let idx = ops::stack(&[b, iy.clone(), ix.clone()], -1)?;
    let at = attrs(&[
        ("offset_dims", Attr::Ints(vec![3])),
        ("collapsed_slice_dims", Attr::Ints(vec![0, 1, 2])),
        ("start_index_map", Attr::Ints(vec![0, 1, 2])),
        ("index_vector_dim", Attr::Int(3)),
        ("slice_sizes", Attr::Ints(vec![1, 1, 1, c as i64])),
    ]);
    ops::apply1(OpKind::Gather, &[image, &idx], at, None)
}
