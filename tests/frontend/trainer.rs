//! The trainer's arguments against real Keras 3 (`tests/golden/keras/data/training.json`,
//! written by `tests/golden/keras/training.py`): sample weights and class weights flow
//! into the losses and the weighted metrics (and the validation split takes its share of
//! the weights), `evaluate`/`test_on_batch`/`train_on_batch` with sample weights; and the
//! loop arguments (`validation_freq`, `steps`, `initial_epoch`) and their bad values.
//! Tolerance: float32, 1e-5 relative + 1e-6 absolute (golden::REL / golden::ABS) — the
//! histories are two epochs of SGD from the same weights on the same batches.
use super::golden::{self, close, REL};
use kc::callbacks::CsvLogger;
use kc::frontend::Tensor;
use kc::prelude::*;
use serde_json::Value;

fn t(v: &Value) -> Tensor {
    Tensor::from_host(golden::host(v))
}

/// A Dense layer model with the golden's starting weights.
fn dense(doc: &Value, units: usize, activation: Option<&str>) -> Model {
    let mut d = Dense::new(units);
    if let Some(a) = activation {
        d = d.activation(a);
    }
    let mut m = Model::sequential(vec![Box::new(Input::new(&[2])), Box::new(d)]);
    m.build(TensorType::new(DType::F32, Shape(vec![Dim::sym("N"), Dim::Known(2)]))).unwrap();
    m.set_weights(&[golden::host(&doc["kernel"]), golden::host(&doc["bias"])]).unwrap();
    m
}

fn check_logs(what: &str, got: &std::collections::BTreeMap<String, f64>, want: &Value) {
    let want = want.as_object().unwrap();
    let keys: Vec<&String> = got.keys().collect();
    let want_keys: Vec<&String> = want.keys().collect();
    assert_eq!(keys, want_keys, "{what}: logged names");
    for (k, v) in want {
        close(&[got[k]], &[v.as_f64().unwrap()], REL).unwrap_or_else(|e| panic!("{what} {k}: {e}"));
    }
}

fn check_history(what: &str, h: &History, want: &Value) {
    let want = want.as_object().unwrap();
    let keys: Vec<&String> = h.history.keys().collect();
    assert_eq!(keys, want.keys().collect::<Vec<_>>(), "{what}: history names");
    for (k, v) in want {
        let w: Vec<f64> = v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
        close(h.get(k).unwrap(), &w, REL).unwrap_or_else(|e| panic!("{what} {k}: {e}"));
    }
}

fn check_weights(what: &str, m: &Model, want: &Value) {
    for (w, want) in m.get_weights().iter().zip(want.as_array().unwrap()) {
        close(&w.to_f64_vec(), &golden::data(want), REL).unwrap_or_else(|e| panic!("{what}: {e}"));
    }
}

#[test]
fn sample_weights_weigh_the_loss_and_the_weighted_metrics_as_in_keras() {
    let doc = golden::load("training.json");
    let g = &doc["weighted"];
    let mut m = dense(g, 1, None);
    m.compile(Compile::new().optimizer(Sgd::new(0.1)).loss("mse").metrics(&["mae"]).weighted_metrics(&["mae"])).unwrap();
    let dir = tempdir("weighted");
    let csv = dir.join("log.csv");
    let (x, y, sw) = (t(&g["x"]), t(&g["y"]), t(&g["sample_weight"]));
    let cfg = Fit::new().sample_weight(sw.clone()).batch_size(4).epochs(2).shuffle(false).validation_split(0.25).verbose(0).callback(CsvLogger::new(&csv).separator(";"));
    let h = m.fit(&x, &y, cfg).unwrap();
    check_history("fit", &h, &g["history"]);
    check_weights("weights after fit", &m, &g["weights_after_fit"]);
    // the CSV file: Keras's header, and the same numbers
    let text = std::fs::read_to_string(&csv).unwrap().replace("\r\n", "\n");
    let want = g["csv"].as_str().unwrap();
    let (lines, want_lines): (Vec<&str>, Vec<&str>) = (text.lines().collect(), want.lines().collect());
    assert_eq!(lines[0], want_lines[0], "CSV header");
    assert_eq!(lines.len(), want_lines.len());
    for (l, w) in lines[1..].iter().zip(&want_lines[1..]) {
        let parse = |s: &str| s.split(';').map(|f| f.parse::<f64>().unwrap()).collect::<Vec<_>>();
        close(&parse(l), &parse(w), REL).unwrap_or_else(|e| panic!("CSV row {l}: {e}"));
    }
    let ev = m.evaluate_with(&x, &y, Evaluate::new().sample_weight(sw.clone()).batch_size(5).verbose(0)).unwrap();
    check_logs("evaluate", &ev, &g["evaluate"]);
    let five = |a: &Tensor| Tensor::from_host(kc::frontend::data::row_range(&a.host().unwrap(), 0, 5).unwrap());
    let tob = m.test_on_batch_logs(five(&x), five(&y), Some(&five(&sw))).unwrap();
    check_logs("test_on_batch", &tob, &g["test_on_batch"]);
    let trb = m.train_on_batch_logs(five(&x), five(&y), Some(&five(&sw))).unwrap();
    check_logs("train_on_batch", &trb, &g["train_on_batch"]);
    check_weights("weights after train_on_batch", &m, &g["weights_after_train_on_batch"]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn class_weights_become_sample_weights_as_in_keras() {
    let doc = golden::load("training.json");
    let g = &doc["class_weight"];
    let mut m = dense(g, 3, Some("softmax"));
    m.compile(Compile::new().optimizer(Sgd::new(0.5)).loss("sparse_categorical_crossentropy").metrics(&["accuracy"]).weighted_metrics(&["accuracy"])).unwrap();
    let cw: Vec<(i64, f64)> = g["class_weight"].as_object().unwrap().iter().map(|(k, v)| (k.parse().unwrap(), v.as_f64().unwrap())).collect();
    let h = m.fit(&t(&g["x"]), &t(&g["y"]), Fit::new().class_weight(cw).batch_size(4).epochs(2).shuffle(false).verbose(0)).unwrap();
    check_history("fit with class_weight", &h, &g["history"]);
    check_weights("weights after fit", &m, &g["weights_after_fit"]);
}

pub fn tempdir(what: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("kc-test-{what}-{}-{:?}", std::process::id(), std::thread::current().id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn regression() -> (Tensor, Tensor) {
    let x: Vec<f32> = (0..40).map(|i| ((i * 13 % 11) as f32 / 5.0) - 1.0).collect();
    let y: Vec<f32> = x.chunks(2).map(|p| p[0] - 2.0 * p[1]).collect();
    (Tensor::from_f32(&[20, 2], x).unwrap(), Tensor::from_f32(&[20, 1], y).unwrap())
}

fn small() -> Model {
    let mut m = Model::sequential(vec![Box::new(Input::new(&[2])), Box::new(Dense::new(1))]);
    m.compile(Compile::new().optimizer(Sgd::new(0.05)).loss("mse").metrics(&["mae"])).unwrap();
    m
}

#[test]
fn validation_runs_every_validation_freq_epochs_and_initial_epoch_skips_ahead() {
    let (x, y) = regression();
    let mut m = small();
    let h = m.fit(&x, &y, Fit::new().epochs(5).initial_epoch(1).validation_split(0.2).validation_freq(2).batch_size(4).verbose(0)).unwrap();
    assert_eq!(h.epochs, vec![1, 2, 3, 4]);
    // validated after epochs 2 and 4 (1-based: (epoch + 1) % 2 == 0), so twice
    assert_eq!(h.get("val_loss").unwrap().len(), 2);
    assert_eq!(h.get("loss").unwrap().len(), 4);
    assert_eq!(h.params.epochs, 5);
    assert_eq!(h.params.steps, Some(4));
}

#[test]
fn on_batch_methods_and_steps() {
    let (x, y) = regression();
    let mut m = small();
    let before = m.test_on_batch(&x, &y).unwrap();
    let logs = m.test_on_batch_logs(&x, &y, None).unwrap();
    assert_eq!(logs["loss"], before);
    assert!(logs.contains_key("mae"));
    // test_on_batch does not train; train_on_batch reports the loss before its update
    assert_eq!(m.train_on_batch(&x, &y).unwrap(), before);
    assert!(m.test_on_batch(&x, &y).unwrap() < before);
    let p = m.predict_on_batch(&x).unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].shape().unwrap(), vec![20, 1]);
    assert_eq!(p[0].to_f64_vec().unwrap(), m.predict(&x, 7).unwrap().to_f64_vec().unwrap());
    // steps limits the batches
    let some = m.predict_with(&x, Predict::new().batch_size(4).steps(2).verbose(0)).unwrap();
    assert_eq!(some[0].shape().unwrap(), vec![8, 1]);
    let ev = m.evaluate_with(&x, &y, Evaluate::new().batch_size(4).steps(1).verbose(0)).unwrap();
    let first = m.test_on_batch_logs(
        Tensor::from_host(kc::frontend::data::row_range(&x.host().unwrap(), 0, 4).unwrap()),
        Tensor::from_host(kc::frontend::data::row_range(&y.host().unwrap(), 0, 4).unwrap()),
        None,
    )
    .unwrap();
    assert_eq!(ev, first, "evaluate with steps(1) is the first batch's test");
}

#[test]
fn bad_trainer_arguments_are_errors_that_name_them() {
    let (x, y) = regression();
    let mut m = small();
    let w = Tensor::from_f32(&[20], vec![1.0; 20]).unwrap();
    let e = m.fit(&x, &y, Fit::new().sample_weight(w.clone()).class_weight([(0, 1.0)]).verbose(0)).unwrap_err().to_string();
    assert!(e.contains("class_weight") && e.contains("sample_weight"), "{e}");
    let short = Tensor::from_f32(&[19], vec![1.0; 19]).unwrap();
    let e = m.fit(&x, &y, Fit::new().sample_weight(short.clone()).verbose(0)).unwrap_err().to_string();
    assert!(e.contains("sample_weight: 19 samples") && e.contains("x: 20 samples"), "{e}");
    let e = m.evaluate_with(&x, &y, Evaluate::new().sample_weight(short).verbose(0)).unwrap_err().to_string();
    assert!(e.contains("sample_weight: 19 samples"), "{e}");
    let e = m.fit(&x, &y, Fit::new().validation_split(0.2).validation_freq(0).verbose(0)).unwrap_err().to_string();
    assert!(e.contains("validation_freq"), "{e}");
    let e = m.predict_with(&x, Predict::new().batch_size(0)).unwrap_err().to_string();
    assert!(e.contains("batch_size"), "{e}");
    // class weights need a single output
    let a = Input::new(&[2]).tensor();
    let d1 = Shared::new(Dense::new(1));
    let d2 = Shared::new(Dense::new(1));
    let (o1, o2) = (d1.call1(&a).unwrap(), d2.call1(&a).unwrap());
    let mut two = Model::functional(&[a], &[o1, o2]).unwrap();
    two.compile(Compile::new().optimizer("sgd").loss("mse")).unwrap();
    let e = two.fit(&x, vec![y.clone(), y.clone()], Fit::new().class_weight([(0, 2.0)]).verbose(0)).unwrap_err().to_string();
    assert!(e.contains("single output"), "{e}");
    // sample weights of a two-output model weigh both outputs' losses
    let h = two.fit(&x, vec![y.clone(), y.clone()], Fit::new().sample_weight(w).epochs(1).verbose(0)).unwrap();
    assert!(h.last("loss").unwrap().is_finite());
}

#[test]
fn zero_sample_weights_leave_samples_out() {
    // A sample with weight 0 contributes nothing: training on (data + junk rows weighted
    // 0) is the same as training on the data alone.
    let (x, y) = regression();
    let junk_x = Tensor::from_f32(&[4, 2], vec![50.0; 8]).unwrap();
    let junk_y = Tensor::from_f32(&[4, 1], vec![-80.0; 4]).unwrap();
    let xa = kc::frontend::ops::concatenate(&[x.clone(), junk_x], 0).unwrap();
    let ya = kc::frontend::ops::concatenate(&[y.clone(), junk_y], 0).unwrap();
    let mut w = vec![1.0f32; 20];
    w.extend([0.0; 4]);
    let weights = Tensor::from_f32(&[24], w).unwrap();
    kc::layers::clear_session();
    let mut a = small();
    let start = {
        a.build(TensorType::new(DType::F32, Shape(vec![Dim::sym("N"), Dim::Known(2)]))).unwrap();
        a.get_weights()
    };
    // one batch holding everything, so the batches agree; sum_over_batch_size divides by
    // the batch size, so the weighted run's gradient is 20/24 of the plain one: use SGD's
    // learning rate to compensate exactly
    a.compile(Compile::new().optimizer(Sgd::new(0.06)).loss(kc::frontend::Loss::from_name("mse").unwrap())).unwrap();
    a.fit(&xa, &ya, Fit::new().sample_weight(weights).batch_size(24).epochs(3).shuffle(false).verbose(0)).unwrap();
    let mut b = small();
    b.build(TensorType::new(DType::F32, Shape(vec![Dim::sym("N"), Dim::Known(2)]))).unwrap();
    b.set_weights(&start).unwrap();
    b.compile(Compile::new().optimizer(Sgd::new(0.05)).loss("mse")).unwrap();
    b.fit(&x, &y, Fit::new().batch_size(20).epochs(3).shuffle(false).verbose(0)).unwrap();
    for (p, q) in a.get_weights().iter().zip(b.get_weights()) {
        close(&p.to_f64_vec(), &q.to_f64_vec(), 1e-5).unwrap();
    }
}
