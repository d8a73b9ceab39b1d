//! Spatial reshaping layers: `Cropping1D/2D/3D` (`Cropping<N>`), `ZeroPadding1D/2D/3D`
//! (`ZeroPadding<N>`), `UpSampling1D/2D/3D` (`UpSampling<N>`; nearest, and bilinear for
//! 2D). No weights; the batch axis may be symbolic, the spatial axes must be known.
use super::core::keras_shape;
use super::spatial::{channels_first, expect_rank, py_tuple, Ints};
use super::{base_config, snake, unique_name, CallCtx, Layer};
use crate::config::Config;
use crate::error::Result;
use crate::ops;
use crate::tensor::Tensor;
use serde_json::json;

/// A `cropping`/`padding` argument: one amount for every side, one per spatial dim
/// (both sides), or `(before, after)` per dim. `Cropping1D`/`ZeroPadding1D` read a pair
/// as `(before, after)`, as Keras does.
#[derive(Clone, Debug, PartialEq)]
pub struct Sides(pub Vec<Vec<i64>>);

impl From<i32> for Sides {
    fn from(v: i32) -> Sides {
        Sides(vec![vec![v as i64]])
    }
}
impl From<usize> for Sides {
    fn from(v: usize) -> Sides {
        Sides(vec![vec![v as i64]])
    }
}
impl<const K: usize> From<[usize; K]> for Sides {
    fn from(v: [usize; K]) -> Sides {
        Sides(v.iter().map(|&x| vec![x as i64]).collect())
    }
}
impl<const K: usize> From<[i32; K]> for Sides {
    fn from(v: [i32; K]) -> Sides {
        Sides(v.iter().map(|&x| vec![x as i64]).collect())
    }
}
impl<const K: usize> From<[(usize, usize); K]> for Sides {
    fn from(v: [(usize, usize); K]) -> Sides {
        Sides(v.iter().map(|&(a, b)| vec![a as i64, b as i64]).collect())
    }
}
impl<const K: usize> From<[(i32, i32); K]> for Sides {
    fn from(v: [(i32, i32); K]) -> Sides {
        Sides(v.iter().map(|&(a, b)| vec![a as i64, b as i64]).collect())
    }
}
impl From<Vec<Vec<i64>>> for Sides {
    fn from(v: Vec<Vec<i64>>) -> Sides {
        Sides(v)
    }
}

impl Sides {
    /// `(before, after)` for each of `n` spatial dims, each >= 0.
    fn pairs(&self, n: usize, name: &str) -> Result<Vec<(usize, usize)>> {
        let bad = || crate::Error::msg(format!("`{name}` should be an int, a tuple of {n} ints or a tuple of {n} tuples of 2 ints. Received: {name}={:?}", self.0));
        let v = &self.0;
        let flat: Vec<i64> = v.iter().flatten().copied().collect();
        let pairs: Vec<(i64, i64)> = match (n, v.len()) {
            (_, 1) if v[0].len() == 1 => vec![(v[0][0], v[0][0]); n],
            // one spatial dim: a pair of ints is (before, after)
            (1, 2) if v.iter().all(|p| p.len() == 1) => vec![(v[0][0], v[1][0])],
            (1, 1) if v[0].len() == 2 => vec![(v[0][0], v[0][1])],
            (n, k) if k == n && n > 1 => v.iter().map(|p| match p[..] {
                [a] => Ok((a, a)),
                [a, b] => Ok((a, b)),
                _ => Err(bad()),
            }).collect::<Result<_>>()?,
            _ => return Err(bad()),
        };
        if flat.iter().any(|&x| x < 0) {
            crate::bail!("`{name}` cannot be negative. Received: {name}={:?}", self.0);
        }
        Ok(pairs.into_iter().map(|(a, b)| (a as usize, b as usize)).collect())
    }

    /// Keras's config form: `[before, after]` for 1D, `[[before, after], ...]` else.
    fn value(&self, n: usize, name: &str) -> serde_json::Value {
        match self.pairs(n, name) {
            Ok(p) if n == 1 => json!([p[0].0, p[0].1]),
            Ok(p) => json!(p.iter().map(|&(a, b)| [a, b]).collect::<Vec<_>>()),
            Err(_) => json!(self.0),
        }
    }
}

/// Class names per rank.
const fn class(n: usize, names: [&'static str; 3]) -> &'static str {
    match n {
        1 => names[0],
        2 => names[1],
        _ => names[2],
    }
}

/// The data format: `Cropping1D` and `UpSampling1D` have none (always channels-last).
fn format_of<const N: usize>(data_format: &str) -> Result<bool> {
    if N == 1 && data_format != "channels_last" {
        crate::bail!("the 1D layers have no `data_format`: their inputs are (batch, steps, channels)");
    }
    channels_first(data_format)
}

/// `keras.layers.Cropping{N}D(cropping)`: removes `(before, after)` entries at the
/// ends of each spatial dim.
pub struct Cropping<const N: usize> {
    name: String,
    built: bool,
    pub cropping: Sides,
    pub data_format: String,
}

pub type Cropping1D = Cropping<1>;
pub type Cropping2D = Cropping<2>;
pub type Cropping3D = Cropping<3>;

impl<const N: usize> Cropping<N> {
    const CLASS: &'static str = class(N, ["Cropping1D", "Cropping2D", "Cropping3D"]);

    pub fn new(cropping: impl Into<Sides>) -> Cropping<N> {
        Cropping { name: unique_name(&snake(Self::CLASS)), built: false, cropping: cropping.into(), data_format: "channels_last".into() }
    }
    /// 2D and 3D only.
    pub fn data_format(mut self, f: &str) -> Self {
        self.data_format = f.to_lowercase();
        self
    }
    pub fn name(mut self, n: &str) -> Self {
        self.name = n.to_string();
        self
    }
}

/// Keras's defaults: one entry off each side (`Cropping2D`: nothing).
impl<const N: usize> Default for Cropping<N> {
    fn default() -> Self {
        Cropping::new(if N == 2 { 0 } else { 1 })
    }
}

impl<const N: usize> Layer for Cropping<N> {
    layer_basics!(Self::CLASS);
    fn build(&mut self, _: &Tensor) -> Result<()> {
        self.cropping.pairs(N, "cropping")?;
        format_of::<N>(&self.data_format)?;
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        expect_rank(x, N + 2)?;
        let crop = self.cropping.pairs(N, "cropping")?;
        let cf = format_of::<N>(&self.data_format)?;
        let extents = ops::spatial_extents(x, cf, Self::CLASS)?;
        if extents.iter().zip(&crop).any(|(&e, &(a, b))| (a + b) as i64 >= e) {
            crate::bail!(
                "Values in `cropping` argument should be smaller than the corresponding spatial dimension of the input. Received: inputs.shape={}, cropping={}",
                keras_shape(&x.dims()),
                py_tuple(&crop.iter().map(|(a, b)| format!("({a}, {b})")).collect::<Vec<_>>())
            );
        }
        let mut y = x.clone();
        for (i, a) in ops::spatial_axes(N + 2, cf).into_iter().enumerate() {
            let (before, after) = crop[i];
            y = ops::slice_axis(&y, a as i64, before as u64, (extents[i] as usize - after) as u64)?;
        }
        Ok(vec![y])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("cropping".into(), self.cropping.value(N, "cropping"));
        if N > 1 {
            c.insert("data_format".into(), json!(self.data_format));
        }
        c
    }
}

/// `keras.layers.ZeroPadding{N}D(padding)`: adds `(before, after)` zeros at the ends of
/// each spatial dim.
pub struct ZeroPadding<const N: usize> {
    name: String,
    built: bool,
    pub padding: Sides,
    pub data_format: String,
}

pub type ZeroPadding1D = ZeroPadding<1>;
pub type ZeroPadding2D = ZeroPadding<2>;
pub type ZeroPadding3D = ZeroPadding<3>;

impl<const N: usize> ZeroPadding<N> {
    const CLASS: &'static str = class(N, ["ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D"]);

    pub fn new(padding: impl Into<Sides>) -> ZeroPadding<N> {
        ZeroPadding { name: unique_name(&snake(Self::CLASS)), built: false, padding: padding.into(), data_format: "channels_last".into() }
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

/// Keras's default: one zero on each side.
impl<const N: usize> Default for ZeroPadding<N> {
    fn default() -> Self {
        ZeroPadding::new(1)
    }
}

impl<const N: usize> Layer for ZeroPadding<N> {
    layer_basics!(Self::CLASS);
    fn build(&mut self, _: &Tensor) -> Result<()> {
        self.padding.pairs(N, "padding")?;
        channels_first(&self.data_format)?;
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        expect_rank(x, N + 2)?;
        let pad = self.padding.pairs(N, "padding")?;
        let cf = channels_first(&self.data_format)?;
        ops::spatial_extents(x, cf, Self::CLASS)?;
        let mut widths = vec![(0, 0); N + 2];
        for (i, a) in ops::spatial_axes(N + 2, cf).into_iter().enumerate() {
            widths[a] = pad[i];
        }
        Ok(vec![ops::pad(x, &widths, 0.0)?])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("padding".into(), self.padding.value(N, "padding"));
        c.insert("data_format".into(), json!(self.data_format));
        c
    }
}

/// `keras.layers.UpSampling{N}D(size)`: each spatial dim `size` times longer. Nearest
/// repeats each entry; `UpSampling2D` also interpolates `bilinear`ly (half-pixel
/// centres, edges clamped: JAX's `image.resize`, which Keras uses).
pub struct UpSampling<const N: usize> {
    name: String,
    built: bool,
    pub size: Ints,
    pub data_format: String,
    pub interpolation: String,
}

pub type UpSampling1D = UpSampling<1>;
pub type UpSampling2D = UpSampling<2>;
pub type UpSampling3D = UpSampling<3>;

impl<const N: usize> UpSampling<N> {
    const CLASS: &'static str = class(N, ["UpSampling1D", "UpSampling2D", "UpSampling3D"]);

    pub fn new(size: impl Into<Ints>) -> UpSampling<N> {
        UpSampling {
            name: unique_name(&snake(Self::CLASS)),
            built: false,
            size: size.into(),
            data_format: "channels_last".into(),
            interpolation: "nearest".into(),
        }
    }
    /// 2D and 3D only.
    pub fn data_format(mut self, f: &str) -> Self {
        self.data_format = f.to_lowercase();
        self
    }
    /// `"nearest"` (default) or `"bilinear"` (2D only).
    pub fn interpolation(mut self, i: &str) -> Self {
        self.interpolation = i.to_lowercase();
        self
    }
    pub fn name(mut self, n: &str) -> Self {
        self.name = n.to_string();
        self
    }
}

/// Keras's default: twice as long.
impl<const N: usize> Default for UpSampling<N> {
    fn default() -> Self {
        UpSampling::new(2)
    }
}

/// The `(in * f) x in` matrix of JAX's linear resize by an integer factor `f` along
/// one axis: output `o` samples input position `(o + 0.5) / f - 0.5` with the
/// triangle kernel, weights normalized over the inputs that exist.
fn linear_resize_matrix(input: usize, f: usize) -> Vec<f32> {
    let out = input * f;
    let mut m = vec![0f32; out * input];
    for o in 0..out {
        let s = (o as f64 + 0.5) / f as f64 - 0.5;
        let w: Vec<f64> = (0..input).map(|j| (1.0 - (s - j as f64).abs()).max(0.0)).collect();
        let total: f64 = w.iter().sum();
        for j in 0..input {
            m[o * input + j] = (w[j] / total) as f32;
        }
    }
    m
}

impl<const N: usize> Layer for UpSampling<N> {
    layer_basics!(Self::CLASS);
    fn build(&mut self, _: &Tensor) -> Result<()> {
        self.size.tuple(N, "size", false)?;
        format_of::<N>(&self.data_format)?;
        match self.interpolation.as_str() {
            "nearest" => {}
            "bilinear" if N == 2 => {}
            other => crate::bail!("interpolation `{other}` is not supported: kc has \"nearest\" (all ranks) and \"bilinear\" (UpSampling2D)"),
        }
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        expect_rank(x, N + 2)?;
        let size = self.size.tuple(N, "size", false)?;
        let cf = format_of::<N>(&self.data_format)?;
        let extents = ops::spatial_extents(x, cf, Self::CLASS)?;
        let mut y = x.clone();
        for (i, a) in ops::spatial_axes(N + 2, cf).into_iter().enumerate() {
            y = if self.interpolation == "bilinear" {
                // move the axis last, multiply by the resize matrix's transpose, move back
                let n = extents[i] as usize;
                let m = Tensor::from_f32(&[n * size[i], n], linear_resize_matrix(n, size[i]))?;
                let mut perm: Vec<i64> = (0..(N + 2) as i64).filter(|&d| d != a as i64).collect();
                perm.push(a as i64);
                let moved = ops::transpose(&y, Some(&perm))?;
                let resized = ops::matmul(&moved, &ops::transpose(&ops::cast(&m, x.dtype())?, None)?)?;
                let mut back = vec![0i64; N + 2];
                for (k, &p) in perm.iter().enumerate() {
                    back[p as usize] = k as i64;
                }
                ops::transpose(&resized, Some(&back))?
            } else {
                ops::repeat(&y, size[i], a as i64)?
            };
        }
        Ok(vec![y])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        match self.size.tuple(N, "size", false) {
            Ok(s) if N == 1 => c.insert("size".into(), json!(s[0])),
            Ok(s) => c.insert("size".into(), json!(s)),
            Err(_) => c.insert("size".into(), json!(self.size.0)),
        };
        if N > 1 {
            c.insert("data_format".into(), json!(self.data_format));
        }
        if N == 2 {
            c.insert("interpolation".into(), json!(self.interpolation));
        }
        c
    }
}

macro_rules! named_generic {
    ($($ty:ident),*) => {
        $(impl<const N: usize> super::Named for $ty<N> {
            fn with_name(self, n: &str) -> Self {
                self.name(n)
            }
        })*
    };
}

named_generic!(Cropping, ZeroPadding, UpSampling);
