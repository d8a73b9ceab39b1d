//! The recurrent layers against real Keras 3 (golden file from
//! `tests/golden/keras/layers_rnn.py`): SimpleRNN, LSTM, GRU, RNN(cell), Bidirectional,
//! TimeDistributed and Masking, each rebuilt from Keras's config with Keras's weights
//! loaded in Keras's order, called traced — batch **and time** axes symbolic, gradients
//! by the compiler's autodiff through the `while` loop — and eagerly. Outputs, losses and
//! gradients of `sum_k sum(outputs[k] * r[k])` with respect to the inputs (sequence and
//! initial states) and the trainable weights must match Keras within 1e-5 relative plus
//! 1e-5 absolute (float32 sums in another order). Small Sequential pipelines check that
//! masks flow from Masking and Embedding(mask_zero) through the layers.
use crate::golden::{assert_close, assert_config_covers, close_vec, floats, load, shape, tensor, LAYER_ATOL, LAYER_RTOL};
use kc::frontend::graph::ParamSource;
use kc::frontend::layers::{self, call, CallCtx, Layer};
use kc::frontend::{ops, Graph, Model, Tensor};
use kc::ir::{DType, Dim, Shape, TensorType};
use kc::runtime::HostTensor;
use serde_json::Value;

/// A golden array (bools too) as a tensor.
fn array(v: &Value) -> Tensor {
    if v["dtype"] == "bool" {
        let data: Vec<bool> = v["data"].as_array().unwrap().iter().map(|b| b.as_bool().unwrap()).collect();
        return Tensor::from_host(HostTensor::from_vec(shape(v), data).unwrap());
    }
    tensor(v)
}

/// The type of a sequence `t` with its batch axis `N` and time axis `T`.
fn symbolic(t: &Tensor) -> TensorType {
    let mut d = t.dims();
    d[0] = Dim::sym("N");
    d[1] = Dim::sym("T");
    TensorType::new(t.dtype(), Shape(d))
}

pub struct Run {
    pub outputs: Vec<Tensor>,
    pub output_mask: Option<Tensor>,
    pub losses: f64,
    pub grad_inputs: Vec<Option<Tensor>>,
    pub grad_weights: Vec<Tensor>,
}

/// Trace `layer` on symbolic stand-ins for `inputs` (batch `N`, time `T`; a mask
/// `(N, T)` attached to the first), differentiate `sum_k sum(out_k * r_k)` with the
/// compiler's autodiff and run it on the interpreter.
pub fn traced(layer: &mut dyn Layer, inputs: &[Tensor], mask: Option<&Tensor>, rs: &[Tensor], training: bool) -> Run {
    let g = Graph::new();
    let mut syms: Vec<Tensor> = inputs
        .iter()
        .enumerate()
        .map(|(i, x)| {
            // the sequence is (N, T, ...); initial states (N, ...)
            let t = if i == 0 {
                symbolic(x)
            } else {
                let mut d = x.dims();
                d[0] = Dim::sym("N");
                TensorType::new(x.dtype(), Shape(d))
            };
            g.input(&format!("x{i}"), t)
        })
        .collect();
    if mask.is_some() {
        let ms = g.input("mask", TensorType::new(DType::Bool, Shape(vec![Dim::sym("N"), Dim::sym("T")])));
        syms[0] = syms[0].with_mask(Some(ms));
    }
    let cx = CallCtx::new(training);
    let outs = call(layer, &syms, &cx).unwrap();
    assert_eq!(outs.len(), rs.len(), "number of outputs");
    let out_mask = outs[0].mask().map(|m| ops::cast(m, DType::F32).unwrap());
    let mut total = ops::scalar(0.0, DType::F32).unwrap();
    for l in cx.take_losses() {
        total = ops::add(&total, &l).unwrap();
    }
    // each r takes its output's own (symbolic) type
    let r_syms: Vec<Tensor> = (0..rs.len()).map(|k| g.input(&format!("r{k}"), outs[k].ty())).collect();
    let mut objective = ops::scalar(0.0, DType::F32).unwrap();
    for (o, r) in outs.iter().zip(&r_syms) {
        objective = ops::add(&objective, &ops::sum(&ops::multiply(o, r).unwrap(), None, false).unwrap()).unwrap();
    }
    let mut results = vec![objective, total];
    results.extend(outs.iter().cloned());
    if let Some(m) = &out_mask {
        results.push(m.clone());
    }
    let (f, sources) = g.finish("f", &results).unwrap();
    let wrt: Vec<usize> = sources
        .iter()
        .enumerate()
        .filter(|(_, s)| match s {
            ParamSource::Input(n) => n.starts_with('x') && {
                let i: usize = n[1..].parse().unwrap();
                inputs[i].dtype().is_float()
            },
            ParamSource::Variable(v) => v.trainable(),
        })
        .map(|(i, _)| i)
        .collect();
    let gf = kc::compiler::autodiff::grad_keeping_outputs(&f, &wrt, 0, "g").unwrap();
    let args: Vec<HostTensor> = sources
        .iter()
        .map(|s| match s {
            ParamSource::Input(n) if n == "mask" => mask.unwrap().host().unwrap(),
            ParamSource::Input(n) if n.starts_with('r') => rs[n[1..].parse::<usize>().unwrap()].host().unwrap(),
            ParamSource::Input(n) => inputs[n[1..].parse::<usize>().unwrap()].host().unwrap(),
            ParamSource::Variable(v) => v.value(),
        })
        .collect();
    let res = kc::runtime::run_func(&gf, &args).unwrap();
    let n_out = outs.len();
    let outputs: Vec<Tensor> = res[2..2 + n_out].iter().cloned().map(Tensor::from_host).collect();
    let mut at = 2 + n_out;
    let output_mask = out_mask.map(|_| {
        at += 1;
        Tensor::from_host(res[at - 1].clone())
    });
    let grads = &res[at..];
    let mut grad_inputs = vec![None; inputs.len()];
    let mut by_var = std::collections::HashMap::new();
    for (k, &i) in wrt.iter().enumerate() {
        match &sources[i] {
            ParamSource::Input(n) => grad_inputs[n[1..].parse::<usize>().unwrap()] = Some(Tensor::from_host(grads[k].clone())),
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
    Run { outputs, output_mask, losses: res[1].to_f64_vec()[0], grad_inputs, grad_weights }
}

fn bools_as_floats(v: &Value) -> Vec<f64> {
    v["data"].as_array().unwrap().iter().map(|b| if b.as_bool().unwrap() { 1.0 } else { 0.0 }).collect()
}

#[test]
fn recurrent_layers_match_keras() {
    check_cases("layers_rnn.json", 50);
}

/// ConvLSTM1D/2D/3D against Keras (`tests/golden/keras/layers_conv_lstm.py`), and their
/// automatic names.
#[test]
fn conv_lstm_layers_match_keras() {
    check_cases("layers_conv_lstm.json", 12);
    let data = load("layers_conv_lstm.json");
    kc::frontend::layers::clear_session();
    let got = [
        Layer::name(&kc::layers::ConvLSTM1D::new(1, 1)).to_string(),
        Layer::name(&kc::layers::ConvLSTM2D::new(1, 1)).to_string(),
        Layer::name(&kc::layers::ConvLSTM2D::new(1, 1)).to_string(),
        Layer::name(&kc::layers::ConvLSTM3D::new(1, 1)).to_string(),
    ];
    assert_eq!(data["names"], serde_json::json!(got));
}

/// A masked ConvLSTM2D (Keras 3.15 itself fails on masks here): a right-padded row ends
/// in the states the unmasked layer reaches on its kept steps, masked steps repeat the
/// last output (zeros with `zero_output_for_mask`), traced as eagerly.
#[test]
fn conv_lstm_masks_keep_states_over_padding() {
    use kc::layers::ConvLSTM2D;
    let x = Tensor::from_f32(&[2, 4, 4, 5, 2], (0..320).map(|i| ((i as f32) * 0.731).sin()).collect()).unwrap();
    let keep = vec![true, true, false, false, true, true, true, true];
    let mask = Tensor::from_host(HostTensor::from_vec(vec![2, 4], keep).unwrap());
    let mut masked = ConvLSTM2D::new(3, 2).return_sequences(true).return_state(true);
    let outs = call(&mut masked, &[x.with_mask(Some(mask.clone()))], &CallCtx::new(false)).unwrap();
    let mut plain = ConvLSTM2D::new(3, 2).return_state(true);
    call(&mut plain, std::slice::from_ref(&x), &CallCtx::new(false)).unwrap();
    for (a, b) in plain.weights().iter().zip(masked.weights()) {
        a.assign(b.value()).unwrap();
    }
    // row 0 keeps 2 steps, row 1 all 4
    let row = |t: &Tensor, r: u64| ops::slice_axis(t, 0, r, r + 1).unwrap();
    let short = ops::slice_axis(&row(&x, 0), 1, 0, 2).unwrap();
    let want0 = call(&mut plain, &[short], &CallCtx::new(false)).unwrap();
    let want1 = call(&mut plain, &[row(&x, 1)], &CallCtx::new(false)).unwrap();
    let close = |what: &str, a: &Tensor, b: &Tensor| {
        let (a, b) = (a.to_f64_vec().unwrap(), b.to_f64_vec().unwrap());
        assert_eq!(a.len(), b.len(), "{what}");
        assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-5), "{what}: {a:?} vs {b:?}");
    };
    for k in 0..2 {
        close(&format!("row 0 state {k}"), &row(&outs[1 + k], 0), &want0[1 + k]);
        close(&format!("row 1 state {k}"), &row(&outs[1 + k], 1), &want1[1 + k]);
    }
    // the sequence: row 0's masked steps repeat its step-1 output
    let seq0 = row(&outs[0], 0);
    let step = |t: u64| ops::slice_axis(&seq0, 1, t, t + 1).unwrap();
    close("repeated output", &step(3), &step(1));
    close("last output", &step(3), &want0[0]);
    // zero_output_for_mask, traced (symbolic batch and time) as eagerly
    let mut zero = ConvLSTM2D::new(3, 2).return_sequences(true).zero_output_for_mask(true);
    call(&mut zero, std::slice::from_ref(&x), &CallCtx::new(false)).unwrap();
    for (a, b) in zero.weights().iter().zip(masked.weights()) {
        a.assign(b.value()).unwrap();
    }
    let eager = call(&mut zero, &[x.with_mask(Some(mask.clone()))], &CallCtx::new(false)).unwrap().remove(0);
    let z = ops::slice_axis(&row(&eager, 0), 1, 2, 4).unwrap().to_f64_vec().unwrap();
    assert!(z.iter().all(|&v| v == 0.0));
    close("unmasked steps unchanged", &ops::slice_axis(&eager, 1, 0, 2).unwrap(), &ops::slice_axis(&outs[0], 1, 0, 2).unwrap());
    let r = Tensor::from_f32(&[2, 4, 3, 4, 3], vec![1.0; 288]).unwrap();
    let t = traced(&mut zero, std::slice::from_ref(&x), Some(&mask), &[r], false);
    close("traced", &t.outputs[0], &eager);
}

/// Bad ConvLSTM arguments and inputs are errors naming the layer, with Keras's words.
#[test]
fn conv_lstm_errors_name_the_layer() {
    use kc::layers::ConvLSTM2D;
    let x = Tensor::zeros(DType::F32, &[1, 3, 4, 4, 2]).unwrap();
    let err = |mut l: ConvLSTM2D, x: &Tensor| call(&mut l, std::slice::from_ref(x), &CallCtx::new(false)).map(|_| ()).unwrap_err().to_string();
    let e = err(ConvLSTM2D::new(2, 5), &x);
    assert!(e.contains("conv_lstm2d") && e.contains("zero or negative"), "{e}");
    let e = err(ConvLSTM2D::new(2, 2).strides(2).dilation_rate(2), &x);
    assert!(e.contains("`strides > 1` is not compatible with `dilation_rate > 1`"), "{e}");
    let e = err(ConvLSTM2D::new(2, 2), &Tensor::zeros(DType::F32, &[1, 3, 4, 2]).unwrap());
    assert!(e.contains("expected ndim=5, found ndim=4"), "{e}");
    let e = err(ConvLSTM2D::new(2, 2).padding("causal"), &x);
    assert!(e.contains("causal") || e.contains("padding"), "{e}");
    let e = err(ConvLSTM2D::new(2, 2).stateful(true), &x);
    assert!(e.contains("stateful"), "{e}");
    // initial states of the wrong shape
    let mut l = ConvLSTM2D::new(2, 2);
    let bad = Tensor::zeros(DType::F32, &[1, 4, 4, 2]).unwrap();
    let e = call(&mut l, &[x.clone(), bad.clone(), bad], &CallCtx::new(false)).map(|_| ()).unwrap_err().to_string();
    assert!(e.contains("initial state 0 has shape (1, 4, 4, 2), expected (1, 3, 3, 2)"), "{e}");
}

/// Every case of a golden file in `layers_rnn.py`'s format, traced and eager.
fn check_cases(file: &str, at_least: usize) {
    let data = load(file);
    let (rtol, atol) = (LAYER_RTOL, LAYER_ATOL);
    let mut checked = 0;
    for case in data["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let class = case["class_name"].as_str().unwrap();
        let training = case["training"].as_bool().unwrap_or(false);
        let mut layer = layers::from_config(class, case["config"].as_object().unwrap()).unwrap_or_else(|e| panic!("{id}: {e}"));
        let inputs: Vec<Tensor> = case["inputs"].as_array().unwrap().iter().map(array).collect();
        let mask = case.get("mask").filter(|m| !m.is_null()).map(array);
        let with_mask = |xs: &[Tensor]| -> Vec<Tensor> {
            let mut v = xs.to_vec();
            v[0] = v[0].with_mask(mask.clone());
            v
        };
        call(layer.as_mut(), &with_mask(&inputs), &CallCtx::new(false)).unwrap_or_else(|e| panic!("{id}: {e}"));
        let ws = layer.weights();
        let want_w = case["weights"].as_array().unwrap();
        let paths: Vec<String> = ws.iter().map(|w| w.path()).collect();
        let want_paths: Vec<&str> = case["weight_paths"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
        assert_eq!(paths, want_paths, "{id}: weight paths");
        for (w, v) in ws.iter().zip(want_w) {
            w.assign(tensor(v).host().unwrap()).unwrap();
        }
        assert_config_covers(id, &layer.get_config(), &case["config"]);
        let want_loss: f64 = case["losses"].as_array().unwrap().iter().map(|l| l.as_f64().unwrap()).sum();
        let want_outs = case["outputs"].as_array().unwrap();
        let rs: Vec<Tensor> = case["r"].as_array().unwrap().iter().map(tensor).collect();

        let t = traced(layer.as_mut(), &inputs, mask.as_ref(), &rs, training);
        for (k, (got, want)) in t.outputs.iter().zip(want_outs).enumerate() {
            assert_close(&format!("{id}: traced output {k}"), got, want, rtol, atol);
        }
        close_vec(&format!("{id}: traced losses"), &[t.losses], &[want_loss], rtol, atol);
        match (&t.output_mask, case.get("output_mask").filter(|m| !m.is_null())) {
            (Some(got), Some(want)) => close_vec(&format!("{id}: output mask"), &got.to_f64_vec().unwrap(), &bools_as_floats(want), 0.0, 0.0),
            (None, None) => {}
            (got, want) => panic!("{id}: output mask: kc {:?}, Keras {:?}", got.is_some(), want.is_some()),
        }
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

        let cx = CallCtx::new(training);
        let eager = call(layer.as_mut(), &with_mask(&inputs), &cx).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(eager.len(), want_outs.len(), "{id}: number of eager outputs");
        for (k, (got, want)) in eager.iter().zip(want_outs).enumerate() {
            assert_close(&format!("{id}: eager output {k}"), got, want, rtol, atol);
        }
        let got_loss: f64 = cx.take_losses().iter().map(|l| l.item().unwrap()).sum();
        close_vec(&format!("{id}: eager losses"), &[got_loss], &[want_loss], rtol, atol);
        checked += 1;
    }
    assert!(checked >= at_least, "only {checked} cases in {file}");
}

#[test]
fn masks_flow_through_pipelines_as_in_keras() {
    let data = load("layers_rnn.json");
    for p in data["pipelines"].as_array().unwrap() {
        let id = p["id"].as_str().unwrap();
        let x = tensor(&p["input"]);
        let mut ls: Vec<Box<dyn Layer>> = Vec::new();
        for l in p["layers"].as_array().unwrap() {
            ls.push(layers::from_config(l["class_name"].as_str().unwrap(), l["config"].as_object().unwrap()).unwrap_or_else(|e| panic!("{id}: {e}")));
        }
        let mut net = Model::sequential(ls).into_layer();
        call(&mut net, std::slice::from_ref(&x), &CallCtx::new(false)).unwrap_or_else(|e| panic!("{id}: {e}"));
        let ws = net.weights();
        let want_w = p["weights"].as_array().unwrap();
        assert_eq!(ws.len(), want_w.len(), "{id}: number of weights");
        for (w, v) in ws.iter().zip(want_w) {
            w.assign(tensor(v).host().unwrap()).unwrap();
        }
        let r = tensor(&p["r"]);
        let t = traced(&mut net, std::slice::from_ref(&x), None, std::slice::from_ref(&r), false);
        assert_close(&format!("{id}: traced output"), &t.outputs[0], &p["output"], LAYER_RTOL, LAYER_ATOL);
        for (k, (got, want)) in t.grad_weights.iter().zip(p["grad_weights"].as_array().unwrap()).enumerate() {
            assert_close(&format!("{id}: d/d weight {k}"), got, want, LAYER_RTOL, LAYER_ATOL);
        }
        let eager = call(&mut net, std::slice::from_ref(&x), &CallCtx::new(false)).unwrap().remove(0);
        assert_close(&format!("{id}: eager output"), &eager, &p["output"], LAYER_RTOL, LAYER_ATOL);
        let _ = floats(&p["output"]);
    }
}

/// A stateful layer keeps its states from one call to the next (Keras's numbers), and
/// `reset_states` zeroes them.
#[test]
fn stateful_layers_carry_states_as_in_keras() {
    let data = load("layers_rnn.json");
    for case in data["stateful"].as_array().unwrap() {
        let class = case["class_name"].as_str().unwrap();
        let mut layer = layers::from_config(class, case["config"].as_object().unwrap()).unwrap();
        let ins: Vec<Tensor> = case["inputs"].as_array().unwrap().iter().map(tensor).collect();
        call(layer.as_mut(), &ins[..1], &CallCtx::new(false)).unwrap();
        for (w, v) in layer.weights().iter().zip(case["weights"].as_array().unwrap()) {
            w.assign(tensor(v).host().unwrap()).unwrap();
        }
        layer.reset_states().unwrap();
        let want = case["outputs"].as_array().unwrap();
        let y1 = call(layer.as_mut(), &ins[..1], &CallCtx::new(false)).unwrap().remove(0);
        let y2 = call(layer.as_mut(), &ins[1..], &CallCtx::new(false)).unwrap().remove(0);
        assert_close(&format!("{class}: first half"), &y1, &want[0], LAYER_RTOL, LAYER_ATOL);
        assert_close(&format!("{class}: second half, states carried"), &y2, &want[1], LAYER_RTOL, LAYER_ATOL);
        layer.reset_states().unwrap();
        let y3 = call(layer.as_mut(), &ins[1..], &CallCtx::new(false)).unwrap().remove(0);
        assert_close(&format!("{class}: after reset"), &y3, &want[2], LAYER_RTOL, LAYER_ATOL);
        // a batch of another size is Keras's error
        let wrong = Tensor::zeros(DType::F32, &[2, 3, ins[0].dims()[2].known().unwrap() as usize]).unwrap();
        let e = call(layer.as_mut(), &[wrong], &CallCtx::new(false)).map(|_| ()).unwrap_err().to_string();
        assert!(e.contains("stateful") && e.contains("Expected batch size: 3") && e.contains("Received batch size: 2"), "{e}");
    }
}

/// In a model built for a fixed batch size, a stateful LSTM carries its states through
/// the traced (symbolic-batch) predict and train steps, on XLA.
#[test]
fn stateful_models_carry_states_between_batches() {
    use kc::prelude::*;
    let mut m = Model::sequential(vec![
        Box::new(Input::with_shape(&[None, Some(2)]).batch_size(4)),
        Box::new(LSTM::new(3).stateful(true)),
        Box::new(Dense::new(1)),
    ]);
    m.compile(Compile::new().optimizer("sgd").loss("mse").jit_compile(JitCompile::On(Target::Xla))).unwrap();
    let x = Tensor::from_f32(&[4, 5, 2], (0..40).map(|i| (i as f32 * 0.3).sin()).collect()).unwrap();
    let p1 = m.predict(&x, 4).unwrap().to_f64_vec().unwrap();
    let p2 = m.predict(&x, 4).unwrap().to_f64_vec().unwrap();
    assert!(p1.iter().zip(&p2).any(|(a, b)| (a - b).abs() > 1e-4), "the second call starts from the first's states: {p1:?} {p2:?}");
    m.reset_states().unwrap();
    let p3 = m.predict(&x, 4).unwrap().to_f64_vec().unwrap();
    close_vec("after reset_states", &p3, &p1, 1e-6, 1e-6);
    // eagerly, the same numbers
    m.reset_states().unwrap();
    let e1 = m.call(&x, false).unwrap().to_f64_vec().unwrap();
    close_vec("eager = predict", &e1, &p1, 1e-5, 1e-6);
    let y = Tensor::zeros(DType::F32, &[8, 1]).unwrap();
    let x8 = ops::concatenate(&[x.clone(), x.clone()], 0).unwrap();
    m.reset_states().unwrap();
    m.fit(&x8, &y, Fit::new().batch_size(4).epochs(1).shuffle(false).verbose(0)).unwrap();
    // trained, the states still carry over
    m.reset_states().unwrap();
    let q1 = m.predict(&x, 4).unwrap().to_f64_vec().unwrap();
    let q2 = m.predict(&x, 4).unwrap().to_f64_vec().unwrap();
    assert!(q1.iter().zip(&q2).any(|(a, b)| (a - b).abs() > 1e-4), "{q1:?} {q2:?}");
}

/// Keras's automatic names for the recurrent classes, and a Bidirectional's copies take
/// none.
#[test]
fn recurrent_layers_are_named_as_in_keras() {
    let data = load("layers_rnn.json");
    layers::clear_session();
    let made: Vec<Box<dyn Layer>> = vec![
        Box::new(kc::layers::SimpleRNN::new(1)),
        Box::new(kc::layers::LSTM::new(1)),
        Box::new(kc::layers::LSTM::new(1)),
        Box::new(kc::layers::GRU::new(1)),
        Box::new(kc::layers::SimpleRNNCell::new(1)),
        Box::new(kc::layers::LSTMCell::new(1)),
        Box::new(kc::layers::GRUCell::new(1)),
        Box::new(kc::layers::RNN::new(kc::layers::LSTMCell::new(1))),
        Box::new(kc::layers::Bidirectional::new(kc::layers::GRU::new(1))),
        Box::new(kc::layers::TimeDistributed::new(kc::layers::Dense::new(1))),
        Box::new(kc::layers::Masking::new()),
    ];
    let names: Vec<&str> = made.iter().map(|l| l.name()).collect();
    let classes: Vec<&str> = made.iter().map(|l| l.class_name()).collect();
    let want = |k: &str| -> Vec<String> { data["names"][k].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect() };
    assert_eq!(names, want("names"));
    assert_eq!(classes, want("classes"));
    assert_eq!(Layer::name(&kc::layers::GRU::new(1)), "gru_2", "the Bidirectional's forward/backward copies take no automatic name");
}

fn thousands(n: u64) -> String {
    let d = n.to_string();
    d.chars().enumerate().fold(String::new(), |mut acc, (i, c)| {
        if i > 0 && (d.len() - i) % 3 == 0 {
            acc.push(',');
        }
        acc.push(c);
        acc
    })
}

/// `summary()` of an RNN model with a symbolic sequence length has Keras's rows
/// (names, output shapes with `None` for the time axis, parameter counts) and total.
#[test]
fn rnn_model_summary_matches_keras() {
    use kc::prelude::*;
    let data = load("layers_rnn.json");
    layers::clear_session();
    let mut m = Model::sequential(vec![
        Box::new(Input::with_shape(&[None, Some(8)])),
        Box::new(Masking::new()),
        Box::new(Bidirectional::new(LSTM::new(16).return_sequences(true))),
        Box::new(GRU::new(8).return_sequences(true)),
        Box::new(TimeDistributed::new(Dense::new(4))),
        Box::new(SimpleRNN::new(5)),
        Box::new(Dense::new(1)),
    ]);
    let s = m.summary().unwrap();
    for row in data["summary"]["rows"].as_array().unwrap() {
        let label = format!("{} ({})", row["name"].as_str().unwrap(), row["class_name"].as_str().unwrap());
        let dims: Vec<String> = row["output_shape"].as_array().unwrap().iter().map(|d| d.as_u64().map(|v| v.to_string()).unwrap_or("None".into())).collect();
        let shape = format!("({})", dims.join(", "));
        let line = s.lines().find(|l| l.contains(&format!("│ {label} "))).unwrap_or_else(|| panic!("no row for {label}:\n{s}"));
        let cells: Vec<&str> = line.split('│').map(str::trim).collect();
        assert_eq!((cells[2], cells[3]), (shape.as_str(), thousands(row["params"].as_u64().unwrap()).as_str()), "{label}:\n{s}");
    }
    assert_eq!(m.count_params() as u64, data["summary"]["total"].as_u64().unwrap());
}

/// A Functional model with an LSTM's states (`return_state`) feeding a GRU's initial
/// state: Keras's layers and parameter counts, a list of output shapes in the summary,
/// and it trains on two sequence lengths with one trace.
#[test]
fn functional_models_pass_states_between_recurrent_layers() {
    use kc::prelude::*;
    let data = load("layers_rnn.json");
    layers::clear_session();
    let input = Input::with_shape(&[None, Some(4)]);
    let inp = input.tensor();
    let lstm = Shared::new(LSTM::new(6).return_sequences(true).return_state(true));
    let outs = lstm.call(&[inp.clone()]).unwrap();
    let h = Shared::new(Dense::new(3)).call1(&outs[1]).unwrap();
    let out = Shared::new(GRU::new(3)).call(&[outs[0].clone(), h]).unwrap().remove(0);
    let mut m = Model::functional(&[inp], &[out, outs[2].clone()]).unwrap();
    let s = m.summary().unwrap();
    for row in data["functional"]["rows"].as_array().unwrap() {
        let label = format!("{} ({})", row["name"].as_str().unwrap(), row["class_name"].as_str().unwrap());
        let line = s.lines().find(|l| l.contains(&format!("│ {label} "))).unwrap_or_else(|| panic!("no row for {label}:\n{s}"));
        let cells: Vec<&str> = line.split('│').map(str::trim).collect();
        assert_eq!(cells[3], thousands(row["params"].as_u64().unwrap()), "{label}:\n{s}");
    }
    assert!(s.contains("[(None, None, 6), (None, 6), (None, 6)]"), "{s}");
    assert_eq!(m.count_params() as u64, data["functional"]["total"].as_u64().unwrap());
    m.compile(Compile::new().optimizer("adam").loss("mse")).unwrap();
    for steps in [5, 9] {
        let x = Tensor::from_f32(&[8, steps, 4], (0..8 * steps * 4).map(|i| (i as f32 * 0.1).cos()).collect()).unwrap();
        let (y1, y2) = (Tensor::zeros(DType::F32, &[8, 3]).unwrap(), Tensor::zeros(DType::F32, &[8, 6]).unwrap());
        m.fit(&x, [&y1, &y2], Fit::new().batch_size(4).verbose(0)).unwrap();
    }
    assert_eq!(m.trace_counts().train, 1);
}

#[test]
fn recurrent_configs_round_trip() {
    use kc::prelude::*;
    let made: Vec<Box<dyn Layer>> = vec![
        Box::new(LSTM::new(4).return_sequences(true).go_backwards(true).recurrent_activation("hard_sigmoid").dropout(0.2).seed(3).kernel_regularizer("l2")),
        Box::new(GRU::new(3).reset_after(false).return_state(true).stateful(true).recurrent_constraint("non_neg")),
        Box::new(SimpleRNN::new(2).activation("relu").use_bias(false).unroll(true).seed(9)),
        Box::new(RNN::new(GRUCell::new(2).recurrent_dropout(0.5)).zero_output_for_mask(true)),
        Box::new(Bidirectional::new(LSTM::new(2).return_sequences(true)).merge_mode(None)),
        Box::new(Bidirectional::new(GRU::new(2)).backward_layer(SimpleRNN::new(3).go_backwards(true)).merge_mode(Some("sum"))),
        Box::new(TimeDistributed::new(Dense::new(3).activation("tanh"))),
        Box::new(Masking::new().mask_value(-1.0)),
        Box::new(LSTMCell::new(3).unit_forget_bias(false)),
    ];
    for l in &made {
        let c = l.get_config();
        let back = layers::from_config(l.class_name(), &c).unwrap_or_else(|e| panic!("{}: {e}", l.class_name()));
        assert_eq!(back.get_config(), c, "{} does not round-trip", l.class_name());
    }
    // Keras's config keys it cannot honour are errors
    let mut c = LSTM::new(2).get_config();
    c.insert("use_cudnn".into(), serde_json::json!(true));
    assert!(layers::from_config("LSTM", &c).map(|_| ()).unwrap_err().to_string().contains("cuDNN"));
    c.insert("time_major".into(), serde_json::json!(true));
    assert!(layers::from_config("LSTM", &c).map(|_| ()).unwrap_err().to_string().contains("time_major"));
}

fn seq(shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    Tensor::from_f32(shape, (0..n).map(|i| (i as f32 * 0.37).sin()).collect()).unwrap()
}

fn bools(shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    Tensor::from_host(HostTensor::from_vec(shape.to_vec(), vec![true; n]).unwrap())
}

/// Bad input is an error that names the layer.
#[test]
fn bad_recurrent_input_is_an_error_naming_the_layer() {
    use kc::prelude::*;
    let cases: Vec<(Box<dyn Layer>, Vec<Tensor>, &[&str])> = vec![
        (Box::new(LSTM::new(3)), vec![seq(&[2, 4])], &["expected ndim=3, found ndim=2", "(2, 4)"]),
        (Box::new(GRU::new(3)), vec![seq(&[2, 4, 5, 1])], &["expected ndim=3, found ndim=4"]),
        (Box::new(SimpleRNN::new(3)), vec![seq(&[2, 4, 5]).with_mask(Some(bools(&[2, 5])))], &["mask has shape (2, 5)", "(batch_size, timesteps) = (2, 4)"]),
        (Box::new(LSTM::new(3)), vec![seq(&[2, 4, 5]).with_mask(Some(bools(&[2, 4, 1])))], &["mask has shape (2, 4, 1)"]),
        (Box::new(LSTM::new(3)), vec![seq(&[2, 4, 5]), seq(&[2, 3])], &["initial_state", "2 state(s)", "1 initial state(s)"]),
        (Box::new(GRU::new(3)), vec![seq(&[2, 4, 5]), seq(&[2, 4])], &["initial state 0 has shape (2, 4), expected (2, 3)"]),
        (Box::new(LSTM::new(0)), vec![seq(&[2, 4, 5])], &["units", "got 0"]),
        (Box::new(LSTM::new(2).recurrent_activation("sigmod")), vec![seq(&[2, 4, 5])], &["unknown activation `sigmod`"]),
        (Box::new(LSTM::new(2).stateful(true)), vec![Input::with_shape(&[Some(4), Some(5)]).tensor()], &["stateful=True", "batch size must be static"]),
        (Box::new(SimpleRNN::new(2).unroll(true)), vec![Input::with_shape(&[None, Some(5)]).tensor()], &["Cannot unroll a RNN if the time dimension is undefined"]),
        (Box::new(Bidirectional::new(Dense::new(2))), vec![seq(&[2, 4, 5])], &["Bidirectional wraps a recurrent layer"]),
        (Box::new(Bidirectional::new(LSTM::new(2)).merge_mode(Some("max"))), vec![seq(&[2, 4, 5])], &["Invalid merge mode. Received: max"]),
        (Box::new(Bidirectional::new(LSTM::new(2)).backward_layer(LSTM::new(2))), vec![seq(&[2, 4, 5])], &["different `go_backwards`"]),
        (
            Box::new(Bidirectional::new(LSTM::new(2)).backward_layer(LSTM::new(2).go_backwards(true).return_sequences(true))),
            vec![seq(&[2, 4, 5])],
            &["same value for attribute \"return_sequences\""],
        ),
        (Box::new(Bidirectional::new(LSTM::new(2))), vec![seq(&[2, 4, 5]), seq(&[2, 2])], &["two halves"]),
        (Box::new(TimeDistributed::new(Dense::new(2))), vec![seq(&[2, 4])], &["at least 3 dimensions", "(2, 4)"]),
        (Box::new(TimeDistributed::new(Dense::new(2))), vec![seq(&[2, 4, 3]).with_mask(Some(bools(&[2])))], &["must be at least 2D"]),
        (Box::new(TimeDistributed::new(Dense::new(2))), vec![seq(&[2, 4, 3]).with_mask(Some(bools(&[2, 5])))], &["incompatible with the input shape (2, 4, 3)"]),
        (Box::new(TimeDistributed::new(Dropout::new(0.5).seed(1))), vec![seq(&[2, 4, 3])], &[]),
    ];
    for (mut layer, inputs, needles) in cases {
        let training = needles.is_empty();
        let e = match call(layer.as_mut(), &inputs, &CallCtx::new(training)) {
            Ok(_) => panic!("{} accepted inputs {inputs:?}", layer.name()),
            Err(e) => e.to_string(),
        };
        assert!(e.contains(&format!("layer \"{}\" ({})", layer.name(), layer.class_name())), "error does not name the layer: {e}");
        for n in needles {
            assert!(e.contains(n), "`{n}` not in: {e}");
        }
        if training {
            assert!(e.contains("updates state while it runs"), "{e}");
        }
    }
    // a built layer given other features
    let mut l = LSTM::new(2);
    call(&mut l, &[seq(&[1, 3, 4])], &CallCtx::new(false)).unwrap();
    let e = call(&mut l, &[seq(&[1, 3, 5])], &CallCtx::new(false)).map(|_| ()).unwrap_err().to_string();
    assert!(e.contains("expected axis -1 of input shape to have value 4") && e.contains("(1, 3, 5)"), "{e}");
    // scan outside a layer on Input tensors
    let x = Input::with_shape(&[None, Some(2)]).tensor();
    let e = ops::scan(|c: &[Tensor], _: &[Tensor], _: &[Tensor]| Ok((c.to_vec(), vec![])), &[], &[x], &[], false).map(|_| ()).unwrap_err().to_string();
    assert!(e.contains("inside a layer"), "{e}");
}

/// Keras's `MinimalRNNCell` example: a cell of one's own in `RNN(cell)`, run eagerly and
/// traced (symbolic batch and time), against the loop written out by hand.
#[test]
fn a_cell_of_ones_own_runs_in_rnn() {
    use kc::frontend::layers::RnnCell;
    use kc::frontend::Variable;
    struct MinimalRNNCell {
        units: usize,
        kernel: Option<Variable>,
        recurrent: Option<Variable>,
    }
    impl RnnCell for MinimalRNNCell {
        fn name(&self) -> &str {
            "minimal_rnn_cell"
        }
        fn class_name(&self) -> &'static str {
            "MinimalRNNCell"
        }
        fn state_size(&self) -> Vec<usize> {
            vec![self.units]
        }
        fn output_size(&self) -> usize {
            self.units
        }
        fn built(&self) -> bool {
            self.kernel.is_some()
        }
        fn build_cell(&mut self, input_dim: usize, path: &str) -> kc::frontend::Result<()> {
            let init = |r: usize, c: usize, k: f32| HostTensor::from_vec(vec![r, c], (0..r * c).map(|i| ((i as f32 + k) * 0.7).sin() * 0.5).collect()).unwrap();
            self.kernel = Some(Variable::new(format!("{path}/kernel"), init(input_dim, self.units, 0.0), true));
            self.recurrent = Some(Variable::new(format!("{path}/recurrent_kernel"), init(self.units, self.units, 3.0), true));
            Ok(())
        }
        fn weights(&self) -> Vec<Variable> {
            self.kernel.iter().chain(&self.recurrent).cloned().collect()
        }
        fn step(&self, x: &Tensor, states: &[Tensor], _: &[Tensor]) -> kc::frontend::Result<(Tensor, Vec<Tensor>)> {
            let h = ops::matmul(x, &self.kernel.as_ref().unwrap().tensor())?;
            let out = ops::add(&h, &ops::matmul(&states[0], &self.recurrent.as_ref().unwrap().tensor())?)?;
            Ok((out.clone(), vec![out]))
        }
    }
    let mut layer = kc::layers::RNN::new(MinimalRNNCell { units: 3, kernel: None, recurrent: None }).return_sequences(true);
    let x = seq(&[2, 4, 5]);
    let y = call(&mut layer, std::slice::from_ref(&x), &CallCtx::new(false)).unwrap().remove(0);
    assert_eq!(Layer::weights(&layer).iter().map(|w| w.path()).collect::<Vec<_>>(), ["rnn/minimal_rnn_cell/kernel", "rnn/minimal_rnn_cell/recurrent_kernel"]);
    // by hand
    let (k, rk) = (Layer::weights(&layer)[0].tensor(), Layer::weights(&layer)[1].tensor());
    let mut h = Tensor::zeros(DType::F32, &[2, 3]).unwrap();
    let mut want = Vec::new();
    for t in 0..4 {
        let xt = ops::squeeze(&ops::slice_axis(&x, 1, t, t + 1).unwrap(), Some(1)).unwrap();
        h = ops::add(&ops::matmul(&xt, &k).unwrap(), &ops::matmul(&h, &rk).unwrap()).unwrap();
        want.push(h.clone());
    }
    let want = ops::stack(&want, 1).unwrap().to_f64_vec().unwrap();
    close_vec("eager", &y.to_f64_vec().unwrap(), &want, 1e-6, 1e-6);
    let r = Tensor::from_f32(&[2, 4, 3], vec![1.0; 24]).unwrap();
    let t = traced(&mut layer, std::slice::from_ref(&x), None, std::slice::from_ref(&r), false);
    close_vec("traced", &t.outputs[0].to_f64_vec().unwrap(), &want, 1e-6, 1e-6);
    assert!(t.grad_weights.iter().all(|g| g.to_f64_vec().unwrap().iter().any(|v| *v != 0.0)));
}
