//! Host-side batching: splitting arrays into batches, shuffling rows, validation splits.
use crate::error::Result;
use kc_ir::DType;
use kc_runtime::HostTensor;
use ndarray::{Axis, IxDyn};

fn rows<T: kc_runtime::Elem>(t: &HostTensor, idx: &[usize]) -> Result<HostTensor> {
    let a = t.view::<T>()?;
    let picked = a.select(Axis(0), idx);
    Ok(HostTensor::from_ndarray(&picked.into_dimensionality::<IxDyn>().map_err(|e| crate::Error::msg(e.to_string()))?))
}

/// The rows `idx` of `t` (along the first axis), in that order.
pub fn take_rows(t: &HostTensor, idx: &[usize]) -> Result<HostTensor> {
    if t.rank() == 0 {
        crate::bail!("cannot take rows of a scalar");
    }
    if let Some(&bad) = idx.iter().find(|&&i| i >= t.shape()[0]) {
        crate::bail!("row {bad} is out of range for {} rows", t.shape()[0]);
    }
    match t.dtype() {
        DType::F32 => rows::<f32>(t, idx),
        DType::F64 => rows::<f64>(t, idx),
        DType::U8 => rows::<u8>(t, idx),
        DType::I8 => rows::<i8>(t, idx),
        DType::I32 => rows::<i32>(t, idx),
        DType::I64 => rows::<i64>(t, idx),
        DType::U32 => rows::<u32>(t, idx),
        DType::Bool => rows::<bool>(t, idx),
        DType::F16 => rows::<half::f16>(t, idx),
        DType::BF16 => rows::<half::bf16>(t, idx),
    }
}

/// Rows `start..end`.
pub fn row_range(t: &HostTensor, start: usize, end: usize) -> Result<HostTensor> {
    take_rows(t, &(start..end).collect::<Vec<_>>())
}

/// The number of samples (first axis), checked equal across arrays.
pub fn sample_count(arrays: &[(&str, &HostTensor)]) -> Result<usize> {
    let mut n = None;
    for (name, a) in arrays {
        let Some(&k) = a.shape().first() else { crate::bail!("{name} is a scalar; it needs a sample axis") };
        match n {
            None => n = Some(k),
            Some(m) if m != k => {
                let desc: Vec<String> = arrays.iter().map(|(n, a)| format!("{n}: {} samples", a.shape().first().copied().unwrap_or(0))).collect();
                crate::bail!("data cardinality is ambiguous: make sure all arrays contain the same number of samples ({})", desc.join(", "));
            }
            _ => {}
        }
    }
    Ok(n.unwrap_or(0))
}

/// A source of batches for `fit_dataset`, like Keras's `PyDataset`: the number of batches
/// per epoch, batch `i` as (inputs, targets), optionally its sample weights, and a hook
/// at the end of each epoch (to reshuffle, say).
pub trait Dataset {
    fn num_batches(&self) -> usize;
    fn batch(&mut self, i: usize) -> Result<(Vec<HostTensor>, Vec<HostTensor>)>;
    /// The weights of batch `i`'s samples (`[batch]`), asked right after `batch(i)`;
    /// none by default (Keras's `(x, y)` batches, not `(x, y, sample_weight)`).
    fn sample_weight(&mut self, _i: usize) -> Result<Option<HostTensor>> {
        Ok(None)
    }
    fn on_epoch_end(&mut self) {}
}

/// In-memory arrays as a [`Dataset`]: batches of `batch_size` rows (the last one
/// smaller), in a new seeded order each epoch when `shuffle` is on.
pub struct ArrayDataset {
    x: Vec<HostTensor>,
    y: Vec<HostTensor>,
    sample_weight: Option<HostTensor>,
    batch_size: usize,
    shuffle: bool,
    order: Vec<usize>,
    rng: crate::random::Rng,
}

impl ArrayDataset {
    pub fn new(x: Vec<HostTensor>, y: Vec<HostTensor>, batch_size: usize, shuffle: bool) -> Result<ArrayDataset> {
        if batch_size == 0 {
            crate::bail!("batch_size must be a positive integer, got 0");
        }
        let mut named: Vec<(String, &HostTensor)> = x.iter().enumerate().map(|(i, h)| (if x.len() == 1 { "x".into() } else { format!("x[{i}]") }, h)).collect();
        named.extend(y.iter().enumerate().map(|(i, h)| (if y.len() == 1 { "y".into() } else { format!("y[{i}]") }, h)));
        let refs: Vec<(&str, &HostTensor)> = named.iter().map(|(n, h)| (n.as_str(), *h)).collect();
        let n = sample_count(&refs)?;
        let mut rng = crate::random::Rng::new(crate::random::next_seed());
        let order = if shuffle { rng.permutation(n) } else { (0..n).collect() };
        Ok(ArrayDataset { x, y, sample_weight: None, batch_size, shuffle, order, rng })
    }
    /// Weights per sample, batched (and shuffled) with the samples.
    pub fn with_sample_weight(mut self, w: HostTensor) -> Result<ArrayDataset> {
        let n = self.order.len();
        let k = sample_count(&[("sample_weight", &w)])?;
        if k != n {
            crate::bail!("data cardinality is ambiguous: make sure all arrays contain the same number of samples (x: {n} samples, sample_weight: {k} samples)");
        }
        self.sample_weight = Some(w);
        Ok(self)
    }
    pub fn samples(&self) -> usize {
        self.order.len()
    }
}

impl Dataset for ArrayDataset {
    fn num_batches(&self) -> usize {
        self.order.len().div_ceil(self.batch_size)
    }
    fn batch(&mut self, i: usize) -> Result<(Vec<HostTensor>, Vec<HostTensor>)> {
        let n = self.order.len();
        let (a, b) = (i * self.batch_size, ((i + 1) * self.batch_size).min(n));
        if a >= n {
            crate::bail!("batch {i} is out of range ({} batches)", self.num_batches());
        }
        let idx = &self.order[a..b];
        let x = self.x.iter().map(|h| take_rows(h, idx)).collect::<Result<_>>()?;
        let y = self.y.iter().map(|h| take_rows(h, idx)).collect::<Result<_>>()?;
        Ok((x, y))
    }
    fn sample_weight(&mut self, i: usize) -> Result<Option<HostTensor>> {
        let Some(w) = &self.sample_weight else { return Ok(None) };
        let n = self.order.len();
        let (a, b) = (i * self.batch_size, ((i + 1) * self.batch_size).min(n));
        take_rows(w, &self.order[a.min(n)..b]).map(Some)
    }
    fn on_epoch_end(&mut self) {
        if self.shuffle {
            self.order = self.rng.permutation(self.order.len());
        }
    }
}

/// Read a `.npy` file as a tensor.
pub fn load_npy(path: impl AsRef<std::path::Path>) -> Result<crate::Tensor> {
    Ok(crate::Tensor::from_host(kc_runtime::npy::read(path)?))
}

/// Read every array of a `.npz` file (numpy's zip of `.npy` files), by name without the
/// `.npy` suffix, as `np.load` does.
pub fn load_npz(path: impl AsRef<std::path::Path>) -> Result<std::collections::BTreeMap<String, crate::Tensor>> {
    use std::io::Read;
    let p = path.as_ref();
    let err = |e: String| crate::Error::msg(format!("{}: {e}", p.display()));
    let f = std::fs::File::open(p).map_err(|e| err(e.to_string()))?;
    let mut z = zip::ZipArchive::new(f).map_err(|e| err(format!("not a .npz (zip) file: {e}")))?;
    let mut out = std::collections::BTreeMap::new();
    for i in 0..z.len() {
        let mut entry = z.by_index(i).map_err(|e| err(e.to_string()))?;
        let name = entry.name().trim_end_matches(".npy").to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).map_err(|e| err(e.to_string()))?;
        let t = kc_runtime::npy::from_bytes(&bytes, &format!("{}:{name}", p.display()))?;
        out.insert(name, crate::Tensor::from_host(t));
    }
    Ok(out)
}
