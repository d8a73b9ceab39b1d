//! Keras's `IndexLookup`, the engine under `StringLookup` and `IntegerLookup` (and the
//! vocabulary of `TextVectorization`): a vocabulary (given, or learned by `adapt`), its
//! reserved indices, the lookup with OOV buckets and masks, inversion, and tf-idf.
//!
//! Indices: `[mask] [oov x num_oov_indices] tokens...` in `int` mode. The mask takes
//! index 0 only in `int` mode; in the other modes it has no bin (it is dropped) and the
//! OOV indices start at 0. `adapt` orders tokens by count, ties by the token itself,
//! both descending (Keras's `np.lexsort(...)[::-1]`).
use super::encode::{encode, OutputMode};
use super::farmhash::fingerprint64;
use super::siphash::siphash24;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::layers::{base_config, unique_name};
use crate::tensor::Tensor;
use serde_json::{json, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::{Debug, Display};
use std::hash::Hash;

/// A vocabulary entry: a string (`StringLookup`) or an int64 (`IntegerLookup`).
pub trait Token: Clone + Eq + Hash + Ord + Debug + Display + 'static {
    /// Integer keys take `oov_method="floormod"`; strings are always hashed.
    const IS_INT: bool;
    fn to_json(&self) -> Value;
    fn from_json(v: &Value) -> Option<Self>;
    /// The text TF hashes for an OOV bucket (integers as decimal).
    fn text(&self) -> Cow<'_, str>;
    /// `floormod(key, n)` for integer keys.
    fn floormod(&self, n: i64) -> i64;
}

impl Token for String {
    const IS_INT: bool = false;
    fn to_json(&self) -> Value {
        json!(self)
    }
    fn from_json(v: &Value) -> Option<String> {
        v.as_str().map(str::to_string)
    }
    fn text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
    fn floormod(&self, _: i64) -> i64 {
        0
    }
}

impl Token for i64 {
    const IS_INT: bool = true;
    fn to_json(&self) -> Value {
        json!(self)
    }
    fn from_json(v: &Value) -> Option<i64> {
        v.as_i64()
    }
    fn text(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_string())
    }
    fn floormod(&self, n: i64) -> i64 {
        self.rem_euclid(n)
    }
}

/// What a lookup maps a masked input to outside `int` mode: past every bin, so the
/// encoders drop it (Keras uses int64's max, which bincount ignores).
const DROPPED: i64 = i64::MAX;

/// The shared state and arguments of a lookup layer.
#[derive(Clone, Debug)]
pub struct IndexLookup<K: Token> {
    pub class: &'static str,
    pub name: String,
    pub max_tokens: Option<i64>,
    pub num_oov_indices: i64,
    pub mask_token: Option<K>,
    pub oov_token: Option<K>,
    pub output_mode: String,
    pub invert: bool,
    pub pad_to_max_tokens: bool,
    pub oov_method: String,
    pub salt: Option<Vec<i64>>,
    /// The constructor's `vocabulary` and `idf_weights` (Keras's `input_vocabulary`).
    pub vocabulary: Option<Vec<K>>,
    pub idf_weights: Option<Vec<f64>>,
    /// Set by TextVectorization's inner lookup: a vocabulary was given to the outer layer.
    pub has_input_vocabulary: bool,
    tokens: Vec<K>,
    index: HashMap<K, i64>,
    idf: Option<Vec<f32>>,
    frozen_vocab_size: Option<usize>,
    /// An error from the arguments (found when they were set), returned by every use.
    error: Option<String>,
}

impl<K: Token> IndexLookup<K> {
    pub fn new(class: &'static str, base_name: &str, oov_token: Option<K>) -> IndexLookup<K> {
        IndexLookup {
            class,
            name: unique_name(base_name),
            max_tokens: None,
            num_oov_indices: 1,
            mask_token: None,
            oov_token,
            output_mode: "int".into(),
            invert: false,
            pad_to_max_tokens: false,
            oov_method: "floormod".into(),
            salt: None,
            vocabulary: None,
            idf_weights: None,
            has_input_vocabulary: false,
            tokens: Vec::new(),
            index: HashMap::new(),
            idf: None,
            frozen_vocab_size: None,
            error: None,
        }
    }

    pub(crate) fn err(&self, msg: impl Display) -> Error {
        Error::msg(format!("layer \"{}\" ({}): {msg}", self.name, self.class))
    }

    /// After the arguments change: check them and apply the constructor's vocabulary, as
    /// Keras's constructor does; an error is kept and returned by every later use.
    pub fn reconfigure(&mut self) {
        self.tokens.clear();
        self.index.clear();
        self.idf = None;
        self.frozen_vocab_size = None;
        self.error = None;
        let r = self.check_arguments().and_then(|_| match self.vocabulary.clone() {
            Some(v) => self.set_vocabulary(v, self.idf_weights.clone()),
            None => Ok(()),
        });
        if let Err(e) = r {
            self.error = Some(e.to_string());
        }
        if self.vocabulary.is_some() {
            self.has_input_vocabulary = true;
        }
    }

    fn mode(&self) -> Result<OutputMode> {
        OutputMode::from_name(&self.output_mode).ok_or_else(|| {
            self.err(format!(
                "Unknown value for `output_mode` argument of {}. Allowed values are: ('int', 'one_hot', 'multi_hot', 'count', 'tf_idf'). Received: output_mode={}",
                self.class, self.output_mode
            ))
        })
    }

    fn check_arguments(&self) -> Result<()> {
        let integer = self.class == "IntegerLookup";
        if let Some(m) = self.max_tokens.filter(|&m| m <= 1) {
            return Err(self.err(if integer {
                format!("If `max_tokens` is set for `IntegerLookup`, it must be greater than 1. Received: max_tokens={m}")
            } else {
                format!("If set, `max_tokens` must be greater than 1. Received: max_tokens={m}")
            }));
        }
        if self.pad_to_max_tokens && self.max_tokens.is_none() {
            return Err(self.err("If pad_to_max_tokens is True, must set `max_tokens`. Received: max_tokens=None"));
        }
        if self.num_oov_indices < 0 && integer {
            return Err(self.err(format!(
                "The value of `num_oov_indices` argument for `IntegerLookup` must >= 0. Received: num_oov_indices={}",
                self.num_oov_indices
            )));
        }
        if self.num_oov_indices < 0 {
            return Err(self.err(format!("`num_oov_indices` must be greater than or equal to 0. Received: num_oov_indices={}", self.num_oov_indices)));
        }
        if !["floormod", "farmhash"].contains(&self.oov_method.as_str()) {
            return Err(self.err(format!(
                "Unknown value for `oov_method` argument of {}. Allowed values are: ('floormod', 'farmhash'). Received: oov_method={}",
                self.class, self.oov_method
            )));
        }
        if self.salt.is_some() && K::IS_INT && self.oov_method != "farmhash" {
            return Err(self.err(format!("`salt` can only be used when `oov_method='farmhash'`. Received: oov_method={}", self.oov_method)));
        }
        let mode = self.mode()?;
        if self.invert && mode != OutputMode::Int {
            return Err(self.err(format!("`output_mode` must be `'int'` when `invert` is true. Received: output_mode={}", self.output_mode)));
        }
        if let (Some(w), false) = (&self.idf_weights, mode == OutputMode::TfIdf) {
            return Err(self.err(format!(
                "`idf_weights` should only be set if `output_mode` is `'tf_idf'`. Received: idf_weights={w:?} and output_mode={}",
                self.output_mode
            )));
        }
        if mode == OutputMode::TfIdf && self.vocabulary.is_some() && self.idf_weights.is_none() {
            return Err(self.err("When specifying the `vocabulary` argument, in TF-IDF output mode, the `idf_weights` argument must also be provided."));
        }
        if self.invert && self.oov_token.is_none() {
            return Err(self.err("an inverting lookup needs an `oov_token` (what unknown indices become)"));
        }
        // Keras does not check this and adapts to a garbled vocabulary; kc refuses it
        if let Some(m) = self.max_tokens.filter(|&m| m < self.token_start() as i64) {
            return Err(self.err(format!(
                "`max_tokens` ({m}) is smaller than the number of reserved indices ({}: the mask token and {} OOV indices)",
                self.token_start(),
                self.num_oov_indices
            )));
        }
        Ok(())
    }

    /// The arguments' check, and the output mode: run first by every use.
    pub fn ready(&self) -> Result<OutputMode> {
        match &self.error {
            Some(e) => Err(Error::msg(e.clone())),
            None => self.mode(),
        }
    }

    fn is_int_mode(&self) -> bool {
        self.output_mode == "int"
    }
    pub fn oov_start(&self) -> usize {
        usize::from(self.mask_token.is_some() && self.is_int_mode())
    }
    pub fn token_start(&self) -> usize {
        self.oov_start() + self.num_oov_indices.max(0) as usize
    }

    /// Keras's `vocabulary_size()`: the learned or given tokens plus the reserved indices.
    pub fn vocabulary_size(&self) -> usize {
        self.token_start() + self.tokens.len()
    }

    /// Keras's `get_vocabulary(include_special_tokens)`: a token's position is its index.
    /// Reserved entries are the mask token (index 0 in `int` mode) and the OOV token.
    pub fn get_vocabulary(&self, include_special_tokens: bool) -> Vec<Option<K>> {
        let mut v = Vec::with_capacity(self.vocabulary_size());
        if include_special_tokens {
            if self.oov_start() == 1 {
                v.push(self.mask_token.clone());
            }
            v.extend(std::iter::repeat_n(self.oov_token.clone(), self.num_oov_indices.max(0) as usize));
        }
        v.extend(self.tokens.iter().cloned().map(Some));
        v
    }

    /// The tf-idf weights by index (Keras's `idf_weights`), once a vocabulary is set.
    pub fn idf(&self) -> Option<&[f32]> {
        self.idf.as_deref()
    }

    fn install(&mut self, tokens: Vec<K>) {
        let start = self.token_start() as i64;
        self.index = tokens.iter().enumerate().map(|(i, t)| (t.clone(), start + i as i64)).collect();
        self.tokens = tokens;
        self.frozen_vocab_size = Some(self.vocabulary_size());
    }

    /// Keras's `set_vocabulary(vocabulary, idf_weights)`: the vocabulary may start with
    /// the reserved tokens in their order (they are then not repeated).
    pub fn set_vocabulary(&mut self, vocabulary: Vec<K>, idf_weights: Option<Vec<f64>>) -> Result<()> {
        let mode = self.mode()?;
        if mode == OutputMode::TfIdf && idf_weights.is_none() {
            return Err(self.err("`idf_weights` must be set if output_mode is 'tf_idf'."));
        }
        if mode != OutputMode::TfIdf {
            if let Some(w) = &idf_weights {
                return Err(self.err(format!(
                    "`idf_weights` should only be set if output_mode is `'tf_idf'`. Received: output_mode={} and idf_weights={w:?}",
                    self.output_mode
                )));
            }
        }
        if vocabulary.is_empty() {
            return Err(self.err("Cannot set an empty vocabulary. Received: vocabulary=[]"));
        }
        let token_start = self.token_start();
        let mut special: Vec<Option<K>> = Vec::new();
        if self.oov_start() == 1 {
            special.push(self.mask_token.clone());
        }
        special.extend(std::iter::repeat_n(self.oov_token.clone(), self.num_oov_indices as usize));
        let found_special = vocabulary.len() >= token_start && vocabulary[..token_start].iter().zip(&special).all(|(v, s)| s.as_ref() == Some(v));
        let tokens: Vec<K> = if found_special { vocabulary[token_start..].to_vec() } else { vocabulary.clone() };
        // repeated terms, each once, in the order they first appear
        let mut seen: HashMap<&K, usize> = HashMap::new();
        for t in &tokens {
            *seen.entry(t).or_default() += 1;
        }
        let mut unique_repeated: Vec<&K> = Vec::new();
        for t in tokens.iter().filter(|t| seen[t] > 1) {
            if !unique_repeated.contains(&t) {
                unique_repeated.push(t);
            }
        }
        if !unique_repeated.is_empty() {
            return Err(self.err(format!(
                "The passed vocabulary has at least one repeated term. Please uniquify your dataset. The repeated terms are: {unique_repeated:?}"
            )));
        }
        let special_text = format!("{:?}", special.iter().map(|s| s.as_ref().map_or("None".into(), |k| format!("{k:?}"))).collect::<Vec<_>>());
        if let Some(m) = self.mask_token.as_ref().filter(|m| tokens.contains(m)) {
            let at = vocabulary.iter().rposition(|v| v == m).unwrap_or(0);
            return Err(self.err(format!(
                "Found reserved mask token at unexpected location in `vocabulary`. Note that passed `vocabulary` does not need to include the OOV and mask tokens. Either remove all mask and OOV tokens, or include them only at the start of the vocabulary in precisely this order: {special_text}. Received: mask_token={m} at vocabulary index {at}"
            )));
        }
        if let Some(o) = self.oov_token.as_ref().filter(|o| self.invert && tokens.contains(o)) {
            let at = vocabulary.iter().rposition(|v| v == o).unwrap_or(0);
            return Err(self.err(format!(
                "Found reserved OOV token at unexpected location in `vocabulary`. Note that passed `vocabulary` does not need to include the OOV and mask tokens. Either remove all mask and OOV tokens, or include them only at the start of the vocabulary in precisely this order: {special_text}. Received: oov_token={o} at vocabulary index {at}"
            )));
        }
        let new_size = token_start + tokens.len();
        if let Some(m) = self.max_tokens.filter(|&m| new_size as i64 > m) {
            return Err(self.err(format!(
                "Attempted to set a vocabulary larger than the maximum vocab size. Received vocabulary size is {new_size}; `max_tokens` is {m}."
            )));
        }
        let idf = match (mode, idf_weights) {
            (OutputMode::TfIdf, Some(w)) => {
                if w.len() != vocabulary.len() {
                    return Err(self.err(format!(
                        "`idf_weights` must be the same length as vocabulary. len(idf_weights) is {}; len(vocabulary) is {}",
                        w.len(),
                        vocabulary.len()
                    )));
                }
                // reserved indices get the mean weight when the vocabulary left them out
                let front = if found_special { 0 } else { token_start };
                let mean = w.iter().sum::<f64>() / w.len() as f64;
                let mut all: Vec<f64> = std::iter::repeat_n(mean, front).chain(w.iter().copied()).collect();
                if let (true, Some(m)) = (self.pad_to_max_tokens, self.max_tokens) {
                    all.resize((m as usize).max(all.len()), 0.0);
                }
                Some(all.into_iter().map(|x| x as f32).collect())
            }
            _ => None,
        };
        self.install(tokens);
        self.idf = idf;
        Ok(())
    }

    /// Keras's `adapt(data)`: `docs` are the data's samples (the first axis), each a list
    /// of tokens; a sample's tokens count once per document for tf-idf.
    pub fn adapt_docs(&mut self, docs: &[Vec<K>]) -> Result<()> {
        self.ready()?;
        if self.has_input_vocabulary {
            return Err(self.err(format!(
                "Cannot adapt layer '{}' after setting a static vocabulary via `vocabulary` argument or `set_vocabulary()` method.",
                self.name
            )));
        }
        // Keras adapts to nothing and keeps only the reserved tokens; an empty dataset is
        // almost always a mistake, so kc says so
        if docs.iter().all(Vec::is_empty) {
            return Err(self.err("adapt() got no data: the dataset has no tokens to learn a vocabulary from"));
        }
        let mut counts: HashMap<&K, u64> = HashMap::new();
        let mut doc_counts: HashMap<&K, u64> = HashMap::new();
        for doc in docs {
            let mut seen: Vec<&K> = Vec::new();
            for t in doc {
                *counts.entry(t).or_default() += 1;
                if !seen.contains(&t) {
                    seen.push(t);
                    *doc_counts.entry(t).or_default() += 1;
                }
            }
        }
        for special in [&self.mask_token, &self.oov_token].into_iter().flatten() {
            counts.remove(special);
        }
        let mut sorted: Vec<(&K, u64)> = counts.into_iter().collect();
        sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(a.0)));
        if let Some(m) = self.max_tokens {
            sorted.truncate((m as usize).saturating_sub(self.token_start()));
        }
        let tokens: Vec<K> = sorted.iter().map(|(t, _)| (*t).clone()).collect();
        let idf = if self.mode()? == OutputMode::TfIdf {
            let n = docs.len() as f64;
            let w: Vec<f32> = tokens.iter().map(|t| (1.0 + n / (1.0 + doc_counts[t] as f64)).ln() as f32).collect();
            // the reserved indices get the mean weight (Keras cannot know an OOV's true one)
            let mean = w.iter().sum::<f32>() / w.len() as f32;
            let mut all: Vec<f32> = std::iter::repeat_n(mean, self.token_start()).chain(w).collect();
            if let (true, Some(m)) = (self.pad_to_max_tokens, self.max_tokens) {
                all.resize((m as usize).max(all.len()), 0.0);
            }
            Some(all)
        } else {
            None
        };
        self.install(tokens);
        self.idf = idf;
        Ok(())
    }

    /// The index of every key (Keras's `_lookup_dense`): masks to 0 (`int`) or dropped,
    /// unknown keys to an OOV index (hashed among several), or an error with no OOV index.
    pub fn indices(&self, keys: &[K]) -> Result<Vec<i64>> {
        let mode = self.ready()?;
        let oov_start = self.oov_start() as i64;
        let n_oov = self.num_oov_indices;
        let mask_to = if mode == OutputMode::Int { 0 } else { DROPPED };
        let key = self.salt.as_ref().map(|s| (s[0] as u64, s[1] as u64));
        let mut unknown: Vec<&K> = Vec::new();
        let out = keys
            .iter()
            .map(|k| {
                if self.mask_token.as_ref() == Some(k) {
                    return mask_to;
                }
                if let Some(&i) = self.index.get(k) {
                    return i;
                }
                match n_oov {
                    0 => {
                        unknown.push(k);
                        -1
                    }
                    1 => oov_start,
                    n if K::IS_INT && self.oov_method == "floormod" => oov_start + k.floormod(n),
                    n => {
                        let text = k.text();
                        let h = match key {
                            Some((k0, k1)) => siphash24(k0, k1, text.as_bytes()),
                            None => fingerprint64(text.as_bytes()),
                        };
                        oov_start + (h % n as u64) as i64
                    }
                }
            })
            .collect();
        if !unknown.is_empty() {
            return Err(self.err(format!(
                "When `num_oov_indices=0` all inputs should be in vocabulary, found OOV values {unknown:?}, consider setting `num_oov_indices=1`."
            )));
        }
        Ok(out)
    }

    /// The output of a call on keys of `shape`: indices (`int`) or encoded bins.
    pub fn encode(&self, keys: &[K], shape: &[usize]) -> Result<Tensor> {
        let mode = self.ready()?;
        let ix = self.indices(keys)?;
        encode(ix, shape, mode, self.depth(mode)?, self.idf.as_deref()).map_err(|e| self.err(e))
    }

    /// The number of bins of a non-`int` output: `max_tokens` when padding, else the
    /// vocabulary's size (which must be known).
    pub fn depth(&self, mode: OutputMode) -> Result<usize> {
        if mode == OutputMode::Int {
            return Ok(0);
        }
        if self.pad_to_max_tokens {
            return Ok(self.max_tokens.unwrap_or(0) as usize);
        }
        self.frozen_vocab_size.ok_or_else(|| {
            self.err(format!(
                "When using `output_mode={}` and `pad_to_max_tokens=False`, you must set the layer's vocabulary before calling it. Either pass a `vocabulary` argument to the layer, or call `adapt` with some sample data.",
                self.output_mode
            ))
        })
    }

    /// Inverse lookup: index to token (the mask at 0 when there is a mask, the OOV token
    /// for reserved and unknown indices).
    pub fn tokens_of(&self, ids: &[i64]) -> Result<Vec<K>> {
        self.ready()?;
        let start = self.token_start() as i64;
        let oov = self.oov_token.clone().ok_or_else(|| self.err("an inverting lookup needs an `oov_token`"))?;
        Ok(ids
            .iter()
            .map(|&i| match &self.mask_token {
                Some(m) if i == 0 => m.clone(),
                _ if i >= start && ((i - start) as usize) < self.tokens.len() => self.tokens[(i - start) as usize].clone(),
                _ => oov.clone(),
            })
            .collect())
    }

    /// Keras's `IndexLookup.get_config()` (the subclass adds or removes its keys).
    pub fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        let opt = |t: &Option<K>| t.as_ref().map_or(Value::Null, Token::to_json);
        c.insert("invert".into(), json!(self.invert));
        c.insert("max_tokens".into(), json!(self.max_tokens));
        c.insert("num_oov_indices".into(), json!(self.num_oov_indices));
        c.insert("oov_token".into(), opt(&self.oov_token));
        c.insert("mask_token".into(), opt(&self.mask_token));
        c.insert("output_mode".into(), json!(self.output_mode));
        c.insert("sparse".into(), json!(false));
        c.insert("pad_to_max_tokens".into(), json!(self.pad_to_max_tokens));
        c.insert("idf_weights".into(), json!(self.idf_weights));
        c.insert("vocabulary".into(), self.vocabulary.as_ref().map_or(Value::Null, |v| Value::Array(v.iter().map(Token::to_json).collect())));
        c.insert("vocabulary_size".into(), json!(self.frozen_vocab_size));
        c.insert("oov_method".into(), json!(self.oov_method));
        c.insert("salt".into(), json!(self.salt));
        c
    }

    /// Read the keys [`IndexLookup::get_config`] writes into a fresh lookup.
    pub fn read_config(&mut self, c: &Config) -> Result<()> {
        use super::config_keys::{bool_or, floats_or_null, int_or_null, opt_str, output_mode_of, refuse_true};
        let class = self.class;
        let token = |key: &str| -> Result<Option<K>> {
            match c.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => K::from_json(v).map(Some).ok_or_else(|| Error::msg(format!("{class} config: `{key}` has the wrong type: {v}"))),
            }
        };
        if let Some(n) = opt_str(c, "name", class)? {
            self.name = n;
        }
        self.invert = bool_or(c, "invert", false, class)?;
        self.max_tokens = int_or_null(c, "max_tokens", class)?;
        self.num_oov_indices = int_or_null(c, "num_oov_indices", class)?.unwrap_or(1);
        if c.contains_key("oov_token") {
            self.oov_token = token("oov_token")?;
        }
        self.mask_token = token("mask_token")?;
        self.output_mode = output_mode_of(c, class)?;
        refuse_true(c, "sparse", class)?;
        self.pad_to_max_tokens = bool_or(c, "pad_to_max_tokens", false, class)?;
        self.idf_weights = floats_or_null(c, "idf_weights", class)?;
        self.vocabulary = match c.get("vocabulary") {
            None | Some(Value::Null) => None,
            Some(Value::Array(a)) => Some(
                a.iter()
                    .map(|v| K::from_json(v).ok_or_else(|| Error::msg(format!("{class} config: a `vocabulary` entry has the wrong type: {v}"))))
                    .collect::<Result<Vec<K>>>()?,
            ),
            Some(v) => crate::bail!("{class} config: `vocabulary` must be a list (kc reads no vocabulary files), got {v}"),
        };
        self.oov_method = opt_str(c, "oov_method", class)?.unwrap_or_else(|| "floormod".into());
        self.salt = match c.get("salt") {
            None | Some(Value::Null) => None,
            Some(Value::Array(a)) if a.len() == 2 && a.iter().all(Value::is_i64) => Some(a.iter().filter_map(Value::as_i64).collect()),
            Some(v) if v.is_i64() => Some(vec![v.as_i64().unwrap_or(0); 2]),
            Some(v) => crate::bail!(
                "layer \"{}\" ({class}): The `salt` argument for `IndexLookup` can only be a tuple of 2 integers, or a single integer. Received: salt={v}.",
                self.name
            ),
        };
        self.reconfigure();
        Ok(())
    }
}
