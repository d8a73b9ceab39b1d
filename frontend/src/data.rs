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
