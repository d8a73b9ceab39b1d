//! Layers against real Keras 3 (golden files from `tests/golden/keras/layers.py`): each
//! case is rebuilt from Keras's own config (`layers::from_config`), given Keras's
//! weights, and called eagerly and traced (batch axis symbolic); outputs, added losses,
//! and gradients of `sum(output * r)` (through the compiler's autodiff) must match.
//! Behaviour and error cases follow.
use crate::golden::{check_layer_family as check_family, close_vec, load, traced};
use kc::frontend::layers::{self, call, call1, CallCtx, Layer};
use kc::frontend::{ops, Tensor};
use kc::prelude::*;

#[test]
fn core_layers_match_keras() {
    check_family("layers_core.json");
}

#[test]
fn reshaping_layers_match_keras() {
    check_family("layers_reshaping.json");
}

#[test]
fn merging_layers_match_keras() {
    check_family("layers_merging.json");
}

#[test]
fn activation_layers_match_keras() {
    check_family("layers_activations.json");
}

#[test]
fn automatic_names_are_keras_names() {
    let data = load("layers_names.json");
    layers::clear_session();
    let made: Vec<Box<dyn Layer>> = vec![
        Box::new(Dense::new(1)),
        Box::new(Dense::new(1)),
        Box::new(Dropout::new(0.1)),
        Box::new(ReLU::new()),
        Box::new(LeakyReLU::new()),
        Box::new(PReLU::new()),
        Box::new(ELU::new()),
        Box::new(Softmax::default()),
        Box::new(Embedding::new(2, 2)),
        Box::new(Reshape::new(&[1])),
        Box::new(Permute::new(&[1])),
        Box::new(RepeatVector::new(2)),
        Box::new(Identity::new()),
        Box::new(Rescaling::new(1.0, 0.0)),
        Box::new(Concatenate::default()),
        Box::new(Add::new()),
        Box::new(Subtract::new()),
        Box::new(Multiply::new()),
        Box::new(Average::new()),
        Box::new(Maximum::new()),
        Box::new(Minimum::new()),
        Box::new(Dot::new(1)),
        Box::new(Flatten::new()),
        Box::new(Activation::new("relu")),
        Box::new(Lambda::new(|x| Ok(x.clone()))),
        Box::new(ReLU::new()),
    ];
    let names: Vec<&str> = made.iter().map(|l| l.name()).collect();
    let want: Vec<&str> = data["names"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert_eq!(names, want);
    let classes: Vec<&str> = made.iter().map(|l| l.class_name()).collect();
    let want: Vec<&str> = data["classes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert_eq!(classes, want);
}

fn x(shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    Tensor::from_f32(shape, (0..n).map(|i| (i as f32 * 0.37).sin()).collect()).unwrap()
}

fn err(layer: &mut dyn Layer, inputs: &[Tensor]) -> String {
    match call(layer, inputs, &CallCtx::new(false)) {
        Ok(_) => panic!("{} accepted inputs {inputs:?}", layer.name()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_arguments_and_inputs_are_errors_naming_the_layer() {
    let cases: Vec<(Box<dyn Layer>, Vec<Tensor>, &[&str])> = vec![
        (Box::new(Dense::new(0)), vec![x(&[2, 3])], &["units=0"]),
        (Box::new(Dense::new(2)), vec![x(&[3])], &["min_ndim=2", "ndim=1"]),
        (Box::new(Reshape::new(&[5, 2])), vec![x(&[2, 3, 4])], &["total size", "input_shape=(3, 4), target_shape=(5, 2)"]),
        (Box::new(Reshape::new(&[-1, -1])), vec![x(&[2, 3, 4])], &["single unknown dimension"]),
        (Box::new(Reshape::new(&[5, -1])), vec![x(&[2, 3, 4])], &["cannot by divided"]),
        (Box::new(Permute::new(&[1, 3])), vec![x(&[2, 3, 4])], &["consecutive and start from 1"]),
        (Box::new(Permute::new(&[2, 1])), vec![x(&[2, 3, 4, 5])], &["expected ndim=3, found ndim=4"]),
        (Box::new(RepeatVector::new(2)), vec![x(&[2, 3, 4])], &["expected ndim=2, found ndim=3"]),
        (Box::new(RepeatVector::new(0)), vec![x(&[2, 3])], &["n=0"]),
        (Box::new(Concatenate::default()), vec![x(&[2, 3, 4]), x(&[2, 2, 5])], &["matching shapes except for the concatenation axis", "(2, 3, 4)"]),
        (Box::new(Subtract::new()), vec![x(&[2, 3]), x(&[2, 3]), x(&[2, 3])], &["exactly 2 inputs"]),
        (Box::new(Add::new()), vec![x(&[2, 3]), x(&[2, 4])], &["incompatible shapes", "(2, 3)", "(2, 4)"]),
        (Box::new(Add::new()), vec![x(&[2, 3]), x(&[3, 3])], &["different batch sizes"]),
        (Box::new(Dot::new(0)), vec![x(&[2, 3]), x(&[2, 3])], &["axis 0"]),
        (Box::new(Dot::new(1)), vec![x(&[2, 3]), x(&[2, 4])], &["axis values 3 (at axis 1) != 4"]),
        (Box::new(Dot::new(1)), vec![x(&[2, 3])], &["exactly 2 inputs"]),
        (Box::new(ReLU::new().max_value(-1.0)), vec![x(&[2, 3])], &["max_value", "negative"]),
        (Box::new(ReLU::new().threshold(-1.0)), vec![x(&[2, 3])], &["threshold"]),
        (Box::new(LeakyReLU::new().negative_slope(-0.1)), vec![x(&[2, 3])], &["negative_slope"]),
        (Box::new(Dropout::new(1.5)), vec![x(&[2, 3])], &["rate=1.5"]),
        (Box::new(PReLU::new()), vec![x(&[2])], &["batch axis"]),
        (Box::new(PReLU::new().shared_axes(&[3])), vec![x(&[2, 3])], &["shared axis 3"]),
        (Box::new(Embedding::new(0, 3)), vec![x(&[2, 3])], &["input_dim=0"]),
        (Box::new(Dense::new(2).kernel_initializer("glorot_unifrom")), vec![x(&[2, 3])], &["unknown initializer `glorot_unifrom`", "glorot_uniform"]),
        (Box::new(Dense::new(2).kernel_regularizer("l3")), vec![x(&[2, 3])], &["unknown regularizer `l3`", "l1"]),
        (Box::new(Dense::new(2).kernel_constraint("maxnorm")), vec![x(&[2, 3])], &["unknown constraint `maxnorm`", "max_norm"]),
        (Box::new(Activation::new("rleu")), vec![x(&[2, 3])], &["unknown activation `rleu`"]),
    ];
    for (mut layer, inputs, needles) in cases {
        let e = err(layer.as_mut(), &inputs);
        assert!(e.contains(&format!("layer \"{}\" ({})", layer.name(), layer.class_name())), "error does not name the layer: {e}");
        for n in needles {
            assert!(e.contains(n), "`{n}` not in: {e}");
        }
    }
    // a built Dense sees a wrong width later
    let mut d = Dense::new(2);
    call1(&mut d, &x(&[1, 3]), &CallCtx::new(false)).unwrap();
    let e = err(&mut d, &[x(&[1, 4])]);
    assert!(e.contains("expected axis -1 of input shape to have value 3") && e.contains("(1, 4)"), "{e}");
}

#[test]
fn from_config_rejects_what_it_cannot_build() {
    let cfg = |v: serde_json::Value| v.as_object().unwrap().clone();
    let e = layers::from_config("Conv9D", &cfg(serde_json::json!({}))).map(|_| ()).unwrap_err().to_string();
    assert!(e.contains("unknown layer class `Conv9D`") && e.contains("Dense"), "{e}");
    let e = layers::from_config("Dense", &cfg(serde_json::json!({"units": 3, "kernal_initializer": "ones"}))).map(|_| ()).unwrap_err().to_string();
    assert!(e.contains("kernal_initializer"), "{e}");
    let e = layers::from_config("Dense", &cfg(serde_json::json!({"units": 3, "dtype": "float16"}))).map(|_| ()).unwrap_err().to_string();
    assert!(e.contains("float32"), "{e}");
    let d = layers::from_config("Dense", &cfg(serde_json::json!({"units": 3, "name": "head", "kernel_initializer": "ones"}))).unwrap();
    assert_eq!(d.name(), "head");
    // what kc writes, kc reads back to the same config
    let mut made: Vec<Box<dyn Layer>> = vec![
        Box::new(Dense::new(4).activation("relu").kernel_regularizer("l2").kernel_constraint("unit_norm").name("d")),
        Box::new(Dropout::new(0.25).noise_shape(&[None, Some(1)]).seed(9)),
        Box::new(PReLU::new().shared_axes(&[1]).alpha_initializer("ones")),
        Box::new(Dot::pair(1, 2).normalize(true)),
        Box::new(Softmax::over(&[1, 2])),
        Box::new(ReLU::new().max_value(3.0).threshold(0.5)),
        Box::new(Embedding::new(7, 3).mask_zero(true)),
        Box::new(Input::with_shape(&[None, Some(4)]).dtype(DType::I32)),
    ];
    for l in made.iter_mut() {
        let c = l.get_config();
        let back = layers::from_config(l.class_name(), &c).unwrap_or_else(|e| panic!("{}: {e}", l.class_name()));
        assert_eq!(back.get_config(), c, "{} does not round-trip", l.class_name());
    }
}

#[test]
fn lambda_runs_its_closure_eagerly_and_traced() {
    let mut l = Lambda::new(|x| ops::add(&ops::multiply(x, 2.0)?, 1.0));
    let input = x(&[2, 3]);
    let eager = call1(&mut l, &input, &CallCtx::new(false)).unwrap();
    let want: Vec<f64> = input.to_f64_vec().unwrap().iter().map(|v| (*v as f32 * 2.0 + 1.0) as f64).collect();
    close_vec("lambda eager", &eager.to_f64_vec().unwrap(), &want, 1e-6, 0.0);
    let t = traced(&mut l, &[input], None, false);
    close_vec("lambda traced", &t.output.to_f64_vec().unwrap(), &want, 1e-6, 0.0);
    let mut two = Lambda::multi(|xs| Ok(vec![ops::subtract(&xs[0], &xs[1])?, ops::add(&xs[0], &xs[1])?]));
    let outs = call(&mut two, &[x(&[2, 2]), x(&[2, 2])], &CallCtx::new(false)).unwrap();
    assert_eq!(outs.len(), 2);
    assert!(outs[0].to_f64_vec().unwrap().iter().all(|v| *v == 0.0));
}

#[test]
fn embedding_casts_ids_masks_zero_and_rejects_bools() {
    let mut e = Embedding::new(5, 2).embeddings_initializer(kc::initializers::Initializer::RandomUniform { minval: -1.0, maxval: 1.0, seed: Some(3) }).mask_zero(true);
    let ids_f = Tensor::from_f32(&[1, 3], vec![0.0, 4.0, 2.0]).unwrap();
    let out = call1(&mut e, &ids_f, &CallCtx::new(false)).unwrap();
    assert_eq!(out.shape(), Some(vec![1, 3, 2]));
    let table = e.embeddings().unwrap().value().to_f64_vec();
    let got = out.to_f64_vec().unwrap();
    assert_eq!(got, [table[0], table[1], table[8], table[9], table[4], table[5]]);
    let mask = e.compute_mask(&ids_f).unwrap().unwrap();
    assert_eq!(mask.to_f64_vec().unwrap(), [0.0, 1.0, 1.0]);
    let bools = ops::greater(&ids_f, 1.0).unwrap();
    let msg = err(&mut e, &[bools]);
    assert!(msg.contains("integer ids"), "{msg}");
}

#[test]
fn layers_compose_in_a_sequential_model_with_a_summary() {
    layers::clear_session();
    let mut m = Model::sequential(vec![
        Box::new(Input::new(&[6])),
        Box::new(Dense::new(4)),
        Box::new(Dropout::new(0.5)),
        Box::new(LeakyReLU::new()),
        Box::new(RepeatVector::new(3)),
        Box::new(Reshape::new(&[2, -1])),
        Box::new(Permute::new(&[2, 1])),
        Box::new(Flatten::new()),
        Box::new(PReLU::new()),
        Box::new(Softmax::default()),
    ]);
    let s = m.summary().unwrap();
    for row in [
        "dense (Dense)                   │ (None, 4)",
        "dropout (Dropout)               │ (None, 4)",
        "leaky_re_lu (LeakyReLU)         │ (None, 4)",
        "repeat_vector (RepeatVector)    │ (None, 3, 4)",
        "reshape (Reshape)               │ (None, 2, 6)",
        "permute (Permute)               │ (None, 6, 2)",
        "flatten (Flatten)               │ (None, 12)",
        "p_re_lu (PReLU)                 │ (None, 12)      ",
        "softmax (Softmax)               │ (None, 12)",
    ] {
        assert!(s.contains(row), "summary lacks `{row}`:\n{s}");
    }
    // Dense 6*4+4, PReLU 12; the dropout's seed state is not a weight (as in Keras)
    assert!(s.contains("Total params: 40 "), "{s}");
}
