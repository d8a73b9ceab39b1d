//! Host-side helpers of the loops: the arrays a user passes, batches of them, running a
//! step on a batch, and Keras's conversion of class weights to sample weights.
use super::step::Step;
use crate::data::{sample_count, take_rows};
use crate::error::Result;
use crate::models::model::with_batch;
use crate::tensor::Tensor;
use kc_ir::TensorType;
use kc_runtime::HostTensor;
use std::collections::BTreeMap;

/// The arrays of one side of the data: one per model input (or output).
pub struct Arrays(pub Vec<Tensor>);

impl From<&Tensor> for Arrays {
    fn from(t: &Tensor) -> Arrays {
        Arrays(vec![t.clone()])
    }
}
impl From<Tensor> for Arrays {
    fn from(t: Tensor) -> Arrays {
        Arrays(vec![t])
    }
}
impl From<Vec<Tensor>> for Arrays {
    fn from(v: Vec<Tensor>) -> Arrays {
        Arrays(v)
    }
}
impl From<&[Tensor]> for Arrays {
    fn from(v: &[Tensor]) -> Arrays {
        Arrays(v.to_vec())
    }
}
impl<const K: usize> From<[&Tensor; K]> for Arrays {
    fn from(v: [&Tensor; K]) -> Arrays {
        Arrays(v.iter().map(|t| (*t).clone()).collect())
    }
}

pub(crate) fn host_type(h: &HostTensor) -> TensorType {
    TensorType::known(h.dtype(), &h.shape().iter().map(|&d| d as u64).collect::<Vec<_>>())
}

pub(crate) fn hosts(a: Arrays) -> Result<Vec<HostTensor>> {
    a.0.iter().map(|t| t.host()).collect()
}

pub(crate) fn batch_types(v: &[HostTensor]) -> Vec<TensorType> {
    v.iter().map(|h| with_batch(&host_type(h))).collect()
}

pub(crate) fn rows(v: &[HostTensor], idx: &[usize]) -> Result<Vec<HostTensor>> {
    v.iter().map(|h| take_rows(h, idx)).collect()
}

/// One batch: inputs, targets, and the sample weights if any.
pub(crate) struct Batch {
    pub x: Vec<HostTensor>,
    pub y: Vec<HostTensor>,
    pub sw: Option<HostTensor>,
}

impl Batch {
    pub fn sig(&self) -> crate::models::model::Sig {
        (batch_types(&self.x), batch_types(&self.y), self.sw.as_ref().map(|w| with_batch(&host_type(w))))
    }
    pub fn rows(&self, idx: &[usize]) -> Result<Batch> {
        Ok(Batch { x: rows(&self.x, idx)?, y: rows(&self.y, idx)?, sw: self.sw.as_ref().map(|w| take_rows(w, idx)).transpose()? })
    }
    /// The sample count, checked equal across every array (each named in the error).
    pub fn samples(&self) -> Result<usize> {
        check_samples(&self.x, &self.y, self.sw.as_ref())
    }
}

/// Run a step on a batch: its inputs are named `x0..`, `y0..` and `sw`.
pub(crate) fn run_step(step: &Step, b: &Batch) -> Result<Vec<HostTensor>> {
    let mut names: Vec<String> = (0..b.x.len()).map(|i| format!("x{i}")).collect();
    names.extend((0..b.y.len()).map(|i| format!("y{i}")));
    let mut vals: Vec<&HostTensor> = b.x.iter().chain(&b.y).collect();
    if let Some(w) = &b.sw {
        names.push("sw".into());
        vals.push(w);
    }
    let inputs: Vec<(&str, &HostTensor)> = names.iter().map(|s| s.as_str()).zip(vals).collect();
    step.run(&inputs)
}

/// Add a step's scalar outputs (the logged losses), weighted by the batch's sample
/// count, to the running sums (Keras's loss tracker is a mean over batches weighted by
/// their size).
pub(crate) fn accumulate(sums: &mut Vec<f64>, outs: &[HostTensor], size: usize) {
    sums.resize(outs.len(), 0.0);
    for (s, o) in sums.iter_mut().zip(outs) {
        *s += o.to_f64_vec()[0] * size as f64;
    }
}

pub(crate) fn check_samples(xs: &[HostTensor], ys: &[HostTensor], sw: Option<&HostTensor>) -> Result<usize> {
    let mut all: Vec<(String, &HostTensor)> = xs.iter().enumerate().map(|(i, h)| (if xs.len() == 1 { "x".into() } else { format!("x[{i}]") }, h)).collect();
    all.extend(ys.iter().enumerate().map(|(i, h)| (if ys.len() == 1 { "y".into() } else { format!("y[{i}]") }, h)));
    all.extend(sw.map(|w| ("sample_weight".to_string(), w)));
    let refs: Vec<(&str, &HostTensor)> = all.iter().map(|(n, h)| (n.as_str(), *h)).collect();
    sample_count(&refs)
}

/// Keras's `class_weight_to_sample_weights`: the weight of each sample's class (its
/// label, or the argmax of a one-hot row; a trailing axis of 1 is squeezed), 1 for
/// classes not listed.
pub(crate) fn class_weights_to_sample_weights(y: &HostTensor, cw: &BTreeMap<i64, f64>) -> Result<HostTensor> {
    let shape = y.shape().to_vec();
    if shape.is_empty() {
        crate::bail!("class_weight needs targets with a sample axis, got a scalar");
    }
    let n = shape[0];
    let v = y.to_f64_vec();
    let per = v.len().checked_div(n).unwrap_or(0);
    let labels: Vec<i64> = if shape.len() > 1 && per != 1 {
        // one-hot (or probabilities): the argmax of each row
        v.chunks(per.max(1)).map(|r| r.iter().enumerate().fold((0, f64::NEG_INFINITY), |b, (i, &x)| if x > b.1 { (i, x) } else { b }).0 as i64).collect()
    } else {
        v.iter().map(|x| x.round() as i64).collect()
    };
    let w: Vec<f32> = labels.iter().map(|l| cw.get(l).copied().unwrap_or(1.0) as f32).collect();
    Ok(HostTensor::from_vec(vec![n], w)?)
}
