//! The second wave of layers against real Keras 3 (golden files from
//! `tests/golden/keras/layers_conv.py`): convolutions, pooling, normalization, noise
//! and spatial reshaping. Each case is rebuilt from Keras's config, given Keras's
//! weights and checked traced and eager (`golden::check_layer_family`, 1e-5 relative +
//! 1e-5 absolute unless a test says why it needs more). Errors, names and the summary of
//! a small CNN follow.
use crate::golden::{check_layer_family, close_vec, load};
use kc::frontend::layers::{self, call, call1, CallCtx, Layer};
use kc::frontend::Tensor;
use kc::layers::*;

#[test]
fn convolution_layers_match_keras() {
    check_layer_family("layers_conv.json");
}

fn x(shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    Tensor::from_f32(shape, (0..n).map(|i| (i as f32 * 0.37).sin()).collect()).unwrap()
}

/// Each layer's error for these inputs names the layer and contains every needle.
fn assert_errors(cases: Vec<(Box<dyn Layer>, Vec<Tensor>, &[&str])>) {
    for (mut layer, inputs, needles) in cases {
        let e = match call(layer.as_mut(), &inputs, &CallCtx::new(false)) {
            Ok(_) => panic!("{} accepted inputs {inputs:?}", layer.name()),
            Err(e) => e.to_string(),
        };
        assert!(e.contains(&format!("layer \"{}\" ({})", layer.name(), layer.class_name())), "error does not name the layer: {e}");
        for n in needles {
            assert!(e.contains(n), "`{n}` not in: {e}");
        }
    }
}

#[test]
fn bad_convolutions_are_errors_naming_the_layer() {
    assert_errors(vec![
        (Box::new(Conv2D::new(2, 5)), vec![x(&[1, 3, 6, 1])], &["Computed output size would be zero or negative", "(5, 5)", "(3, 6)", "(1, 3, 6, 1)"]),
        (Box::new(Conv1D::new(2, 3).dilation_rate(3)), vec![x(&[1, 6, 2])], &["zero or negative", "covers (7,)", "(6,)"]),
        (Box::new(Conv2D::new(4, 3).groups(3)), vec![x(&[1, 5, 5, 4])], &["filters must be evenly divisible by the number of groups", "groups=3, filters=4"]),
        (Box::new(Conv2D::new(6, 3).groups(3)), vec![x(&[1, 5, 5, 4])], &["input channels must be evenly divisible by the number of groups", "4 channels", "(1, 5, 5, 4)"]),
        (Box::new(Conv2D::new(2, 3).groups(0)), vec![x(&[1, 5, 5, 4])], &["groups=0"]),
        (Box::new(Conv2D::new(0, 3)), vec![x(&[1, 5, 5, 4])], &["filters=0"]),
        (Box::new(Conv2D::new(2, 3)), vec![x(&[1, 5, 4])], &["expected ndim=4, found ndim=3"]),
        (Box::new(Conv3D::new(2, 2)), vec![x(&[1, 5, 4, 4])], &["expected ndim=5, found ndim=4"]),
        (Box::new(Conv2D::new(2, [3, 3, 3])), vec![x(&[1, 5, 5, 1])], &["`kernel_size` argument must be a tuple of 2 integers", "(3, 3, 3)"]),
        (Box::new(Conv2D::new(2, 0)), vec![x(&[1, 5, 5, 1])], &["kernel_size", "value > 0"]),
        (Box::new(Conv2D::new(2, 3).padding("causal")), vec![x(&[1, 5, 5, 1])], &["`padding` argument", "causal"]),
        (Box::new(Conv2D::new(2, 3).data_format("nhwc")), vec![x(&[1, 5, 5, 1])], &["data_format=nhwc"]),
        (Box::new(Conv2D::new(2, 3).strides(2).dilation_rate(2)), vec![x(&[1, 9, 9, 1])], &["`strides > 1` not supported in conjunction with `dilation_rate > 1`"]),
        (Box::new(Conv2DTranspose::new(2, 3).strides(2).output_padding(2)), vec![x(&[1, 4, 4, 1])], &["`output_padding` must be strictly less than `strides`"]),
        (Box::new(DepthwiseConv2D::new(3).depth_multiplier(0)), vec![x(&[1, 5, 5, 2])], &["depth_multiplier=0"]),
        (Box::new(DepthwiseConv2D::new(4)), vec![x(&[1, 3, 5, 2])], &["zero or negative"]),
        (Box::new(SeparableConv1D::new(2, 4)), vec![x(&[1, 3, 2])], &["zero or negative"]),
        (Box::new(Conv2D::new(2, 3).activation("rleu")), vec![x(&[1, 5, 5, 1])], &["unknown activation `rleu`"]),
    ]);
    // a built convolution sees other channels, or a symbolic spatial dim, later
    let mut c = Conv2D::new(2, 3);
    call1(&mut c, &x(&[1, 5, 5, 3]), &CallCtx::new(false)).unwrap();
    let e = call(&mut c, &[x(&[1, 5, 5, 4])], &CallCtx::new(false)).map(|_| ()).unwrap_err().to_string();
    assert!(e.contains("expected axis -1 of input shape to have value 3") && e.contains("(1, 5, 5, 4)"), "{e}");
    let mut c = Conv2D::new(2, 3);
    let input = Input::with_shape(&[None, Some(5), Some(3)]).tensor();
    let e = call(&mut c, &[input], &CallCtx::new(false)).map(|_| ()).unwrap_err().to_string();
    assert!(e.contains("spatial dims") && e.contains("must be known"), "{e}");
}

#[test]
fn causal_conv1d_sees_only_the_past() {
    // a kernel of ones over a ramp: output t is x[t-2] + x[t-1] + x[t], zeros before 0
    let mut c = Conv1D::new(1, 3).padding("causal").use_bias(false).kernel_initializer("ones");
    let ramp = Tensor::from_f32(&[1, 5, 1], vec![1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
    let y = call1(&mut c, &ramp, &CallCtx::new(false)).unwrap();
    assert_eq!(y.shape(), Some(vec![1, 5, 1]));
    assert_eq!(y.to_f64_vec().unwrap(), [1.0, 3.0, 6.0, 9.0, 12.0]);
}

#[test]
fn convolution_configs_round_trip() {
    let mut made: Vec<Box<dyn Layer>> = vec![
        Box::new(Conv2D::new(4, [3, 2]).strides([2, 1]).padding("same").groups(2).activation("relu").kernel_regularizer("l2").name("c")),
        Box::new(Conv1D::new(3, 2).padding("causal").dilation_rate(2).data_format("channels_first").use_bias(false)),
        Box::new(Conv3DTranspose::new(2, 3).strides(2).output_padding([1, 0, 1]).bias_constraint("non_neg")),
        Box::new(DepthwiseConv2D::new(3).depth_multiplier(2).depthwise_initializer("he_normal")),
        Box::new(SeparableConv1D::new(5, 3).depth_multiplier(3).pointwise_regularizer("l1").activity_regularizer("l2")),
    ];
    for l in made.iter_mut() {
        let c = l.get_config();
        let back = layers::from_config(l.class_name(), &c).unwrap_or_else(|e| panic!("{}: {e}", l.class_name()));
        assert_eq!(back.get_config(), c, "{} does not round-trip", l.class_name());
    }
}

#[test]
fn pooling_layers_match_keras() {
    check_layer_family("layers_pooling.json");
}

#[test]
fn bad_pooling_is_an_error_naming_the_layer() {
    assert_errors(vec![
        (Box::new(MaxPooling2D::new(4)), vec![x(&[1, 3, 6, 1])], &["zero or negative", "(4, 4)", "(3, 6)"]),
        (Box::new(AveragePooling1D::new(2)), vec![x(&[1, 6, 2, 2])], &["expected ndim=3, found ndim=4"]),
        (Box::new(MaxPooling2D::default().padding("causal")), vec![x(&[1, 4, 4, 1])], &["`padding` argument", "causal"]),
        (Box::new(AveragePooling2D::new([2, 0])), vec![x(&[1, 4, 4, 1])], &["pool_size", "value > 0"]),
        (Box::new(GlobalMaxPooling3D::new()), vec![x(&[1, 4, 4, 1])], &["expected ndim=5, found ndim=4"]),
        (Box::new(GlobalAveragePooling2D::new().data_format("channels_middle")), vec![x(&[1, 4, 4, 1])], &["data_format=channels_middle"]),
    ]);
    let mut made: Vec<Box<dyn Layer>> = vec![
        Box::new(MaxPooling3D::new([2, 1, 2]).strides(1).padding("same")),
        Box::new(AveragePooling1D::new(3).data_format("channels_first")),
        Box::new(GlobalAveragePooling1D::new().keepdims(true)),
    ];
    for l in made.iter_mut() {
        let c = l.get_config();
        let back = layers::from_config(l.class_name(), &c).unwrap_or_else(|e| panic!("{}: {e}", l.class_name()));
        assert_eq!(back.get_config(), c, "{} does not round-trip", l.class_name());
    }
}

#[test]
fn normalization_layers_match_keras() {
    check_layer_family("layers_normalization.json");
}

#[test]
fn bad_normalization_is_an_error_naming_the_layer() {
    assert_errors(vec![
        (Box::new(BatchNormalization::new().axis(3)), vec![x(&[2, 3])], &["Axis 3 is out of bounds for input shape (2, 3)"]),
        (Box::new(LayerNormalization::new().axes(&[1, 4])), vec![x(&[2, 3, 4])], &["Axis 4 is out of bounds"]),
        (Box::new(GroupNormalization::new(3)), vec![x(&[2, 5, 4])], &["Number of groups (3) must be a multiple of the number of channels (4)"]),
        (Box::new(GroupNormalization::default()), vec![x(&[2, 5, 4])], &["Number of groups (32) cannot be more than the number of channels (4)"]),
        (Box::new(GroupNormalization::new(0)), vec![x(&[2, 5, 4])], &["groups=0"]),
        (Box::new(RMSNormalization::new().axis(1)), vec![x(&[2, 3, 4, 4])], &["does not broadcast", "f32[3]"]),
        (Box::new(UnitNormalization::new().axis(-4)), vec![x(&[2, 3, 4])], &["Axis -4 is out of bounds"]),
    ]);
    let mut bn = BatchNormalization::new();
    call1(&mut bn, &x(&[2, 3]), &CallCtx::new(false)).unwrap();
    let e = call(&mut bn, &[x(&[2, 4])], &CallCtx::new(false)).map(|_| ()).unwrap_err().to_string();
    assert!(e.contains("batch_normalization") && e.contains("(2, 4)") && e.contains("value 3"), "{e}");
    let mut made: Vec<Box<dyn Layer>> = vec![
        Box::new(BatchNormalization::new().axis(1).momentum(0.9).epsilon(1e-5).center(false).gamma_regularizer("l2")),
        Box::new(LayerNormalization::new().axes(&[1, 2]).rms_scaling(true).gamma_initializer("zeros")),
        Box::new(GroupNormalization::new(-1).axis(1).scale(false).beta_constraint("non_neg")),
        Box::new(UnitNormalization::new().axes(&[-2, -1])),
        Box::new(RMSNormalization::new().epsilon(1e-4)),
    ];
    for l in made.iter_mut() {
        let c = l.get_config();
        let back = layers::from_config(l.class_name(), &c).unwrap_or_else(|e| panic!("{}: {e}", l.class_name()));
        assert_eq!(back.get_config(), c, "{} does not round-trip", l.class_name());
    }
}

/// `fit` applies a BatchNormalization's moving-statistics updates after each step,
/// `predict` normalizes with them, and a frozen layer keeps them.
#[test]
fn fit_moves_batch_norm_statistics_and_predict_uses_them() {
    use kc::prelude::*;
    let n = 8;
    let xs: Vec<f32> = (0..n * 3).map(|i| ((i * 7 % 11) as f32) * 0.5 - 1.0).collect();
    let xt = Tensor::from_f32(&[n, 3], xs.clone()).unwrap();
    let y = Tensor::from_f32(&[n, 1], vec![0.5; n]).unwrap();
    let (mean, var): (Vec<f64>, Vec<f64>) = (0..3)
        .map(|j| {
            let col: Vec<f64> = (0..n).map(|i| xs[i * 3 + j] as f64).collect();
            let m = col.iter().sum::<f64>() / n as f64;
            (m, col.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n as f64)
        })
        .unzip();
    for frozen in [false, true] {
        let mut m = Model::sequential(vec![Box::new(Input::new(&[3])), Box::new(BatchNormalization::new().momentum(0.5)), Box::new(Dense::new(1))]);
        m.build(TensorType::new(DType::F32, Shape(vec![Dim::sym("N"), Dim::Known(3)]))).unwrap();
        if frozen {
            for w in m.weights().iter().filter(|w| w.path().contains("gamma") || w.path().contains("beta")) {
                w.set_trainable(false);
            }
        }
        m.compile(Compile::new().optimizer(Sgd::new(0.0)).loss("mse")).unwrap();
        // two full-batch steps: moving = moving * 0.5^2 + batch * (1 - 0.5^2)
        m.fit(&xt, &y, Fit::new().epochs(2).batch_size(n).shuffle(false).verbose(0)).unwrap();
        let value = |name: &str| m.weights().iter().find(|w| w.path().ends_with(name)).unwrap().value().to_f64_vec();
        let (mm, mv) = (value("moving_mean"), value("moving_variance"));
        let (want_m, want_v): (Vec<f64>, Vec<f64>) = if frozen {
            (vec![0.0; 3], vec![1.0; 3])
        } else {
            (mean.iter().map(|m| m * 0.75).collect(), var.iter().map(|v| 0.25 + v * 0.75).collect())
        };
        close_vec(&format!("moving_mean (frozen {frozen})"), &mm, &want_m, 1e-5, 1e-6);
        close_vec(&format!("moving_variance (frozen {frozen})"), &mv, &want_v, 1e-5, 1e-6);
        // predict: Dense((x - moving_mean) / sqrt(moving_variance + 1e-3)), gamma 1 and beta 0
        let (k, b) = (value("kernel"), value("bias"));
        let want: Vec<f64> = (0..n)
            .map(|i| b[0] + (0..3).map(|j| (xs[i * 3 + j] as f64 - mm[j]) / (mv[j] + 1e-3).sqrt() * k[j]).sum::<f64>())
            .collect();
        let got = m.predict(&xt, 3).unwrap().to_f64_vec().unwrap();
        close_vec(&format!("predict (frozen {frozen})"), &got, &want, 1e-5, 1e-5);
    }
}

#[test]
fn noise_layers_match_keras() {
    check_layer_family("layers_noise.json");
}

#[test]
fn bad_noise_layers_are_errors_naming_the_layer_and_configs_round_trip() {
    assert_errors(vec![
        (Box::new(SpatialDropout2D::new(1.5)), vec![x(&[1, 4, 4, 2])], &["rate=1.5"]),
        (Box::new(SpatialDropout2D::new(0.5)), vec![x(&[1, 4, 2])], &["expected ndim=4, found ndim=3"]),
        (Box::new(SpatialDropout1D::new(0.5).data_format("channels_first")), vec![x(&[1, 4, 2])], &["no `data_format`"]),
        (Box::new(GaussianNoise::new(2.0)), vec![x(&[1, 4])], &["stddev=2"]),
        (Box::new(GaussianDropout::new(-0.1)), vec![x(&[1, 4])], &["rate=-0.1"]),
        (Box::new(AlphaDropout::new(1.1)), vec![x(&[1, 4])], &["rate=1.1"]),
        (Box::new(ActivityRegularization::new(-1.0, 0.0)), vec![x(&[1, 4])], &["l1"]),
    ]);
    let mut made: Vec<Box<dyn Layer>> = vec![
        Box::new(SpatialDropout3D::new(0.2).seed(3).data_format("channels_first")),
        Box::new(GaussianNoise::new(0.1).seed(4)),
        Box::new(GaussianDropout::new(0.3)),
        Box::new(AlphaDropout::new(0.2).noise_shape(&[None, Some(1)]).seed(5)),
        Box::new(ActivityRegularization::new(0.1, 0.2)),
    ];
    for l in made.iter_mut() {
        let c = l.get_config();
        let back = layers::from_config(l.class_name(), &c).unwrap_or_else(|e| panic!("{}: {e}", l.class_name()));
        assert_eq!(back.get_config(), c, "{} does not round-trip", l.class_name());
    }
}

/// The random layers advance their key on each training call, so two calls draw
/// different noise (and inference draws none).
#[test]
fn noise_layers_draw_anew_each_training_step() {
    use kc::prelude::*;
    let x = Tensor::from_f32(&[4, 6], vec![1.0; 24]).unwrap();
    for layer in [Box::new(GaussianNoise::new(0.5).seed(1)) as Box<dyn Layer>, Box::new(AlphaDropout::new(0.5).seed(2)), Box::new(GaussianDropout::new(0.5).seed(3))] {
        let name = layer.class_name();
        let mut m = Model::sequential(vec![Box::new(Input::new(&[6])), layer]);
        let a = m.call(&x, true).unwrap().to_f64_vec().unwrap();
        let b = m.call(&x, true).unwrap().to_f64_vec().unwrap();
        assert_ne!(a, b, "{name}: two training calls drew the same noise");
        assert_eq!(m.call(&x, false).unwrap().to_f64_vec().unwrap(), vec![1.0; 24], "{name}: noise at inference");
    }
}

#[test]
fn spatial_reshaping_layers_match_keras() {
    check_layer_family("layers_spatial.json");
}

#[test]
fn bad_spatial_reshaping_is_an_error_naming_the_layer() {
    assert_errors(vec![
        (Box::new(Cropping1D::new([2, 3])), vec![x(&[1, 5, 2])], &["should be smaller than the corresponding spatial dimension", "(1, 5, 2)"]),
        (Box::new(Cropping2D::new([(1, 1), (2, 2)])), vec![x(&[1, 5, 4, 2])], &["should be smaller"]),
        (Box::new(Cropping3D::default()), vec![x(&[1, 5, 4, 2])], &["expected ndim=5, found ndim=4"]),
        (Box::new(Cropping2D::new([1, 2, 3])), vec![x(&[1, 5, 4, 2])], &["`cropping` should be"]),
        (Box::new(Cropping1D::default().data_format("channels_first")), vec![x(&[1, 5, 2])], &["no `data_format`"]),
        (Box::new(ZeroPadding2D::new(-1)), vec![x(&[1, 5, 4, 2])], &["cannot be negative"]),
        (Box::new(UpSampling2D::new(2).interpolation("bicubic")), vec![x(&[1, 5, 4, 2])], &["`bicubic` is not supported"]),
        (Box::new(UpSampling3D::new(2).interpolation("bilinear")), vec![x(&[1, 2, 2, 2, 1])], &["`bilinear` is not supported"]),
        (Box::new(UpSampling1D::new(0)), vec![x(&[1, 5, 2])], &["`size` argument", "value > 0"]),
    ]);
    let mut made: Vec<Box<dyn Layer>> = vec![
        Box::new(Cropping1D::new([2, 0])),
        Box::new(Cropping3D::new([(1, 0), (0, 2), (1, 1)]).data_format("channels_first")),
        Box::new(ZeroPadding1D::new(3).data_format("channels_first")),
        Box::new(ZeroPadding2D::new([1, 2])),
        Box::new(UpSampling1D::new(3)),
        Box::new(UpSampling2D::new([2, 3]).interpolation("bilinear")),
        Box::new(UpSampling3D::default()),
    ];
    for l in made.iter_mut() {
        let c = l.get_config();
        let back = layers::from_config(l.class_name(), &c).unwrap_or_else(|e| panic!("{}: {e}", l.class_name()));
        assert_eq!(back.get_config(), c, "{} does not round-trip", l.class_name());
    }
}

#[test]
fn automatic_names_of_the_new_layers_are_keras_names() {
    let data = load("layers_names_conv.json");
    layers::clear_session();
    let made: Vec<Box<dyn Layer>> = vec![
        Box::new(Conv1D::new(1, 1)),
        Box::new(Conv2D::new(1, 1)),
        Box::new(Conv2D::new(1, 1)),
        Box::new(Conv3D::new(1, 1)),
        Box::new(Conv1DTranspose::new(1, 1)),
        Box::new(Conv2DTranspose::new(1, 1)),
        Box::new(Conv3DTranspose::new(1, 1)),
        Box::new(DepthwiseConv1D::new(1)),
        Box::new(DepthwiseConv2D::new(1)),
        Box::new(SeparableConv1D::new(1, 1)),
        Box::new(SeparableConv2D::new(1, 1)),
        Box::new(MaxPooling1D::default()),
        Box::new(MaxPooling2D::default()),
        Box::new(MaxPooling3D::default()),
        Box::new(AveragePooling1D::new(2)),
        Box::new(AveragePooling2D::new(2)),
        Box::new(AveragePooling3D::new(2)),
        Box::new(GlobalMaxPooling1D::new()),
        Box::new(GlobalMaxPooling2D::new()),
        Box::new(GlobalMaxPooling3D::new()),
        Box::new(GlobalAveragePooling1D::new()),
        Box::new(GlobalAveragePooling2D::new()),
        Box::new(GlobalAveragePooling3D::new()),
        Box::new(BatchNormalization::new()),
        Box::new(LayerNormalization::new()),
        Box::new(GroupNormalization::default()),
        Box::new(UnitNormalization::new()),
        Box::new(RMSNormalization::new()),
        Box::new(SpatialDropout1D::new(0.1)),
        Box::new(SpatialDropout2D::new(0.1)),
        Box::new(SpatialDropout3D::new(0.1)),
        Box::new(GaussianNoise::new(0.1)),
        Box::new(GaussianDropout::new(0.1)),
        Box::new(AlphaDropout::new(0.1)),
        Box::new(ActivityRegularization::default()),
        Box::new(Cropping1D::default()),
        Box::new(Cropping2D::default()),
        Box::new(Cropping3D::default()),
        Box::new(UpSampling1D::default()),
        Box::new(UpSampling2D::default()),
        Box::new(UpSampling3D::default()),
        Box::new(ZeroPadding1D::default()),
        Box::new(ZeroPadding2D::default()),
        Box::new(ZeroPadding3D::default()),
    ];
    let names: Vec<&str> = made.iter().map(|l| l.name()).collect();
    let want: Vec<&str> = data["names"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert_eq!(names, want);
    let classes: Vec<&str> = made.iter().map(|l| l.class_name()).collect();
    let want: Vec<&str> = data["classes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert_eq!(classes, want);
    // every class Keras named is one kc can build from a config
    for c in &classes {
        assert!(layers::config_classes().contains(c), "{c} has no from_config");
    }
}

/// A small CNN (Conv2D + BatchNormalization + pooling + Dense): each row of kc's
/// `summary()` has Keras's layer name, output shape and parameter count, and the totals
/// (trainable and not) are Keras's.
#[test]
fn cnn_summary_matches_keras_parameter_counts() {
    use kc::prelude::*;
    let data = load("layers_cnn_summary.json");
    layers::clear_session();
    let mut m = Model::sequential(vec![
        Box::new(Input::new(&[28, 28, 1])),
        Box::new(Conv2D::new(16, 3).padding("same").activation("relu")),
        Box::new(BatchNormalization::new()),
        Box::new(MaxPooling2D::default()),
        Box::new(Conv2D::new(32, 3).activation("relu")),
        Box::new(BatchNormalization::new()),
        Box::new(GlobalAveragePooling2D::new()),
        Box::new(Dropout::new(0.3)),
        Box::new(Dense::new(10)),
    ]);
    let s = m.summary().unwrap();
    let thousands = |n: u64| {
        let d = n.to_string();
        d.chars().enumerate().fold(String::new(), |mut acc, (i, c)| {
            if i > 0 && (d.len() - i) % 3 == 0 {
                acc.push(',');
            }
            acc.push(c);
            acc
        })
    };
    for row in data["rows"].as_array().unwrap() {
        let label = format!("{} ({})", row["name"].as_str().unwrap(), row["class_name"].as_str().unwrap());
        let dims: Vec<String> = row["output_shape"].as_array().unwrap().iter().map(|d| d.as_u64().map(|v| v.to_string()).unwrap_or("None".into())).collect();
        let shape = if dims.len() == 1 { format!("({},)", dims[0]) } else { format!("({})", dims.join(", ")) };
        let params = thousands(row["params"].as_u64().unwrap());
        let line = s.lines().find(|l| l.contains(&format!("│ {label} "))).unwrap_or_else(|| panic!("no row for {label}:\n{s}"));
        let cells: Vec<&str> = line.split('│').map(str::trim).collect();
        assert_eq!((cells[2], cells[3]), (shape.as_str(), params.as_str()), "{label}:\n{s}");
    }
    for (key, label) in [("total", "Total params"), ("trainable", "Trainable params"), ("non_trainable", "Non-trainable params")] {
        let want = format!(" {label}: {} (", thousands(data[key].as_u64().unwrap()));
        assert!(s.contains(&want), "`{want}` not in:\n{s}");
    }
}

/// A small CNN trains through `fit`: the step (convolutions, batch statistics, max
/// pooling, their gradients, the optimizer and the moving-statistics updates) goes
/// through the compiler's default pipeline with a symbolic batch. The task: is the
/// bright stripe of an 8x8 image horizontal or vertical.
#[test]
fn a_small_cnn_learns_stripes() {
    use kc::prelude::*;
    set_random_seed(7);
    let n = 64;
    let mut xs = vec![0f32; n * 64];
    let mut ys = vec![0f32; n];
    for i in 0..n {
        let (vertical, at) = (i % 2 == 1, (i / 2) % 8);
        ys[i] = vertical as i32 as f32;
        for r in 0..8 {
            for c in 0..8 {
                let on = if vertical { c == at } else { r == at };
                xs[i * 64 + r * 8 + c] = if on { 1.0 } else { 0.1 * (((i * 31 + r * 7 + c * 3) % 10) as f32 / 10.0) };
            }
        }
    }
    let x = Tensor::from_f32(&[n, 8, 8, 1], xs).unwrap();
    let y = Tensor::from_f32(&[n], ys).unwrap();
    let mut m = Model::sequential(vec![
        Box::new(Input::new(&[8, 8, 1])),
        Box::new(Conv2D::new(4, 3).padding("same").activation("relu")),
        Box::new(BatchNormalization::new()),
        Box::new(MaxPooling2D::default()),
        Box::new(Conv2D::new(4, [1, 4]).activation("relu")),
        Box::new(GlobalMaxPooling2D::new()),
        Box::new(Dense::new(2)),
    ]);
    let loss = Loss::from_name("sparse_categorical_crossentropy").unwrap().from_logits(true);
    m.compile(Compile::new().optimizer(Adam::new(0.02)).loss(loss).metrics(&["accuracy"])).unwrap();
    let h = m.fit(&x, &y, Fit::new().epochs(15).batch_size(16).verbose(0)).unwrap();
    let l = h.get("loss").unwrap();
    assert!(l[l.len() - 1] < 0.5 * l[0], "the loss did not fall: {l:?}");
    let moved = m.weights().iter().find(|w| w.path().ends_with("moving_mean")).unwrap().value().to_f64_vec();
    assert!(moved.iter().any(|v| *v != 0.0), "fit did not move the moving mean");
    let acc = m.evaluate(&x, &y, 32).unwrap()["accuracy"];
    assert!(acc >= 0.9, "accuracy {acc}");
}
