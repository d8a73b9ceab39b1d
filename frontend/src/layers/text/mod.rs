//! Text and lookup preprocessing: `Hashing`, `StringLookup`, `IntegerLookup`,
//! `TextVectorization`, with Keras 3's arguments, defaults, outputs and errors.
//!
//! kc's IR has no string dtype, and in Keras 3 on JAX these layers are TensorFlow ops
//! that run outside the compiled model (in `tf.data`). kc runs them on the host too:
//! they take strings ([`StringTensor`], or `&[&str]`, `Vec<String>`, arrays of them) or
//! integers, and give a concrete [`Tensor`](crate::Tensor) — int64 indices or float32
//! bins — to pass to `fit`, `evaluate` or `predict` like any array: vectorize the data,
//! then feed the model. `IntegerLookup`, whose inputs are numbers, is also a
//! [`Layer`](crate::layers::Layer) that can sit inside a model (`integer_lookup_layer`).
//!
//! - `farmhash` (FarmHash Fingerprint64) and `siphash` (SipHash-2-4): TF's
//!   `to_hash_bucket_fast` / `_strong`, written from the algorithms' descriptions.
//! - `encode`: int / one_hot / multi_hot / count / tf_idf outputs from bin indices.
//! - `lookup`: the vocabulary engine (Keras's `IndexLookup`) under both lookups and
//!   TextVectorization; `string_lookup`, `integer_lookup` put Keras's faces on it.
//! - `standardize`: lowercasing, punctuation, splitting and n-grams as TF does them.
//! - `strings`: [`StringTensor`] and the inputs a layer takes ([`ToHostInput`]).
#[macro_use]
mod builders;
mod config_keys;
mod encode;
pub mod farmhash;
mod hashing;
mod integer_lookup;
mod integer_lookup_layer;
mod lookup;
pub mod siphash;
mod standardize;
mod string_lookup;
mod strings;
mod text_vectorization;

pub(crate) use config_keys::{HASHING_KEYS, INTEGER_LOOKUP_KEYS, STRING_LOOKUP_KEYS, TEXT_VECTORIZATION_KEYS};
pub use encode::OutputMode;
pub use hashing::{Hashing, MaskValue};
pub use integer_lookup::IntegerLookup;
pub use standardize::{Split, Standardize};
pub use string_lookup::StringLookup;
pub use strings::{HostInput, StringTensor, ToHostInput};
pub use text_vectorization::{Ngrams, TextVectorization};
