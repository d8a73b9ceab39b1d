//! `gather` and `scatter`, following the StableHLO spec's index arithmetic step by step
//! (without `operand_batching_dims`, which kc's op set does not have).
//!
//! Both read "index vectors" from an integer tensor: with `index_vector_dim` = v, the
//! vector for batch position `b` (an index over every dim of the indices but v) is
//! `indices[b[..v], :, b[v..]]`; when v equals the indices' rank each vector is the one
//! scalar at `b`.
//!
//! Out-of-range starts: gather clamps each start so the whole slice is inside the operand
//! (as StableHLO specifies). Scatter skips an update window whose start would put any part
//! of the window outside the operand (XLA's behaviour; StableHLO leaves it to the
//! implementation). Scatter applies updates in row-major order of `updates`, so for
//! `replace` with duplicate indices the last one wins.
use super::convert::{Convert, Wide};
use super::dispatch::{sl, with_num};
use super::layout::{for_each_index, offset, strides, take_tensor};
use super::scalar::Num;
use crate::tensor::HostTensor;
use crate::tensor::with_elem;

type R<T> = Result<T, String>;

/// An integer tensor's elements as i64, exactly.
fn indices_i64(t: &HostTensor) -> R<Vec<i64>> {
    if !t.dtype().is_int() {
        return Err(format!("indices must be integers, got {t}"));
    }
    Ok(with_elem!(t.dtype(), T => sl::<T>(t).iter().map(|v| match v.to_wide() { Wide::I(i) => i, _ => 0 }).collect()))
}

/// Reads index vectors out of an indices tensor.
struct IndexVectors {
    values: Vec<i64>,
    strides: Vec<usize>,
    /// The dim holding the vector, or `None` when each vector is one scalar.
    vector_dim: Option<usize>,
    /// The vector length.
    len: usize,
    /// Extents of the batch dims (every dim but the vector dim), in order.
    batch_shape: Vec<usize>,
}

impl IndexVectors {
    fn new(t: &HostTensor, index_vector_dim: i64) -> R<IndexVectors> {
        let q = t.rank();
        let v = usize::try_from(index_vector_dim).ok().filter(|&v| v <= q).ok_or_else(|| format!("index_vector_dim {index_vector_dim} must be in 0..={q}"))?;
        let vector_dim = (v < q).then_some(v);
        let len = vector_dim.map_or(1, |v| t.shape()[v]);
        let batch_shape = (0..q).filter(|&i| Some(i) != vector_dim).map(|i| t.shape()[i]).collect();
        Ok(IndexVectors { values: indices_i64(t)?, strides: strides(t.shape()), vector_dim, len, batch_shape })
    }

    /// Component `k` of the vector at batch position `b`.
    fn get(&self, b: &[usize], k: usize) -> i64 {
        let mut full: Vec<usize> = b.to_vec();
        if let Some(v) = self.vector_dim {
            full.insert(v, k);
        }
        self.values[offset(&full, &self.strides)]
    }
}

fn dim_list(v: &[i64], bound: usize, name: &str) -> R<Vec<usize>> {
    let mut seen = vec![false; bound];
    v.iter()
        .map(|&d| {
            let a = usize::try_from(d).ok().filter(|&a| a < bound).ok_or_else(|| format!("{name} {v:?}: {d} is out of range 0..{bound}"))?;
            if std::mem::replace(&mut seen[a], true) {
                return Err(format!("{name} {v:?} repeats {d}"));
            }
            Ok(a)
        })
        .collect()
}

pub struct GatherDims<'a> {
    pub offset_dims: &'a [i64],
    pub collapsed_slice_dims: &'a [i64],
    pub start_index_map: &'a [i64],
    pub index_vector_dim: i64,
    pub slice_sizes: &'a [i64],
}

pub fn gather(x: &HostTensor, indices: &HostTensor, g: &GatherDims) -> R<HostTensor> {
    let r = x.rank();
    let iv = IndexVectors::new(indices, g.index_vector_dim)?;
    if g.slice_sizes.len() != r {
        return Err(format!("slice_sizes {:?} must have {r} entries", g.slice_sizes));
    }
    let sizes: Vec<usize> = g
        .slice_sizes
        .iter()
        .zip(x.shape())
        .map(|(&s, &n)| usize::try_from(s).ok().filter(|&s| s <= n).ok_or_else(|| format!("slice_sizes {:?} exceed {x}", g.slice_sizes)))
        .collect::<R<_>>()?;
    let collapsed = dim_list(g.collapsed_slice_dims, r, "collapsed_slice_dims")?;
    let start_map = dim_list(g.start_index_map, r, "start_index_map")?;
    if start_map.len() != iv.len {
        return Err(format!("start_index_map {:?} must have one entry per index vector component ({})", g.start_index_map, iv.len));
    }
    // Operand dims that appear in the result, in order, with their slice sizes.
    let window_dims: Vec<usize> = (0..r).filter(|d| !collapsed.contains(d)).collect();
    let out_rank = iv.batch_shape.len() + window_dims.len();
    let offset_dims = dim_list(g.offset_dims, out_rank, "offset_dims")?;
    if offset_dims.len() != window_dims.len() {
        return Err(format!("offset_dims {:?} must have {} entries (operand dims not collapsed)", g.offset_dims, window_dims.len()));
    }
    let (mut batch, mut window) = (iv.batch_shape.iter(), window_dims.iter());
    let out: Vec<usize> = (0..out_rank)
        .map(|i| if offset_dims.contains(&i) { sizes[*window.next().unwrap()] } else { *batch.next().unwrap() })
        .collect();
    // Many indices times large slices can be far larger than either operand.
    super::env::check_size(x.dtype(), &out)?;
    let n_out: usize = out.iter().product();
    if n_out > 0 && collapsed.iter().any(|&d| sizes[d] == 0) {
        return Err("a collapsed dim with slice size 0 leaves nothing to gather".into());
    }
    let batch_positions: Vec<usize> = (0..out_rank).filter(|i| !offset_dims.contains(i)).collect();
    let xs = strides(x.shape());
    let mut offsets = Vec::with_capacity(n_out);
    let mut full = vec![0usize; r];
    for_each_index(&out, |res| {
        let b: Vec<usize> = batch_positions.iter().map(|&i| res[i]).collect();
        full.iter_mut().for_each(|v| *v = 0);
        // Start: each vector component k moves operand dim start_map[k], clamped so the
        // slice fits.
        for (k, &d) in start_map.iter().enumerate() {
            full[d] = iv.get(&b, k).clamp(0, (x.shape()[d] - sizes[d]) as i64) as usize;
        }
        // Offset within the slice: result offset dims, in order, index the window dims.
        for (&i, &d) in offset_dims.iter().zip(&window_dims) {
            full[d] += res[i];
        }
        offsets.push(offset(&full, &xs));
    });
    Ok(take_tensor(x, &offsets, out))
}

pub struct ScatterDims<'a> {
    pub update_window_dims: &'a [i64],
    pub inserted_window_dims: &'a [i64],
    pub scatter_dims_to_operand_dims: &'a [i64],
    pub index_vector_dim: i64,
}

/// For each update element (row-major), the operand offset it combines into, or `None`
/// when its window does not fit inside the operand.
fn scatter_targets(x: &HostTensor, iv: &IndexVectors, u: &HostTensor, s: &ScatterDims) -> R<Vec<Option<usize>>> {
    let r = x.rank();
    let window_dims = dim_list(s.update_window_dims, u.rank(), "update_window_dims")?;
    let inserted = dim_list(s.inserted_window_dims, r, "inserted_window_dims")?;
    let to_operand = dim_list(s.scatter_dims_to_operand_dims, r, "scatter_dims_to_operand_dims")?;
    if to_operand.len() != iv.len {
        return Err(format!("scatter_dims_to_operand_dims {:?} must have one entry per index vector component ({})", s.scatter_dims_to_operand_dims, iv.len));
    }
    let operand_window: Vec<usize> = (0..r).filter(|d| !inserted.contains(d)).collect();
    if operand_window.len() != window_dims.len() {
        return Err(format!("update_window_dims ({}) + inserted_window_dims ({}) must cover the operand rank {r}", window_dims.len(), inserted.len()));
    }
    let scatter_dims: Vec<usize> = (0..u.rank()).filter(|d| !window_dims.contains(d)).collect();
    let scatter_shape: Vec<usize> = scatter_dims.iter().map(|&d| u.shape()[d]).collect();
    if scatter_shape != iv.batch_shape {
        return Err(format!("updates {u} scatter dims {scatter_shape:?} must equal the index batch dims {:?}", iv.batch_shape));
    }
    // The window extent along each operand dim: 1 for inserted dims.
    let mut extent = vec![1usize; r];
    for (&ud, &od) in window_dims.iter().zip(&operand_window) {
        extent[od] = u.shape()[ud];
        if extent[od] > x.shape()[od] {
            return Err(format!("update window dim {ud} of {u} is larger than operand dim {od} of {x}"));
        }
    }
    let xs = strides(x.shape());
    let mut targets = Vec::with_capacity(u.len());
    for_each_index(u.shape(), |ui| {
        let b: Vec<usize> = scatter_dims.iter().map(|&d| ui[d]).collect();
        let mut start = vec![0i64; r];
        for (k, &d) in to_operand.iter().enumerate() {
            start[d] = iv.get(&b, k);
        }
        let fits = (0..r).all(|d| start[d] >= 0 && start[d] as i128 + extent[d] as i128 <= x.shape()[d] as i128);
        if !fits {
            targets.push(None);
            return;
        }
        let mut full: Vec<usize> = start.iter().map(|&v| v as usize).collect();
        for (&ud, &od) in window_dims.iter().zip(&operand_window) {
            full[od] += ui[ud];
        }
        targets.push(Some(offset(&full, &xs)));
    });
    Ok(targets)
}

fn combine<T: Num>(kind: &str) -> R<fn(T, T) -> T> {
    Ok(match kind {
        "replace" => |_, new| new,
        "add" => Num::add,
        "mul" => Num::mul,
        "max" => Num::max,
        "min" => Num::min,
        other => return Err(format!("unknown scatter kind `{other}`")),
    })
}

/// `scatter`: the operand with each update combined (`kind`) into its target element.
pub fn scatter(x: &HostTensor, indices: &HostTensor, u: &HostTensor, s: &ScatterDims, kind: &str) -> R<HostTensor> {
    if u.dtype() != x.dtype() {
        return Err(format!("updates {u} must have the dtype of the operand {x}"));
    }
    let iv = IndexVectors::new(indices, s.index_vector_dim)?;
    let targets = scatter_targets(x, &iv, u, s)?;
    let mut out = x.clone();
    let dt = x.dtype();
    if kind == "replace" {
        with_elem!(dt, T => {
            let dst = out.as_slice_mut::<T>().expect("same dtype");
            for (&t, &v) in targets.iter().zip(sl::<T>(u)) {
                if let Some(t) = t {
                    dst[t] = v;
                }
            }
        });
        return Ok(out);
    }
    with_num!(dt, T => {
        let f = combine::<T>(kind)?;
        let dst = out.as_slice_mut::<T>().expect("same dtype");
        for (&t, &v) in targets.iter().zip(sl::<T>(u)) {
            if let Some(t) = t {
                dst[t] = f(dst[t], v);
            }
        }
    }, else => return Err(format!("scatter kind {kind} does not apply to bool")));
    Ok(out)
}
