//! Models train on XLA as on the interpreter: the same seed gives the same loss curve
//! (within f32 tolerance: XLA reassociates sums) for the kinds of model the frontend
//! tests build — Sequential with dropout, Functional with two inputs and outputs,
//! subclassed, a custom train step; and the compile cache compiles each step shape once.
use kc::frontend::layers::{CallCtx, Layer};
use kc::frontend::{ops, Dropout, JitCompile, Result, Shared, Target, Tensor, Variable};
use kc::prelude::*;
use kc_runtime::HostTensor;

fn data(n: usize, f: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n * f)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 33) as f32 / (1u64 << 31) as f32) * 2.0 - 1.0
        })
        .collect()
}

fn close(what: &str, a: &[f64], b: &[f64], rel: f64) {
    assert_eq!(a.len(), b.len(), "{what}");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() <= rel * y.abs().max(1e-3), "{what}[{i}]: XLA {x} vs interpreter {y}\nXLA:    {a:?}\ninterp: {b:?}");
    }
}

/// Train the model `make` builds on both targets; compare the loss curves and weights.
pub(crate) fn same_on_both(what: &str, make: impl Fn(JitCompile) -> (Model, History)) {
    let (mi, hi) = make(JitCompile::Off);
    let (mx, hx) = make(JitCompile::On(Target::Xla));
    assert!(mx.jit_report().contains("XLA"), "{}", mx.jit_report());
    assert!(mx.compile_stats().compiles > 0, "{what}: nothing was compiled for XLA");
    for (k, v) in &hi.history {
        close(&format!("{what}: history {k}"), hx.get(k).unwrap_or_else(|| panic!("{what}: XLA history lacks {k}")), v, 1e-4);
    }
    for (wx, wi) in mx.weights().iter().zip(mi.weights()) {
        close(&format!("{what}: {}", wi.path()), &wx.value().to_f64_vec(), &wi.value().to_f64_vec(), 1e-3);
    }
}

#[test]
fn a_sequential_model_with_dropout_trains_the_same_on_xla() {
    same_on_both("sequential", |jit| {
        set_random_seed(5);
        let n = 40; // batches of 16, 16 and 8
        let x = Tensor::from_f32(&[n, 6], data(n, 6, 1)).unwrap();
        let y = Tensor::from_host(HostTensor::from_vec(vec![n], (0..n as i32).map(|i| i % 3).collect::<Vec<i32>>()).unwrap());
        let mut m = Model::sequential(vec![
            Box::new(Input::new(&[6])),
            Box::new(Dense::new(16).activation("relu")),
            Box::new(Dropout::new(0.3)),
            Box::new(Dense::new(3)),
        ]);
        m.compile(Compile::new().optimizer(Adam::new(0.01)).loss("sparse_categorical_crossentropy").metrics(&["accuracy"]).jit_compile(jit)).unwrap();
        let h = m.fit(&x, &y, Fit::new().epochs(3).batch_size(16).shuffle(false).verbose(0)).unwrap();
        (m, h)
    });
}

#[test]
fn a_functional_model_with_two_inputs_and_outputs_trains_the_same_on_xla() {
    same_on_both("functional", |jit| {
        kc::frontend::layers::clear_session(); // the same layer names, so the same log names
        set_random_seed(3);
        let a = Input::new(&[3]).tensor();
        let b = Input::new(&[2]).tensor();
        let ha = Shared::new(Dense::new(4).activation("tanh")).call1(&a).unwrap();
        let hb = Shared::new(Dense::new(4)).call1(&b).unwrap();
        let h = ops::add(&ha, &hb).unwrap();
        let o1 = Shared::new(Dense::new(1)).call1(&h).unwrap();
        let o2 = Shared::new(Dense::new(2)).call1(&hb).unwrap();
        let mut m = Model::functional(&[a, b], &[o1, o2]).unwrap();
        m.compile(Compile::new().optimizer(Adam::new(0.02)).loss("mse").loss_weights(&[1.0, 0.5]).metrics(&["mae"]).jit_compile(jit)).unwrap();
        let n = 24;
        let xa = Tensor::from_f32(&[n, 3], data(n, 3, 2)).unwrap();
        let xb = Tensor::from_f32(&[n, 2], data(n, 2, 3)).unwrap();
        let y1 = Tensor::from_f32(&[n, 1], data(n, 1, 4)).unwrap();
        let y2 = Tensor::from_f32(&[n, 2], data(n, 2, 5)).unwrap();
        let h = m.fit([&xa, &xb], [&y1, &y2], Fit::new().epochs(4).batch_size(8).shuffle(false).verbose(0)).unwrap();
        (m, h)
    });
}

/// `y = dense(x) * scale`, a subclassed layer with its own weight.
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
        self.scale = Some(Variable::new(format!("{}/scale", self.name), HostTensor::scalar(0.5f32), true));
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
fn a_subclassed_model_and_a_custom_step_train_the_same_on_xla() {
    let n = 20;
    let x = Tensor::from_f32(&[n, 2], data(n, 2, 6)).unwrap();
    let y = Tensor::from_f32(&[n, 1], data(n, 1, 7)).unwrap();
    same_on_both("subclassed", |jit| {
        set_random_seed(11);
        let scaled = Scaled { name: "scaled".into(), built: false, dense: Shared::new(Dense::new(1)), scale: None };
        let mut m = Model::sequential(vec![Box::new(Input::new(&[2])), Box::new(scaled)]);
        m.compile(Compile::new().optimizer(Sgd::new(0.1).momentum(0.9)).loss("mse").jit_compile(jit)).unwrap();
        let h = m.fit(&x, &y, Fit::new().epochs(5).batch_size(8).shuffle(false).verbose(0)).unwrap();
        (m, h)
    });
    same_on_both("custom step", |jit| {
        set_random_seed(12);
        let mut m = Model::sequential(vec![Box::new(Input::new(&[2])), Box::new(Dense::new(1))]);
        m.compile(Compile::new().optimizer(Adam::new(0.05)).loss("mse").metrics(&["mae"]).jit_compile(jit)).unwrap();
        m.set_train_step(Box::new(|s, xs, ys| {
            let vars = s.trainable_weights();
            let (loss, grads) = kc::frontend::value_and_grad(&vars, &[xs[0].clone(), ys[0].clone()], |t| {
                let p = s.call(&t[..1])?;
                s.compute_loss(&t[1..], &p)
            })?;
            s.apply_gradients(&grads, &vars)?;
            let p = s.call(&xs[..1])?;
            s.update_metrics(ys, &p)?;
            Ok(loss)
        }));
        let h = m.fit(&x, &y, Fit::new().epochs(3).batch_size(6).shuffle(false).verbose(0)).unwrap();
        (m, h)
    });
}

#[test]
fn the_compile_cache_compiles_each_step_shape_once() {
    set_random_seed(2);
    let mut m = Model::sequential(vec![Box::new(Input::new(&[4])), Box::new(Dense::new(8).activation("relu")), Box::new(Dense::new(1))]);
    m.compile(Compile::new().optimizer(Adam::new(0.01)).loss("mse").jit_compile(JitCompile::On(Target::Xla))).unwrap();
    let n = 20; // batches of 8, 8 and 4: two shapes
    let x = Tensor::from_f32(&[n, 4], data(n, 4, 8)).unwrap();
    let y = Tensor::from_f32(&[n, 1], data(n, 1, 9)).unwrap();
    m.fit(&x, &y, Fit::new().epochs(1).batch_size(8).verbose(0)).unwrap();
    let first = m.compile_stats();
    assert_eq!(first.compiles, 2, "{first:?}");
    assert_eq!(first.hits, 1, "{first:?}");
    // a second and third epoch compile nothing
    m.fit(&x, &y, Fit::new().epochs(2).batch_size(8).verbose(0)).unwrap();
    let more = m.compile_stats();
    assert_eq!(more.compiles, 2, "{more:?}");
    assert_eq!(more.hits, first.hits + 6, "{more:?}");
    // a new batch size (10, 10: one shape) compiles once
    m.fit(&x, &y, Fit::new().epochs(2).batch_size(10).verbose(0)).unwrap();
    let changed = m.compile_stats();
    assert_eq!(changed.compiles, 3, "{changed:?}");
    // evaluate and predict have their own executables
    m.evaluate(&x, &y, 20).unwrap();
    m.predict(&x, 20).unwrap();
    assert_eq!(m.compile_stats().compiles, 5);
    // weights read back from the device equal what predict computes with
    let w = m.weights()[0].value();
    assert_eq!(w.shape(), &[4, 8]);
}

#[test]
fn bad_calls_are_errors_not_aborts() {
    // wrong argument shape and count at call time, checked before the plugin sees them
    let src = "func @main(%x: f32[N, 3]) -> (f32[N, 3]) {\n  %0 = add %x, %x : f32[N, 3]\n  return %0\n}\n";
    let m = kc_ir::parse_module(src, "t.kir").unwrap();
    let f = &m.funcs[0];
    let bad = HostTensor::from_vec(vec![2, 4], vec![0f32; 8]).unwrap();
    let e = kc_runtime::xla::run_func(f, &[bad]).unwrap_err().to_string();
    assert!(e.contains("f32[N, 3]") && e.contains("[2, 4]"), "{e}");
    let e = kc_runtime::xla::run_func(f, &[]).unwrap_err().to_string();
    assert!(e.contains("takes 1 inputs, got 0"), "{e}");
    let int = HostTensor::from_vec(vec![2, 3], vec![0i32; 6]).unwrap();
    let e = kc_runtime::xla::run_func(f, &[int]).unwrap_err().to_string();
    assert!(e.contains("dtype"), "{e}");
    // a model called with the wrong feature size names the layer's expected shape
    set_random_seed(1);
    let mut model = Model::sequential(vec![Box::new(Input::new(&[3])), Box::new(Dense::new(2))]);
    model.compile(Compile::new().optimizer(Sgd::new(0.1)).loss("mse").jit_compile(JitCompile::On(Target::Xla))).unwrap();
    let e = model.predict(&Tensor::from_f32(&[2, 5], vec![0.0; 10]).unwrap(), 2).unwrap_err().to_string();
    assert!(e.contains("3") && e.contains("5"), "{e}");
}

#[test]
fn the_disk_cache_loads_instead_of_compiling() {
    let x = kc_runtime::xla::xla().unwrap();
    let dir = std::env::temp_dir().join(format!("kc-xla-cache-{}", std::process::id()));
    // a function no other test compiles, so the counts below are this test's
    let src = "func @main(%x: f32[3]) -> (f32[3]) {\n  %0 = mul %x, %x : f32[3]\n  %1 = sub %0, %x : f32[3]\n  return %1\n}\n";
    let m = kc_ir::parse_module(src, "disk.kir").unwrap();
    let f = &m.funcs[0];
    let sig = vec![(kc_ir::DType::F32, vec![3])];
    let fp = kc_runtime::xla::fingerprint(f);
    let mut mine = kc_runtime::xla::CompileStats::default();
    x.compile_in(f, fp, &sig, &[], Some(&dir), &mut mine).unwrap();
    assert_eq!((mine.compiles, mine.disk_hits), (1, 0));
    let files = std::fs::read_dir(&dir).unwrap().filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "kcxla")).count();
    assert_eq!(files, 1);
    // a new process would start with an empty memory cache
    x.forget(fp);
    let exe = x.compile_in(f, fp, &sig, &[], Some(&dir), &mut mine).unwrap();
    assert_eq!((mine.compiles, mine.disk_hits), (1, 1), "{mine:?}");
    let arg = x.upload(&HostTensor::from_vec(vec![3], vec![1.0f32, 2.0, -3.0]).unwrap()).unwrap();
    let out = x.execute(&exe, vec![kc_runtime::pjrt::Arg::Keep(&arg)]).unwrap();
    assert_eq!(x.download(&out[0]).unwrap().to_f64_vec(), vec![0.0, 2.0, 12.0]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A ConvLSTM2D over a symbolic number of steps (a convolution inside the IR `while`,
/// written out by taps on XLA: one input channel) with dropout, then a 3-channel
/// convolution, trains the same on XLA as on the interpreter.
#[test]
fn a_conv_lstm_model_trains_the_same_on_xla() {
    use kc::frontend::layers::{Conv2D, ConvLSTM2D, Flatten};
    same_on_both("conv_lstm", |jit| {
        set_random_seed(11);
        let n = 12;
        let x = Tensor::from_f32(&[n, 3, 5, 5, 1], data(n, 75, 4)).unwrap();
        let y = Tensor::from_host(HostTensor::from_vec(vec![n], (0..n as i32).map(|i| i % 2).collect::<Vec<i32>>()).unwrap());
        let mut m = Model::sequential(vec![
            Box::new(Input::with_shape(&[None, Some(5), Some(5), Some(1)])),
            Box::new(ConvLSTM2D::new(3, 3).padding("same").dropout(0.2).recurrent_dropout(0.1).seed(3)),
            Box::new(Conv2D::new(2, 2).activation("relu")),
            Box::new(Flatten::new()),
            Box::new(Dense::new(2)),
        ]);
        m.compile(Compile::new().optimizer(Adam::new(0.01)).loss(Loss::from_name("sparse_categorical_crossentropy").unwrap().from_logits(true)).jit_compile(jit)).unwrap();
        let h = m.fit(&x, &y, Fit::new().epochs(2).batch_size(8).shuffle(false).verbose(0)).unwrap();
        (m, h)
    });
}
