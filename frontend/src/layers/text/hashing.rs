//! `keras.layers.Hashing`: strings or integers to `num_bins` bins, on the host.
//!
//! Keras hashes the string form of every input (integers as decimal text, floats first
//! truncated to int64): FarmHash `Fingerprint64` (`tf.strings.to_hash_bucket_fast`)
//! without a salt, SipHash-2-4 keyed by the salt (`to_hash_bucket_strong`) with one,
//! then `hash mod bins`. With a `mask_value` (and more than one bin) the mask goes to
//! bin 0 and everything else to `1 + hash mod (num_bins - 1)`.
use super::config_keys::{check_keys, int_or_null, opt_str, output_mode_of, HASHING_KEYS};
use super::encode::{encode, OutputMode};
use super::farmhash::fingerprint64;
use super::siphash::siphash24;
use super::strings::{HostInput, ToHostInput};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::layers::{base_config, dtype_policy, unique_name};
use crate::tensor::Tensor;
use serde_json::{json, Value};

/// A `mask_value`: a string for string inputs, an integer for integer inputs.
#[derive(Clone, Debug, PartialEq)]
pub enum MaskValue {
    Str(String),
    Int(i64),
}

impl From<&str> for MaskValue {
    fn from(s: &str) -> MaskValue {
        MaskValue::Str(s.to_string())
    }
}
impl From<String> for MaskValue {
    fn from(s: String) -> MaskValue {
        MaskValue::Str(s)
    }
}
impl From<i64> for MaskValue {
    fn from(v: i64) -> MaskValue {
        MaskValue::Int(v)
    }
}
impl From<i32> for MaskValue {
    fn from(v: i32) -> MaskValue {
        MaskValue::Int(v as i64)
    }
}

/// Keras's `Hashing(num_bins, mask_value=None, salt=None, output_mode="int")`.
///
/// ```ignore
/// let h = Hashing::new(1000).salt(133);
/// let bins = h.call(&["cat", "dog"])?;   // int64 (2,)
/// ```
#[derive(Clone, Debug)]
pub struct Hashing {
    name: String,
    num_bins: i64,
    mask_value: Option<MaskValue>,
    salt: Option<Vec<i64>>,
    output_mode: String,
}

impl Hashing {
    pub fn new(num_bins: i64) -> Hashing {
        Hashing { name: unique_name("hashing"), num_bins, mask_value: None, salt: None, output_mode: "int".into() }
    }
    /// Keras's `name=`.
    pub fn name(mut self, n: &str) -> Hashing {
        self.name = n.to_string();
        self
    }
    pub fn layer_name(&self) -> &str {
        &self.name
    }
    pub fn mask_value(mut self, m: impl Into<MaskValue>) -> Hashing {
        self.mask_value = Some(m.into());
        self
    }
    /// One integer (used for both halves of SipHash's key) or, with [`Hashing::salt_pair`], two.
    pub fn salt(mut self, s: i64) -> Hashing {
        self.salt = Some(vec![s, s]);
        self
    }
    pub fn salt_pair(mut self, a: i64, b: i64) -> Hashing {
        self.salt = Some(vec![a, b]);
        self
    }
    /// `"int"` (default), `"one_hot"`, `"multi_hot"` or `"count"`.
    pub fn output_mode(mut self, m: &str) -> Hashing {
        self.output_mode = m.to_string();
        self
    }

    fn err(&self, msg: impl std::fmt::Display) -> Error {
        Error::msg(format!("layer \"{}\" (Hashing): {msg}", self.name))
    }

    /// Keras's constructor checks, run before every use (kc's builders cannot fail).
    pub fn check(&self) -> Result<OutputMode> {
        if self.num_bins <= 0 {
            return Err(self.err(format!("The `num_bins` for `Hashing` cannot be `None` or non-positive values. Received: num_bins={}.", self.num_bins)));
        }
        match self.output_mode.as_str() {
            "int" => Ok(OutputMode::Int),
            "one_hot" => Ok(OutputMode::OneHot),
            "multi_hot" => Ok(OutputMode::MultiHot),
            "count" => Ok(OutputMode::Count),
            _ => Err(self.err(format!(
                "Invalid value for argument `output_mode`. Expected one of ('int', 'one_hot', 'multi_hot', 'count'). Received: output_mode={}",
                self.output_mode
            ))),
        }
    }

    /// The bin of every input, in the input's shape.
    pub fn bins(&self, x: &HostInput) -> Result<Vec<i64>> {
        self.check()?;
        let mut bins = self.num_bins as u64;
        if self.mask_value.is_some() && bins > 1 {
            bins -= 1;
        }
        let key = self.salt.as_ref().map(|s| (s[0] as u64, s[1] as u64));
        let hash = |text: &str| -> i64 {
            let h = match key {
                Some((k0, k1)) => siphash24(k0, k1, text.as_bytes()),
                None => fingerprint64(text.as_bytes()),
            };
            (h % bins) as i64
        };
        let masked = self.mask_value.is_some() && self.num_bins > 1;
        match x {
            HostInput::Strings(s) => {
                let mask = match &self.mask_value {
                    Some(MaskValue::Str(m)) => Some(m.as_str()),
                    Some(MaskValue::Int(m)) => return Err(self.err(format!("an integer mask_value ({m}) cannot be compared with string inputs"))),
                    None => None,
                };
                Ok(s.data().iter().map(|t| if mask == Some(t.as_str()) { 0 } else { hash(t) + masked as i64 }).collect())
            }
            HostInput::Ints { values, .. } => {
                let mask = match &self.mask_value {
                    Some(MaskValue::Int(m)) => Some(*m),
                    Some(MaskValue::Str(m)) => return Err(self.err(format!("a string mask_value ({m:?}) cannot be compared with integer inputs"))),
                    None => None,
                };
                Ok(values.iter().map(|&v| if mask == Some(v) { 0 } else { hash(&v.to_string()) + masked as i64 }).collect())
            }
        }
    }

    /// Hash a batch (Keras's `layer(inputs)`): int64 bins in the input's shape, or float32
    /// one-hot / multi-hot / count vectors of `num_bins`.
    pub fn call<X: ToHostInput + ?Sized>(&self, x: &X) -> Result<Tensor> {
        let mode = self.check()?;
        let x = x.to_host_input().map_err(|e| self.err(e))?;
        let mut shape = x.shape().to_vec();
        let bins = self.bins(&x)?;
        // Keras squeezes a trailing 1 before one-hot encoding
        if mode == OutputMode::OneHot && shape.last() == Some(&1) {
            shape.pop();
        }
        encode(bins, &shape, mode, self.num_bins as usize, None).map_err(|e| self.err(e))
    }

    /// Keras's `get_config()`.
    pub fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("dtype".into(), dtype_policy(if self.output_mode == "int" { "int64" } else { "float32" }));
        c.insert("num_bins".into(), json!(self.num_bins));
        c.insert("salt".into(), self.salt.as_ref().map_or(Value::Null, |s| json!(s)));
        c.insert(
            "mask_value".into(),
            match &self.mask_value {
                None => Value::Null,
                Some(MaskValue::Str(s)) => json!(s),
                Some(MaskValue::Int(v)) => json!(v),
            },
        );
        c.insert("output_mode".into(), json!(self.output_mode));
        c.insert("sparse".into(), json!(false));
        c
    }

    /// Keras's `Hashing.from_config`.
    pub fn from_config(c: &Config) -> Result<Hashing> {
        check_keys(c, HASHING_KEYS, "Hashing")?;
        let Some(num_bins) = int_or_null(c, "num_bins", "Hashing")? else {
            crate::bail!("Hashing config needs `num_bins`");
        };
        let mut h = crate::layers::keeping_names(|| Hashing::new(num_bins));
        if let Some(n) = opt_str(c, "name", "Hashing")? {
            h.name = n;
        } else {
            h.name = unique_name("hashing");
        }
        h.output_mode = output_mode_of(c, "Hashing")?;
        h.mask_value = match c.get("mask_value") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(MaskValue::Str(s.clone())),
            Some(v) => Some(MaskValue::Int(v.as_i64().ok_or_else(|| Error::msg(format!("Hashing config: `mask_value` must be a string or an integer, got {v}")))?)),
        };
        h.salt = match c.get("salt") {
            None | Some(Value::Null) => None,
            Some(Value::Array(a)) if a.len() == 2 && a.iter().all(Value::is_i64) => Some(a.iter().map(|v| v.as_i64().unwrap_or(0)).collect()),
            Some(v) if v.is_i64() => Some(vec![v.as_i64().unwrap_or(0); 2]),
            Some(v) => crate::bail!(
                "layer \"{}\" (Hashing): The `salt` argument for `Hashing` can only be a tuple of size 2 integers, or a single integer. Received: salt={v}.",
                h.name
            ),
        };
        if c.get("sparse").is_some_and(|v| v.as_bool() == Some(true)) {
            crate::bail!("layer \"{}\" (Hashing): `sparse=True` is not supported by kc (dense outputs only)", h.name);
        }
        h.check()?;
        Ok(h)
    }
}
