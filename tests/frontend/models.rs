//! Functional models (several inputs and outputs, shared layers, skip connections, ops on
//! symbolic tensors, nesting), subclassed layers and models, and mixing them.
use kc::frontend::layers::{CallCtx, Layer};
use kc::frontend::{ops, Result, Tensor, Variable};
use kc::prelude::*;

fn data(n: usize, f: usize, seed: u64) -> Vec<f32> {
    let mut s = seed;
    (0..n * f)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 33) as f64 / (1u64 << 31) as f64 * 2.0 - 1.0) as f32
        })
        .collect()
}

#[test]
fn a_functional_model_with_two_inputs_and_two_outputs_trains() {
    set_random_seed(3);
    let a = Input::new(&[3]).tensor();
    let b = Input::new(&[2]).tensor();
    let shared = Shared::new(Dense::new(4).activation("tanh"));
    let ha = shared.call1(&ops::concatenate(&[a.clone(), ops::zeros_like(&a).unwrap()], -1).unwrap()).unwrap();
    let hb = Shared::new(Dense::new(8)).call1(&b).unwrap();
    let h = ops::add(&ops::concatenate(&[ha.clone(), ha], -1).unwrap(), &hb).unwrap(); // an op on symbolic tensors
    let out1 = Shared::new(Dense::new(1).name("out1")).call1(&h).unwrap();
    let out2 = Shared::new(Dense::new(2).name("out2")).call1(&hb).unwrap();
    let mut m = Model::functional(&[a, b], &[out1, out2]).unwrap();
    assert_eq!(m.count_params(), (6 * 4 + 4) + (2 * 8 + 8) + (8 + 1) + (8 * 2 + 2));
    let n = 64;
    let xa = Tensor::from_f32(&[n, 3], data(n, 3, 1)).unwrap();
    let xb = Tensor::from_f32(&[n, 2], data(n, 2, 2)).unwrap();
    // targets: a fixed function of the inputs
    let xav = xa.to_f32_vec().unwrap();
    let xbv = xb.to_f32_vec().unwrap();
    let y1: Vec<f32> = (0..n).map(|i| xav[3 * i] - 0.5 * xbv[2 * i + 1]).collect();
    let y2: Vec<f32> = (0..n).flat_map(|i| [xbv[2 * i], -xbv[2 * i + 1]]).collect();
    let y1 = Tensor::from_f32(&[n, 1], y1).unwrap();
    let y2 = Tensor::from_f32(&[n, 2], y2).unwrap();
    m.compile(Compile::new().optimizer(Adam::new(0.02)).loss("mse").loss_weights(&[1.0, 0.5]).metrics(&["mae"])).unwrap();
    let h = m.fit([&xa, &xb], [&y1, &y2], Fit::new().epochs(30).batch_size(16).verbose(0)).unwrap();
    let loss = h.get("loss").unwrap();
    assert!(loss[29] < loss[0] * 0.3, "{loss:?}");
    // Keras's log names: per-output weighted losses and metrics prefixed by the output
    // layer's name; the total is the sum of the per-output losses
    let mut keys: Vec<&String> = h.history.keys().collect();
    keys.sort();
    assert_eq!(keys, ["loss", "out1_loss", "out1_mae", "out2_loss", "out2_mae"]);
    let (l1, l2) = (h.get("out1_loss").unwrap(), h.get("out2_loss").unwrap());
    for e in 0..30 {
        assert!((l1[e] + l2[e] - loss[e]).abs() < 1e-5 * loss[e].max(1.0), "epoch {e}: {} + {} vs {}", l1[e], l2[e], loss[e]);
    }
    let preds = m.predict_all([&xa, &xb], 20).unwrap();
    assert_eq!(preds.len(), 2);
    assert_eq!(preds[0].shape(), Some(vec![n, 1]));
    assert_eq!(preds[1].shape(), Some(vec![n, 2]));
    // predict agrees with calling the model eagerly
    let direct = m.call_all(&[xa, xb], false).unwrap();
    for (p, d) in preds.iter().zip(&direct) {
        let (p, d) = (p.to_f64_vec().unwrap(), d.to_f64_vec().unwrap());
        assert!(p.iter().zip(&d).all(|(a, b)| (a - b).abs() < 1e-6));
    }
}

#[test]
fn shared_layers_skip_connections_and_nested_models() {
    kc::layers::clear_session();
    set_random_seed(5);
    // an inner Functional model used as a layer
    let i = Input::new(&[4]).tensor();
    let inner_out = Shared::new(Dense::new(4).activation("relu")).call1(&i).unwrap();
    let inner = Model::functional(&[i], &[inner_out]).unwrap().into_layer();
    let x = Input::new(&[4]).tensor();
    let d = Shared::new(Dense::new(4));
    let h1 = d.call1(&x).unwrap();
    let h2 = d.call1(&h1).unwrap(); // the same Dense twice: shared weights
    let skip = ops::add(&h2, &x).unwrap(); // a residual connection
    let out = inner.call1(&skip).unwrap();
    let mut m = Model::functional(&[x], &[out]).unwrap();
    // the shared Dense is counted once: 2 x (4*4+4)
    assert_eq!(m.count_params(), 20 + 20);
    let s = m.summary().unwrap();
    // the inner model made `dense`; the shared Dense is `dense_1`, listed once
    assert_eq!(s.matches("dense_1 (Dense)").count(), 1, "{s}");
    assert!(s.contains("functional (Functional)") && s.contains("(None, 4)") && s.contains(" Total params: 40 (160.00 B)"), "{s}");
    // the model computes inner(d(d(x)) + x)
    let xv = Tensor::from_f32(&[2, 4], data(2, 4, 9)).unwrap();
    let y = m.call(&xv, false).unwrap();
    let h = d.call1(&d.call1(&xv).unwrap()).unwrap();
    let want = inner.call1(&ops::add(&h, &xv).unwrap()).unwrap();
    assert_eq!(y.to_f64_vec().unwrap(), want.to_f64_vec().unwrap());
}

#[test]
fn functional_errors_name_the_problem() {
    let a = Input::new(&[3]).tensor();
    let b = Input::new(&[3]).tensor();
    let out = Shared::new(Dense::new(2)).call1(&ops::add(&a, &b).unwrap()).unwrap();
    let e = Model::functional(&[a.clone()], &[out]).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("Graph disconnected"), "{e}");
    let mut m = Model::functional(&[a.clone()], &[Shared::new(Dense::new(2)).call1(&a).unwrap()]).unwrap();
    let e = m.call(&Tensor::from_f32(&[2, 5], vec![0.0; 10]).unwrap(), false).unwrap_err().to_string();
    assert!(e.contains("expected shape (None, 3)") && e.contains("(2, 5)"), "{e}");
    let concrete = Tensor::from_f32(&[1, 3], vec![0.0; 3]).unwrap();
    let e = Model::functional(&[concrete], &[a]).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("symbolic tensors made from kc Inputs"), "{e}");
}

/// A subclassed layer: its own weight plus a sublayer, `y = dense(x) * scale`.
struct Scaled {
    name: String,
    built: bool,
    dense: Shared,
    scale: Option<Variable>,
}

impl Layer for Scaled {
    fn name(&self) -> &str {
        &self.name
    }
    fn class_name(&self) -> &'static str {
        "Scaled"
    }
    fn built(&self) -> bool {
        self.built
    }
    fn set_built(&mut self) {
        self.built = true;
    }
    fn build(&mut self, _x: &Tensor) -> Result<()> {
        self.scale = Some(Variable::new(format!("{}/scale", self.name), HostTensor::scalar(1.0f32), true));
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let h = self.dense.call_with(inputs, cx)?;
        let s = self.scale.as_ref().map(|v| v.tensor()).ok_or_else(|| kc::frontend::Error::msg("not built"))?;
        Ok(vec![ops::multiply(&h[0], &s)?])
    }
    fn weights(&self) -> Vec<Variable> {
        let mut w = self.dense.weights();
        w.extend(self.scale.iter().cloned());
        w
    }
}

#[test]
fn a_subclassed_model_trains_and_mixes_with_sequential() {
    set_random_seed(11);
    let scaled = Scaled { name: "scaled".into(), built: false, dense: Shared::new(Dense::new(1).kernel_initializer("zeros")), scale: None };
    // a subclassed layer inside a Sequential
    let mut m = Model::sequential(vec![Box::new(Input::new(&[2])), Box::new(scaled)]);
    m.compile(Compile::new().optimizer(Sgd::new(0.1)).loss("mse")).unwrap();
    let n = 32;
    let x = Tensor::from_f32(&[n, 2], data(n, 2, 4)).unwrap();
    let xv = x.to_f32_vec().unwrap();
    let y = Tensor::from_f32(&[n, 1], (0..n).map(|i| 2.0 * xv[2 * i] - xv[2 * i + 1] + 0.5).collect()).unwrap();
    let h = m.fit(&x, &y, Fit::new().epochs(60).batch_size(8).verbose(0)).unwrap();
    let loss = h.get("loss").unwrap();
    assert!(loss[59] < 1e-3, "{loss:?}");
    let paths: Vec<String> = m.weights().iter().map(|w| w.path()).collect();
    assert!(paths[2] == "scaled/scale" && paths[0].ends_with("/kernel"), "{paths:?}");
}

#[test]
fn a_frozen_layer_keeps_its_weights() {
    set_random_seed(8);
    let x = Input::new(&[2]).tensor();
    let frozen = Shared::new(Dense::new(3));
    let h = frozen.call1(&x).unwrap();
    let out = Shared::new(Dense::new(1)).call1(&h).unwrap();
    let mut m = Model::functional(&[x], &[out]).unwrap();
    frozen.set_trainable(false);
    assert_eq!(m.trainable_weights().len(), 2);
    assert_eq!(m.non_trainable_weights().len(), 2);
    m.compile(Compile::new().optimizer(Sgd::new(0.1)).loss("mse")).unwrap();
    let before: Vec<Vec<f64>> = frozen.weights().iter().map(|w| w.value().to_f64_vec()).collect();
    let xs = Tensor::from_f32(&[4, 2], data(4, 2, 3)).unwrap();
    let ys = Tensor::from_f32(&[4, 1], vec![1., 0., -1., 2.]).unwrap();
    m.fit(&xs, &ys, Fit::new().epochs(3).verbose(0)).unwrap();
    let after: Vec<Vec<f64>> = frozen.weights().iter().map(|w| w.value().to_f64_vec()).collect();
    assert_eq!(before, after);
    let s = m.summary().unwrap();
    assert!(s.contains("Trainable params: 4 (16.00 B)") && s.contains("Non-trainable params: 9 (36.00 B)"), "{s}");
}

/// A layer that returns its input as it is (Dropout at inference, Identity) is a call of
/// its own in a Functional model: the layers before it stay in the model, its summary
/// and its replay (a regression: the Dense before a Dropout used to drop out of both).
#[test]
fn a_functional_model_keeps_the_layers_before_a_dropout() {
    let a = Input::new(&[3]).tensor();
    let h = Shared::new(Dense::new(4).name("before")).call1(&a).unwrap();
    let h = Shared::new(Dropout::new(0.5)).call1(&h).unwrap();
    let h = Shared::new(Identity::new()).call1(&h).unwrap();
    let out = Shared::new(Dense::new(1)).call1(&h).unwrap();
    let mut m = Model::functional(&[a], &[out]).unwrap();
    assert!(m.summary().unwrap().contains("before (Dense)"));
    assert_eq!(m.weights().len(), 4);
    let x = Tensor::from_f32(&[2, 3], data(2, 3, 1)).unwrap();
    assert_eq!(m.call(&x, false).unwrap().shape(), Some(vec![2, 1]));
    m.compile(Compile::new().optimizer(Sgd::new(0.1)).loss("mse")).unwrap();
    let y = Tensor::from_f32(&[2, 1], vec![1.0, -1.0]).unwrap();
    m.fit(&x, &y, Fit::new().epochs(1).verbose(0)).unwrap();
}
