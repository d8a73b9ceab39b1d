//! `keras.layers.IntegerLookup`: integers to vocabulary indices (or encoded bins), and
//! back with `invert`, on the host.
use super::config_keys::{check_keys, INTEGER_LOOKUP_KEYS};
use super::lookup::IndexLookup;
use super::string_lookup::{documents, Docs};
use super::strings::{int_tensor, HostInput, ToHostInput};
use crate::config::Config;
use crate::error::Result;
use crate::layers::{keeping_names, unique_name};
use crate::tensor::Tensor;
use serde_json::json;

/// Keras's `IntegerLookup(max_tokens=None, num_oov_indices=1, mask_token=None,
/// oov_token=-1, vocabulary=None, vocabulary_dtype="int64", idf_weights=None,
/// invert=False, output_mode="int", sparse=False, pad_to_max_tokens=False,
/// oov_method="floormod", salt=None)`.
///
/// ```ignore
/// let lookup = IntegerLookup::new().vocabulary(&[12, 36, 1138, 42]);
/// let ids = lookup.call(&[12, 1138, 7])?;   // int64 [1, 3, 0]
/// ```
#[derive(Clone, Debug)]
pub struct IntegerLookup {
    pub(crate) core: IndexLookup<i64>,
    /// Built as a model's layer (see `integer_lookup_layer.rs`).
    pub(crate) built: bool,
}

impl Default for IntegerLookup {
    fn default() -> IntegerLookup {
        IntegerLookup::new()
    }
}

lookup_builders!(IntegerLookup);

struct IntDocs<'a>(&'a [usize], &'a [i64]);

impl Docs<i64> for IntDocs<'_> {
    fn parts(&self) -> (&[usize], &[i64]) {
        (self.0, self.1)
    }
}

impl IntegerLookup {
    pub fn new() -> IntegerLookup {
        let mut core = IndexLookup::new("IntegerLookup", "integer_lookup", Some(-1));
        core.reconfigure();
        IntegerLookup { core, built: false }
    }
    /// The value for padding (index 0 in `int` mode; dropped in the other modes).
    pub fn mask_token(mut self, t: i64) -> IntegerLookup {
        self.core.mask_token = Some(t);
        self.core.reconfigure();
        self
    }
    /// What OOV indices read as in `get_vocabulary` and inverted lookups (-1).
    pub fn oov_token(mut self, t: i64) -> IntegerLookup {
        self.core.oov_token = Some(t);
        self.core.reconfigure();
        self
    }
    /// A fixed vocabulary (the layer then cannot `adapt`).
    pub fn vocabulary(mut self, v: &[i64]) -> IntegerLookup {
        self.core.vocabulary = Some(v.to_vec());
        self.core.reconfigure();
        self
    }
    /// `"floormod"` (default: `value mod num_oov_indices` picks an OOV index) or
    /// `"farmhash"` (FarmHash, or SipHash with a salt, of the value's decimal text).
    pub fn oov_method(mut self, m: &str) -> IntegerLookup {
        self.core.oov_method = m.to_string();
        self.core.reconfigure();
        self
    }

    fn ints(&self, x: HostInput) -> Result<(Vec<usize>, Vec<i64>)> {
        match x {
            HostInput::Ints { shape, values, from_float: false } => Ok((shape, values)),
            HostInput::Ints { .. } => Err(self.core.err("expected integer inputs, got floats")),
            HostInput::Strings(_) => Err(self.core.err("expected integer inputs, got strings (use StringLookup for strings)")),
        }
    }

    /// Learn the vocabulary from `data` (Keras's `adapt`): integers of any shape, each
    /// first-axis entry one document (for tf-idf).
    pub fn adapt<X: ToHostInput + ?Sized>(&mut self, data: &X) -> Result<()> {
        let (shape, values) = self.ints(data.to_host_input().map_err(|e| self.core.err(e))?)?;
        self.core.adapt_docs(&documents(&IntDocs(&shape, &values)))
    }

    /// Keras's `set_vocabulary(vocabulary, idf_weights)`.
    pub fn set_vocabulary(&mut self, vocabulary: &[i64], idf_weights: Option<&[f64]>) -> Result<()> {
        self.core.ready()?;
        self.core.set_vocabulary(vocabulary.to_vec(), idf_weights.map(<[f64]>::to_vec))
    }

    /// Keras's `get_vocabulary()`: reserved tokens first, so a token's position is its index.
    pub fn get_vocabulary(&self) -> Vec<i64> {
        self.get_vocabulary_with(true)
    }
    /// `get_vocabulary(include_special_tokens)`.
    pub fn get_vocabulary_with(&self, include_special_tokens: bool) -> Vec<i64> {
        self.core.get_vocabulary(include_special_tokens).into_iter().map(Option::unwrap_or_default).collect()
    }

    /// Look a batch up (Keras's `layer(inputs)`): int64 indices in the input's shape,
    /// float32 bins (`one_hot` adds an axis; the bag modes reduce the last one), or with
    /// `invert` the int64 tokens of indices.
    pub fn call<X: ToHostInput + ?Sized>(&self, x: &X) -> Result<Tensor> {
        self.core.ready()?;
        let (shape, values) = self.ints(x.to_host_input().map_err(|e| self.core.err(e))?)?;
        if self.core.invert {
            return int_tensor(shape, self.core.tokens_of(&values)?);
        }
        self.core.encode(&values, &shape)
    }

    /// Keras's `get_config()`.
    pub fn get_config(&self) -> Config {
        let mut c = self.core.get_config();
        c.insert("vocabulary_dtype".into(), json!("int64"));
        c
    }

    /// Keras's `IntegerLookup.from_config`.
    pub fn from_config(c: &Config) -> Result<IntegerLookup> {
        check_keys(c, INTEGER_LOOKUP_KEYS, "IntegerLookup")?;
        if let Some(d) = c.get("vocabulary_dtype").and_then(|v| v.as_str()).filter(|d| *d != "int64") {
            crate::bail!("IntegerLookup config: Only `vocabulary_dtype='int64'` is supported at this time. Received: vocabulary_dtype={d}");
        }
        let mut l = keeping_names(IntegerLookup::new);
        if !c.contains_key("name") {
            l.core.name = unique_name("integer_lookup");
        }
        l.core.read_config(c)?;
        Ok(l)
    }
}
