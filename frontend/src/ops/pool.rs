//! Pooling (`keras.ops.max_pool`, `average_pool`) on the IR's `reduce_window`: windows of 1 on the batch and channel axes, `same`
//! padding as JAX computes it (`conv.rs`).
use super::conv::{channels_first, pads, per_dim, spatial_axes, spatial_extents};
use super::apply1;
use crate::error::Result;
use crate::tensor::Tensor;
use kc_ir::{attrs, Attr, Dim, OpKind};

/// The window, strides and padding of a pooling op on all axes of `x` (1 on the batch
/// and channel axes).
struct Pool {
    window: Vec<i64>,
    strides: Vec<i64>,
    pads: Vec<(i64, i64)>,
    cf: bool,
}

fn pool_geometry(x: &Tensor, pool_size: &[usize], strides: Option<&[usize]>, padding: &str, data_format: &str, what: &str) -> Result<Pool> {
    let r = x.rank();
    if r < 3 {
        crate::bail!("{what}: the input {} needs a batch axis, spatial axes and a channel axis", x.ty());
    }
    let n = r - 2;
    let cf = channels_first(data_format)?;
    let p = per_dim(pool_size, n, "pool_size")?;
    let s = per_dim(strides.unwrap_or(pool_size), n, "strides")?;
    let input = spatial_extents(x, cf, what)?;
    let sp = pads(padding, &input, &p, &s)?;
    let (mut window, mut st, mut pd) = (vec![1; r], vec![1; r], vec![(0, 0); r]);
    for (i, a) in spatial_axes(r, cf).into_iter().enumerate() {
        window[a] = p[i];
        st[a] = s[i];
        pd[a] = sp[i];
    }
    Ok(Pool { window, strides: st, pads: pd, cf })
}

fn reduce_window(x: &Tensor, kind: &str, g: &Pool) -> Result<Tensor> {
    let v = |x: &[i64]| Attr::Ints(x.to_vec());
    let a = attrs(&[
        ("kind", Attr::Sym(kind.into())),
        ("window", v(&g.window)),
        ("strides", v(&g.strides)),
        ("padding_low", v(&g.pads.iter().map(|p| p.0).collect::<Vec<_>>())),
        ("padding_high", v(&g.pads.iter().map(|p| p.1).collect::<Vec<_>>())),
    ]);
    apply1(OpKind::ReduceWindow, &[x], a, None)
}

/// `keras.ops.max_pool`: the largest element of each window (`strides` default to
/// `pool_size`; `same` padding never wins the max).
pub fn max_pool(x: &Tensor, pool_size: &[usize], strides: Option<&[usize]>, padding: &str, data_format: &str) -> Result<Tensor> {
    let g = pool_geometry(x, pool_size, strides, padding, data_format, "max_pool")?;
    reduce_window(x, "max", &g)
}

/// `keras.ops.average_pool`: the mean of each window. With `same` padding the mean is
/// over the window's elements inside the input (padding is not counted), as Keras's JAX
/// backend divides by a pooled count of ones.
pub fn average_pool(x: &Tensor, pool_size: &[usize], strides: Option<&[usize]>, padding: &str, data_format: &str) -> Result<Tensor> {
    let g = pool_geometry(x, pool_size, strides, padding, data_format, "average_pool")?;
    let sums = reduce_window(x, "sum", &g)?;
    if padding == "valid" {
        let size: i64 = g.window.iter().product();
        return super::divide(&sums, size as f64);
    }
    // The count of real elements in a window is a product over the spatial dims of the
    // count along each; it is a constant of the static spatial shape.
    let r = x.rank();
    let dims = x.dims();
    let out = sums.dims();
    let axes = spatial_axes(r, g.cf);
    let mut counts = vec![1.0f32];
    let mut shape = vec![1u64; r];
    for &a in &axes {
        let (Dim::Known(len), Dim::Known(m)) = (&dims[a], &out[a]) else { crate::bail!("average_pool: spatial dims must be known") };
        let along: Vec<f32> = (0..*m as i64)
            .map(|o| {
                let start = o * g.strides[a] - g.pads[a].0;
                let (lo, hi) = (start.max(0), (start + g.window[a]).min(*len as i64));
                (hi - lo).max(0) as f32
            })
            .collect();
        counts = counts.iter().flat_map(|c| along.iter().map(move |v| c * v)).collect();
        shape[a] = *m;
    }
    let shape: Vec<usize> = shape.into_iter().map(|d| d as usize).collect();
    let counts = super::cast(&Tensor::from_f32(&shape, counts)?, x.dtype())?;
    super::divide(&sums, &counts)
}
