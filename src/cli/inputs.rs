//! Turning `--input NAME=VALUE` arguments into the tensors a function's parameters take.
use kc_ir::{Attr, DType, Func};
use kc_runtime::HostTensor;
use std::path::Path;

/// One tensor per parameter, in parameter order; every parameter must be given once.
pub fn bind(f: &Func, args: &[String]) -> Result<Vec<HostTensor>, String> {
    let params = f.body.params();
    let names: Vec<String> = params
        .iter()
        .map(|&p| match f.body.node(p).attrs.get("name") {
            Some(Attr::Str(s)) => s.clone(),
            _ => String::new(),
        })
        .collect();
    let mut slots: Vec<Option<HostTensor>> = vec![None; params.len()];
    for arg in args {
        let (name, value) = arg
            .split_once('=')
            .ok_or_else(|| format!("--input `{arg}` must be NAME=VALUE (a .npy file, an IDX file or a JSON list)"))?;
        let name = name.trim().trim_start_matches('%');
        let i = names.iter().position(|n| n == name).ok_or_else(|| {
            format!("@{} has no parameter %{name}; its parameters are {}", f.name, list(&names))
        })?;
        if slots[i].is_some() {
            return Err(format!("parameter %{name} is given twice"));
        }
        let dtype = f.body.node(params[i]).types[0].dtype;
        slots[i] = Some(load_value(value, dtype).map_err(|e| format!("--input {name}: {e}"))?);
    }
    let missing: Vec<String> =
        names.iter().zip(&slots).filter(|(_, s)| s.is_none()).map(|(n, _)| n.clone()).collect();
    if !missing.is_empty() {
        return Err(format!("@{} needs --input for {}", f.name, list(&missing)));
    }
    Ok(slots.into_iter().map(|s| s.expect("all slots are filled")).collect())
}

fn list(names: &[String]) -> String {
    names.iter().map(|n| format!("%{n}")).collect::<Vec<_>>().join(", ")
}

/// A value is inline JSON when it looks like a number or a list; otherwise a file.
fn load_value(value: &str, dtype: DType) -> Result<HostTensor, String> {
    let v = value.trim();
    let inline = v.starts_with('[') || v.starts_with('-') || v.chars().next().is_some_and(|c| c.is_ascii_digit())
        || matches!(v, "true" | "false" | "nan" | "inf" | "-inf" | "\"nan\"" | "\"inf\"" | "\"-inf\"");
    if inline && !Path::new(v).exists() {
        return from_json(v, dtype);
    }
    let path = Path::new(v);
    let t = if v.ends_with(".npy") {
        kc_runtime::npy::read(path).map_err(|e| e.to_string())?
    } else {
        kc_runtime::idx::read(path).map_err(|e| e.to_string())?
    };
    Ok(t)
}

/// Parse a JSON number or nested list (NaN and infinities as the strings "nan", "inf",
/// "-inf") into a tensor of `dtype`; the nesting gives the shape and must be rectangular.
pub fn from_json(text: &str, dtype: DType) -> Result<HostTensor, String> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("`{text}` is not a JSON list: {e}"))?;
    let mut shape = Vec::new();
    let mut probe = &json;
    while let serde_json::Value::Array(items) = probe {
        shape.push(items.len());
        match items.first() {
            Some(first) => probe = first,
            None => break,
        }
    }
    let mut flat = Vec::new();
    flatten(&json, &shape, 0, &mut flat)?;
    HostTensor::from_f64(dtype, shape, &flat).map_err(|e| e.to_string())
}

fn flatten(v: &serde_json::Value, shape: &[usize], depth: usize, out: &mut Vec<f64>) -> Result<(), String> {
    use serde_json::Value as J;
    match v {
        J::Array(items) => {
            if depth >= shape.len() || items.len() != shape[depth] {
                return Err("the JSON list is not rectangular".into());
            }
            items.iter().try_for_each(|x| flatten(x, shape, depth + 1, out))
        }
        _ if depth != shape.len() => Err("the JSON list is not rectangular".into()),
        J::Number(n) => {
            out.push(n.as_f64().ok_or("number out of range")?);
            Ok(())
        }
        J::Bool(b) => {
            out.push(if *b { 1.0 } else { 0.0 });
            Ok(())
        }
        J::String(s) => {
            out.push(match s.as_str() {
                "nan" => f64::NAN,
                "inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                _ => return Err(format!("unexpected string \"{s}\" (only \"nan\", \"inf\", \"-inf\")")),
            });
            Ok(())
        }
        J::Null | J::Object(_) => Err(format!("unexpected JSON value {v}")),
    }
}
