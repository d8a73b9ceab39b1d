//! Reading the golden files that real Keras 3 wrote (`tests/golden/keras/`), and
//! comparing kc's numbers with them.
use kc::frontend::{Graph, Tensor};
use kc::ir::{Dim, Shape, TensorType};
use kc::runtime::HostTensor;
use serde_json::Value;

/// Relative tolerance for float32 results (README of the golden files). The absolute
/// floor covers values that are zero up to float32 rounding of larger intermediates
/// (a mean of terms of size ~1 that cancel), where a relative bound means nothing.
pub const REL: f64 = 1e-5;
pub const ABS: f64 = 1e-6;

pub fn load(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/keras/data").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (run tests/golden/keras/losses_metrics.py)", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `{"dtype", "shape", "data"}` as a host tensor.
pub fn host(v: &Value) -> HostTensor {
    let shape: Vec<usize> = v["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect();
    let data = v["data"].as_array().unwrap();
    match v["dtype"].as_str().unwrap() {
        "int32" => HostTensor::from_vec(shape, data.iter().map(|x| x.as_i64().unwrap() as i32).collect()).unwrap(),
        _ => HostTensor::from_vec(shape, data.iter().map(|x| x.as_f64().unwrap() as f32).collect()).unwrap(),
    }
}

pub fn shape(v: &Value) -> Vec<usize> {
    v["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect()
}

pub fn data(v: &Value) -> Vec<f64> {
    v["data"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

/// Named inputs of a golden file.
pub struct Inputs(Value);

impl Inputs {
    pub fn of(doc: &Value) -> Inputs {
        Inputs(doc["inputs"].clone())
    }
    /// The input named by `key` in `case` (`None` for JSON null).
    pub fn get(&self, case: &Value, key: &str) -> Option<HostTensor> {
        let name = case[key].as_str()?;
        Some(host(&self.0[name]))
    }
}

/// `Ok` when every value is within `REL` (relative) or `ABS` of the expected one.
pub fn close(got: &[f64], want: &[f64], rel: f64) -> Result<(), String> {
    if got.len() != want.len() {
        return Err(format!("{} values, expected {}: {got:?} vs {want:?}", got.len(), want.len()));
    }
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        let ok = (a - b).abs() <= rel * b.abs() + ABS || (a.is_nan() && b.is_nan());
        if !ok {
            return Err(format!("value {i}: got {a}, Keras {b} (all: {got:?} vs {want:?})"));
        }
    }
    Ok(())
}

/// Symbolic stand-ins for `hosts` in `g`: a leading dim equal to the first input's
/// becomes the symbol `N`, as a batch dim is in a traced step. Returns the inputs and
/// their names.
pub fn symbolic(g: &Graph, hosts: &[&HostTensor]) -> (Vec<Tensor>, Vec<String>) {
    let lead = hosts.first().and_then(|h| h.shape().first().copied());
    let mut names = Vec::new();
    let ts = hosts
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let mut dims: Vec<Dim> = h.shape().iter().map(|&d| Dim::Known(d as u64)).collect();
            if !dims.is_empty() && Some(h.shape()[0]) == lead {
                dims[0] = Dim::sym("N");
            }
            names.push(format!("in{i}"));
            g.input(&format!("in{i}"), TensorType::new(h.dtype(), Shape(dims)))
        })
        .collect();
    (ts, names)
}
