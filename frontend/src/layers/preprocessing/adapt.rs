//! What `adapt` learns from: Keras's `adapt(data)` takes an array or an iterable of
//! batches (a list, a `PyDataset`). kc takes a tensor (one array: Keras's NumPy path), a
//! list of batches, or a [`Dataset`] (the inputs of each batch, like Keras's
//! `PyDataset`, whose `(x, y)` batches give `x`).
use crate::data::Dataset;
use crate::error::Result;
use crate::tensor::Tensor;
use kc_runtime::HostTensor;

/// The data `adapt` reads; made with `.into()` from a `Tensor`/`HostTensor` (one array),
/// a `Vec` of them (batches), or `&mut` a [`Dataset`].
pub enum AdaptData<'a> {
    Array(HostTensor),
    Batches(Vec<HostTensor>),
    Dataset(&'a mut dyn Dataset),
    /// A symbolic tensor was given: it has no values to learn from (an error in `adapt`).
    Symbolic,
}

impl AdaptData<'_> {
    /// The batches in order (an array is one batch), as host tensors. Keras's NumPy path
    /// treats an array as a whole, not as batches: callers that care ask `is_array`.
    pub(super) fn batches(self) -> Result<Vec<HostTensor>> {
        match self {
            AdaptData::Array(h) => Ok(vec![h]),
            AdaptData::Batches(v) => Ok(v),
            AdaptData::Symbolic => crate::bail!("adapt() needs data (concrete tensors), not symbolic tensors"),
            AdaptData::Dataset(d) => {
                let mut out = Vec::with_capacity(d.num_batches());
                for i in 0..d.num_batches() {
                    let (mut x, _) = d.batch(i)?;
                    if x.is_empty() {
                        crate::bail!("adapt(): batch {i} of the dataset has no inputs");
                    }
                    out.push(x.remove(0));
                }
                Ok(out)
            }
        }
    }
    pub(super) fn is_array(&self) -> bool {
        matches!(self, AdaptData::Array(_))
    }
}

/// One array from a tensor; `Symbolic` when it has no values.
fn array<'a>(t: &Tensor) -> AdaptData<'a> {
    match t.host() {
        Ok(h) if !t.is_symbolic() => AdaptData::Array(h),
        _ => AdaptData::Symbolic,
    }
}

impl From<HostTensor> for AdaptData<'_> {
    fn from(h: HostTensor) -> Self {
        AdaptData::Array(h)
    }
}
impl From<&HostTensor> for AdaptData<'_> {
    fn from(h: &HostTensor) -> Self {
        AdaptData::Array(h.clone())
    }
}
impl From<&Tensor> for AdaptData<'_> {
    fn from(t: &Tensor) -> Self {
        array(t)
    }
}
impl From<Tensor> for AdaptData<'_> {
    fn from(t: Tensor) -> Self {
        array(&t)
    }
}
impl From<Vec<HostTensor>> for AdaptData<'_> {
    fn from(v: Vec<HostTensor>) -> Self {
        AdaptData::Batches(v)
    }
}
impl From<Vec<Tensor>> for AdaptData<'_> {
    fn from(v: Vec<Tensor>) -> Self {
        let hosts: Option<Vec<HostTensor>> = v.iter().map(|t| if t.is_symbolic() { None } else { t.host().ok() }).collect();
        hosts.map_or(AdaptData::Symbolic, AdaptData::Batches)
    }
}
impl<'a, D: Dataset> From<&'a mut D> for AdaptData<'a> {
    fn from(d: &'a mut D) -> Self {
        AdaptData::Dataset(d)
    }
}
