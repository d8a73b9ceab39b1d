//! Image resizing as Keras's JAX backend does it (`jax.image.resize`): half-pixel
//! centres; per spatial axis either nearest (`floor((i + 0.5) * in / out)`, computed in
//! float32) or a weight matrix from the interpolation kernel (triangle for bilinear,
//! Keys cubic for bicubic, Lanczos 3/5), normalized over the pixels that exist and
//! stretched when downsampling with `antialias`. Axes whose size does not change are
//! left alone, as JAX leaves them. The weights are constants of the graph, so a resize
//! is a matrix product per axis (differentiable), and nearest is slices of the input.
use crate::error::Result;
use crate::ops;
use crate::tensor::Tensor;
use kc_ir::{attrs, Attr, OpKind};

/// The interpolations Keras's JAX backend accepts (`RESIZE_INTERPOLATIONS`).
pub(super) const INTERPOLATIONS: &[&str] = &["bilinear", "nearest", "lanczos3", "lanczos5", "bicubic"];

/// The (height, width) axes of a rank-3 (one image) or rank-4 (a batch) tensor.
pub(super) fn image_axes(rank: usize, channels_first: bool) -> (usize, usize) {
    let first = rank - 3 + usize::from(channels_first);
    (first, first + 1)
}

/// The known extent of `axis` (image sizes must be known to compute the resize).
pub(super) fn extent(x: &Tensor, axis: usize) -> Result<usize> {
    match x.dims()[axis].known() {
        Some(n) => Ok(n as usize),
        None => crate::bail!("the height and width of the images must be known, got {}", x.ty()),
    }
}

/// Resize the (h, w) axes of `x` (float) to `size`.
pub(super) fn resize(x: &Tensor, axes: (usize, usize), size: (usize, usize), method: &str, antialias: bool) -> Result<Tensor> {
    let y = resize_axis(x, axes.0, size.0, method, antialias)?;
    resize_axis(&y, axes.1, size.1, method, antialias)
}

fn resize_axis(x: &Tensor, axis: usize, out: usize, method: &str, antialias: bool) -> Result<Tensor> {
    let n = extent(x, axis)?;
    if n == out {
        return Ok(x.clone());
    }
    if n == 0 || out == 0 {
        crate::bail!("cannot resize an axis of {n} pixels to {out}");
    }
    if method == "nearest" {
        return nearest(x, axis, &nearest_offsets(n, out));
    }
    let m = weight_matrix(n, out, method, antialias)?;
    apply_matrix(x, axis, &Tensor::from_f32(&[out, n], m)?)
}

/// JAX's nearest source index per output pixel, in float32 as JAX computes it.
fn nearest_offsets(n: usize, out: usize) -> Vec<usize> {
    (0..out).map(|i| ((((i as f32) + 0.5) * n as f32 / out as f32).floor() as usize).min(n - 1)).collect()
}

/// `x` gathered at `offsets` along `axis`, as slices: each run of offsets with a
/// constant step is one strided slice (a repeated pixel is a slice repeated), so the
/// batch axis may stay symbolic.
fn nearest(x: &Tensor, axis: usize, offsets: &[usize]) -> Result<Tensor> {
    let mut pieces = Vec::new();
    let mut i = 0;
    while i < offsets.len() {
        let start = offsets[i];
        let mut len = 1;
        let step = if i + 1 < offsets.len() { offsets[i + 1] as i64 - start as i64 } else { 1 };
        while i + len < offsets.len() && offsets[i + len] as i64 - offsets[i + len - 1] as i64 == step {
            len += 1;
        }
        pieces.push(if step == 0 {
            ops::repeat(&ops::slice_axis(x, axis as i64, start as u64, start as u64 + 1)?, len, axis as i64)?
        } else {
            strided(x, axis, start, step as usize, len)?
        });
        i += len;
    }
    if pieces.len() == 1 {
        return Ok(pieces.remove(0));
    }
    ops::concatenate(&pieces, axis as i64)
}

/// `len` entries of `axis` from `start`, `step` apart.
fn strided(x: &Tensor, axis: usize, start: usize, step: usize, len: usize) -> Result<Tensor> {
    if step == 1 {
        return ops::slice_axis(x, axis as i64, start as u64, (start + len) as u64);
    }
    let dims = x.dims();
    let mut st = vec![0i64; dims.len()];
    let mut lim: Vec<i64> = dims.iter().map(|d| d.known().map_or(-1, |n| n as i64)).collect();
    let mut strides = vec![1i64; dims.len()];
    st[axis] = start as i64;
    lim[axis] = (start + step * (len - 1) + 1) as i64;
    strides[axis] = step as i64;
    let ints = |v: &[i64]| Attr::Ints(v.to_vec());
    ops::apply1(OpKind::Slice, &[x], attrs(&[("start", ints(&st)), ("limit", ints(&lim)), ("strides", ints(&strides))]), None)
}

/// `y[.., o, ..] = sum_j m[o, j] x[.., j, ..]` along `axis`.
fn apply_matrix(x: &Tensor, axis: usize, m: &Tensor) -> Result<Tensor> {
    let r = x.rank();
    let mut perm: Vec<i64> = (0..r as i64).filter(|&d| d != axis as i64).collect();
    perm.push(axis as i64);
    let moved = ops::transpose(x, Some(&perm))?;
    let resized = ops::matmul(&moved, &ops::transpose(&ops::cast(m, x.dtype())?, None)?)?;
    let mut back = vec![0i64; r];
    for (k, &p) in perm.iter().enumerate() {
        back[p as usize] = k as i64;
    }
    ops::transpose(&resized, Some(&back))
}

/// JAX's `compute_weight_mat` (no edge padding), as an `out x n` row-major matrix,
/// computed in float32 as JAX computes it.
fn weight_matrix(n: usize, out: usize, method: &str, antialias: bool) -> Result<Vec<f32>> {
    let kernel: fn(f32) -> f32 = match method {
        "bilinear" => |x| (1.0 - x.abs()).max(0.0),
        "bicubic" => keys_cubic,
        "lanczos3" => |x| lanczos(3.0, x),
        "lanczos5" => |x| lanczos(5.0, x),
        other => crate::bail!("interpolation `{other}` has no resize kernel"),
    };
    let scale = out as f64 / n as f64;
    let inv_scale = (1.0 / scale) as f32;
    let kernel_scale = if antialias { inv_scale.max(1.0) } else { 1.0 };
    let sample: Vec<f32> = (0..out).map(|o| (o as f32 + 0.5) * inv_scale - 0.5).collect();
    let mut w = vec![0f32; n * out]; // [j][o], as JAX lays it out
    for j in 0..n {
        for o in 0..out {
            w[j * out + o] = kernel((sample[o] - j as f32).abs() / kernel_scale);
        }
    }
    let mut m = vec![0f32; out * n];
    for o in 0..out {
        let total: f32 = (0..n).map(|j| w[j * out + o]).sum();
        let inside = sample[o] >= -0.5 && sample[o] <= n as f32 - 0.5;
        for j in 0..n {
            let v = if total.abs() > 1000.0 * f32::EPSILON { w[j * out + o] / if total != 0.0 { total } else { 1.0 } } else { 0.0 };
            m[o * n + j] = if inside { v } else { 0.0 };
        }
    }
    Ok(m)
}

/// The Keys cubic kernel with `a = -0.5` (JAX's `bicubic`).
fn keys_cubic(x: f32) -> f32 {
    if x >= 2.0 {
        0.0
    } else if x >= 1.0 {
        ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    } else {
        ((1.5 * x - 2.5) * x) * x + 1.0
    }
}

/// The Lanczos kernel of `radius` (JAX's `lanczos3`/`lanczos5`).
fn lanczos(radius: f32, x: f32) -> f32 {
    use std::f32::consts::PI;
    if x > radius {
        return 0.0;
    }
    if x > 1e-3 {
        radius * (PI * x).sin() * (PI * x / radius).sin() / (PI * PI * x * x)
    } else {
        1.0
    }
}

/// Keras's crop box for `crop_to_aspect_ratio` (and `smart_resize`): the largest centred
/// window of the target's aspect ratio, as (start, size) per axis.
pub(super) fn aspect_crop(h: usize, w: usize, th: usize, tw: usize) -> ((usize, usize), (usize, usize)) {
    let ch = ((w * th) as f64 / tw as f64) as usize;
    let ch = ch.min(h).max(1);
    let cw = ((h * tw) as f64 / th as f64) as usize;
    let cw = cw.min(w).max(1);
    let start = |total: usize, size: usize| ((total - size) as f64 / 2.0) as usize;
    ((start(h, ch), ch), (start(w, cw), cw))
}

/// Keras's padding for `pad_to_aspect_ratio`: fill rows (or columns) added before and
/// after, the same number on both sides (the height first, if both would grow).
pub(super) fn aspect_pad(h: usize, w: usize, th: usize, tw: usize) -> (usize, usize) {
    let ph = (((w * th) as f64 / tw as f64) as usize).max(h);
    let pw = (((h * tw) as f64 / th as f64) as usize).max(w);
    let hs = ((ph - h) as f64 / 2.0) as usize;
    let ws = ((pw - w) as f64 / 2.0) as usize;
    if hs > 0 {
        (hs, 0)
    } else {
        (0, ws)
    }
}
