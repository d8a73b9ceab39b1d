//! Reading the text layers' Keras configs: each key's type checked, with the layer's
//! class in the message.
use crate::config::{reject_unknown, Config};
use crate::error::Result;
use serde_json::Value;

/// The keys of each class's config besides the base ones (`from_config` refuses others).
pub const HASHING_KEYS: &[&str] = &["num_bins", "salt", "mask_value", "output_mode", "sparse"];
pub const STRING_LOOKUP_KEYS: &[&str] = &[
    "invert", "max_tokens", "num_oov_indices", "oov_token", "mask_token", "output_mode", "sparse", "pad_to_max_tokens", "idf_weights", "vocabulary",
    "vocabulary_size", "oov_method", "salt", "encoding",
];
pub const INTEGER_LOOKUP_KEYS: &[&str] = &[
    "invert", "max_tokens", "num_oov_indices", "oov_token", "mask_token", "output_mode", "sparse", "pad_to_max_tokens", "idf_weights", "vocabulary",
    "vocabulary_size", "oov_method", "salt", "vocabulary_dtype",
];
pub const TEXT_VECTORIZATION_KEYS: &[&str] = &[
    "max_tokens", "standardize", "split", "ngrams", "output_mode", "output_sequence_length", "pad_to_max_tokens", "sparse", "ragged", "vocabulary",
    "idf_weights", "encoding", "vocabulary_size",
];

/// Refuse keys the class does not take (besides the base `name`, `trainable`, `dtype`).
pub fn check_keys(c: &Config, keys: &[&str], class: &str) -> Result<()> {
    let mut known = vec!["name", "trainable", "dtype"];
    known.extend_from_slice(keys);
    reject_unknown(c, &known, class)
}

/// An integer, or `None` when absent or null.
pub fn int_or_null(c: &Config, key: &str, class: &str) -> Result<Option<i64>> {
    match c.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_i64() {
            Some(i) => Ok(Some(i)),
            None => crate::bail!("{class} config: `{key}` must be an integer or null, got {v}"),
        },
    }
}

/// A string, or `None` when absent or null.
pub fn opt_str(c: &Config, key: &str, class: &str) -> Result<Option<String>> {
    match c.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v) => crate::bail!("{class} config: `{key}` must be a string or null, got {v}"),
    }
}

/// A boolean, `default` when absent.
pub fn bool_or(c: &Config, key: &str, default: bool, class: &str) -> Result<bool> {
    match c.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(v) => crate::bail!("{class} config: `{key}` must be true or false, got {v}"),
    }
}

/// `output_mode`, `"int"` when absent.
pub fn output_mode_of(c: &Config, class: &str) -> Result<String> {
    Ok(opt_str(c, "output_mode", class)?.unwrap_or_else(|| "int".into()))
}

/// A list of numbers, or `None` when absent or null.
pub fn floats_or_null(c: &Config, key: &str, class: &str) -> Result<Option<Vec<f64>>> {
    match c.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| x.as_f64().ok_or_else(|| crate::error::Error::msg(format!("{class} config: `{key}` must hold numbers, got {x}"))))
            .collect::<Result<Vec<_>>>()
            .map(Some),
        Some(v) => crate::bail!("{class} config: `{key}` must be a list of numbers or null, got {v}"),
    }
}

/// `sparse` (or `ragged`) must be false: kc's text layers give dense tensors.
pub fn refuse_true(c: &Config, key: &str, class: &str) -> Result<()> {
    if bool_or(c, key, false, class)? {
        crate::bail!("{class} config: `{key}=True` is not supported by kc (its text layers give dense tensors)");
    }
    Ok(())
}
