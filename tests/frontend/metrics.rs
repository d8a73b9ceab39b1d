//! Metrics against real Keras 3: every case of `tests/golden/keras/data/metrics.json`
//! is two `update_state` calls and `result()`. kc runs each case twice: eagerly, and
//! with each update traced (symbolic batch) into a step that goes through the
//! compiler's default pipeline, as the trainer runs it. Both must equal Keras's result
//! within the golden-file tolerance (`golden::REL`).
use super::golden::{self, close, Inputs, REL};
use kc::frontend::metrics::{self, Auc, Average, BinaryAccuracy, Curve, F1Score, Precision, Recall, Summation, TopKCategoricalAccuracy};
use kc::frontend::training::Step;
use kc::frontend::{Graph, Metric, Result, Tensor};
use kc::prelude::*;
use serde_json::Value;
use std::collections::BTreeSet;

fn f64s(v: &Value) -> Vec<f64> {
    match v.as_array() {
        Some(a) => a.iter().map(|x| x.as_f64().unwrap()).collect(),
        None => vec![v.as_f64().unwrap()],
    }
}

/// The metric a case describes: a Keras class (or identifier) and its arguments.
fn metric_of(case: &Value) -> Result<Metric> {
    let name = case["metric"].as_str().unwrap();
    if case.get("resolve").is_some() {
        return Metric::resolve(name, "");
    }
    let args = case["args"].as_object().unwrap();
    let arg = |k: &str| args.get(k);
    match name {
        "BinaryAccuracy" => BinaryAccuracy::new().threshold(arg("threshold").map_or(0.5, |v| v.as_f64().unwrap())).build(),
        "TopKCategoricalAccuracy" | "SparseTopKCategoricalAccuracy" => {
            let k = arg("k").map_or(5, |v| v.as_u64().unwrap() as usize);
            TopKCategoricalAccuracy::new().k(k).sparse(name.starts_with("Sparse")).build()
        }
        "AUC" => {
            let mut a = Auc::new();
            if let Some(n) = arg("num_thresholds") {
                a = a.num_thresholds(n.as_u64().unwrap() as usize);
            }
            if let Some(c) = arg("curve") {
                a = a.curve(Curve::from_name(c.as_str().unwrap())?);
            }
            if let Some(s) = arg("summation_method") {
                a = a.summation_method(Summation::from_name(s.as_str().unwrap())?);
            }
            if let Some(t) = arg("thresholds") {
                a = a.thresholds(&f64s(t));
            }
            if let Some(b) = arg("from_logits") {
                a = a.from_logits(b.as_bool().unwrap());
            }
            a.build()
        }
        "Precision" | "Recall" => {
            let (th, k, c) =
                (arg("thresholds").map(f64s), arg("top_k").map(|v| v.as_u64().unwrap() as usize), arg("class_id").map(|v| v.as_u64().unwrap() as usize));
            macro_rules! configure {
                ($m:expr) => {{
                    let mut m = $m;
                    if let Some(th) = &th {
                        m = m.thresholds(th);
                    }
                    if let Some(k) = k {
                        m = m.top_k(k);
                    }
                    if let Some(c) = c {
                        m = m.class_id(c);
                    }
                    m.build()
                }};
            }
            if name == "Precision" {
                configure!(Precision::new())
            } else {
                configure!(Recall::new())
            }
        }
        "F1Score" => {
            let mut f = F1Score::new();
            if let Some(a) = arg("average") {
                f = f.average(Some(Average::from_name(a.as_str().unwrap())?));
            }
            if let Some(t) = arg("threshold") {
                f = f.threshold(t.as_f64().unwrap());
            }
            f.build()
        }
        _ => {
            assert!(args.is_empty(), "{name}: arguments this test does not pass on: {args:?}");
            Metric::from_name(name)
        }
    }
}

/// One update's tensors: y_true (absent for `Mean`), y_pred (the values for `Mean`),
/// sample_weight.
fn update_inputs(inputs: &Inputs, up: &Value) -> Vec<Option<HostTensor>> {
    vec![inputs.get(up, "y_true"), inputs.get(up, "y_pred"), inputs.get(up, "sample_weight")]
}

fn assigns(m: &Metric, ins: &[Option<Tensor>]) -> Result<Vec<(Variable, Tensor)>> {
    match &ins[0] {
        Some(t) => m.update_weighted(t, ins[1].as_ref().unwrap(), ins[2].as_ref()),
        None => m.update_values(ins[1].as_ref().unwrap(), ins[2].as_ref()),
    }
}

fn run_eager(m: &Metric, ups: &[Vec<Option<HostTensor>>]) -> Result<Vec<f64>> {
    for up in ups {
        let ins: Vec<Option<Tensor>> = up.iter().map(|h| h.clone().map(Tensor::from_host)).collect();
        metrics::assign_all(assigns(m, &ins)?)?;
    }
    m.result_values()
}

/// Each update traced with a symbolic batch and built into a step (the compiler's
/// default pipeline runs on it), then run on the data; the step writes the state back.
fn run_traced(m: &Metric, ups: &[Vec<Option<HostTensor>>]) -> Result<Vec<f64>> {
    for up in ups {
        let present: Vec<&HostTensor> = up.iter().flatten().collect();
        let g = Graph::new();
        let (syms, names) = golden::symbolic(&g, &present);
        let mut it = syms.into_iter();
        let ins: Vec<Option<Tensor>> = up.iter().map(|h| h.as_ref().and_then(|_| it.next())).collect();
        let target = kc::frontend::JitCompile::Auto.resolve()?.0;
        let step = Step::build(&g, "metric_update", &[], assigns(m, &ins)?, target)?;
        let feed: Vec<(&str, &HostTensor)> = names.iter().map(|s| s.as_str()).zip(present.iter().copied()).collect();
        step.run(&feed)?;
    }
    m.result_values()
}

#[test]
fn every_metric_matches_keras_eagerly_and_traced() {
    let doc = golden::load("metrics.json");
    let inputs = Inputs::of(&doc);
    let cases = doc["cases"].as_array().unwrap();
    let mut failures = Vec::new();
    let mut covered = BTreeSet::new();
    for case in cases {
        let what = format!("{}({})", case["metric"].as_str().unwrap(), case["args"]);
        covered.insert(case["metric"].as_str().unwrap().to_string());
        let ups: Vec<_> = case["updates"].as_array().unwrap().iter().map(|u| update_inputs(&inputs, u)).collect();
        let want = golden::data(&case["expected"]);
        for (how, run) in [("eagerly", run_eager as fn(&Metric, &[Vec<Option<HostTensor>>]) -> Result<Vec<f64>>), ("traced", run_traced)] {
            let m = metric_of(case).unwrap_or_else(|e| panic!("{what}: {e}"));
            match run(&m, &ups) {
                Ok(got) => {
                    if let Err(e) = close(&got, &want, REL) {
                        failures.push(format!("{what} ({how}): {e}"));
                    }
                    // the scalar `result()` the trainer logs is the value, or the mean
                    let mean = want.iter().sum::<f64>() / want.len() as f64;
                    if (m.result() - mean).abs() > REL * mean.abs() + golden::ABS {
                        failures.push(format!("{what} ({how}): result() {} vs {mean}", m.result()));
                    }
                    m.reset().unwrap();
                    if m.result_values().map(|v| v.iter().any(|x| *x != 0.0)).unwrap_or(false) {
                        failures.push(format!("{what} ({how}): reset left {:?}", m.result_values()));
                    }
                }
                Err(e) => failures.push(format!("{what} ({how}): {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{} failures in {} cases:\n{}", failures.len(), cases.len(), failures.join("\n"));
    // the metrics this task lists are all covered
    for m in [
        "Mean",
        "Accuracy",
        "BinaryAccuracy",
        "CategoricalAccuracy",
        "SparseCategoricalAccuracy",
        "TopKCategoricalAccuracy",
        "SparseTopKCategoricalAccuracy",
        "AUC",
        "Precision",
        "Recall",
        "F1Score",
        "MeanSquaredError",
        "MeanAbsoluteError",
        "RootMeanSquaredError",
    ] {
        assert!(covered.contains(m), "no golden case for {m}");
    }
}

fn t(shape: &[usize], v: &[f32]) -> Tensor {
    Tensor::from_f32(shape, v.to_vec()).unwrap()
}

#[test]
fn unknown_names_and_arguments_list_the_valid_ones() {
    let e = Metric::from_name("acuracy").unwrap_err().to_string();
    assert!(e.contains("unknown metric `acuracy`"), "{e}");
    for valid in ["accuracy", "auc", "AUC", "f1_score", "root_mean_squared_error", "mse", "sparse_top_k_categorical_accuracy"] {
        assert!(e.contains(valid), "{valid} missing from: {e}");
    }
    let e = Curve::from_name("roc_curve").unwrap_err().to_string();
    assert!(e.contains("unknown AUC curve `roc_curve`") && e.contains("ROC") && e.contains("PR"), "{e}");
    let e = Summation::from_name("trapezoid").unwrap_err().to_string();
    assert!(e.contains("interpolation") && e.contains("minoring"), "{e}");
    let e = Average::from_name("samples").unwrap_err().to_string();
    assert!(e.contains("micro") && e.contains("weighted"), "{e}");
    let e = Precision::new().thresholds(&[0.5, 1.5]).build().unwrap_err().to_string();
    assert!(e.contains("threshold values must be in [0, 1]") && e.contains("1.5"), "{e}");
    let e = Auc::new().num_thresholds(1).build().unwrap_err().to_string();
    assert!(e.contains("num_thresholds must be an integer > 1"), "{e}");
    let e = F1Score::new().threshold(0.0).build().unwrap_err().to_string();
    assert!(e.contains("0 < threshold <= 1"), "{e}");
}

#[test]
fn inputs_a_metric_cannot_take_are_errors_that_name_it() {
    let m = Metric::from_name("mean").unwrap();
    let e = m.update(&t(&[2], &[1., 2.]), &t(&[2], &[1., 2.])).unwrap_err().to_string();
    assert!(e.contains("metric `mean`") && e.contains("update_values"), "{e}");
    let e = Metric::from_name("accuracy").unwrap().update_values(&t(&[2], &[1., 2.]), None).unwrap_err().to_string();
    assert!(e.contains("metric `accuracy`") && e.contains("(y_true, y_pred)"), "{e}");
    let f1 = Metric::from_name("f1_score").unwrap();
    let e = f1.update(&t(&[3], &[1., 0., 1.]), &t(&[3], &[0.9, 0.1, 0.8])).unwrap_err().to_string();
    assert!(e.contains("f1_score expects 2D inputs"), "{e}");
    let e = f1.result_values().unwrap_err().to_string();
    assert!(e.contains("has seen no data"), "{e}");
    let p = Precision::new().class_id(4).build().unwrap();
    let e = p.update(&t(&[1, 3], &[1., 0., 0.]), &t(&[1, 3], &[0.9, 0.1, 0.8])).unwrap_err().to_string();
    assert!(e.contains("metric `precision`") && e.contains("class_id 4 is out of range"), "{e}");
    let mse = Metric::from_name("mse").unwrap();
    let e = mse.update(&t(&[2, 3], &[0.; 6]), &t(&[2, 2], &[0.; 4])).unwrap_err().to_string();
    assert!(e.contains("metric `mean_squared_error`") && e.contains("cannot be broadcast"), "{e}");
}

/// y = 1 when x0 + x1 > 0, as `[n, 1]` floats.
fn separable(n: usize) -> (Tensor, Tensor) {
    let mut s = 7u64;
    let mut r = || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((s >> 33) as f64 / (1u64 << 31) as f64) * 2.0 - 1.0
    };
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let (a, b) = (r(), r());
        x.extend([a as f32, b as f32]);
        y.push(if a + b > 0.0 { 1f32 } else { 0. });
    }
    (t(&[n, 2], &x), t(&[n, 1], &y))
}

#[test]
fn confusion_metrics_train_inside_fit() {
    set_random_seed(3);
    let (x, y) = separable(256);
    let mut m = Model::sequential(vec![Box::new(Input::new(&[2])), Box::new(Dense::new(1).activation("sigmoid"))]);
    let names = ["accuracy", "auc", "precision", "recall", "mse", "binary_crossentropy"];
    m.compile(Compile::new().optimizer(Adam::new(0.1)).loss("binary_crossentropy").metrics(&names)).unwrap();
    let h = m.fit(&x, &y, Fit::new().epochs(6).batch_size(32).validation_split(0.25).verbose(0)).unwrap();
    for n in names {
        assert!(h.get(n).is_some() && h.get(&format!("val_{n}")).is_some(), "{n} missing from {:?}", h.history.keys());
    }
    let ev = m.evaluate(&x, &y, 64).unwrap();
    assert!(ev["auc"] > 0.95 && ev["accuracy"] > 0.9 && ev["precision"] > 0.85 && ev["recall"] > 0.85, "{ev:?}");
    // the metric averages the same values the loss reduces
    assert!((ev["binary_crossentropy"] - ev["loss"]).abs() < 1e-5, "{ev:?}");
    // evaluate resets the state: a second run reports the same values
    assert_eq!(m.evaluate(&x, &y, 64).unwrap(), ev);
}

#[test]
fn the_ops_behind_the_metrics_by_hand() {
    use kc::frontend::ops;
    let ids = |v: &[i32]| Tensor::from_host(HostTensor::from_vec(vec![v.len()], v.to_vec()).unwrap());
    // ties count in the target's favour; a NaN score at the target ranks last; a label
    // outside the classes is never a hit
    let p = t(&[4, 3], &[0.5, 0.5, 0.1, 0.2, 0.7, 0.1, f32::NAN, 0.1, 0.2, 0.3, 0.2, 0.1]);
    let hit = ops::in_top_k(&ids(&[1, 0, 0, 3]), &p, 1).unwrap();
    assert_eq!(hit.to_f64_vec().unwrap(), vec![1., 0., 0., 0.]);
    let hit = ops::in_top_k(&ids(&[1, 0, 0, 0]), &p, 2).unwrap();
    assert_eq!(hit.to_f64_vec().unwrap(), vec![1., 1., 0., 1.]);
    // top_k keeps index order among equal values
    let (v, i) = ops::top_k(&t(&[1, 4], &[1., 3., 3., 2.]), 3).unwrap();
    assert_eq!((v.to_f64_vec().unwrap(), i.to_f64_vec().unwrap()), (vec![3., 3., 2.], vec![1., 2., 3.]));
    assert!(ops::top_k(&t(&[1, 2], &[1., 2.]), 3).unwrap_err().to_string().contains("larger than the last axis"));
    let q = ops::divide_no_nan(&t(&[3], &[1., 2., 0.]), &t(&[3], &[2., 0., 0.])).unwrap();
    assert_eq!(q.to_f64_vec().unwrap(), vec![0.5, 0., 0.]);
    let col = ops::take_last(&t(&[2, 3], &[1., 2., 3., 4., 5., 6.]), -1).unwrap();
    assert_eq!(col.to_f64_vec().unwrap(), vec![3., 6.]);
    assert!(ops::take_last(&t(&[2, 3], &[0.; 6]), 3).unwrap_err().to_string().contains("out of range"));
}
