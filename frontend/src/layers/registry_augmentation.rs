//! `from_config` for the image augmentation layers (rows of the table in
//! `registry.rs`). Each checks its arguments at once, so a config Keras would refuse
//! fails here with Keras's message rather than at the first call.
use super::augmentation::Factor;
use super::registry::{boxed, named_as, number, string};
use super::*;
use crate::config::{self, Config};
use crate::error::Result;
use serde_json::Value;

pub(super) const AFFINE_KEYS: &[&str] = &["height_factor", "width_factor", "fill_mode", "interpolation", "seed", "fill_value", "data_format"];

fn factor(c: &Config, key: &str) -> Result<Factor> {
    match c.get(key) {
        None | Some(Value::Null) => crate::bail!("config key `{key}` is required"),
        Some(v) => Factor::from_json(v, key),
    }
}

pub(super) fn random_flip(c: &Config) -> Result<Box<dyn Layer>> {
    let mut l = RandomFlip::new(&string(c, "mode", "horizontal_and_vertical")?).data_format(&string(c, "data_format", "channels_last")?);
    if let Some(s) = config::seed_of(c)? {
        l = l.seed(s);
    }
    l.check()?;
    boxed(c, l)
}

pub(super) fn random_contrast(c: &Config) -> Result<Box<dyn Layer>> {
    let mut l = RandomContrast::new(factor(c, "factor")?).data_format(&string(c, "data_format", "channels_last")?);
    match c.get("value_range") {
        None | Some(Value::Null) => {}
        Some(Value::Array(v)) if v.len() == 2 && v.iter().all(Value::is_number) => {
            l = l.value_range(v[0].as_f64().unwrap_or(0.0), v[1].as_f64().unwrap_or(0.0));
        }
        Some(v) => crate::bail!("config key `value_range` must be a list of two numbers, got {v}"),
    }
    if let Some(s) = config::seed_of(c)? {
        l = l.seed(s);
    }
    l.check()?;
    boxed(c, l)
}

/// The arguments the affine layers share, through their builders.
macro_rules! affine_args {
    ($l:expr, $c:expr) => {{
        let mut l = $l
            .fill_mode(&string($c, "fill_mode", "reflect")?)
            .interpolation(&string($c, "interpolation", "bilinear")?)
            .fill_value(number($c, "fill_value", Some(0.0))?)
            .data_format(&string($c, "data_format", "channels_last")?);
        if let Some(s) = config::seed_of($c)? {
            l = l.seed(s);
        }
        l.check()?;
        named_as($c, l)?
    }};
}

pub(super) fn random_rotation(c: &Config) -> Result<Box<dyn Layer>> {
    Ok(Box::new(affine_args!(RandomRotation::new(factor(c, "factor")?), c)))
}

pub(super) fn random_zoom(c: &Config) -> Result<Box<dyn Layer>> {
    let mut l = RandomZoom::new(factor(c, "height_factor")?);
    if c.get("width_factor").is_some_and(|v| !v.is_null()) {
        l = l.width_factor(factor(c, "width_factor")?);
    }
    Ok(Box::new(affine_args!(l, c)))
}

pub(super) fn random_translation(c: &Config) -> Result<Box<dyn Layer>> {
    Ok(Box::new(affine_args!(RandomTranslation::new(factor(c, "height_factor")?, factor(c, "width_factor")?), c)))
}
