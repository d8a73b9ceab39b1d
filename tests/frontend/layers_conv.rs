//! The second wave of layers against real Keras 3 (golden files from
//! `tests/golden/keras/layers_conv.py`): convolutions, pooling, normalization, noise
//! and spatial reshaping. Each case is rebuilt from Keras's config, given Keras's
//! weights and checked traced and eager (`golden::check_layer_family`, 1e-5 relative +
//! 1e-5 absolute unless a test says why it needs more). Errors, names and the summary of
//! a small CNN follow.
use crate::golden::check_layer_family;
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
