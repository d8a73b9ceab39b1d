//! Special functions that the IR has no op for, written with its elementwise ops.
use super::math::*;
use super::{full_like, scalar};
use crate::error::Result;
use crate::tensor::Tensor;

/// Giles' single-precision approximation of the inverse error function, the one XLA
/// uses (so `jax.lax.erf_inv`, and with it `jax.random.normal`, agree with kc to an ulp
/// or two). Coefficients for `w = -log(1 - x²)` below 5 and at or above it.
const ERFINV_SMALL: [f64; 9] = [
    2.810_226_36e-08, 3.432_739_39e-07, -3.523_387_7e-06, -4.391_506_54e-06, 0.000_218_580_87, -0.001_253_725_03, -0.004_177_681_64,
    0.246_640_727, 1.501_409_41,
];
const ERFINV_LARGE: [f64; 9] = [
    -0.000_200_214_257, 0.000_100_950_558, 0.001_349_343_22, -0.003_673_428_44, 0.005_739_507_73, -0.007_622_461_3, 0.009_438_870_47,
    1.001_674_06, 2.832_976_82,
];

/// `erfinv(x)` (`keras.ops.erfinv`): ±inf at ±1, NaN outside [-1, 1]. Float dtypes.
pub fn erfinv(x: &Tensor) -> Result<Tensor> {
    if !x.dtype().is_float() {
        crate::bail!("erfinv needs a float tensor, got {}", x.ty());
    }
    let w = negative(&log1p(&negative(&multiply(x, x)?)?)?)?;
    let small = less(&w, 5.0)?;
    let w = where_(&small, &subtract(&w, 2.5)?, &subtract(&sqrt(&w)?, 3.0)?)?;
    let pick = |a: f64, b: f64| -> Result<Tensor> { where_(&small, &full_like(&w, a)?, &full_like(&w, b)?) };
    let mut p = pick(ERFINV_SMALL[0], ERFINV_LARGE[0])?;
    for (&a, &b) in ERFINV_SMALL.iter().zip(&ERFINV_LARGE).skip(1) {
        p = add(&pick(a, b)?, &multiply(&p, &w)?)?;
    }
    let y = multiply(&p, x)?;
    // At |x| = 1 the polynomial is not the limit; x * inf is.
    let edge = equal(&abs(x)?, 1.0)?;
    let inf = multiply(x, &scalar(f64::INFINITY, x.dtype())?)?;
    where_(&edge, &inf, &y)
}
