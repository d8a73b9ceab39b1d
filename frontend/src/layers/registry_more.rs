//! `from_config` for the pooling, normalization, noise and spatial reshaping layers
//! (rows of the table in `registry.rs`).
use super::registry::{boolean, boxed, string};
use super::registry_conv::{ints_arg, ints_or};
use super::*;
use crate::config::Config;
use crate::error::Result;

pub(super) fn pooling<const N: usize, const MAX: bool>(c: &Config) -> Result<Box<dyn Layer>> {
    let pool = ints_or(c, "pool_size", Ints(vec![2]))?;
    let mut l = Pooling::<N, MAX>::new(pool).padding(&string(c, "padding", "valid")?).data_format(&string(c, "data_format", "channels_last")?);
    if c.get("strides").is_some_and(|v| !v.is_null()) {
        l = l.strides(ints_arg(c, "strides")?);
    }
    boxed(c, l)
}

pub(super) fn global_pooling<const N: usize, const MAX: bool>(c: &Config) -> Result<Box<dyn Layer>> {
    let l = GlobalPooling::<N, MAX>::new().data_format(&string(c, "data_format", "channels_last")?).keepdims(boolean(c, "keepdims", false)?);
    boxed(c, l)
}
