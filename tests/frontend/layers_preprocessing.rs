//! The numeric and image preprocessing layers against real Keras 3 (golden file from
//! `tests/golden/keras/layers_preprocessing.py`): Normalization, Discretization,
//! CategoryEncoding, CenterCrop and Resizing rebuilt from Keras's configs with Keras's
//! weights, checked traced (batch axis symbolic, gradients by the compiler's autodiff)
//! and eagerly within 1e-5 relative + 1e-5 absolute; `adapt` against what Keras learns;
//! names, configs, errors; and a model of them run by `predict` on XLA.
use crate::golden::{assert_close, assert_config_covers, close_vec, load, tensor, traced_all, LAYER_ATOL, LAYER_RTOL};
use kc::frontend::layers::{self, call, CallCtx, Layer};
use kc::frontend::Tensor;
use kc::layers::*;
use serde_json::Value;

fn doc() -> Value {
    load("layers_preprocessing.json")
}

/// Every case of the given classes: rebuilt from Keras's config, Keras's weights
/// loaded, called traced (the batch axis symbolic unless the case is one unbatched
/// image) and eagerly.
fn check_cases(classes: &[&str]) {
    let data = doc();
    let mut seen = 0;
    for case in data["cases"].as_array().unwrap() {
        let class = case["class_name"].as_str().unwrap();
        if !classes.contains(&class) {
            continue;
        }
        seen += 1;
        let id = case["id"].as_str().unwrap();
        let mut layer = layers::from_config(class, case["config"].as_object().unwrap()).unwrap_or_else(|e| panic!("{id}: {e}"));
        let inputs: Vec<Tensor> = case["inputs"].as_array().unwrap().iter().map(tensor).collect();
        call(layer.as_mut(), &inputs, &CallCtx::new(false)).unwrap_or_else(|e| panic!("{id}: {e}"));
        let ws = layer.weights();
        let want_w = case["weights"].as_array().unwrap();
        assert_eq!(ws.len(), want_w.len(), "{id}: number of weights");
        let paths: Vec<String> = ws.iter().map(|w| w.path()).collect();
        let want_paths: Vec<&str> = case["weight_paths"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
        assert_eq!(paths, want_paths, "{id}: weight paths");
        for (w, v) in ws.iter().zip(want_w) {
            assert_eq!(format!("{:?}", w.dtype()).to_lowercase(), dtype_name(v), "{id}: dtype of {}", w.path());
            w.assign(tensor(v).host().unwrap()).unwrap();
        }
        assert_config_covers(id, &layer.get_config(), &case["config"]);
        let want = &case["output"];
        let batched = case["batched"].as_bool().unwrap_or(true);
        let r = case.get("r").map(tensor);
        let rs: Vec<Tensor> = r.iter().cloned().collect();
        let t = traced_all(layer.as_mut(), &inputs, &vec![batched; inputs.len()], &rs, false);
        assert_close(&format!("{id}: traced output"), &t.outputs[0], want, LAYER_RTOL, LAYER_ATOL);
        assert_eq!(dtype_of(&t.outputs[0]), dtype_name(want), "{id}: output dtype");
        if r.is_some() {
            for (i, g) in case["grad_inputs"].as_object().unwrap() {
                let i: usize = i.parse().unwrap();
                let got = t.grad_inputs[i].as_ref().unwrap_or_else(|| panic!("{id}: no gradient for input {i}"));
                assert_close(&format!("{id}: d/d input {i}"), got, g, LAYER_RTOL, LAYER_ATOL);
            }
        }
        let eager = call(layer.as_mut(), &inputs, &CallCtx::new(false)).unwrap().remove(0);
        assert_close(&format!("{id}: eager output"), &eager, want, LAYER_RTOL, LAYER_ATOL);
        assert_eq!(dtype_of(&eager), dtype_name(want), "{id}: eager output dtype");
    }
    assert!(seen >= 8, "only {seen} golden cases of {classes:?}");
}

fn dtype_of(t: &Tensor) -> String {
    format!("{:?}", t.dtype()).to_lowercase()
}

/// Keras's dtype name as kc's `DType` debug form (`float32` -> `f32`).
fn dtype_name(v: &Value) -> String {
    match v["dtype"].as_str().unwrap() {
        "float32" => "f32",
        "int32" => "i32",
        "uint8" => "u8",
        other => other,
    }
    .to_string()
}

#[test]
fn normalization_matches_keras() {
    check_cases(&["Normalization"]);
}

#[test]
fn discretization_matches_keras() {
    check_cases(&["Discretization"]);
}

#[test]
fn category_encoding_matches_keras() {
    check_cases(&["CategoryEncoding"]);
}

#[test]
fn center_crop_matches_keras() {
    check_cases(&["CenterCrop"]);
}

#[test]
fn resizing_matches_keras() {
    check_cases(&["Resizing"]);
}

fn host_list(v: &Value) -> Vec<kc::runtime::HostTensor> {
    v.as_array().unwrap().iter().map(|b| tensor(b).host().unwrap()).collect()
}

/// `adapt` on an array, on a list of batches and on a `Dataset` learns what Keras's
/// `adapt` learns: the mean and variance (Keras's running formula over batches), and
/// the bin boundaries of Keras's approximate quantiles.
#[test]
fn adapt_learns_what_keras_learns() {
    let data = doc();
    for case in data["adapt"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let cfg = &case["config"];
        let batched = case["batched"].as_bool().unwrap();
        let input: AdaptData = if batched { host_list(&case["data"]).into() } else { tensor(&case["data"]).into() };
        match case["class_name"].as_str().unwrap() {
            "Normalization" => {
                let axes: Vec<i64> = cfg["axis"].as_array().unwrap().iter().map(|a| a.as_i64().unwrap()).collect();
                let mut l = Normalization::new().axes(&axes);
                l.adapt(input).unwrap_or_else(|e| panic!("{id}: {e}"));
                let got = |v: Option<&kc::frontend::Variable>| Tensor::from_host(v.unwrap().value());
                assert_close(&format!("{id}: mean"), &got(l.adapt_mean()), &case["mean"], 1e-5, 1e-6);
                assert_close(&format!("{id}: variance"), &got(l.adapt_variance()), &case["variance"], 1e-5, 1e-6);
            }
            _ => {
                let n = cfg["num_bins"].as_u64().unwrap() as usize;
                let mut l = Discretization::with_num_bins(n).epsilon(cfg["epsilon"].as_f64().unwrap());
                l.adapt(input).unwrap_or_else(|e| panic!("{id}: {e}"));
                let want: Vec<f64> = case["bin_boundaries"].as_array().unwrap().iter().map(|b| b.as_f64().unwrap()).collect();
                // the same float32 numbers: the steps are Keras's, in NumPy's precision
                close_vec(&format!("{id}: bin_boundaries"), l.bin_boundaries.as_ref().unwrap(), &want, 1e-6, 0.0);
            }
        }
    }
}

/// A `Dataset` adapts as the list of its batches' inputs does (Keras's `PyDataset`).
#[test]
fn adapt_reads_a_dataset_batch_by_batch() {
    use kc::frontend::data::ArrayDataset;
    let x: Vec<f32> = (0..30).map(|i| ((i * 7 % 13) as f32) * 0.5 - 2.0).collect();
    let xh = kc::runtime::HostTensor::from_vec(vec![10, 3], x.clone()).unwrap();
    let yh = kc::runtime::HostTensor::from_vec(vec![10, 1], vec![0f32; 10]).unwrap();
    let mut ds = ArrayDataset::new(vec![xh.clone()], vec![yh], 4, false).unwrap();
    let mut from_ds = Normalization::new();
    from_ds.adapt(&mut ds).unwrap();
    let batches: Vec<Tensor> = [(0, 4), (4, 8), (8, 10)].iter().map(|&(a, b)| Tensor::from_f32(&[b - a, 3], x[a * 3..b * 3].to_vec()).unwrap()).collect();
    let mut from_list = Normalization::new();
    from_list.adapt(batches).unwrap();
    let mut whole = Normalization::new();
    whole.adapt(&Tensor::from_host(xh)).unwrap();
    let v = |l: &Normalization| (l.adapt_mean().unwrap().value().to_f64_vec(), l.adapt_variance().unwrap().value().to_f64_vec());
    let (a, b, c) = (v(&from_ds), v(&from_list), v(&whole));
    assert_eq!(a, b);
    // the running formula over batches gives the statistics of the whole
    close_vec("mean", &a.0, &c.0, 1e-6, 1e-6);
    close_vec("variance", &a.1, &c.1, 1e-6, 1e-6);
    // an independent check of the whole: column 0's population mean and variance
    let col: Vec<f64> = (0..10).map(|i| x[i * 3] as f64).collect();
    let m = col.iter().sum::<f64>() / 10.0;
    close_vec("column 0", &[c.0[0], c.1[0]], &[m, col.iter().map(|v| (v - m).powi(2)).sum::<f64>() / 10.0], 1e-6, 1e-6);
    // a Discretization learns the same boundaries from the dataset and from the list
    let mut d1 = Discretization::with_num_bins(4);
    d1.adapt(&mut ds).unwrap();
    let mut d2 = Discretization::with_num_bins(4);
    d2.adapt(vec![Tensor::from_f32(&[4, 3], x[..12].to_vec()).unwrap(), Tensor::from_f32(&[4, 3], x[12..24].to_vec()).unwrap(), Tensor::from_f32(&[2, 3], x[24..].to_vec()).unwrap()]).unwrap();
    assert_eq!(d1.bin_boundaries, d2.bin_boundaries);
}

/// Keras's own error messages (from the golden file), and kc's, which name the layer.
#[test]
fn bad_arguments_and_inputs_are_errors_naming_the_layer() {
    let data = doc();
    let keras = |id: &str| data["errors"][id].as_str().unwrap_or_else(|| panic!("Keras accepted {id}")).to_string();
    let zeros = |shape: &[usize]| Tensor::zeros(kc::ir::DType::F32, shape).unwrap();
    let ids = |shape: &[usize]| Tensor::zeros(kc::ir::DType::I32, shape).unwrap();
    // (Keras's case, kc's layer, inputs, a needle in both messages)
    let cases: Vec<(&str, Box<dyn Layer>, Vec<Tensor>, &str)> = vec![
        ("normalization_mean_only", Box::new(Normalization::new().mean(1.0)), vec![zeros(&[2, 3])], "both `mean` and `variance` must be set"),
        (
            "normalization_shape_mismatch",
            Box::new(Normalization::new().mean([1.0, 2.0]).variance([1.0])),
            vec![zeros(&[2, 3])],
            "`mean` and `variance` must have the same shape. Received: mean shape (2,) and variance shape (1,)",
        ),
        ("normalization_bad_axis", Box::new(Normalization::new().axis(3)), vec![zeros(&[2, 3])], "All `axis` values must be in the range [-ndim, ndim). Received inputs with ndim=2, while axis=(3,)"),
        ("discretization_bad_mode", Box::new(Discretization::new(&[0.0]).output_mode("tf_idf")), vec![zeros(&[2, 3])], "Allowed values are: ('int', 'one_hot', 'multi_hot', 'count'). Received: output_mode=tf_idf"),
        ("category_encoding_bad_mode", Box::new(CategoryEncoding::new(3).output_mode("int")), vec![ids(&[2, 3])], "Unknown arg for output_mode: int"),
        ("category_encoding_weights_not_count", Box::new(CategoryEncoding::new(3)), vec![ids(&[1, 2]), zeros(&[1, 2])], "`count_weights` is not used when `output_mode` is not `'count'`"),
        ("resizing_bad_interpolation", Box::new(Resizing::new(2, 2).interpolation("cubic")), vec![zeros(&[1, 4, 4, 1])], "Expected of one ('bilinear', 'nearest', 'lanczos3', 'lanczos5', 'bicubic'). Received: interpolation=cubic"),
        ("resizing_crop_and_pad", Box::new(Resizing::new(2, 2).crop_to_aspect_ratio(true).pad_to_aspect_ratio(true)), vec![zeros(&[1, 4, 4, 1])], "Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`."),
        ("center_crop_rank2", Box::new(CenterCrop::new(2, 2)), vec![zeros(&[4, 4])], "Expected image tensor to have rank 3 (single image) or 4 (batch of images). Received: data.shape=(4, 4)"),
        ("center_crop_rank2", Box::new(Resizing::new(2, 2)), vec![zeros(&[4, 4])], "Expected image tensor to have rank 3 (single image) or 4 (batch of images)"),
    ];
    for (id, mut layer, inputs, needle) in cases {
        assert!(keras(id).contains(needle), "{id}: `{needle}` is not Keras's wording: {}", keras(id));
        let e = call(layer.as_mut(), &inputs, &CallCtx::new(false)).map(|_| ()).unwrap_err().to_string();
        assert!(e.contains(&format!("layer \"{}\" ({})", layer.name(), layer.class_name())), "{id}: does not name the layer: {e}");
        assert!(e.contains(needle), "{id}: `{needle}` not in: {e}");
    }
    // from_config refuses what Keras's constructors refuse
    let cfg = |v: Value| v.as_object().unwrap().clone();
    for (class, c, id, needle) in [
        ("Discretization", cfg(serde_json::json!({"output_mode": "int"})), "discretization_neither", "You need to set either `num_bins` or `bin_boundaries`."),
        ("CategoryEncoding", cfg(serde_json::json!({"output_mode": "count"})), "category_encoding_no_tokens", "num_tokens must be set to use this layer."),
        ("Normalization", cfg(serde_json::json!({"mean": 1.0})), "normalization_mean_only", "both `mean` and `variance` must be set"),
    ] {
        assert!(keras(id).contains(needle), "{id}: {}", keras(id));
        let e = layers::from_config(class, &c).map(|_| ()).unwrap_err().to_string();
        assert!(e.contains(needle), "{class}: `{needle}` not in: {e}");
    }
    // adapt: a Discretization with boundaries, empty data, a batch of other features
    let e = Discretization::new(&[0.0]).adapt(&zeros(&[3])).unwrap_err().to_string();
    assert!(keras("discretization_adapt_boundaries").contains("Cannot adapt a Discretization layer that has been initialized with `bin_boundaries`"));
    assert!(e.contains("Cannot adapt a Discretization layer that has been initialized with `bin_boundaries`") && e.contains("layer \"discretization"), "{e}");
    let e = Normalization::new().adapt(Vec::<Tensor>::new()).unwrap_err().to_string();
    assert!(keras("normalization_adapt_empty").contains("adapt() received an empty iterable (no batches)"));
    assert!(e.contains("adapt() received an empty iterable (no batches)") && e.contains("layer \"normalization"), "{e}");
    let e = Normalization::new().adapt(&zeros(&[0, 3])).unwrap_err().to_string();
    assert!(e.contains("empty data") && e.contains("(Normalization)"), "{e}");
    let e = Discretization::with_num_bins(3).adapt(&zeros(&[0])).unwrap_err().to_string();
    assert!(e.contains("no data") && e.contains("(Discretization)"), "{e}");
    let e = Normalization::new().adapt(vec![zeros(&[2, 3]), zeros(&[2, 4])]).unwrap_err().to_string();
    assert!(e.contains("incompatible shape") && e.contains("(2, 4)"), "{e}");
    let e = Normalization::new().mean(0.0).variance(1.0).adapt(&zeros(&[2, 3])).unwrap_err().to_string();
    assert!(e.contains("cannot learn") && e.contains("(Normalization)"), "{e}");
    // an adapted layer called on other features
    let mut n = Normalization::new();
    n.adapt(&zeros(&[2, 3])).unwrap();
    let e = call(&mut n, &[zeros(&[2, 4])], &CallCtx::new(false)).map(|_| ()).unwrap_err().to_string();
    assert!(e.contains("incompatible") && e.contains("(2, 4)") && e.contains("(Normalization)"), "{e}");
    // a Discretization that was never adapted
    let e = call(&mut Discretization::with_num_bins(3), &[zeros(&[2])], &CallCtx::new(false)).map(|_| ()).unwrap_err().to_string();
    assert!(e.contains("call `adapt(dataset)` before"), "{e}");
}

#[test]
fn preprocessing_layers_are_named_as_in_keras() {
    let data = doc();
    layers::clear_session();
    let made: Vec<Box<dyn Layer>> = vec![
        Box::new(Normalization::new()),
        Box::new(Normalization::new()),
        Box::new(Discretization::with_num_bins(2)),
        Box::new(CategoryEncoding::new(2)),
        Box::new(CenterCrop::new(1, 1)),
        Box::new(Resizing::new(1, 1)),
        Box::new(Resizing::new(1, 1)),
        Box::new(Rescaling::new(1.0, 0.0)),
    ];
    let names: Vec<&str> = made.iter().map(|l| l.name()).collect();
    let classes: Vec<&str> = made.iter().map(|l| l.class_name()).collect();
    let want = |k: &str| data["names"][k].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(names, want("names"));
    assert_eq!(classes, want("classes"));
}

#[test]
fn preprocessing_configs_round_trip() {
    let mut adapted = Discretization::with_num_bins(3).epsilon(0.1).output_mode("count");
    adapted.adapt(&Tensor::from_f32(&[6], vec![0.5, -1.0, 2.0, 3.0, 0.0, 1.0]).unwrap()).unwrap();
    let made: Vec<Box<dyn Layer>> = vec![
        Box::new(Normalization::new().axes(&[1, 2]).mean(vec![1.0, 2.0]).variance(vec![3.0, 4.0]).invert(true)),
        Box::new(Normalization::new().axes(&[])),
        Box::new(Discretization::new(&[-1.0, 0.5, 2.0]).output_mode("one_hot")),
        Box::new(adapted),
        Box::new(CategoryEncoding::new(7).output_mode("binary")),
        Box::new(CenterCrop::new(3, 4).data_format("channels_first")),
        Box::new(Resizing::new(5, 6).interpolation("lanczos3").pad_to_aspect_ratio(true).fill_value(0.25).antialias(true).name("r")),
    ];
    for l in &made {
        let c = l.get_config();
        let back = layers::from_config(l.class_name(), &c).unwrap_or_else(|e| panic!("{}: {e}", l.class_name()));
        assert_eq!(back.get_config(), c, "{} does not round-trip", l.class_name());
    }
    let c = made[3].get_config();
    assert!(c["bin_boundaries"].as_array().unwrap().len() == 2 && c["num_bins"] == 3, "{c:?}");
    assert_eq!(made[4].get_config()["output_mode"], "multi_hot");
}

/// A Sequential of the image and numeric layers runs through `predict` on XLA (a traced
/// step with a symbolic batch) and gives the eager call's numbers.
#[test]
fn preprocessing_model_predicts_on_xla() {
    use kc::prelude::*;
    let n = 5;
    let x = Tensor::from_f32(&[n, 9, 7, 3], (0..n * 9 * 7 * 3).map(|i| ((i * 37 % 101) as f32) * 2.5).collect()).unwrap();
    let mut norm = Normalization::new();
    norm.adapt(&x).unwrap();
    let mut m = Model::sequential(vec![
        Box::new(Input::new(&[9, 7, 3])),
        Box::new(Resizing::new(6, 8)),
        Box::new(norm),
        Box::new(CenterCrop::new(4, 4)),
        Box::new(Resizing::new(8, 5).interpolation("nearest")),
        Box::new(Flatten::new()),
        Box::new(Dense::new(2)),
    ]);
    m.compile(Compile::new().optimizer("sgd").loss("mse").jit_compile(JitCompile::On(Target::Xla))).unwrap();
    let p = m.predict(&x, 2).unwrap();
    assert!(m.jit_report().contains("XLA"), "{}", m.jit_report());
    let e = m.call(&x, false).unwrap();
    assert_eq!(p.shape(), Some(vec![n, 2]));
    close_vec("predict on XLA = eager", &p.to_f64_vec().unwrap(), &e.to_f64_vec().unwrap(), 1e-5, 1e-5);
    // the Normalization's three non-trainable weights count as parameters, as in Keras
    assert_eq!(m.count_params(), 3 + 3 + 1 + 8 * 5 * 3 * 2 + 2);
    // a train step differentiates through the resizes and crops (on XLA); `adapt`'s
    // statistics are not trained
    let stats: Vec<Vec<f64>> = m.non_trainable_weights().iter().map(|w| w.value().to_f64_vec()).collect();
    let before = m.trainable_weights()[0].value().to_f64_vec();
    let y = Tensor::from_f32(&[n, 2], vec![0.5; n * 2]).unwrap();
    let h = m.fit(&x, &y, Fit::new().epochs(2).batch_size(2).verbose(0)).unwrap();
    assert!(h.history["loss"].iter().all(|l| l.is_finite()), "{:?}", h.history);
    assert_ne!(m.trainable_weights()[0].value().to_f64_vec(), before);
    let after: Vec<Vec<f64>> = m.non_trainable_weights().iter().map(|w| w.value().to_f64_vec()).collect();
    assert_eq!(after, stats);
}

/// Discretization into CategoryEncoding counts, in a model run by `predict` on XLA:
/// the integer path (comparisons, one-hot, sums) gives the eager numbers.
#[test]
fn bucket_counts_predict_on_xla() {
    use kc::prelude::*;
    let x = Tensor::from_f32(&[4, 6], vec![-2.0, 0.0, 0.5, 1.0, 3.0, 0.9, 5.0, 5.0, 5.0, -1.0, 0.2, 1.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.5, -0.5, 1.0, 1.0, 7.0, 0.1]).unwrap();
    let mut m = Model::sequential(vec![
        Box::new(Input::new(&[6])),
        Box::new(Discretization::new(&[0.0, 1.0, 2.0])),
        Box::new(CategoryEncoding::new(4).output_mode("count")),
    ]);
    m.compile(Compile::new().optimizer("sgd").loss("mse").jit_compile(JitCompile::On(Target::Xla))).unwrap();
    let p = m.predict(&x, 3).unwrap();
    // row 0: -2 -> 0; 0, 0.5, 0.9 -> 1; 1 -> 2; 3 -> 3
    let want = [1.0, 3.0, 1.0, 1.0, 1.0, 1.0, 1.0, 3.0, 0.0, 6.0, 0.0, 0.0, 1.0, 1.0, 2.0, 2.0];
    assert_eq!(p.to_f64_vec().unwrap(), want);
    assert_eq!(m.call(&x, false).unwrap().to_f64_vec().unwrap(), want);
}
