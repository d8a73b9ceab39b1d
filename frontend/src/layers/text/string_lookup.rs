//! `keras.layers.StringLookup`: strings to vocabulary indices (or encoded bins), and
//! back with `invert`, on the host.
use super::config_keys::{check_keys, opt_str, STRING_LOOKUP_KEYS};
use super::lookup::IndexLookup;
use super::strings::{HostInput, StringTensor, ToHostInput};
use crate::config::Config;
use crate::error::Result;
use crate::layers::{keeping_names, unique_name};
use crate::tensor::Tensor;
use serde_json::json;

/// Keras's `StringLookup(max_tokens=None, num_oov_indices=1, mask_token=None,
/// oov_token="[UNK]", vocabulary=None, idf_weights=None, invert=False,
/// output_mode="int", pad_to_max_tokens=False, sparse=False, encoding="utf-8")`.
///
/// ```ignore
/// let mut lookup = StringLookup::new();
/// lookup.adapt(&["b", "a", "b", "c"])?;          // vocabulary ["[UNK]", "b", "c", "a"]
/// let ids = lookup.call(&[["a", "zebra"]])?;       // int64 [[3, 0]]
/// let back = StringLookup::new().vocabulary(&["b", "c", "a"]).invert(true);
/// let words = back.call_to_strings(&ids)?;        // [["a", "[UNK]"]]
/// ```
#[derive(Clone, Debug)]
pub struct StringLookup {
    pub(crate) core: IndexLookup<String>,
}

impl Default for StringLookup {
    fn default() -> StringLookup {
        StringLookup::new()
    }
}

lookup_builders!(StringLookup);

impl StringLookup {
    pub fn new() -> StringLookup {
        let mut core = IndexLookup::new("StringLookup", "string_lookup", Some("[UNK]".to_string()));
        core.reconfigure();
        StringLookup { core }
    }
    /// The token for padding (index 0 in `int` mode; dropped in the other modes).
    pub fn mask_token(mut self, t: &str) -> StringLookup {
        self.core.mask_token = Some(t.to_string());
        self.core.reconfigure();
        self
    }
    /// What OOV indices read as in `get_vocabulary` and inverted lookups (`"[UNK]"`).
    pub fn oov_token(mut self, t: &str) -> StringLookup {
        self.core.oov_token = Some(t.to_string());
        self.core.reconfigure();
        self
    }
    /// A fixed vocabulary (the layer then cannot `adapt`).
    pub fn vocabulary<S: AsRef<str>>(mut self, v: &[S]) -> StringLookup {
        self.core.vocabulary = Some(v.iter().map(|s| s.as_ref().to_string()).collect());
        self.core.reconfigure();
        self
    }

    fn strings(&self, x: &HostInput) -> Result<StringTensor> {
        match x {
            HostInput::Strings(s) => Ok(s.clone()),
            HostInput::Ints { .. } => Err(self.core.err("expected string inputs, got integers (use IntegerLookup for integers)")),
        }
    }

    /// Learn the vocabulary from `data` (Keras's `adapt`): strings of any shape, each
    /// first-axis entry one document (for tf-idf).
    pub fn adapt<X: ToHostInput + ?Sized>(&mut self, data: &X) -> Result<()> {
        let x = data.to_host_input().map_err(|e| self.core.err(e))?;
        let s = self.strings(&x)?;
        self.core.adapt_docs(&documents(&s))
    }

    /// Keras's `set_vocabulary(vocabulary, idf_weights)`.
    pub fn set_vocabulary<S: AsRef<str>>(&mut self, vocabulary: &[S], idf_weights: Option<&[f64]>) -> Result<()> {
        self.core.ready()?;
        let v = vocabulary.iter().map(|s| s.as_ref().to_string()).collect();
        self.core.set_vocabulary(v, idf_weights.map(<[f64]>::to_vec))
    }

    /// Keras's `get_vocabulary()`: reserved tokens first, so a token's position is its index.
    pub fn get_vocabulary(&self) -> Vec<String> {
        self.get_vocabulary_with(true)
    }
    /// `get_vocabulary(include_special_tokens)`.
    pub fn get_vocabulary_with(&self, include_special_tokens: bool) -> Vec<String> {
        self.core.get_vocabulary(include_special_tokens).into_iter().map(Option::unwrap_or_default).collect()
    }

    /// Look a batch up (Keras's `layer(inputs)`): int64 indices in the input's shape, or
    /// float32 bins (`one_hot` adds an axis; the bag modes reduce the last one).
    pub fn call<X: ToHostInput + ?Sized>(&self, x: &X) -> Result<Tensor> {
        self.core.ready()?;
        if self.core.invert {
            return Err(self.core.err("this layer inverts (indices to strings): call `call_to_strings`"));
        }
        let x = x.to_host_input().map_err(|e| self.core.err(e))?;
        let s = self.strings(&x)?;
        self.core.encode(s.data(), s.shape())
    }

    /// An inverting layer's call (`invert=True`): indices to their strings.
    pub fn call_to_strings<X: ToHostInput + ?Sized>(&self, ids: &X) -> Result<StringTensor> {
        self.core.ready()?;
        if !self.core.invert {
            return Err(self.core.err("`call_to_strings` needs `invert=True` (this layer maps strings to indices: call `call`)"));
        }
        match ids.to_host_input().map_err(|e| self.core.err(e))? {
            HostInput::Ints { shape, values, from_float: false } => StringTensor::new(&shape, self.core.tokens_of(&values)?),
            _ => Err(self.core.err("an inverting StringLookup takes integer indices")),
        }
    }

    /// Keras's `get_config()`.
    pub fn get_config(&self) -> Config {
        let mut c = self.core.get_config();
        c.insert("encoding".into(), json!("utf-8"));
        c
    }

    /// Keras's `StringLookup.from_config`.
    pub fn from_config(c: &Config) -> Result<StringLookup> {
        check_keys(c, STRING_LOOKUP_KEYS, "StringLookup")?;
        if let Some(e) = opt_str(c, "encoding", "StringLookup")?.filter(|e| !e.eq_ignore_ascii_case("utf-8")) {
            crate::bail!("StringLookup config: kc's strings are UTF-8; `encoding` {e:?} is not supported");
        }
        let mut l = keeping_names(StringLookup::new);
        if !c.contains_key("name") {
            l.core.name = unique_name("string_lookup");
        }
        l.core.read_config(c)?;
        Ok(l)
    }
}

/// The documents of adapt data: first-axis entries (a rank-0 or rank-1 input is one
/// token per document, as Keras expands it to `(n, 1)`).
pub(crate) fn documents<T: Clone>(x: &impl Docs<T>) -> Vec<Vec<T>> {
    let (shape, data) = x.parts();
    if shape.len() <= 1 {
        return data.iter().map(|t| vec![t.clone()]).collect();
    }
    let width: usize = shape[1..].iter().product();
    if width == 0 {
        return vec![Vec::new(); shape[0]];
    }
    data.chunks(width).map(<[T]>::to_vec).collect()
}

/// Shape and row-major data of adapt input.
pub(crate) trait Docs<T> {
    fn parts(&self) -> (&[usize], &[T]);
}

impl Docs<String> for StringTensor {
    fn parts(&self) -> (&[usize], &[String]) {
        (self.shape(), self.data())
    }
}
