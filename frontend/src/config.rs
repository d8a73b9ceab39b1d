//! Keras's serialized form of objects (`serialize_keras_object`), as JSON values:
//! `{"module": "keras.initializers", "class_name": "GlorotUniform", "config": {...},
//! "registered_name": null}`. Layers' `get_config` and the initializers, regularizers
//! and constraints write it; `from_config` reads it back.
use crate::error::Result;
use serde_json::{json, Map, Value};

/// A layer's or object's config: the keyword arguments that recreate it.
pub type Config = Map<String, Value>;

/// The serialized form of a built-in Keras object.
pub fn serialized(module: &str, class_name: &str, config: Config) -> Value {
    json!({"module": module, "class_name": class_name, "config": Value::Object(config), "registered_name": Value::Null})
}

/// A config from `(key, value)` pairs.
pub fn config(pairs: &[(&str, Value)]) -> Config {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

/// The `class_name` and `config` of a serialized object (or of a bare
/// `{"class_name", "config"}` pair, as Keras also accepts).
pub fn split<'a>(v: &'a Value, what: &str) -> Result<(&'a str, Config)> {
    let Some(class) = v.get("class_name").and_then(Value::as_str) else {
        crate::bail!("a serialized {what} needs a string `class_name`, got {v}");
    };
    let cfg = match v.get("config") {
        None | Some(Value::Null) => Config::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(other) => crate::bail!("the `config` of a serialized {what} must be an object, got {other}"),
    };
    Ok((class, cfg))
}

/// A number from a config, or `default` when absent or null.
pub fn f64_or(cfg: &Config, key: &str, default: f64) -> Result<f64> {
    match cfg.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v.as_f64().ok_or_else(|| crate::error::Error::msg(format!("config key `{key}` must be a number, got {v}"))),
    }
}

/// An optional seed (a non-negative integer below 2^32, or null).
pub fn seed_of(cfg: &Config) -> Result<Option<u32>> {
    match cfg.get("seed") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64().and_then(|s| u32::try_from(s).ok()) {
            Some(s) => Ok(Some(s)),
            None => crate::bail!("config key `seed` must be an integer in [0, 2^32) or null, got {v}"),
        },
    }
}

/// A string from a config, or `default`.
pub fn str_or<'a>(cfg: &'a Config, key: &str, default: &'a str) -> Result<&'a str> {
    match cfg.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::String(s)) => Ok(s),
        Some(v) => crate::bail!("config key `{key}` must be a string, got {v}"),
    }
}

/// An axis argument: an integer or a list of integers (Keras's constraints accept both).
pub fn axes_or(cfg: &Config, key: &str, default: &[i64]) -> Result<Vec<i64>> {
    match cfg.get(key) {
        None | Some(Value::Null) => Ok(default.to_vec()),
        Some(Value::Number(n)) if n.is_i64() => Ok(vec![n.as_i64().unwrap_or(0)]),
        Some(Value::Array(a)) => a.iter().map(|x| x.as_i64().ok_or_else(|| crate::error::Error::msg(format!("config key `{key}` must hold integers, got {x}")))).collect(),
        Some(v) => crate::bail!("config key `{key}` must be an integer or a list of integers, got {v}"),
    }
}

/// Keys of `cfg` not in `known`: an error naming them (a typo must not pass silently).
pub fn reject_unknown(cfg: &Config, known: &[&str], what: &str) -> Result<()> {
    let extra: Vec<&String> = cfg.keys().filter(|k| !known.contains(&k.as_str())).collect();
    if !extra.is_empty() {
        crate::bail!("unknown config keys {extra:?} for {what}; it takes {known:?}");
    }
    Ok(())
}

/// An axis list as Keras writes it: a bare integer for one axis.
pub fn axes_value(axes: &[i64]) -> Value {
    match axes {
        [a] => json!(a),
        _ => json!(axes),
    }
}
