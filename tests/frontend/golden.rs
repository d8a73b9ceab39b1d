//! Reading the golden files written by `tests/golden/keras/layers.py` (real Keras 3, JAX
//! backend) and comparing kc's numbers with them.
use kc::frontend::graph::ParamSource;
use kc::frontend::layers::{call, CallCtx, Layer};
use kc::frontend::{ops, Graph, Tensor};
use kc::ir::{DType, Dim, Shape, TensorType};
use kc::runtime::HostTensor;
use serde_json::Value;

pub fn load(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/keras/data").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (run the generator script in tests/golden/keras/)", path.display()));
    serde_json::from_str(&text).unwrap()
}

pub fn shape(v: &Value) -> Vec<usize> {
    v["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect()
}

pub fn floats(v: &Value) -> Vec<f64> {
    v["data"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

/// A golden array as a kc tensor of its dtype.
pub fn tensor(v: &Value) -> Tensor {
    let (s, d) = (shape(v), &v["data"]);
    let ints = || d.as_array().unwrap().iter().map(|x| x.as_i64().unwrap());
    let h = match v["dtype"].as_str().unwrap() {
        "float32" => HostTensor::from_vec(s, floats(v).into_iter().map(|x| x as f32).collect::<Vec<_>>()),
        "int32" => HostTensor::from_vec(s, ints().map(|x| x as i32).collect::<Vec<_>>()),
        "uint8" => HostTensor::from_vec(s, ints().map(|x| x as u8).collect::<Vec<_>>()),
        "uint32" => HostTensor::from_vec(s, ints().map(|x| x as u32).collect::<Vec<_>>()),
        other => panic!("golden dtype {other} not handled"),
    };
    Tensor::from_host(h.unwrap())
}

/// `|got - want| <= atol + rtol * |want|` elementwise, with the shape checked too.
pub fn assert_close(what: &str, got: &Tensor, want: &Value, rtol: f64, atol: f64) {
    assert_eq!(got.shape().unwrap(), shape(want), "{what}: shape");
    close_vec(what, &got.to_f64_vec().unwrap(), &floats(want), rtol, atol);
}

pub fn close_vec(what: &str, got: &[f64], want: &[f64], rtol: f64, atol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let ok = (g - w).abs() <= atol + rtol * w.abs() || (g.is_nan() && w.is_nan()) || (g == w);
        assert!(ok, "{what}: element {i}: kc {g} vs Keras {w} (rtol {rtol}, atol {atol})\nkc:    {got:?}\nKeras: {want:?}");
    }
}

/// JSON values equal, numbers compared as numbers (Keras writes `2` where kc writes
/// `2.0`; f32-rounded factors differ in the last digits).
pub fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            (x - y).abs() <= 1e-12 * y.abs().max(1.0)
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_json(p, q)),
        (Value::Object(x), Value::Object(y)) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w))),
        _ => a == b,
    }
}

/// Every key of Keras's config is in kc's with the same value (kc may add keys Keras
/// leaves out, such as ELU's `alpha`).
pub fn assert_config_covers(what: &str, kc: &serde_json::Map<String, Value>, keras: &Value) {
    for (k, v) in keras.as_object().unwrap() {
        let got = kc.get(k).unwrap_or_else(|| panic!("{what}: config lacks Keras's key `{k}` ({v})\nkc: {kc:?}"));
        assert!(same_json(got, v), "{what}: config key `{k}`: kc {got} vs Keras {v}");
    }
}

/// What one call of a layer gives, traced: the outputs, the added losses, and the
/// gradients of `sum(output * r)` with respect to the float inputs and the trainable
/// weights (in `weights()` order).
pub struct Traced {
    pub output: Tensor,
    pub losses: f64,
    pub grad_inputs: Vec<Option<Tensor>>,
    pub grad_weights: Vec<Tensor>,
}

/// Trace `layer` on inputs shaped like `inputs` with the leading (batch) axis symbolic,
/// differentiate with the compiler's autodiff, and run on the interpreter.
pub fn traced(layer: &mut dyn Layer, inputs: &[Tensor], r: Option<&Tensor>, training: bool) -> Traced {
    let g = Graph::new();
    let syms: Vec<Tensor> = inputs
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let mut dims = x.dims();
            if !dims.is_empty() {
                dims[0] = Dim::sym("N");
            }
            g.input(&format!("x{i}"), TensorType::new(x.dtype(), Shape(dims)))
        })
        .collect();
    let cx = CallCtx::new(training);
    let out = call(layer, &syms, &cx).unwrap().remove(0);
    let losses = cx.take_losses();
    let mut loss_total = ops::scalar(0.0, DType::F32).unwrap();
    for l in &losses {
        loss_total = ops::add(&loss_total, l).unwrap();
    }
    // r enters as an input too, batch axis symbolic like the output's
    let r_sym = r.map(|r| {
        let mut dims = r.dims();
        dims[0] = Dim::sym("N");
        g.input("r", TensorType::new(r.dtype(), Shape(dims)))
    });
    let objective = match &r_sym {
        Some(r) => ops::sum(&ops::multiply(&out, r).unwrap(), None, false).unwrap(),
        None => ops::scalar(0.0, DType::F32).unwrap(),
    };
    let (f, sources) = g.finish("f", &[objective, out.clone(), loss_total]).unwrap();
    let weights: Vec<_> = layer.trainable_weights();
    let wrt: Vec<usize> = sources
        .iter()
        .enumerate()
        .filter(|(i, s)| match s {
            ParamSource::Input(n) => n != "r" && inputs[*i].dtype().is_float(),
            ParamSource::Variable(v) => v.trainable(),
        })
        .map(|(i, _)| i)
        .collect();
    let gf = kc::compiler::autodiff::grad_keeping_outputs(&f, &wrt, 0, "g").unwrap();
    let args: Vec<HostTensor> = sources
        .iter()
        .enumerate()
        .map(|(i, s)| match s {
            ParamSource::Input(n) if n == "r" => r.unwrap().host().unwrap(),
            ParamSource::Input(_) => inputs[i].host().unwrap(),
            ParamSource::Variable(v) => v.value(),
        })
        .collect();
    let res = kc::runtime::run_func(&gf, &args).unwrap();
    let grads = &res[3..];
    let mut grad_inputs = vec![None; inputs.len()];
    let mut by_var = std::collections::HashMap::new();
    for (k, &i) in wrt.iter().enumerate() {
        match &sources[i] {
            ParamSource::Input(_) => grad_inputs[i] = Some(Tensor::from_host(grads[k].clone())),
            ParamSource::Variable(v) => {
                by_var.insert(v.id(), Tensor::from_host(grads[k].clone()));
            }
        }
    }
    let grad_weights = weights
        .iter()
        .map(|w| by_var.remove(&w.id()).unwrap_or_else(|| Tensor::zeros(w.dtype(), &w.shape()).unwrap()))
        .collect();
    Traced { output: Tensor::from_host(res[1].clone()), losses: res[2].to_f64_vec()[0], grad_inputs, grad_weights }
}

// ---- helpers of the loss and metric goldens (tests/golden/keras/losses_metrics.py)

/// Relative tolerance for float32 results (README of the golden files). The absolute
/// floor covers values that are zero up to float32 rounding of larger intermediates
/// (a mean of terms of size ~1 that cancel), where a relative bound means nothing.
pub const REL: f64 = 1e-5;
pub const ABS: f64 = 1e-6;
/// `{"dtype", "shape", "data"}` as a host tensor.
pub fn host(v: &Value) -> HostTensor {
    let shape: Vec<usize> = v["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect();
    let data = v["data"].as_array().unwrap();
    match v["dtype"].as_str().unwrap() {
        "int32" => HostTensor::from_vec(shape, data.iter().map(|x| x.as_i64().unwrap() as i32).collect()).unwrap(),
        _ => HostTensor::from_vec(shape, data.iter().map(|x| x.as_f64().unwrap() as f32).collect()).unwrap(),
    }
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
