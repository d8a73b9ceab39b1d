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
        "bool" => HostTensor::from_vec(s, d.as_array().unwrap().iter().map(|x| x.as_bool().unwrap()).collect::<Vec<_>>()),
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
    /// The state updates the call asked for (a BatchNormalization's moving statistics,
    /// a seed generator's key): each variable and its new value.
    pub updates: Vec<(kc::frontend::Variable, Tensor)>,
}

/// What one call of a layer with several outputs gives, traced: [`Traced`] with every
/// output, the gradients being those of `sum_i sum(outputs[i] * r[i])`.
pub struct TracedAll {
    pub outputs: Vec<Tensor>,
    pub losses: f64,
    pub grad_inputs: Vec<Option<Tensor>>,
    pub grad_weights: Vec<Tensor>,
}

/// [`traced`] for layers with several inputs and outputs: `batched[i]` says whether
/// input `i` has a batch axis (made symbolic; an input without one, such as a mask
/// broadcast over the batch, keeps its shape), and `rs` weigh the outputs in the
/// objective (none: no gradients).
pub fn traced_all(layer: &mut dyn Layer, inputs: &[Tensor], batched: &[bool], rs: &[Tensor], training: bool) -> TracedAll {
    let g = Graph::new();
    let sym = |name: &str, x: &Tensor, batch: bool| {
        let mut dims = x.dims();
        if batch && !dims.is_empty() {
            dims[0] = Dim::sym("N");
        }
        g.input(name, TensorType::new(x.dtype(), Shape(dims)))
    };
    let syms: Vec<Tensor> = inputs.iter().zip(batched).enumerate().map(|(i, (x, &b))| sym(&format!("x{i}"), x, b)).collect();
    let cx = CallCtx::new(training);
    let outs = call(layer, &syms, &cx).unwrap();
    let mut loss_total = ops::scalar(0.0, DType::F32).unwrap();
    for l in &cx.take_losses() {
        loss_total = ops::add(&loss_total, l).unwrap();
    }
    // an output has a batch axis when the (first) input has one
    let out_batched = batched.first().copied().unwrap_or(true);
    let r_syms: Vec<Tensor> = rs.iter().enumerate().map(|(i, r)| sym(&format!("r{i}"), r, out_batched)).collect();
    let mut objective = ops::scalar(0.0, DType::F32).unwrap();
    for (o, r) in outs.iter().zip(&r_syms) {
        objective = ops::add(&objective, &ops::sum(&ops::multiply(o, r).unwrap(), None, false).unwrap()).unwrap();
    }
    let mut results = vec![objective, loss_total];
    results.extend(outs.iter().cloned());
    let (f, sources) = g.finish("f", &results).unwrap();
    let is_r = |n: &str| n.starts_with('r');
    let input_index = |n: &str| n[1..].parse::<usize>().unwrap();
    let wrt: Vec<usize> = sources
        .iter()
        .enumerate()
        .filter(|(_, s)| match s {
            ParamSource::Input(n) => !is_r(n) && inputs[input_index(n)].dtype().is_float(),
            ParamSource::Variable(v) => v.trainable(),
        })
        .map(|(i, _)| i)
        .collect();
    let gf = kc::compiler::autodiff::grad_keeping_outputs(&f, &wrt, 0, "g").unwrap();
    let args: Vec<HostTensor> = sources
        .iter()
        .map(|s| match s {
            ParamSource::Input(n) if is_r(n) => rs[input_index(n)].host().unwrap(),
            ParamSource::Input(n) => inputs[input_index(n)].host().unwrap(),
            ParamSource::Variable(v) => v.value(),
        })
        .collect();
    let res = kc::runtime::run_func(&gf, &args).unwrap();
    let n = outs.len();
    let grads = &res[2 + n..];
    let mut grad_inputs = vec![None; inputs.len()];
    let mut by_var = std::collections::HashMap::new();
    for (k, &i) in wrt.iter().enumerate() {
        match &sources[i] {
            ParamSource::Input(name) => grad_inputs[input_index(name)] = Some(Tensor::from_host(grads[k].clone())),
            ParamSource::Variable(v) => {
                by_var.insert(v.id(), Tensor::from_host(grads[k].clone()));
            }
        }
    }
    let grad_weights = layer
        .trainable_weights()
        .iter()
        .map(|w| by_var.remove(&w.id()).unwrap_or_else(|| Tensor::zeros(w.dtype(), &w.shape()).unwrap()))
        .collect();
    TracedAll { outputs: res[2..2 + n].iter().map(|h| Tensor::from_host(h.clone())).collect(), losses: res[1].to_f64_vec()[0], grad_inputs, grad_weights }
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
    let updates = cx.take_updates();
    let mut results = vec![objective, out.clone(), loss_total];
    results.extend(updates.iter().map(|(_, t)| t.clone()));
    let (f, sources) = g.finish("f", &results).unwrap();
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
    let k = updates.len();
    let new_values = updates.iter().enumerate().map(|(i, (v, _))| (v.clone(), Tensor::from_host(res[3 + i].clone()))).collect();
    let grads = &res[3 + k..];
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
    Traced { output: Tensor::from_host(res[1].clone()), losses: res[2].to_f64_vec()[0], grad_inputs, grad_weights, updates: new_values }
}

/// f32 results of the layer goldens, computed in different orders (XLA vs the
/// interpreter): 1e-5 relative, plus 1e-5 absolute for values near zero (sums of
/// products of unit-size numbers).
pub const LAYER_RTOL: f64 = 1e-5;
pub const LAYER_ATOL: f64 = 1e-5;

/// Every case of a layer golden file (`layers.py`, `layers_conv.py`): the layer is
/// rebuilt from Keras's own config (`layers::from_config`), given Keras's weights (so
/// their order, names and shapes are Keras's), and called traced (batch axis symbolic)
/// and then eagerly, in the case's training mode. Outputs, added losses, the new values
/// of non-trainable weights (moving statistics) and the gradients of `sum(output * r)`
/// (through the compiler's autodiff) must match Keras within `rtol`/`atol`. The traced
/// call comes first because it changes no state: a random layer's first draw (and a
/// BatchNormalization's first update) is then seen by both calls, as by Keras's.
pub fn check_layer_family(file: &str) {
    check_layer_family_within(file, LAYER_RTOL, LAYER_ATOL)
}

pub fn check_layer_family_within(file: &str, rtol: f64, atol: f64) {
    use kc::frontend::layers;
    let data = load(file);
    for case in data["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let class = case["class_name"].as_str().unwrap();
        let training = case["training"].as_bool().unwrap_or(false);
        let mut layer = layers::from_config(class, case["config"].as_object().unwrap()).unwrap_or_else(|e| panic!("{id}: {e}"));
        let inputs: Vec<Tensor> = case["inputs"].as_array().unwrap().iter().map(tensor).collect();
        // build, then give the layer Keras's weights
        call(layer.as_mut(), &inputs, &CallCtx::new(false)).unwrap_or_else(|e| panic!("{id}: {e}"));
        let ws = layer.weights();
        let want_w = case["weights"].as_array().unwrap();
        assert_eq!(ws.len(), want_w.len(), "{id}: number of weights");
        let paths: Vec<String> = ws.iter().map(|w| w.path()).collect();
        let want_paths: Vec<&str> = case["weight_paths"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
        assert_eq!(paths, want_paths, "{id}: weight paths");
        for (w, v) in ws.iter().zip(want_w) {
            w.assign(tensor(v).host().unwrap()).unwrap();
        }
        assert_config_covers(id, &layer.get_config(), &case["config"]);
        let want_loss: f64 = case["losses"].as_array().unwrap().iter().map(|l| l.as_f64().unwrap()).sum();
        let no_updates = serde_json::Map::new();
        let want_updates = case.get("updates").and_then(Value::as_object).unwrap_or(&no_updates);

        let r = case.get("r").map(tensor);
        let t = traced(layer.as_mut(), &inputs, r.as_ref(), training);
        assert_close(&format!("{id}: traced output"), &t.output, &case["output"], rtol, atol);
        close_vec(&format!("{id}: traced losses"), &[t.losses], &[want_loss], rtol, atol);
        for (v, new) in &t.updates {
            if let Some(want) = want_updates.get(&v.path()) {
                assert_close(&format!("{id}: traced update of {}", v.path()), new, want, rtol, atol);
            }
        }
        let updated: Vec<String> = t.updates.iter().map(|(v, _)| v.path()).collect();
        for path in want_updates.keys() {
            assert!(updated.contains(path), "{id}: Keras updates {path}, the traced call does not (it updates {updated:?})");
        }
        if r.is_some() {
            for (i, g) in case["grad_inputs"].as_object().unwrap() {
                let i: usize = i.parse().unwrap();
                let got = t.grad_inputs[i].as_ref().unwrap_or_else(|| panic!("{id}: no gradient for input {i}"));
                assert_close(&format!("{id}: d/d input {i}"), got, g, rtol, atol);
            }
            let gw = case["grad_weights"].as_array().unwrap();
            assert_eq!(t.grad_weights.len(), gw.len(), "{id}: number of weight gradients");
            let trainable: Vec<String> = layer.trainable_weights().iter().map(|w| w.path()).collect();
            for (k, (got, want)) in t.grad_weights.iter().zip(gw).enumerate() {
                assert_close(&format!("{id}: d/d {}", trainable[k]), got, want, rtol, atol);
            }
        }

        let cx = CallCtx::new(training);
        let eager = call(layer.as_mut(), &inputs, &cx).unwrap().remove(0);
        assert_close(&format!("{id}: eager output"), &eager, &case["output"], rtol, atol);
        let got_loss: f64 = cx.take_losses().iter().map(|l| l.item().unwrap()).sum();
        close_vec(&format!("{id}: eager losses"), &[got_loss], &[want_loss], rtol, atol);
        // an eager call applies its updates at once, as Keras's does
        for w in layer.weights() {
            if let Some(want) = want_updates.get(&w.path()) {
                assert_close(&format!("{id}: eager update of {}", w.path()), &Tensor::from_host(w.value()), want, rtol, atol);
            }
        }
    }
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
