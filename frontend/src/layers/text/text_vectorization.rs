//! `keras.layers.TextVectorization`: sentences to token indices or bag-of-words
//! vectors, on the host. Each string is standardized, split into tokens, optionally
//! turned into n-grams, and looked up in a vocabulary (a `StringLookup` whose mask
//! token is `""`: index 0 pads, index 1 is OOV).
use super::config_keys::{bool_or, check_keys, floats_or_null, int_or_null, opt_str, output_mode_of, refuse_true, TEXT_VECTORIZATION_KEYS};
use super::encode::{bag, OutputMode};
use super::lookup::IndexLookup;
use super::standardize::{ngrams, split, standardize, Split, Standardize};
use super::strings::{float_tensor, int_tensor, HostInput, StringTensor, ToHostInput};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::layers::{base_config, keeping_names, unique_name};
use crate::tensor::Tensor;
use serde_json::{json, Value};
use std::rc::Rc;

/// `ngrams`: Keras's integer `n` (widths 1..=n) or tuple of widths.
#[derive(Clone, Debug, PartialEq)]
pub enum Ngrams {
    UpTo(i64),
    Widths(Vec<i64>),
}

/// Keras's `TextVectorization(max_tokens=None, standardize="lower_and_strip_punctuation",
/// split="whitespace", ngrams=None, output_mode="int", output_sequence_length=None,
/// pad_to_max_tokens=False, vocabulary=None, idf_weights=None, sparse=False,
/// ragged=False, encoding="utf-8")`.
///
/// ```ignore
/// let mut vectorize = TextVectorization::new().max_tokens(1000).output_sequence_length(8);
/// vectorize.adapt(&["The cat sat.", "The dog ate!"])?;
/// let ids = vectorize.call(&["the cat ate"])?;     // int64 (1, 8), padded with 0
/// ```
#[derive(Clone, Debug)]
pub struct TextVectorization {
    name: String,
    max_tokens: Option<i64>,
    standardize: Standardize,
    split: Split,
    ngrams: Option<Ngrams>,
    output_mode: String,
    output_sequence_length: Option<i64>,
    pad_to_max_tokens: bool,
    vocabulary: Option<Vec<String>>,
    idf_weights: Option<Vec<f64>>,
    lookup: IndexLookup<String>,
    error: Option<String>,
}

impl Default for TextVectorization {
    fn default() -> TextVectorization {
        TextVectorization::new()
    }
}

/// Tokens after splitting (one row per input string), or whole strings when `split` is
/// `None` (in the input's shape).
enum Preprocessed {
    Rows { rows: Vec<Vec<String>>, scalar: bool },
    Dense(StringTensor),
}

impl TextVectorization {
    pub fn new() -> TextVectorization {
        let name = unique_name("text_vectorization");
        let lookup = IndexLookup::new("StringLookup", "string_lookup", Some("[UNK]".to_string()));
        let mut t = TextVectorization {
            name,
            max_tokens: None,
            standardize: Standardize::Named("lower_and_strip_punctuation".into()),
            split: Split::Named("whitespace".into()),
            ngrams: None,
            output_mode: "int".into(),
            output_sequence_length: None,
            pad_to_max_tokens: false,
            vocabulary: None,
            idf_weights: None,
            lookup,
            error: None,
        };
        t.reconfigure();
        t
    }

    fn err(&self, msg: impl std::fmt::Display) -> Error {
        Error::msg(format!("layer \"{}\" (TextVectorization): {msg}", self.name))
    }

    /// Check the arguments and set up the inner lookup, as Keras's constructor does; an
    /// error is kept and returned by every use.
    fn reconfigure(&mut self) {
        self.error = self.check_arguments().err().map(|e| e.to_string());
        let l = &mut self.lookup;
        l.max_tokens = self.max_tokens;
        l.mask_token = Some(String::new());
        l.output_mode = self.output_mode.clone();
        l.pad_to_max_tokens = self.pad_to_max_tokens;
        l.vocabulary = self.vocabulary.clone();
        l.idf_weights = self.idf_weights.clone();
        l.has_input_vocabulary = self.vocabulary.is_some();
        if self.error.is_none() {
            l.reconfigure();
        }
    }

    fn check_arguments(&self) -> Result<()> {
        if let Standardize::Named(n) = &self.standardize {
            if !["lower_and_strip_punctuation", "lower", "strip_punctuation"].contains(&n.as_str()) {
                return Err(self.err(format!(
                    "Unknown value for `standardize` argument of TextVectorization. Allowed values are: ('lower_and_strip_punctuation', 'lower', 'strip_punctuation'). Received: standardize={n}"
                )));
            }
        }
        if let Split::Named(n) = &self.split {
            if !["whitespace", "character"].contains(&n.as_str()) {
                return Err(self.err(format!(
                    "Unknown value for `split` argument of TextVectorization. Allowed values are: ('whitespace', 'character'). Received: split={n}"
                )));
            }
        }
        let Some(mode) = OutputMode::from_name(&self.output_mode) else {
            return Err(self.err(format!(
                "Unknown value for `output_mode` argument of TextVectorization. Allowed values are: ('int', 'one_hot', 'multi_hot', 'count', 'tf_idf'). Received: output_mode={}",
                self.output_mode
            )));
        };
        if let Some(w) = self.widths().into_iter().find(|&w| w < 1) {
            return Err(self.err(format!("`ngrams` widths must be at least 1. Received: ngrams={:?} (width {w})", self.ngrams)));
        }
        if mode != OutputMode::Int {
            if let Some(n) = self.output_sequence_length {
                return Err(self.err(format!("`output_sequence_length` must not be set if `output_mode` is not 'int'. Received output_sequence_length={n}.")));
            }
        }
        if let Some(n) = self.output_sequence_length.filter(|&n| n < 0) {
            return Err(self.err(format!("`output_sequence_length` must be either None or a non-negative integer. Received: output_sequence_length={n}")));
        }
        if mode == OutputMode::OneHot && !matches!(self.split, Split::None) {
            return Err(self.err("`output_mode=\"one_hot\"` encodes one token per input string: it needs `split=None` (use \"multi_hot\" or \"count\" for split text)"));
        }
        if self.ngrams.is_some() && matches!(self.split, Split::None) {
            return Err(self.err("`ngrams` needs a `split` (kc does not form n-grams across whole strings)"));
        }
        Ok(())
    }

    fn widths(&self) -> Vec<i64> {
        match &self.ngrams {
            None => Vec::new(),
            Some(Ngrams::UpTo(n)) => (1..=*n).collect(),
            Some(Ngrams::Widths(w)) => w.clone(),
        }
    }

    /// Keras's `name=`.
    pub fn name(mut self, n: &str) -> TextVectorization {
        self.name = n.to_string();
        self.reconfigure();
        self
    }
    pub fn layer_name(&self) -> &str {
        &self.name
    }
    /// The vocabulary's largest size, the pad (`""`) and OOV (`"[UNK]"`) entries included.
    pub fn max_tokens(mut self, n: i64) -> TextVectorization {
        self.max_tokens = Some(n);
        self.reconfigure();
        self
    }
    /// `"lower_and_strip_punctuation"` (default), `"lower"`, `"strip_punctuation"` or
    /// `Standardize::None`.
    pub fn standardize(mut self, s: impl Into<Standardize>) -> TextVectorization {
        self.standardize = s.into();
        self.reconfigure();
        self
    }
    /// Your own standardization (Keras's callable `standardize`), named for the config.
    pub fn standardize_with(mut self, name: &str, f: impl Fn(&str) -> String + 'static) -> TextVectorization {
        self.standardize = Standardize::Custom(name.to_string(), Rc::new(f));
        self.reconfigure();
        self
    }
    /// `"whitespace"` (default), `"character"` or `Split::None` (whole strings are tokens).
    pub fn split(mut self, s: impl Into<Split>) -> TextVectorization {
        self.split = s.into();
        self.reconfigure();
        self
    }
    /// Your own tokenizer (Keras's callable `split`), named for the config.
    pub fn split_with(mut self, name: &str, f: impl Fn(&str) -> Vec<String> + 'static) -> TextVectorization {
        self.split = Split::Custom(name.to_string(), Rc::new(f));
        self.reconfigure();
        self
    }
    /// n-grams of widths 1 to `n` (Keras's integer `ngrams`).
    pub fn ngrams(mut self, n: i64) -> TextVectorization {
        self.ngrams = Some(Ngrams::UpTo(n));
        self.reconfigure();
        self
    }
    /// n-grams of exactly these widths (Keras's tuple `ngrams`).
    pub fn ngram_widths(mut self, widths: &[i64]) -> TextVectorization {
        self.ngrams = Some(Ngrams::Widths(widths.to_vec()));
        self.reconfigure();
        self
    }
    /// `"int"` (default), `"multi_hot"`, `"count"`, `"tf_idf"`, or `"one_hot"` with `split=None`.
    pub fn output_mode(mut self, m: &str) -> TextVectorization {
        self.output_mode = m.to_string();
        self.reconfigure();
        self
    }
    /// Pad (with 0) or truncate every `int` output to this many tokens.
    pub fn output_sequence_length(mut self, n: i64) -> TextVectorization {
        self.output_sequence_length = Some(n);
        self.reconfigure();
        self
    }
    pub fn pad_to_max_tokens(mut self, on: bool) -> TextVectorization {
        self.pad_to_max_tokens = on;
        self.reconfigure();
        self
    }
    /// A fixed vocabulary (the layer then cannot `adapt`).
    pub fn vocabulary<S: AsRef<str>>(mut self, v: &[S]) -> TextVectorization {
        self.vocabulary = Some(v.iter().map(|s| s.as_ref().to_string()).collect());
        self.reconfigure();
        self
    }
    /// The tf-idf weights of the given vocabulary.
    pub fn idf_weights(mut self, w: &[f64]) -> TextVectorization {
        self.idf_weights = Some(w.to_vec());
        self.reconfigure();
        self
    }

    /// Keras's constructor checks, for calling before first use.
    pub fn check(&self) -> Result<OutputMode> {
        if let Some(e) = &self.error {
            return Err(Error::msg(e.clone()));
        }
        self.lookup.ready().map_err(|e| self.rename(e))
    }

    fn strings(&self, x: &HostInput) -> Result<StringTensor> {
        match x {
            HostInput::Strings(s) => Ok(s.clone()),
            HostInput::Ints { .. } => Err(self.err("expected strings, got numbers")),
        }
    }

    /// Keras's `_preprocess`: standardize, split, n-grams.
    fn preprocess(&self, s: &StringTensor) -> Result<Preprocessed> {
        let std: Vec<String> = s.data().iter().map(|t| standardize(t, &self.standardize)).collect();
        if matches!(self.split, Split::None) {
            return Ok(Preprocessed::Dense(StringTensor::new(s.shape(), std)?));
        }
        let shape = s.shape();
        if shape.len() > 1 && shape[shape.len() - 1] != 1 {
            return Err(self.err(format!(
                "When using `TextVectorization` to tokenize strings, the input rank must be 1 or the last shape dimension must be 1. Received: inputs.shape={shape:?} with rank={}",
                shape.len()
            )));
        }
        if shape.len() > 2 {
            return Err(self.err(format!("expected a batch of strings of shape (batch,) or (batch, 1), got {shape:?}")));
        }
        let widths: Vec<usize> = self.widths().iter().map(|&w| w as usize).collect();
        let rows = std
            .iter()
            .map(|t| {
                let tokens = split(t, &self.split);
                if widths.is_empty() {
                    tokens
                } else {
                    ngrams(&tokens, &widths)
                }
            })
            .collect();
        Ok(Preprocessed::Rows { rows, scalar: shape.is_empty() })
    }

    /// Learn the vocabulary (and document frequencies for tf-idf) from sentences:
    /// Keras's `adapt(data)`; each string is one document.
    pub fn adapt<X: ToHostInput + ?Sized>(&mut self, data: &X) -> Result<()> {
        self.check()?;
        let s = self.strings(&data.to_host_input().map_err(|e| self.err(e))?)?;
        // Keras adapts a batch of shape (n,) as (n, 1)
        let s = if s.rank() == 1 { StringTensor::new(&[s.len(), 1], s.into_data())? } else { s };
        let docs: Vec<Vec<String>> = match self.preprocess(&s)? {
            Preprocessed::Rows { rows, .. } => rows,
            Preprocessed::Dense(d) => super::string_lookup::documents(&d),
        };
        self.lookup.adapt_docs(&docs).map_err(|e| self.rename(e))
    }

    /// The inner lookup's errors, said by this layer.
    fn rename(&self, e: Error) -> Error {
        let m = e.to_string();
        let inner = format!("layer \"{}\" (StringLookup): ", self.lookup.name);
        self.err(m.strip_prefix(&inner).unwrap_or(&m))
    }

    /// Keras's `set_vocabulary(vocabulary, idf_weights)`.
    pub fn set_vocabulary<S: AsRef<str>>(&mut self, vocabulary: &[S], idf_weights: Option<&[f64]>) -> Result<()> {
        self.check()?;
        let v = vocabulary.iter().map(|s| s.as_ref().to_string()).collect();
        self.lookup.set_vocabulary(v, idf_weights.map(<[f64]>::to_vec)).map_err(|e| self.rename(e))
    }

    /// Keras's `get_vocabulary()`: `""` (padding) and `"[UNK]"` first in `int` mode.
    pub fn get_vocabulary(&self) -> Vec<String> {
        self.get_vocabulary_with(true)
    }
    /// `get_vocabulary(include_special_tokens)`.
    pub fn get_vocabulary_with(&self, include_special_tokens: bool) -> Vec<String> {
        self.lookup.get_vocabulary(include_special_tokens).into_iter().map(Option::unwrap_or_default).collect()
    }
    /// Keras's `vocabulary_size()`.
    pub fn vocabulary_size(&self) -> usize {
        self.lookup.vocabulary_size()
    }
    /// The tf-idf weights by index, once known.
    pub fn get_idf_weights(&self) -> Option<Vec<f32>> {
        self.lookup.idf().map(<[f32]>::to_vec)
    }

    /// Vectorize a batch of strings (Keras's `layer(inputs)`): `(batch,)` or `(batch, 1)`
    /// strings to int64 `(batch, length)` indices (padded with 0 to the longest row or to
    /// `output_sequence_length`), or float32 `(batch, bins)` bags.
    pub fn call<X: ToHostInput + ?Sized>(&self, x: &X) -> Result<Tensor> {
        let mode = self.check()?;
        let s = self.strings(&x.to_host_input().map_err(|e| self.err(e))?)?;
        match self.preprocess(&s)? {
            Preprocessed::Dense(d) => {
                let out = self.lookup.encode(d.data(), d.shape()).map_err(|e| self.rename(e))?;
                match (mode, self.output_sequence_length) {
                    (OutputMode::Int, Some(n)) => fit_last_axis(&out, n as usize),
                    _ => Ok(out),
                }
            }
            Preprocessed::Rows { rows, scalar } => {
                let ix: Vec<Vec<i64>> = rows.iter().map(|r| self.lookup.indices(r)).collect::<Result<_>>().map_err(|e| self.rename(e))?;
                let mut shape = vec![ix.len()];
                let out = if mode == OutputMode::Int {
                    let len = match self.output_sequence_length {
                        Some(n) => n as usize,
                        None => ix.iter().map(Vec::len).max().unwrap_or(0),
                    };
                    let mut flat = Vec::with_capacity(ix.len() * len);
                    for r in &ix {
                        flat.extend(r.iter().copied().chain(std::iter::repeat(0)).take(len));
                    }
                    shape.push(len);
                    if scalar {
                        shape.remove(0);
                    }
                    int_tensor(shape, flat)?
                } else {
                    let depth = self.lookup.depth(mode).map_err(|e| self.rename(e))?;
                    let refs: Vec<&[i64]> = ix.iter().map(Vec::as_slice).collect();
                    shape.push(depth);
                    if scalar {
                        shape.remove(0);
                    }
                    float_tensor(shape, bag(&refs, mode, depth, self.lookup.idf()))?
                };
                Ok(out)
            }
        }
    }

    /// Keras's `get_config()`.
    pub fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        let function = |name: &str| json!({"module": null, "class_name": "function", "config": name, "registered_name": name});
        c.insert("max_tokens".into(), json!(self.max_tokens));
        c.insert(
            "standardize".into(),
            match &self.standardize {
                Standardize::None => Value::Null,
                Standardize::Named(n) => json!(n),
                Standardize::Custom(n, _) => function(n),
            },
        );
        c.insert(
            "split".into(),
            match &self.split {
                Split::None => Value::Null,
                Split::Named(n) => json!(n),
                Split::Custom(n, _) => function(n),
            },
        );
        c.insert(
            "ngrams".into(),
            match &self.ngrams {
                None => Value::Null,
                Some(Ngrams::UpTo(n)) => json!(n),
                Some(Ngrams::Widths(w)) => json!(w),
            },
        );
        c.insert("output_mode".into(), json!(self.output_mode));
        c.insert("output_sequence_length".into(), json!(self.output_sequence_length));
        c.insert("pad_to_max_tokens".into(), json!(self.pad_to_max_tokens));
        c.insert("sparse".into(), json!(false));
        c.insert("ragged".into(), json!(false));
        c.insert("vocabulary".into(), json!(self.vocabulary));
        c.insert("idf_weights".into(), json!(self.idf_weights));
        c.insert("encoding".into(), json!("utf-8"));
        c.insert("vocabulary_size".into(), json!(self.vocabulary_size()));
        c
    }

    /// Keras's `TextVectorization.from_config`. A custom `standardize` or `split`
    /// cannot come from a config: rebuild those with `standardize_with` / `split_with`.
    pub fn from_config(c: &Config) -> Result<TextVectorization> {
        const CLASS: &str = "TextVectorization";
        check_keys(c, TEXT_VECTORIZATION_KEYS, CLASS)?;
        refuse_true(c, "sparse", CLASS)?;
        refuse_true(c, "ragged", CLASS)?;
        if let Some(e) = opt_str(c, "encoding", CLASS)?.filter(|e| !e.eq_ignore_ascii_case("utf-8")) {
            crate::bail!("{CLASS} config: kc's strings are UTF-8; `encoding` {e:?} is not supported");
        }
        let mut t = keeping_names(TextVectorization::new);
        t.name = opt_str(c, "name", CLASS)?.unwrap_or_else(|| unique_name("text_vectorization"));
        t.max_tokens = int_or_null(c, "max_tokens", CLASS)?;
        let custom = |key: &str| Error::msg(format!("{CLASS} config: a custom `{key}` function cannot be rebuilt from a config; set it with `{key}_with`"));
        t.standardize = match c.get("standardize") {
            None => Standardize::Named("lower_and_strip_punctuation".into()),
            Some(Value::Null) => Standardize::None,
            Some(Value::String(s)) => Standardize::Named(s.clone()),
            Some(_) => return Err(custom("standardize")),
        };
        t.split = match c.get("split") {
            None => Split::Named("whitespace".into()),
            Some(Value::Null) => Split::None,
            Some(Value::String(s)) => Split::Named(s.clone()),
            Some(_) => return Err(custom("split")),
        };
        t.ngrams = match c.get("ngrams") {
            None | Some(Value::Null) => None,
            Some(Value::Array(a)) => Some(Ngrams::Widths(
                a.iter().map(|v| v.as_i64().ok_or_else(|| Error::msg(format!("{CLASS} config: `ngrams` must hold integers, got {v}")))).collect::<Result<_>>()?,
            )),
            Some(v) => Some(Ngrams::UpTo(
                v.as_i64().ok_or_else(|| Error::msg(format!("{CLASS} config: `ngrams` must be None, an integer, or a tuple of integers. Received: ngrams={v}")))?,
            )),
        };
        t.output_mode = output_mode_of(c, CLASS)?;
        t.output_sequence_length = int_or_null(c, "output_sequence_length", CLASS)?;
        t.pad_to_max_tokens = bool_or(c, "pad_to_max_tokens", false, CLASS)?;
        t.vocabulary = match c.get("vocabulary") {
            None | Some(Value::Null) => None,
            Some(Value::Array(a)) => Some(
                a.iter()
                    .map(|v| v.as_str().map(str::to_string).ok_or_else(|| Error::msg(format!("{CLASS} config: `vocabulary` must hold strings, got {v}"))))
                    .collect::<Result<_>>()?,
            ),
            Some(v) => crate::bail!("{CLASS} config: `vocabulary` must be a list (kc reads no vocabulary files), got {v}"),
        };
        t.idf_weights = floats_or_null(c, "idf_weights", CLASS)?;
        t.reconfigure();
        Ok(t)
    }
}

/// Truncate or zero-pad the last axis of an int64 tensor to `n` (Keras's
/// `output_sequence_length` on unsplit strings).
fn fit_last_axis(t: &Tensor, n: usize) -> Result<Tensor> {
    let h = t.host()?;
    let mut shape = h.shape().to_vec();
    let v: Vec<i64> = h.to_vec()?;
    let Some(&w) = shape.last() else {
        return Ok(t.clone());
    };
    let rows: Vec<i64> = if w == 0 {
        vec![0; shape[..shape.len() - 1].iter().product::<usize>() * n]
    } else {
        v.chunks(w).flat_map(|r| r.iter().copied().chain(std::iter::repeat(0)).take(n).collect::<Vec<_>>()).collect()
    };
    *shape.last_mut().unwrap_or(&mut 0) = n;
    int_tensor(shape, rows)
}
