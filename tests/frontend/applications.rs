//! The application constructors have Keras's parameter counts (keras.applications with
//! weights=None, include_top=True, 1000 classes: the figures in Keras's documentation
//! and `model.count_params()` of Keras 3.15), and Keras's layer names.
use kc::frontend::applications::{efficientnet_b0, mobilenet_v2, resnet50, vgg16, AppConfig};


#[test]
fn application_parameter_counts_equal_keras() {
    kc::frontend::layers::clear_session();
    let cfg = AppConfig::default();
    let mut m = resnet50(&cfg).unwrap();
    assert_eq!(m.count_params(), 25_636_712);
    let s = m.summary().unwrap();
    assert!(s.contains("conv5_block3_out (ReLU)") && s.contains("predictions (Dense)"), "{s}");
    assert_eq!(mobilenet_v2(&cfg).unwrap().count_params(), 3_538_984);
    // without the top, smaller inputs and another class count
    let small = AppConfig::default().include_top(false).input_shape(&[64, 64, 3]);
    assert_eq!(resnet50(&small).unwrap().count_params(), 23_587_712);
    assert_eq!(mobilenet_v2(&small).unwrap().count_params(), 2_257_984);
    assert_eq!(vgg16(&small).unwrap().count_params(), 14_714_688);
    let e = vgg16(&AppConfig::default().input_shape(&[16, 16, 3])).err().unwrap().to_string();
    assert!(e.contains("VGG16") && e.contains("at least 32"), "{e}");
}

/// VGG16 with its top: 138M parameters, initialized eagerly (about 10 s here).
#[test]
fn vgg16_with_its_top_has_keras_count() {
    assert_eq!(vgg16(&AppConfig::default()).unwrap().count_params(), 138_357_544);
}

/// EfficientNetB0 against Keras 3.15's `EfficientNetB0(weights=None)`
/// (`tests/golden/keras/layers_preprocessing.py`): every layer's name, class and
/// parameter count in Keras's order, the totals (5,330,571 with the top) and the
/// trainable / non-trainable split, with and without the top and for another input
/// shape and class count.
#[test]
fn efficientnet_b0_is_keras_layer_for_layer() {
    let data = crate::golden::load("layers_preprocessing.json");
    let want = &data["efficientnet_b0"];
    for (key, cfg) in [
        ("top", AppConfig::default()),
        ("no_top", AppConfig::default().include_top(false)),
        ("small", AppConfig::default().input_shape(&[64, 96, 3]).classes(10)),
    ] {
        kc::frontend::layers::clear_session();
        let mut m = efficientnet_b0(&cfg).unwrap();
        let w = &want[key];
        assert_eq!(m.count_params() as u64, w["total"].as_u64().unwrap(), "{key}: total");
        let count = |ws: Vec<kc::frontend::Variable>| ws.iter().map(|v| v.num_elements() as u64).sum::<u64>();
        assert_eq!(count(m.trainable_weights()), w["trainable"].as_u64().unwrap(), "{key}: trainable");
        assert_eq!(count(m.non_trainable_weights()), w["non_trainable"].as_u64().unwrap(), "{key}: non-trainable");
        if let Some(rows) = w["rows"].as_array() {
            let s = m.summary().unwrap();
            // every row, the input's too (named as Keras names it after clear_session,
            // though the functional graph holds several models' inputs)
            for r in rows {
                let (name, class) = (r[0].as_str().unwrap(), r[1].as_str().unwrap());
                let row = format!("{name} ({class})");
                assert!(s.contains(&row), "{key}: the summary has no row {row}");
            }
            use kc::frontend::layers::Layer;
            let layers = m.net().as_functional().unwrap().layers();
            let got: Vec<(String, String, u64)> =
                layers.iter().map(|l| (l.name().to_string(), l.class_name().to_string(), l.weights().iter().map(|w| w.num_elements() as u64).sum())).collect();
            // Keras's `model.layers` starts with the InputLayer, which kc's Functional keeps apart
            let want_rows: Vec<(String, String, u64)> =
                rows.iter().skip(1).map(|r| (r[0].as_str().unwrap().into(), r[1].as_str().unwrap().into(), r[2].as_u64().unwrap())).collect();
            assert_eq!(rows[0][1], "InputLayer");
            assert_eq!(got, want_rows, "{key}: layers (name, class, parameters)");
        }
    }
    // the stem's Normalization has Keras's three non-trainable weights
    kc::frontend::layers::clear_session();
    let m = efficientnet_b0(&AppConfig::default().include_top(false)).unwrap();
    let stem: Vec<(String, Vec<usize>)> = m.weights().iter().filter(|v| v.path().starts_with("normalization/")).map(|v| (v.path(), v.shape())).collect();
    let want_stem: Vec<(String, Vec<usize>)> = want["stem_weights"].as_array().unwrap().iter().map(|r| (r[0].as_str().unwrap().into(), r[1].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect())).collect();
    assert_eq!(stem, want_stem);
}

/// A small EfficientNetB0 runs: `predict` (traced, on XLA when the plugin loads) gives
/// the eager call's class probabilities.
#[test]
fn efficientnet_b0_predicts_like_its_eager_call() {
    use kc::prelude::*;
    kc::frontend::layers::clear_session();
    let mut m = efficientnet_b0(&AppConfig::default().input_shape(&[32, 32, 3]).classes(4)).unwrap();
    let x = Tensor::from_f32(&[2, 32, 32, 3], (0..2 * 32 * 32 * 3).map(|i| (i * 31 % 256) as f32).collect()).unwrap();
    m.compile(Compile::new().optimizer("sgd").loss("categorical_crossentropy")).unwrap();
    let p = m.predict(&x, 2).unwrap();
    let e = m.call(&x, false).unwrap();
    assert_eq!(p.shape(), Some(vec![2, 4]));
    let pv = p.to_f64_vec().unwrap();
    for row in pv.chunks(4) {
        assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-5, "softmax rows sum to 1: {row:?}");
    }
    crate::golden::close_vec("predict = eager", &pv, &e.to_f64_vec().unwrap(), 1e-4, 1e-6);
}
