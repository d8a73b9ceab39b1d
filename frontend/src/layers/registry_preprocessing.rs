//! `from_config` for the preprocessing layers (rows of the table in `registry.rs`). Each
//! runs the checks Keras's constructor runs, so a config Keras would refuse is an error
//! here too.
use super::registry::{boolean, boxed, number, optional, size, string};
use super::*;
use crate::config::{self, Config};
use crate::error::Result;
use serde_json::Value;

/// Keras's `axis` of `Normalization`: an int, a list, or null (`()`: every axis reduced).
pub(super) fn normalization(c: &Config) -> Result<Box<dyn Layer>> {
    let axes = match c.get("axis") {
        None => vec![-1],
        Some(Value::Null) => vec![],
        Some(_) => config::axes_or(c, "axis", &[-1])?,
    };
    let mut l = Normalization::new().axes(&axes).invert(boolean(c, "invert", false)?);
    l.mean = optional(c, "mean", Stat::from_json)?;
    l.variance = optional(c, "variance", Stat::from_json)?;
    l.check()?;
    boxed(c, l)
}

fn no_sparse(c: &Config, class: &str) -> Result<()> {
    if boolean(c, "sparse", false)? {
        crate::bail!("{class}: `sparse=True` outputs are not supported (kc's outputs are dense)");
    }
    Ok(())
}

pub(super) fn discretization(c: &Config) -> Result<Box<dyn Layer>> {
    no_sparse(c, "Discretization")?;
    let bounds = optional(c, "bin_boundaries", |v| match v {
        Value::Array(a) => a.iter().map(|x| x.as_f64().ok_or_else(|| crate::Error::msg(format!("config key `bin_boundaries` must hold numbers, got {x}")))).collect(),
        other => crate::bail!("config key `bin_boundaries` must be a list of numbers, got {other}"),
    })?;
    let num_bins = match c.get("num_bins") {
        None | Some(Value::Null) => None,
        Some(_) => Some(size(c, "num_bins")?),
    };
    // after `adapt` Keras's config has both; its constructor alone refuses both
    let l = Discretization::make(bounds, num_bins).epsilon(number(c, "epsilon", Some(0.01))?).output_mode(&string(c, "output_mode", "int")?);
    l.check()?;
    boxed(c, l)
}

pub(super) fn category_encoding(c: &Config) -> Result<Box<dyn Layer>> {
    no_sparse(c, "CategoryEncoding")?;
    if c.get("num_tokens").is_none_or(Value::is_null) {
        crate::bail!("num_tokens must be set to use this layer. If the number of tokens is not known beforehand, use the IntegerLookup layer instead.");
    }
    let l = CategoryEncoding::new(size(c, "num_tokens")?).output_mode(&string(c, "output_mode", "multi_hot")?);
    l.check()?;
    boxed(c, l)
}

pub(super) fn center_crop(c: &Config) -> Result<Box<dyn Layer>> {
    boxed(c, CenterCrop::new(size(c, "height")?, size(c, "width")?).data_format(&string(c, "data_format", "channels_last")?))
}

pub(super) const RESIZING_KEYS: &[&str] =
    &["height", "width", "interpolation", "crop_to_aspect_ratio", "pad_to_aspect_ratio", "fill_mode", "fill_value", "antialias", "data_format"];

pub(super) fn resizing(c: &Config) -> Result<Box<dyn Layer>> {
    let l = Resizing::new(size(c, "height")?, size(c, "width")?)
        .interpolation(&string(c, "interpolation", "bilinear")?)
        .crop_to_aspect_ratio(boolean(c, "crop_to_aspect_ratio", false)?)
        .pad_to_aspect_ratio(boolean(c, "pad_to_aspect_ratio", false)?)
        .fill_mode(&string(c, "fill_mode", "constant")?)
        .fill_value(number(c, "fill_value", Some(0.0))?)
        .antialias(boolean(c, "antialias", false)?)
        .data_format(&string(c, "data_format", "channels_last")?);
    boxed(c, l)
}
