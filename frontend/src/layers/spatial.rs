//! What the convolution, pooling and spatial layers share: Keras's int-or-tuple
//! arguments (`standardize_tuple`), the `padding` and `data_format` strings, and the
//! input-rank checks, with Keras's messages.
use super::core::keras_shape;
use crate::error::Result;
use crate::tensor::Tensor;
use serde_json::{json, Value};

/// An argument that is one integer for every spatial dim or one per dim, as Keras's
/// `kernel_size=3` or `kernel_size=(3, 5)`: `3.into()`, `[3, 5].into()`.
#[derive(Clone, Debug, PartialEq)]
pub struct Ints(pub Vec<i64>);

impl From<i32> for Ints {
    fn from(v: i32) -> Ints {
        Ints(vec![v as i64])
    }
}
impl From<usize> for Ints {
    fn from(v: usize) -> Ints {
        Ints(vec![v as i64])
    }
}
impl<const K: usize> From<[i32; K]> for Ints {
    fn from(v: [i32; K]) -> Ints {
        Ints(v.iter().map(|&x| x as i64).collect())
    }
}
impl<const K: usize> From<[usize; K]> for Ints {
    fn from(v: [usize; K]) -> Ints {
        Ints(v.iter().map(|&x| x as i64).collect())
    }
}
impl From<&[usize]> for Ints {
    fn from(v: &[usize]) -> Ints {
        Ints(v.iter().map(|&x| x as i64).collect())
    }
}
impl From<Vec<usize>> for Ints {
    fn from(v: Vec<usize>) -> Ints {
        Ints(v.into_iter().map(|x| x as i64).collect())
    }
}
impl From<Vec<i64>> for Ints {
    fn from(v: Vec<i64>) -> Ints {
        Ints(v)
    }
}

impl Ints {
    /// Keras's `standardize_tuple(value, n, name, allow_zero)`: `n` values (one value is
    /// repeated), each positive (or non-negative with `allow_zero`).
    pub fn tuple(&self, n: usize, name: &str, allow_zero: bool) -> Result<Vec<usize>> {
        let shown = if self.0.len() == 1 { self.0[0].to_string() } else { py_tuple(&self.0) };
        let msg = format!("The `{name}` argument must be a tuple of {n} integers. Received {name}={shown}");
        let v = match self.0.len() {
            1 => vec![self.0[0]; n],
            k if k == n => self.0.clone(),
            _ => crate::bail!("{msg}"),
        };
        let bad: Vec<i64> = v.iter().copied().filter(|&x| if allow_zero { x < 0 } else { x <= 0 }).collect();
        if !bad.is_empty() {
            let req = if allow_zero { ">= 0" } else { "> 0" };
            crate::bail!("{msg}, including values {{{}}} that do not satisfy `value {req}`", bad.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(", "));
        }
        Ok(v.into_iter().map(|x| x as usize).collect())
    }
}

/// A Python tuple as Keras prints it: `(3, 3)`, `(3,)`.
pub fn py_tuple<T: std::fmt::Display>(v: &[T]) -> String {
    match v {
        [one] => format!("({one},)"),
        _ => format!("({})", v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")),
    }
}

/// A tuple as a config value (Keras's tuples are JSON lists).
pub fn tuple_value(v: &[usize]) -> Value {
    json!(v)
}

/// Keras's `standardize_padding`: `valid`, `same` (and `causal` where allowed).
pub fn check_padding(padding: &str, allow_causal: bool) -> Result<()> {
    let ok = matches!(padding, "valid" | "same") || (allow_causal && padding == "causal");
    if !ok {
        let allowed = if allow_causal { "{'valid', 'same', 'causal'}" } else { "{'valid', 'same'}" };
        crate::bail!("The `padding` argument must be a list/tuple or one of {allowed}. Received: {padding}");
    }
    Ok(())
}

/// `true` for `channels_first`; Keras's error for anything but the two formats.
pub fn channels_first(data_format: &str) -> Result<bool> {
    crate::ops::channels_first(data_format)
}

/// Keras's `InputSpec(ndim=n)` check.
pub fn expect_rank(x: &Tensor, n: usize) -> Result<()> {
    if x.rank() != n {
        crate::bail!("Input 0 is incompatible with the layer: expected ndim={n}, found ndim={}. Full shape received: {}", x.rank(), keras_shape(&x.dims()));
    }
    Ok(())
}

/// The known extent of `x`'s axis `a` (its channels, say), or an error naming `what`.
pub fn known_axis(x: &Tensor, a: usize, what: &str) -> Result<usize> {
    match x.dims()[a].known() {
        Some(n) => Ok(n as usize),
        None => crate::bail!("the {what} axis (axis {a}) of the input {} must be known", keras_shape(&x.dims())),
    }
}
