//! The image augmentation layers and their deterministic core against real Keras 3
//! (`tests/golden/keras/layers_augmentation.py`, JAX backend).
//!
//! - `affine_transform` (Keras's `ops.image.affine_transform`) for both interpolations
//!   and every fill mode, both layouts, one image, integer images: output and the
//!   gradient w.r.t. the images, traced (batch symbolic, compiler autodiff) and eagerly.
//! - Each seeded layer rebuilt from Keras's config: two training calls in a row draw
//!   Keras's parameters (the second call's draws come from the advanced key), with the
//!   gradient of the first call; inference calls give Keras's cast (or the input).
//! - Errors with Keras's messages, automatic names, config round trips, and a model
//!   that trains with augmentation through `fit` and predicts without it.
use crate::golden::{assert_close, assert_config_covers, close_vec, load, tensor, LAYER_ATOL, LAYER_RTOL};
use kc::frontend::graph::ParamSource;
use kc::frontend::layers::{self, call1, CallCtx, Layer};
use kc::frontend::{ops, Graph, Tensor};
use kc::ir::{DType, Dim, Shape, TensorType};
use kc::layers::*;
use kc::runtime::HostTensor;
use serde_json::Value;

/// What `f` gives traced on `inputs` (leading axis symbolic when `batched`): its
/// output and, with `r`, the gradients of `sum(output * r)` w.r.t. the float inputs by
/// the compiler's autodiff, run on the interpreter. Variables the trace reads (a seed
/// generator's key) are read as they are now; their updates are not applied.
fn traced(inputs: &[Tensor], batched: bool, r: Option<&Tensor>, training: bool, f: impl FnOnce(&[Tensor], &CallCtx) -> Tensor) -> (Tensor, Vec<Option<Tensor>>) {
    let g = Graph::new();
    let sym = |name: &str, x: &Tensor| {
        let mut dims = x.dims();
        if batched {
            dims[0] = Dim::sym("N");
        }
        g.input(name, TensorType::new(x.dtype(), Shape(dims)))
    };
    let syms: Vec<Tensor> = inputs.iter().enumerate().map(|(i, x)| sym(&format!("x{i}"), x)).collect();
    let cx = CallCtx::new(training);
    let out = f(&syms, &cx);
    let objective = match r {
        Some(r) => ops::sum(&ops::multiply(&out, &sym("r", r)).unwrap(), None, false).unwrap(),
        None => ops::scalar(0.0, DType::F32).unwrap(),
    };
    let (func, sources) = g.finish("f", &[objective, out]).unwrap();
    let index = |n: &str| n[1..].parse::<usize>().unwrap();
    let wrt: Vec<usize> = sources
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s, ParamSource::Input(n) if n != "r" && inputs[index(n)].dtype().is_float()))
        .map(|(i, _)| i)
        .collect();
    let gf = kc::compiler::autodiff::grad_keeping_outputs(&func, if r.is_some() { &wrt } else { &[] }, 0, "g").unwrap();
    let args: Vec<HostTensor> = sources
        .iter()
        .map(|s| match s {
            ParamSource::Input(n) if n == "r" => r.unwrap().host().unwrap(),
            ParamSource::Input(n) => inputs[index(n)].host().unwrap(),
            ParamSource::Variable(v) => v.value(),
        })
        .collect();
    let res = kc::runtime::run_func(&gf, &args).unwrap();
    let mut grads = vec![None; inputs.len()];
    if r.is_some() {
        for (k, &i) in wrt.iter().enumerate() {
            if let ParamSource::Input(n) = &sources[i] {
                grads[index(n)] = Some(Tensor::from_host(res[2 + k].clone()));
            }
        }
    }
    (Tensor::from_host(res[1].clone()), grads)
}

fn close(what: &str, got: &Tensor, want: &Value) {
    assert_eq!(got.dtype().to_string(), golden_dtype(want), "{what}: dtype");
    assert_close(what, got, want, LAYER_RTOL, LAYER_ATOL);
}

fn golden_dtype(v: &Value) -> String {
    match v["dtype"].as_str().unwrap() {
        "float32" => "f32".into(),
        "int32" => "i32".into(),
        d => d.into(),
    }
}

#[test]
fn affine_transform_matches_keras() {
    let data = load("layers_augmentation.json");
    let cases = data["affine"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let (images, transform) = (tensor(&case["images"]), tensor(&case["transform"]));
        let interp = case["interpolation"].as_str().unwrap().to_string();
        let fill = case["fill_mode"].as_str().unwrap().to_string();
        let fill_value = case["fill_value"].as_f64().unwrap();
        let df = case["data_format"].as_str().unwrap().to_string();
        let run = |x: &Tensor, t: &Tensor| affine_transform(x, t, &interp, &fill, fill_value, &df).unwrap_or_else(|e| panic!("{id}: {e}"));
        close(&format!("{id}: eager"), &run(&images, &transform), &case["output"]);
        // traced with the batch symbolic (images and transforms alike)
        let batched = images.rank() == 4;
        let r = case.get("r").map(tensor);
        let (out, grads) = traced(&[images.clone(), transform.clone()], batched, r.as_ref(), false, |x, _| run(&x[0], &x[1]));
        close(&format!("{id}: traced"), &out, &case["output"]);
        if let Some(g) = case.get("grad") {
            close(&format!("{id}: d/d images"), grads[0].as_ref().unwrap(), g);
        }
    }
}

#[test]
fn bad_affine_transforms_are_errors() {
    let x = Tensor::zeros(DType::F32, &[1, 3, 3, 1]).unwrap();
    let t = Tensor::from_f32(&[8], vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]).unwrap();
    let err = |x: &Tensor, t: &Tensor, i: &str, f: &str| affine_transform(x, t, i, f, 0.0, "channels_last").map(|_| ()).unwrap_err().to_string();
    assert!(err(&x, &t, "bicubic", "constant").contains("Invalid value for argument `interpolation`. Expected of one {'nearest', 'bilinear'}. Received: interpolation=bicubic"));
    assert!(err(&x, &t, "nearest", "edge").contains("Received: fill_mode=edge"));
    let e = err(&Tensor::zeros(DType::F32, &[3, 3]).unwrap(), &t, "nearest", "wrap");
    assert!(e.contains("Invalid images rank: expected rank 3 (single image) or rank 4") && e.contains("(3, 3)"), "{e}");
    let e = err(&x, &Tensor::zeros(DType::F32, &[1, 6]).unwrap(), "nearest", "wrap");
    assert!(e.contains("last axis 8"), "{e}");
    // the identity transform returns the image, and an integer shift moves it exactly
    let img = Tensor::from_f32(&[1, 2, 3, 1], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    let id = affine_transform(&img, &t, "bilinear", "constant", 0.0, "channels_last").unwrap();
    assert_eq!(id.to_f64_vec().unwrap(), img.to_f64_vec().unwrap());
    let shift = Tensor::from_f32(&[8], vec![1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0]).unwrap(); // x' = x + 1
    let y = affine_transform(&img, &shift, "nearest", "constant", -1.0, "channels_last").unwrap();
    assert_eq!(y.to_f64_vec().unwrap(), [2.0, 3.0, -1.0, 5.0, 6.0, -1.0]);
}

/// Every layer case: rebuilt from Keras's config, two calls, each checked traced (which
/// applies no update, so it sees the key the eager call then uses) and eagerly.
#[test]
fn augmentation_layers_match_keras() {
    let data = load("layers_augmentation.json");
    let cases = data["cases"].as_array().unwrap();
    let mut classes = std::collections::BTreeSet::new();
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let class = case["class_name"].as_str().unwrap();
        classes.insert(class.to_string());
        let training = case["training"].as_bool().unwrap();
        let keras_config = &case["config"];
        let mut layer = layers::from_config(class, keras_config.as_object().unwrap()).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_config_covers(id, &layer.get_config(), keras_config);
        let x = tensor(&case["inputs"][0]);
        let batched = x.rank() == 4;
        let outputs = case["outputs"].as_array().unwrap();
        let r = case.get("r").map(tensor);
        let mut eager = Vec::new();
        for (k, want) in outputs.iter().enumerate() {
            let r = if k == 0 { r.as_ref() } else { None };
            let (out, grads) = traced(std::slice::from_ref(&x), batched, r, training, |xs, cx| call1(layer.as_mut(), &xs[0], cx).unwrap_or_else(|e| panic!("{id}: {e}")));
            close(&format!("{id}: call {k} traced"), &out, want);
            if r.is_some() {
                close(&format!("{id}: d/d input"), grads[0].as_ref().unwrap(), &case["grad"]);
            }
            let y = call1(layer.as_mut(), &x, &CallCtx::new(training)).unwrap_or_else(|e| panic!("{id}: {e}"));
            close(&format!("{id}: call {k} eager"), &y, want);
            eager.push(y.to_f64_vec().unwrap());
        }
        // a seeded layer's key moves on: the second call draws anew, as Keras's does
        let keras_same = outputs[0]["data"] == outputs[1]["data"];
        assert_eq!(eager[0] == eager[1], keras_same, "{id}: whether the two calls differ");
        if training {
            assert!(!keras_same, "{id}: the golden's two training calls should differ");
        }
    }
    let want: Vec<&str> = vec!["RandomContrast", "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom"];
    assert_eq!(classes.iter().map(String::as_str).collect::<Vec<_>>(), want);
}

#[test]
fn bad_arguments_are_keras_errors() {
    let data = load("layers_augmentation.json");
    for e in data["errors"].as_array().unwrap() {
        let class = e["class_name"].as_str().unwrap();
        let message = e["message"].as_str().unwrap();
        let cfg = e["kwargs"].as_object().unwrap();
        match layers::from_config(class, cfg) {
            Ok(_) => panic!("{class}({cfg:?}) was accepted; Keras says: {message}"),
            Err(err) => assert!(err.to_string().contains(message), "{class}({cfg:?}):\n kc:    {err}\n Keras: {message}"),
        }
    }
}

fn image(shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    Tensor::from_f32(shape, (0..n).map(|i| (i as f32 * 0.37).sin()).collect()).unwrap()
}

#[test]
fn bad_calls_are_errors_naming_the_layer() {
    let cases: Vec<(Box<dyn Layer>, Tensor, &str)> = vec![
        (Box::new(RandomFlip::default()), image(&[4, 5]), "Expected image tensor to have rank 3 (single image) or 4 (batch of images). Received: data.shape=(4, 5)"),
        (Box::new(RandomContrast::new(0.2)), image(&[1, 2, 4, 5, 1]), "data.shape=(1, 2, 4, 5, 1)"),
        (Box::new(RandomRotation::new(1.5)), image(&[1, 4, 5, 1]), "in the range [-1, 1]. Received: factor=1.5"),
        (Box::new(RandomRotation::new(0.1).fill_mode("mirror")), image(&[1, 4, 5, 1]), "Unknown `fill_mode` mirror"),
        (Box::new(RandomZoom::new(0.1).width_factor(-1.0)), image(&[1, 4, 5, 1]), "in the range (-1.0, 1.0]. Received: input_number=-1.0"),
        (Box::new(RandomTranslation::new(0.1, 0.1).interpolation("cubic")), image(&[1, 4, 5, 1]), "Unknown `interpolation` cubic"),
        (Box::new(RandomFlip::new("diagonal")), image(&[1, 4, 5, 1]), "Unknown `mode` diagonal"),
        (Box::new(RandomFlip::default().data_format("nchw")), image(&[1, 4, 5, 1]), "data_format"),
    ];
    for (mut layer, x, needle) in cases {
        let e = match call1(layer.as_mut(), &x, &CallCtx::new(true)) {
            Ok(_) => panic!("{} accepted {:?}", layer.name(), x.dims()),
            Err(e) => e.to_string(),
        };
        assert!(e.contains(&format!("layer \"{}\" ({})", layer.name(), layer.class_name())), "error does not name the layer: {e}");
        assert!(e.contains(needle), "`{needle}` not in: {e}");
    }
    // the image size must be known to build a transform
    let mut rot = RandomRotation::new(0.1);
    let input = Input::with_shape(&[None, Some(5), Some(1)]).tensor();
    let e = call1(&mut rot, &input, &CallCtx::new(true)).map(|_| ()).unwrap_err().to_string();
    assert!(e.contains("height and width") && e.contains("must be known"), "{e}");
}

#[test]
fn keras_automatic_names() {
    let data = load("layers_augmentation.json");
    layers::clear_session();
    let made: Vec<Box<dyn Layer>> = vec![
        Box::new(RandomFlip::default()),
        Box::new(RandomFlip::default()),
        Box::new(RandomRotation::new(0.1)),
        Box::new(RandomZoom::new(0.1)),
        Box::new(RandomTranslation::new(0.1, 0.1)),
        Box::new(RandomContrast::new(0.1)),
        Box::new(RandomRotation::new(0.1)),
    ];
    let names: Vec<&str> = made.iter().map(|l| l.name()).collect();
    let want: Vec<&str> = data["names"]["names"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(names, want);
    let classes: Vec<&str> = made.iter().map(|l| l.class_name()).collect();
    let want: Vec<&str> = data["names"]["classes"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(classes, want);
}

#[test]
fn augmentation_configs_round_trip() {
    let made: Vec<Box<dyn Layer>> = vec![
        Box::new(RandomFlip::new("vertical").seed(3).data_format("channels_first").name("flip")),
        Box::new(RandomRotation::new((-0.3, 0.1)).fill_mode("constant").fill_value(0.5).interpolation("nearest").seed(1)),
        Box::new(RandomZoom::new(0.2).width_factor([-0.1, 0.4]).fill_mode("wrap")),
        Box::new(RandomZoom::new(0.2)),
        Box::new(RandomTranslation::new(0.1, (0.2, -0.3)).data_format("channels_first").seed(9)),
        Box::new(RandomContrast::new(0.4).value_range(0.0, 1.0).seed(2)),
    ];
    for l in &made {
        let c = l.get_config();
        let back = layers::from_config(l.class_name(), &c).unwrap_or_else(|e| panic!("{}: {e}", l.class_name()));
        assert_eq!(back.get_config(), c, "{} does not round-trip", l.class_name());
    }
    // Keras keeps the rotation and contrast factors as sorted (lower, upper) pairs
    assert_eq!(made[1].get_config()["factor"], serde_json::json!([-0.3, 0.1]));
    assert_eq!(made[5].get_config()["factor"], serde_json::json!([0.0, 0.4]));
}

/// At inference every layer passes the images through (as float32); in training a
/// flip of every image is exactly a reversal.
#[test]
fn inference_is_the_identity() {
    let x = image(&[2, 4, 5, 3]);
    let made: Vec<Box<dyn Layer>> = vec![
        Box::new(RandomFlip::default()),
        Box::new(RandomRotation::new(0.5)),
        Box::new(RandomZoom::new(0.5)),
        Box::new(RandomTranslation::new(0.5, 0.5)),
        Box::new(RandomContrast::new(0.5)),
    ];
    for mut l in made {
        let y = call1(l.as_mut(), &x, &CallCtx::new(false)).unwrap();
        assert_eq!(y.to_f64_vec().unwrap(), x.to_f64_vec().unwrap(), "{}", l.name());
    }
    let bytes = Tensor::from_host(HostTensor::from_vec(vec![1, 2, 2, 1], vec![1u8, 2, 3, 4]).unwrap());
    let y = call1(&mut RandomRotation::new(0.5), &bytes, &CallCtx::new(false)).unwrap();
    assert_eq!((y.dtype(), y.to_f64_vec().unwrap()), (DType::F32, vec![1.0, 2.0, 3.0, 4.0]));
}

/// A Sequential with RandomFlip and RandomRotation in front of a small CNN: `fit`
/// augments (training differs from the same model without augmentation, from the same
/// weights), `predict` does not (it equals the plain model's, and repeats exactly).
#[test]
fn augmented_cnn_trains_and_predicts_without_augmenting() {
    use kc::prelude::*;
    let n = 8;
    let x = image(&[n, 6, 6, 1]);
    let y = Tensor::from_f32(&[n, 1], (0..n).map(|i| (i % 2) as f32).collect()).unwrap();
    let cnn = |augment: bool| {
        let mut ls: Vec<Box<dyn Layer>> = vec![Box::new(Input::new(&[6, 6, 1]))];
        if augment {
            ls.push(Box::new(RandomFlip::new("horizontal").seed(1)));
            ls.push(Box::new(RandomRotation::new(0.2).seed(2)));
        }
        ls.push(Box::new(Conv2D::new(3, 3).activation("relu")));
        ls.push(Box::new(GlobalAveragePooling2D::new()));
        ls.push(Box::new(Dense::new(1)));
        let mut m = Model::sequential(ls);
        m.compile(Compile::new().optimizer(Sgd::new(0.1)).loss("mse")).unwrap();
        m
    };
    let (mut aug, mut plain) = (cnn(true), cnn(false));
    let p_aug = aug.predict(&x, 4).unwrap();
    plain.predict(&x, 4).unwrap(); // builds it
    plain.set_weights(&aug.get_weights()).unwrap();
    let p_plain = plain.predict(&x, 4).unwrap();
    assert_eq!(p_aug.to_f64_vec().unwrap(), p_plain.to_f64_vec().unwrap(), "predict must not augment");
    assert_eq!(aug.predict(&x, 4).unwrap().to_f64_vec().unwrap(), p_aug.to_f64_vec().unwrap(), "predict is deterministic");
    let h_aug = aug.fit(&x, &y, Fit::new().epochs(2).batch_size(4).shuffle(false).verbose(0)).unwrap();
    let h_plain = plain.fit(&x, &y, Fit::new().epochs(2).batch_size(4).shuffle(false).verbose(0)).unwrap();
    // the steps ran compiled (XLA where the plugin is, as the other frontend tests assume)
    assert!(aug.jit_report().contains("XLA"), "{}", aug.jit_report());
    let (la, lp) = (h_aug.history["loss"].clone(), h_plain.history["loss"].clone());
    assert!(la.iter().all(|l| l.is_finite()), "{la:?}");
    // the first step sees the same weights: only augmentation can make the losses differ
    assert_ne!(la, lp, "fit must augment");
    let (wa, wp) = (aug.get_weights(), plain.get_weights());
    assert!(wa.iter().zip(&wp).any(|(a, b)| a.to_f64_vec() != b.to_f64_vec()), "the augmented model should have trained differently");
    let after = aug.predict(&x, 4).unwrap().to_f64_vec().unwrap();
    close_vec("predict after fit repeats", &aug.predict(&x, 4).unwrap().to_f64_vec().unwrap(), &after, 0.0, 0.0);
}
