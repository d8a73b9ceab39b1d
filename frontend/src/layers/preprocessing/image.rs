//! `keras.layers.CenterCrop` and `keras.layers.Resizing`: images `(batch, height, width,
//! channels)` or one image `(height, width, channels)` (channels first with
//! `data_format="channels_first"`).
use super::resize::{self, aspect_crop, aspect_pad, extent, image_axes, INTERPOLATIONS};
use crate::config::Config;
use crate::error::Result;
use crate::layers::{base_config, keras_shape, unique_name, CallCtx, Layer};
use crate::ops;
use crate::tensor::Tensor;
use kc_ir::DType;
use serde_json::json;

/// The image axes of `x` after Keras's checks of its rank and data format.
fn axes_of(x: &Tensor, data_format: &str) -> Result<(usize, usize)> {
    let cf = match data_format {
        "channels_last" => false,
        "channels_first" => true,
        other => crate::bail!("The `data_format` argument must be one of {{'channels_first', 'channels_last'}}. Received: data_format={other}"),
    };
    if !matches!(x.rank(), 3 | 4) {
        crate::bail!("Expected image tensor to have rank 3 (single image) or 4 (batch of images). Received: data.shape={}", keras_shape(&x.dims()));
    }
    Ok(image_axes(x.rank(), cf))
}

fn check_size(height: usize, width: usize) -> Result<()> {
    if height == 0 || width == 0 {
        crate::bail!("height and width must be positive, got height={height}, width={width}");
    }
    Ok(())
}

/// `x[.., start:start + size, ..]` on both image axes.
fn crop(x: &Tensor, axes: (usize, usize), (hs, h): (usize, usize), (ws, w): (usize, usize)) -> Result<Tensor> {
    let y = ops::slice_axis(x, axes.0 as i64, hs as u64, (hs + h) as u64)?;
    ops::slice_axis(&y, axes.1 as i64, ws as u64, (ws + w) as u64)
}

/// Crops the centre `height x width` of each image. Where the image is smaller than the
/// target on an axis, Keras resizes instead: the largest centred window of the target's
/// aspect ratio is resized (bilinear) to the target (`smart_resize`). Outputs are
/// float32 (integer pixels are cast).
pub struct CenterCrop {
    name: String,
    built: bool,
    pub height: usize,
    pub width: usize,
    pub data_format: String,
}

impl CenterCrop {
    pub fn new(height: usize, width: usize) -> CenterCrop {
        CenterCrop { name: unique_name("center_crop"), built: false, height, width, data_format: "channels_last".into() }
    }
    pub fn data_format(mut self, f: &str) -> Self {
        self.data_format = f.to_lowercase();
        self
    }
}

impl Layer for CenterCrop {
    layer_basics!("CenterCrop");
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        check_size(self.height, self.width)?;
        let x = ops::cast(&inputs[0], DType::F32)?;
        let axes = axes_of(&x, &self.data_format)?;
        let (h, w) = (extent(&x, axes.0)?, extent(&x, axes.1)?);
        if h >= self.height && w >= self.width {
            let (hs, ws) = ((h - self.height) / 2, (w - self.width) / 2);
            return Ok(vec![crop(&x, axes, (hs, self.height), (ws, self.width))?]);
        }
        let (hb, wb) = aspect_crop(h, w, self.height, self.width);
        let y = crop(&x, axes, hb, wb)?;
        Ok(vec![resize::resize(&y, axes, (self.height, self.width), "bilinear", false)?])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("data_format".into(), json!(self.data_format));
        c.insert("height".into(), json!(self.height));
        c.insert("width".into(), json!(self.width));
        c
    }
}

/// Resizes images to `height x width` as Keras's JAX backend does (`jax.image.resize`:
/// half-pixel centres): `interpolation` `bilinear` (default), `nearest`, `bicubic`,
/// `lanczos3` or `lanczos5`, with `antialias` (a wider kernel when downsampling).
/// `crop_to_aspect_ratio` first crops the largest centred window of the target's aspect
/// ratio; `pad_to_aspect_ratio` first pads with `fill_value` (the same amount on both
/// sides; `fill_mode` must be `constant`). Float images keep their dtype; integer ones
/// are resized in float32, rounded and clipped back to their dtype, as Keras does.
pub struct Resizing {
    name: String,
    built: bool,
    pub height: usize,
    pub width: usize,
    pub interpolation: String,
    pub crop_to_aspect_ratio: bool,
    pub pad_to_aspect_ratio: bool,
    pub fill_mode: String,
    pub fill_value: f64,
    pub antialias: bool,
    pub data_format: String,
}

impl Resizing {
    pub fn new(height: usize, width: usize) -> Resizing {
        Resizing {
            name: unique_name("resizing"),
            built: false,
            height,
            width,
            interpolation: "bilinear".into(),
            crop_to_aspect_ratio: false,
            pad_to_aspect_ratio: false,
            fill_mode: "constant".into(),
            fill_value: 0.0,
            antialias: false,
            data_format: "channels_last".into(),
        }
    }
    pub fn interpolation(mut self, i: &str) -> Self {
        self.interpolation = i.to_string();
        self
    }
    pub fn crop_to_aspect_ratio(mut self, c: bool) -> Self {
        self.crop_to_aspect_ratio = c;
        self
    }
    pub fn pad_to_aspect_ratio(mut self, p: bool) -> Self {
        self.pad_to_aspect_ratio = p;
        self
    }
    pub fn fill_mode(mut self, m: &str) -> Self {
        self.fill_mode = m.to_string();
        self
    }
    pub fn fill_value(mut self, v: f64) -> Self {
        self.fill_value = v;
        self
    }
    pub fn antialias(mut self, a: bool) -> Self {
        self.antialias = a;
        self
    }
    pub fn data_format(mut self, f: &str) -> Self {
        self.data_format = f.to_lowercase();
        self
    }

    /// The checks Keras's `resize` makes, with its messages.
    fn check(&self) -> Result<()> {
        check_size(self.height, self.width)?;
        if !INTERPOLATIONS.contains(&self.interpolation.as_str()) {
            crate::bail!(
                "Invalid value for argument `interpolation`. Expected of one ('bilinear', 'nearest', 'lanczos3', 'lanczos5', 'bicubic'). Received: interpolation={}",
                self.interpolation
            );
        }
        if self.fill_mode != "constant" {
            crate::bail!("Invalid value for argument `fill_mode`. Only `'constant'` is supported. Received: fill_mode={}", self.fill_mode);
        }
        if self.pad_to_aspect_ratio && self.crop_to_aspect_ratio {
            crate::bail!("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`.");
        }
        Ok(())
    }
}

impl Layer for Resizing {
    layer_basics!("Resizing");
    fn build(&mut self, _: &Tensor) -> Result<()> {
        self.check()
    }
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        let dtype = inputs[0].dtype();
        if dtype.is_bool() {
            crate::bail!("images must be numbers, got {}", inputs[0].ty());
        }
        let mut x = if dtype.is_float() { inputs[0].clone() } else { ops::cast(&inputs[0], DType::F32)? };
        let axes = axes_of(&x, &self.data_format)?;
        let (h, w) = (extent(&x, axes.0)?, extent(&x, axes.1)?);
        if self.crop_to_aspect_ratio {
            let (hb, wb) = aspect_crop(h, w, self.height, self.width);
            x = crop(&x, axes, hb, wb)?;
        } else if self.pad_to_aspect_ratio {
            let (ph, pw) = aspect_pad(h, w, self.height, self.width);
            let mut widths = vec![(0, 0); x.rank()];
            widths[axes.0] = (ph, ph);
            widths[axes.1] = (pw, pw);
            x = ops::pad(&x, &widths, self.fill_value)?;
        }
        let mut y = resize::resize(&x, axes, (self.height, self.width), &self.interpolation, self.antialias)?;
        if !dtype.is_float() {
            // Keras's saturating cast back to the integer type, after rounding
            let (lo, hi) = int_range(dtype);
            y = ops::cast(&ops::clip(&ops::round(&y)?, lo, hi)?, dtype)?;
        }
        Ok(vec![y])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("data_format".into(), json!(self.data_format));
        c.insert("height".into(), json!(self.height));
        c.insert("width".into(), json!(self.width));
        c.insert("interpolation".into(), json!(self.interpolation));
        c.insert("crop_to_aspect_ratio".into(), json!(self.crop_to_aspect_ratio));
        c.insert("pad_to_aspect_ratio".into(), json!(self.pad_to_aspect_ratio));
        c.insert("fill_mode".into(), json!(self.fill_mode));
        c.insert("fill_value".into(), json!(self.fill_value));
        c.insert("antialias".into(), json!(self.antialias));
        c
    }
}

/// The range of an integer dtype, for the saturating cast.
fn int_range(d: DType) -> (f64, f64) {
    use DType::*;
    match d {
        U8 => (0.0, 255.0),
        I8 => (-128.0, 127.0),
        U32 => (0.0, u32::MAX as f64),
        I32 => (i32::MIN as f64, i32::MAX as f64),
        _ => (i64::MIN as f64, i64::MAX as f64),
    }
}

named!(CenterCrop, Resizing);
