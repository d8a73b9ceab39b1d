//! Models and training: summary, fit on a learnable problem, callbacks, bad input.
use kc::frontend::{ops, Tensor};
use kc::prelude::*;

/// y = 1 when x0 + x1 > 0: linearly separable, so a small model must learn it.
fn blobs(n: usize) -> (Tensor, Tensor) {
    let mut x = Vec::with_capacity(n * 2);
    let mut y = Vec::with_capacity(n);
    let mut s = 12345u64;
    for _ in 0..n {
        let mut r = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 33) as f64 / (1u64 << 31) as f64) * 2.0 - 1.0
        };
        let (a, b) = (r(), r());
        x.extend([a as f32, b as f32]);
        y.push(if a + b > 0.0 { 1i32 } else { 0 });
    }
    (Tensor::from_f32(&[n, 2], x).unwrap(), Tensor::from_host(HostTensor::from_vec(vec![n], y).unwrap()))
}

fn small_model() -> Model {
    Model::sequential(vec![Box::new(Input::new(&[2])), Box::new(Dense::new(8).activation("relu")), Box::new(Dense::new(2))])
}

#[test]
fn summary_matches_keras() {
    kc::layers::clear_session();
    let mut m = Model::sequential(vec![Box::new(Input::new(&[784])), Box::new(Dense::new(128).activation("relu")), Box::new(Dense::new(10))]);
    let s = m.summary().unwrap();
    let want = "\
Model: \"sequential\"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ (None, 128)            │       100,480 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 10)             │         1,290 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 101,770 (397.54 KB)
 Trainable params: 101,770 (397.54 KB)
 Non-trainable params: 0 (0.00 B)
";
    assert_eq!(s, want);
    assert_eq!(m.weights().iter().map(|w| w.path()).collect::<Vec<_>>(), ["dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"]);
}

#[test]
fn fit_learns_a_separable_problem_and_reports_history() {
    set_random_seed(1);
    let (x, y) = blobs(512);
    let mut m = small_model();
    m.compile(Compile::new().optimizer(Adam::new(0.05)).loss(Loss::from_name("sparse_categorical_crossentropy").unwrap().from_logits(true)).metrics(&["accuracy"]))
        .unwrap();
    let h = m.fit(&x, &y, Fit::new().epochs(8).batch_size(64).validation_split(0.25).verbose(0)).unwrap();
    // 384 training samples in batches of 64: 6 steps per epoch, each counted by the optimizer
    assert_eq!(m.optimizer().unwrap().iterations(), 8 * 6);
    let loss = h.get("loss").unwrap();
    assert_eq!(loss.len(), 8);
    assert!(loss[7] < loss[0] * 0.5, "loss did not fall: {loss:?}");
    assert!(h.last("val_accuracy").unwrap() > 0.9, "{:?}", h.history);
    let ev = m.evaluate(&x, &y, 100).unwrap();
    assert!(ev["accuracy"] > 0.9, "{ev:?}");
    let p = m.predict(&x, 100).unwrap();
    assert_eq!(p.shape(), Some(vec![512, 2]));
    // predict's argmax agrees with evaluate's accuracy
    let hits = ops::argmax(&p, -1, false).unwrap().to_f64_vec().unwrap().iter().zip(y.to_f64_vec().unwrap()).filter(|(a, b)| **a == *b).count();
    assert!((hits as f64 / 512.0 - ev["accuracy"]).abs() < 1e-9);
}

#[test]
fn sgd_train_on_batch_matches_a_hand_computed_step() {
    // one Dense(1) without activation, MSE, SGD lr 0.1: w -= lr * 2/N * x^T (xw + b - y)
    let mut m = Model::sequential(vec![Box::new(Input::new(&[2])), Box::new(Dense::new(1).kernel_initializer("ones"))]);
    m.compile(Compile::new().optimizer(Sgd::new(0.1)).loss("mse")).unwrap();
    let x = Tensor::from_f32(&[2, 2], vec![1., 2., 3., 4.]).unwrap();
    let y = Tensor::from_f32(&[2, 1], vec![1., 2.]).unwrap();
    let loss = m.train_on_batch(&x, &y).unwrap();
    // predictions 3 and 7, errors 2 and 5: loss (4 + 25) / 2
    assert!((loss - 14.5).abs() < 1e-6, "{loss}");
    let w = m.weights()[0].value().to_f64_vec();
    // grad w = 2/2 * [1*2 + 3*5, 2*2 + 4*5] = [17, 24]
    assert!((w[0] - (1.0 - 1.7)).abs() < 1e-6 && (w[1] - (1.0 - 2.4)).abs() < 1e-6, "{w:?}");
    let b = m.weights()[1].value().to_f64_vec();
    assert!((b[0] - (0.0 - 0.1 * 7.0)).abs() < 1e-6, "{b:?}");
}

#[test]
fn early_stopping_stops_when_the_monitor_stalls() {
    let (x, y) = blobs(64);
    let mut m = small_model();
    // lr 0: nothing changes, so val_loss never improves after epoch 0
    m.compile(Compile::new().optimizer(Sgd::new(0.0)).loss(Loss::from_name("sparse_categorical_crossentropy").unwrap().from_logits(true))).unwrap();
    let h = m.fit(&x, &y, Fit::new().epochs(20).validation_split(0.25).verbose(0).callback(EarlyStopping::new("val_loss").patience(2))).unwrap();
    assert_eq!(h.epochs, vec![0, 1, 2], "{:?}", h.epochs);
}

#[test]
fn bad_input_is_an_error_that_names_the_problem() {
    let (x, y) = blobs(10);
    let mut m = small_model();
    let e = m.fit(&x, &y, Fit::new().verbose(0)).unwrap_err().to_string();
    assert!(e.contains("compile()"), "{e}");
    let e = m.compile(Compile::new().optimizer("adamm").loss("mse")).unwrap_err().to_string();
    assert!(e.contains("unknown optimizer `adamm`") && e.contains("adam"), "{e}");
    let e = m.compile(Compile::new().optimizer("adam").loss("mse").metrics(&["acuracy"])).unwrap_err().to_string();
    assert!(e.contains("unknown metric `acuracy`"), "{e}");
    m.compile(Compile::new().optimizer("adam").loss(Loss::from_name("sparse_categorical_crossentropy").unwrap())).unwrap();
    let e = m.fit(&x, &y, Fit::new().batch_size(0).verbose(0)).unwrap_err().to_string();
    assert!(e.contains("batch_size"), "{e}");
    let e = m.fit(&x, &y, Fit::new().validation_split(1.0).verbose(0)).unwrap_err().to_string();
    assert!(e.contains("validation_split"), "{e}");
    let (x2, _) = blobs(7);
    let e = m.fit(&x2, &y, Fit::new().verbose(0)).unwrap_err().to_string();
    assert!(e.contains("x: 7 samples") && e.contains("y: 10 samples"), "{e}");
    let wrong = Tensor::from_f32(&[3, 5], vec![0.; 15]).unwrap();
    let line = line!() + 1;
    let e = m.call(&wrong, false).unwrap_err().to_string();
    assert!(e.contains(&format!("training.rs:{line}")), "no call site in {e}");
    assert!(e.contains("expected input shape (None, 2)") && e.contains("(3, 5)"), "{e}");
    let e = kc::layers::call1(&mut Dense::new(3), &wrong, &kc::layers::CallCtx::new(false)).map(|_| ()).and_then(|_| {
        let mut d = Dense::new(3);
        kc::layers::call1(&mut d, &wrong, &kc::layers::CallCtx::new(false))?;
        kc::layers::call1(&mut d, &Tensor::from_f32(&[1, 4], vec![0.; 4]).unwrap(), &kc::layers::CallCtx::new(false)).map(|_| ())
    });
    let e = e.unwrap_err().to_string();
    assert!(e.contains("expected axis -1 of input shape to have value 5") && e.contains("(1, 4)") && e.contains("dense"), "{e}");
}

#[test]
fn the_readme_example_is_the_demo_program() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme.find("```rust\n").expect("README has a rust example") + 8;
    let end = start + readme[start..].find("```\n").unwrap();
    let example = std::fs::read_to_string(root.join("examples/fashion_mnist_mlp.rs")).unwrap();
    assert!(example.ends_with(&readme[start..end]), "examples/fashion_mnist_mlp.rs must end with the README's example");
}

/// A user's dataset: batches computed on demand, and told when each epoch ends.
struct Blobs {
    batches: usize,
    epochs_seen: usize,
}

impl kc::frontend::data::Dataset for Blobs {
    fn num_batches(&self) -> usize {
        self.batches
    }
    fn batch(&mut self, i: usize) -> kc::frontend::Result<(Vec<HostTensor>, Vec<HostTensor>)> {
        let (x, y) = blobs(32 * (i + 1));
        let idx: Vec<usize> = (32 * i..32 * (i + 1)).collect();
        Ok((vec![kc::frontend::data::take_rows(&x.host()?, &idx)?], vec![kc::frontend::data::take_rows(&y.host()?, &idx)?]))
    }
    fn on_epoch_end(&mut self) {
        self.epochs_seen += 1;
    }
}

#[test]
fn fit_takes_a_dataset_and_npz_files_load() {
    set_random_seed(2);
    let mut m = small_model();
    m.compile(Compile::new().optimizer(Adam::new(0.05)).loss(Loss::from_name("sparse_categorical_crossentropy").unwrap().from_logits(true)).metrics(&["accuracy"]))
        .unwrap();
    let mut ds = Blobs { batches: 8, epochs_seen: 0 };
    let (vx, vy) = blobs(128);
    let h = m.fit_dataset(&mut ds, Fit::new().epochs(6).validation_data(vx, vy).verbose(0)).unwrap();
    assert_eq!(ds.epochs_seen, 6);
    assert!(h.last("val_accuracy").unwrap() > 0.85, "{:?}", h.history);
    assert_eq!(m.optimizer().unwrap().iterations(), 6 * 8);

    // an .npz written by hand: two .npy members in a zip
    let dir = std::env::temp_dir().join(format!("kc-npz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("arrays.npz");
    {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let opts = zip::write::SimpleFileOptions::default();
        for (name, t) in [("x.npy", HostTensor::from_vec(vec![2, 2], vec![1f32, 2., 3., 4.]).unwrap()), ("y.npy", HostTensor::from_vec(vec![2], vec![7i64, 8]).unwrap())] {
            z.start_file(name, opts).unwrap();
            z.write_all(&kc::runtime::npy::to_bytes(&t).unwrap()).unwrap();
        }
        z.finish().unwrap();
    }
    let arrays = kc::frontend::data::load_npz(&path).unwrap();
    assert_eq!(arrays["x"].to_f64_vec().unwrap(), vec![1., 2., 3., 4.]);
    assert_eq!(arrays["y"].dtype(), DType::I64);
    let e = kc::frontend::data::load_npz(dir.join("missing.npz")).unwrap_err().to_string();
    assert!(e.contains("missing.npz"), "{e}");
}
