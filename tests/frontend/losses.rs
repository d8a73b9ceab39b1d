//! Losses against real Keras 3: every case of `tests/golden/keras/data/losses.json`
//! (each loss with several arguments, the five reductions, with and without sample
//! weights) is computed eagerly and traced with a symbolic batch, and both must equal
//! Keras's value within the golden-file tolerance (`golden::REL`). Cases where Keras
//! refuses the inputs must be errors in kc too.
use super::golden::{self, close, Inputs, REL};
use kc::frontend::losses::{self, Reduction};
use kc::frontend::{Graph, Loss, Result, Tensor};
use kc::prelude::*;
use serde_json::Value;
use std::collections::BTreeSet;

/// The loss a case describes: a Keras identifier and constructor arguments.
fn loss_of(case: &Value) -> Result<Loss> {
    let mut l = Loss::from_name(case["loss"].as_str().unwrap())?;
    for (k, v) in case["args"].as_object().unwrap() {
        l = match k.as_str() {
            "from_logits" => l.from_logits(v.as_bool().unwrap()),
            "label_smoothing" => l.label_smoothing(v.as_f64().unwrap()),
            "axis" => l.axis(v.as_i64().unwrap()),
            "delta" => l.delta(v.as_f64().unwrap()),
            "alpha" => l.alpha(v.as_f64().unwrap()),
            "gamma" => l.gamma(v.as_f64().unwrap()),
            "apply_class_balancing" => l.apply_class_balancing(v.as_bool().unwrap()),
            "ignore_class" => l.ignore_class(v.as_i64().unwrap()),
            other => panic!("the golden file has an argument this test does not know: {other}"),
        };
    }
    Ok(l.reduction(Reduction::from_name(case["reduction"].as_str().unwrap())?))
}

/// The loss traced with a symbolic batch, then run on the case's data.
fn traced(l: &Loss, t: &HostTensor, p: &HostTensor, sw: Option<&HostTensor>) -> Result<HostTensor> {
    let g = Graph::new();
    let mut hosts = vec![t, p];
    hosts.extend(sw);
    let (ins, _) = golden::symbolic(&g, &hosts);
    let out = l.call_weighted(&ins[0], &ins[1], ins.get(2))?;
    let (f, _) = g.finish("loss", &[out])?;
    let args: Vec<HostTensor> = hosts.iter().map(|h| (*h).clone()).collect();
    Ok(kc::runtime::run_func(&f, &args)?.remove(0))
}

fn describe(case: &Value) -> String {
    format!(
        "{}({}) reduction={} y_true={} y_pred={} sample_weight={}",
        case["loss"].as_str().unwrap(),
        case["args"],
        case["reduction"],
        case["y_true"],
        case["y_pred"],
        case["sample_weight"]
    )
}

#[test]
fn every_loss_matches_keras_eagerly_and_traced() {
    let doc = golden::load("losses.json");
    let inputs = Inputs::of(&doc);
    let cases = doc["cases"].as_array().unwrap();
    let mut failures = Vec::new();
    let mut classes = BTreeSet::new();
    for case in cases {
        let what = describe(case);
        let l = loss_of(case).unwrap_or_else(|e| panic!("{what}: {e}"));
        classes.insert(l.class_name());
        let t = inputs.get(case, "y_true").unwrap();
        let p = inputs.get(case, "y_pred").unwrap();
        let sw = inputs.get(case, "sample_weight");
        let eager = l.call_weighted(&Tensor::from_host(t.clone()), &Tensor::from_host(p.clone()), sw.clone().map(Tensor::from_host).as_ref());
        let traced = traced(&l, &t, &p, sw.as_ref());
        if let Some(keras_err) = case.get("error") {
            for (how, r) in [("eagerly", eager.map(|x| x.host().unwrap())), ("traced", traced)] {
                if let Ok(v) = r {
                    failures.push(format!("{what} ({how}): Keras refused ({keras_err}) but kc gave {v}"));
                }
            }
            continue;
        }
        let want = &case["expected"];
        match eager {
            Ok(v) => {
                if v.shape() != Some(golden::shape(want)) {
                    failures.push(format!("{what}: shape {:?}, Keras {:?}", v.shape(), golden::shape(want)));
                }
                if let Err(e) = close(&v.to_f64_vec().unwrap(), &golden::data(want), REL) {
                    failures.push(format!("{what} (eagerly): {e}"));
                }
            }
            Err(e) => failures.push(format!("{what} (eagerly): {e}")),
        }
        match traced {
            Ok(v) => {
                if let Err(e) = close(&v.to_f64_vec(), &golden::data(want), REL) {
                    failures.push(format!("{what} (traced): {e}"));
                }
            }
            Err(e) => failures.push(format!("{what} (traced): {e}")),
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ from Keras:\n{}", failures.len(), cases.len(), failures.join("\n"));
    // every loss kc knows is covered by the golden file
    let all: BTreeSet<&str> = losses::names().iter().map(|n| Loss::from_name(n).unwrap().class_name()).collect();
    let missing: Vec<_> = all.difference(&classes).collect();
    assert!(missing.is_empty(), "losses without a golden case: {missing:?}");
}

fn t(shape: &[usize], v: &[f32]) -> Tensor {
    Tensor::from_f32(shape, v.to_vec()).unwrap()
}

#[test]
fn unknown_names_list_the_valid_ones() {
    let e = Loss::from_name("mean_squared_eror").unwrap_err().to_string();
    assert!(e.contains("unknown loss `mean_squared_eror`"), "{e}");
    for valid in ["mean_squared_error", "mse", "MeanSquaredError", "kld", "huber", "log_cosh", "categorical_focal_crossentropy"] {
        assert!(e.contains(valid), "{valid} missing from: {e}");
    }
    let e = Reduction::from_name("average").unwrap_err().to_string();
    assert!(e.contains("unknown reduction `average`") && e.contains("sum_over_batch_size") && e.contains("mean_with_sample_weight"), "{e}");
}

#[test]
fn an_argument_the_loss_does_not_take_is_an_error() {
    let (y, p) = (t(&[2, 2], &[0., 1., 1., 0.]), t(&[2, 2], &[0.2, 0.8, 0.6, 0.4]));
    let e = Loss::from_name("mse").unwrap().from_logits(true).call(&y, &p).unwrap_err().to_string();
    assert!(e.contains("loss `mean_squared_error` has no argument `from_logits`"), "{e}");
    let e = Loss::from_name("hinge").unwrap().delta(2.0).call(&y, &p).unwrap_err().to_string();
    assert!(e.contains("no argument `delta`") && e.contains("it takes: reduction"), "{e}");
    let e = Loss::from_name("bce").unwrap().label_smoothing(1.5).call(&y, &p).unwrap_err().to_string();
    assert!(e.contains("label_smoothing must be in [0, 1]"), "{e}");
    // arguments the loss does take are fine
    Loss::from_name("bce").unwrap().from_logits(true).label_smoothing(0.1).call(&y, &p).unwrap();
}

#[test]
fn a_loss_that_does_not_fit_the_output_shape_is_a_clear_error() {
    let logits = t(&[4, 3], &[0.; 12]);
    let labels = Tensor::from_host(HostTensor::from_vec(vec![4], vec![0i32, 1, 2, 1]).unwrap());
    // one-hot loss given integer labels
    let e = Loss::from_name("categorical_crossentropy").unwrap().call(&labels, &logits).unwrap_err().to_string();
    assert!(e.contains("loss `categorical_crossentropy`") && e.contains("i32[4]") && e.contains("f32[4, 3]") && e.contains("same shape"), "{e}");
    // sparse loss given one-hot labels of another width
    let e = Loss::from_name("sparse_categorical_crossentropy").unwrap().call(&t(&[4, 2], &[0.; 8]), &logits).unwrap_err().to_string();
    assert!(e.contains("loss `sparse_categorical_crossentropy`") && e.contains("without its class axis"), "{e}");
    // regression targets of the wrong width
    let e = Loss::from_name("mse").unwrap().call(&t(&[4, 2], &[0.; 8]), &logits).unwrap_err().to_string();
    assert!(e.contains("loss `mean_squared_error`") && e.contains("cannot be broadcast"), "{e}");
    // a sample weight that fits neither the batch nor the per-sample values
    let e = Loss::from_name("mse").unwrap().call_weighted(&logits, &logits, Some(&t(&[3], &[1.; 3]))).unwrap_err().to_string();
    assert!(e.contains("sample_weight f32[3] does not fit"), "{e}");
    // and through compile/fit, the error names the loss
    let mut m = Model::sequential(vec![Box::new(Input::new(&[3])), Box::new(Dense::new(3))]);
    m.compile(Compile::new().optimizer("sgd").loss("categorical_crossentropy")).unwrap();
    let e = m.fit(&logits, &labels, Fit::new().verbose(0)).unwrap_err().to_string();
    assert!(e.contains("categorical_crossentropy") && e.contains("same shape"), "{e}");
}

#[test]
fn per_sample_values_and_reductions_by_hand() {
    // Huber with delta 1: errors 0.5 and 3 give 0.125 and 2.5
    let (y, p) = (t(&[2, 1], &[0., 0.]), t(&[2, 1], &[0.5, 3.]));
    let l = Loss::from_name("huber").unwrap();
    assert_eq!(l.per_sample(&y, &p).unwrap().to_f64_vec().unwrap(), vec![0.125, 2.5]);
    let w = t(&[2], &[3., 0.]);
    let v = |r| l.clone().reduction(r).call_weighted(&y, &p, Some(&w)).unwrap().to_f64_vec().unwrap();
    assert_eq!(v(Reduction::Sum), vec![0.375]);
    assert_eq!(v(Reduction::SumOverBatchSize), vec![0.1875]);
    assert_eq!(v(Reduction::Mean), vec![0.1875]);
    assert_eq!(v(Reduction::MeanWithSampleWeight), vec![0.125]);
    assert_eq!(v(Reduction::None), vec![0.375, 0.]);
    // ignore_class: the ignored sample neither adds to the sum nor to the count
    let labels = Tensor::from_host(HostTensor::from_vec(vec![2], vec![0i32, 1]).unwrap());
    let logits = t(&[2, 2], &[0., 0., 5., -5.]);
    let l = Loss::from_name("sparse_categorical_crossentropy").unwrap().from_logits(true).ignore_class(1);
    let v = l.call(&labels, &logits).unwrap().item().unwrap();
    assert!((v - std::f64::consts::LN_2).abs() < 1e-6, "{v}");
}

/// Labels for points in the plane: class 1 when x0 + x1 > 0.
fn separable(n: usize) -> (Tensor, Vec<usize>) {
    let mut s = 11u64;
    let mut r = || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((s >> 33) as f64 / (1u64 << 31) as f64) * 2.0 - 1.0
    };
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let (a, b) = (r(), r());
        x.extend([a as f32, b as f32]);
        y.push(usize::from(a + b > 0.0));
    }
    (t(&[n, 2], &x), y)
}

/// Every loss goes through the trainer: traced, differentiated by the compiler's
/// autodiff, and minimised by a few epochs of Adam.
#[test]
fn every_loss_trains_a_model() {
    let n = 128;
    let (x, labels) = separable(n);
    let column: Vec<f32> = labels.iter().map(|&c| c as f32).collect();
    let one_hot: Vec<f32> = labels.iter().flat_map(|&c| [(1 - c) as f32, c as f32]).collect();
    let sparse = Tensor::from_host(HostTensor::from_vec(vec![n], labels.iter().map(|&c| c as i32).collect()).unwrap());
    // (loss, output units, output activation, targets)
    let cases: Vec<(Loss, usize, &str, Tensor)> = vec![
        (Loss::from_name("mse").unwrap(), 1, "sigmoid", t(&[n, 1], &column)),
        (Loss::from_name("mae").unwrap(), 1, "sigmoid", t(&[n, 1], &column)),
        (Loss::from_name("mape").unwrap(), 1, "softplus", t(&[n, 1], &column.iter().map(|c| c + 1.0).collect::<Vec<_>>())),
        (Loss::from_name("msle").unwrap(), 1, "softplus", t(&[n, 1], &column)),
        (Loss::from_name("huber").unwrap().delta(0.5), 1, "linear", t(&[n, 1], &column)),
        (Loss::from_name("log_cosh").unwrap(), 1, "linear", t(&[n, 1], &column)),
        (Loss::from_name("cosine_similarity").unwrap(), 2, "linear", t(&[n, 2], &one_hot)),
        (Loss::from_name("binary_crossentropy").unwrap().label_smoothing(0.1), 1, "sigmoid", t(&[n, 1], &column)),
        (Loss::from_name("bce").unwrap().from_logits(true), 1, "linear", t(&[n, 1], &column)),
        (Loss::from_name("categorical_crossentropy").unwrap().from_logits(true), 2, "linear", t(&[n, 2], &one_hot)),
        (Loss::from_name("sparse_categorical_crossentropy").unwrap().ignore_class(0), 2, "softmax", sparse.clone()),
        (Loss::from_name("binary_focal_crossentropy").unwrap().apply_class_balancing(true), 1, "sigmoid", t(&[n, 1], &column)),
        (Loss::from_name("categorical_focal_crossentropy").unwrap().from_logits(true), 2, "linear", t(&[n, 2], &one_hot)),
        (Loss::from_name("kld").unwrap(), 2, "softmax", t(&[n, 2], &one_hot)),
        (Loss::from_name("poisson").unwrap(), 1, "softplus", t(&[n, 1], &column)),
        (Loss::from_name("hinge").unwrap(), 1, "tanh", t(&[n, 1], &column)),
        (Loss::from_name("squared_hinge").unwrap(), 1, "tanh", t(&[n, 1], &column)),
        (Loss::from_name("categorical_hinge").unwrap(), 2, "linear", t(&[n, 2], &one_hot)),
    ];
    let mut failures = Vec::new();
    for (loss, units, act, y) in cases {
        set_random_seed(5);
        let what = format!("{loss:?}");
        let mut m = Model::sequential(vec![Box::new(Input::new(&[2])), Box::new(Dense::new(units).activation(act))]);
        let run = m.compile(Compile::new().optimizer(Adam::new(0.05)).loss(loss)).and_then(|_| m.fit(&x, &y, Fit::new().epochs(4).batch_size(32).verbose(0)));
        match run {
            Ok(h) => {
                let l = h.get("loss").unwrap();
                if l[3].is_nan() || l[3] >= l[0] {
                    failures.push(format!("{what}: the loss did not fall: {l:?}"));
                }
            }
            Err(e) => failures.push(format!("{what}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
