//! Keras's `encode_categorical_inputs` for the host layers: bin indices to `int`,
//! `one_hot`, `multi_hot`, `count` or `tf_idf` outputs. An index outside `[0, depth)`
//! (a lookup's mask in a non-`int` mode) adds nothing, as TF's bincount drops it.
use super::strings::{float_tensor, int_tensor};
use crate::error::Result;
use crate::tensor::Tensor;

/// A layer's `output_mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputMode {
    Int,
    OneHot,
    MultiHot,
    Count,
    TfIdf,
}

impl OutputMode {
    pub fn name(self) -> &'static str {
        match self {
            OutputMode::Int => "int",
            OutputMode::OneHot => "one_hot",
            OutputMode::MultiHot => "multi_hot",
            OutputMode::Count => "count",
            OutputMode::TfIdf => "tf_idf",
        }
    }
    /// Keras's names, with its deprecated aliases `binary` and `tf-idf`; `None` for an
    /// unknown one (the caller says which layer and lists the valid ones).
    pub fn from_name(s: &str) -> Option<OutputMode> {
        Some(match s {
            "int" => OutputMode::Int,
            "one_hot" => OutputMode::OneHot,
            "multi_hot" | "binary" => OutputMode::MultiHot,
            "count" => OutputMode::Count,
            "tf_idf" | "tf-idf" => OutputMode::TfIdf,
            _ => return None,
        })
    }
}

/// Encode `indices` of `shape` (dense). `int` keeps the shape (int64); `one_hot` adds a
/// `depth` axis (replacing a trailing axis of 1); the bag modes reduce the last axis
/// (rank 1 is one sample) to `depth` bins, weighted by `idf` for `tf_idf`.
pub fn encode(indices: Vec<i64>, shape: &[usize], mode: OutputMode, depth: usize, idf: Option<&[f32]>) -> Result<Tensor> {
    let mut shape = shape.to_vec();
    if mode == OutputMode::Int {
        return int_tensor(shape, indices);
    }
    if shape.is_empty() {
        shape.push(1);
    }
    match mode {
        OutputMode::OneHot => {
            if shape.len() > 1 && shape[shape.len() - 1] == 1 {
                shape.pop();
            }
            let mut out = vec![0f32; indices.len() * depth];
            for (i, &ix) in indices.iter().enumerate() {
                if (0..depth as i64).contains(&ix) {
                    out[i * depth + ix as usize] = 1.0;
                }
            }
            shape.push(depth);
            float_tensor(shape, out)
        }
        _ => {
            if shape.len() > 2 {
                crate::bail!(
                    "When output_mode is not `'int'`, maximum supported output rank is 2. Received output_mode {} and input shape {shape:?}, which would result in output rank {}.",
                    mode.name(),
                    shape.len()
                );
            }
            let width = shape[shape.len() - 1];
            let rows: Vec<&[i64]> = if width == 0 { vec![&[]; shape[0]] } else { indices.chunks(width).collect() };
            let rows = if shape.len() == 1 { vec![&indices[..]] } else { rows };
            let out = bag(&rows, mode, depth, idf);
            shape.pop();
            shape.push(depth);
            float_tensor(shape, out)
        }
    }
}

/// `multi_hot`, `count` or `tf_idf` bins of each row (rows may differ in length, as a
/// ragged batch of tokens does): `rows.len() * depth` values.
pub fn bag(rows: &[&[i64]], mode: OutputMode, depth: usize, idf: Option<&[f32]>) -> Vec<f32> {
    let mut out = vec![0f32; rows.len() * depth];
    for (r, row) in rows.iter().enumerate() {
        let bins = &mut out[r * depth..(r + 1) * depth];
        for &ix in row.iter() {
            if (0..depth as i64).contains(&ix) {
                let b = &mut bins[ix as usize];
                *b = if mode == OutputMode::MultiHot { 1.0 } else { *b + 1.0 };
            }
        }
        if let (OutputMode::TfIdf, Some(w)) = (mode, idf) {
            for (b, w) in bins.iter_mut().zip(w) {
                *b *= w;
            }
        }
    }
    out
}
