//! `from_config` for the text and lookup layers (rows of the table in `registry.rs`).
//! `IntegerLookup` builds as a layer of a model; `StringLookup`, `TextVectorization`
//! and `Hashing` work on strings on the host, so a model config holding one is refused
//! with the way to use it instead of being misread.
use super::*;
use crate::config::Config;
use crate::error::Result;

pub(super) use super::text::{HASHING_KEYS, INTEGER_LOOKUP_KEYS, STRING_LOOKUP_KEYS, TEXT_VECTORIZATION_KEYS};

pub(super) fn integer_lookup(c: &Config) -> Result<Box<dyn Layer>> {
    Ok(Box::new(IntegerLookup::from_config(c)?))
}

/// The error for a host-side layer met inside a model's config.
pub(super) fn host_only(class: &str) -> Result<Box<dyn Layer>> {
    crate::bail!(
        "{class} works on strings on the host, before the model (kc's graphs have no string type): build it with `{class}::from_config` and call it on the data that feeds the model"
    )
}
