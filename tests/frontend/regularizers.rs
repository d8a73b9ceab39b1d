//! Regularizers and constraints against Keras 3, and both inside a training step.
use crate::golden::{assert_close, close_vec, load, same_json, tensor};
use kc::frontend::constraints::Constraint;
use kc::frontend::regularizers::Regularizer;
use kc::frontend::{ops, Tensor};
use kc::prelude::*;

#[test]
fn regularizer_penalties_match_keras() {
    let data = load("regularizers.json");
    let x = tensor(&data["x"]);
    for c in data["cases"].as_array().unwrap() {
        let r = match c.get("identifier") {
            Some(id) => Regularizer::from_name(id.as_str().unwrap()).unwrap(),
            None => Regularizer::from_config(&c["config"]).unwrap(),
        };
        let what = format!("{}", c.get("identifier").unwrap_or(&c["config"]));
        assert!(same_json(&r.to_config(), &c["config"]), "{what}: config {} vs Keras {}", r.to_config(), c["config"]);
        let got = r.call(&x).unwrap().item().unwrap();
        close_vec(&what, &[got], &[c["value"].as_f64().unwrap()], 1e-5, 1e-7);
    }
    // Keras 3.15 rejects `l1_l2` (its L1L2 class is `l1l2`); kc takes the documented
    // meaning, l1 = l2 = 0.01
    assert!(data["errors"]["l1_l2"].as_str().unwrap().contains("Could not interpret"));
    let l1l2 = Regularizer::from_name("l1_l2").unwrap().call(&x).unwrap().item().unwrap();
    let by_hand = 0.01 * ops::sum(&ops::abs(&x).unwrap(), None, false).unwrap().item().unwrap()
        + 0.01 * ops::sum(&ops::square(&x).unwrap(), None, false).unwrap().item().unwrap();
    close_vec("l1_l2", &[l1l2], &[by_hand], 1e-6, 0.0);
    let e = Regularizer::from_name("l3").unwrap_err().to_string();
    assert!(e.contains("unknown regularizer `l3`") && e.contains("l1") && e.contains("orthogonal_regularizer"), "{e}");
    for bad in [Regularizer::l1(-0.1), Regularizer::l2(f64::NAN), Regularizer::orthogonal(0.1, "diagonal")] {
        assert!(bad.is_err());
    }
    let e = Regularizer::orthogonal(0.1, "rows").unwrap().call(&Tensor::zeros(DType::F32, &[2, 2, 2]).unwrap()).unwrap_err().to_string();
    assert!(e.contains("rank 2"), "{e}");
}

#[test]
fn constraints_match_keras() {
    let data = load("constraints.json");
    let w = tensor(&data["w"]);
    for c in data["cases"].as_array().unwrap() {
        let k = match c.get("identifier") {
            Some(id) => Constraint::from_name(id.as_str().unwrap()).unwrap(),
            None => Constraint::from_config(&c["config"]).unwrap(),
        };
        let what = format!("{}", c.get("identifier").unwrap_or(&c["config"]));
        assert!(same_json(&k.to_config(), &c["config"]), "{what}: config {} vs Keras {}", k.to_config(), c["config"]);
        assert_close(&what, &k.call(&w).unwrap(), &c["value"], 1e-5, 1e-6);
    }
    let e = Constraint::from_name("maxnorm").unwrap_err().to_string();
    assert!(e.contains("unknown constraint `maxnorm`") && e.contains("max_norm"), "{e}");
}

/// Two samples, one Dense(1) without bias, MSE, SGD with learning rate 0.1.
fn one_step(dense: Dense, w0: [f32; 2]) -> (f64, Vec<f64>) {
    let mut m = Model::sequential(vec![Box::new(Input::new(&[2])), Box::new(dense.use_bias(false))]);
    m.compile(Compile::new().optimizer(Sgd::new(0.1)).loss("mse")).unwrap();
    m.build(TensorType::new(DType::F32, Shape(vec![Dim::sym("N"), Dim::Known(2)]))).unwrap();
    m.weights()[0].assign(HostTensor::from_vec(vec![2, 1], w0.to_vec()).unwrap()).unwrap();
    let x = Tensor::from_f32(&[2, 2], vec![1., 2., 3., 4.]).unwrap();
    let y = Tensor::from_f32(&[2, 1], vec![1., 2.]).unwrap();
    let loss = m.train_on_batch(&x, &y).unwrap();
    (loss, m.weights()[0].value().to_f64_vec())
}

#[test]
fn a_kernel_regularizer_is_part_of_the_traced_loss_and_gradient() {
    // w = [1, 1]: predictions 3, 7; errors 2, 5; mse 14.5; d mse / dw = [17, 24]
    let (loss, w) = one_step(Dense::new(1).kernel_regularizer(Regularizer::l2(0.5).unwrap()), [1.0, 1.0]);
    // + 0.5 * (1 + 1) = 1; d/dw 0.5 * w² = w
    close_vec("loss", &[loss], &[15.5], 1e-6, 0.0);
    close_vec("w", &w, &[1.0 - 0.1 * 18.0, 1.0 - 0.1 * 25.0], 1e-6, 0.0);
    let (loss, w) = one_step(Dense::new(1).kernel_regularizer("l1"), [1.0, -1.0]);
    // predictions -1, -1; errors -2, -3; mse 6.5; d mse/dw = [1*-2 + 3*-3, 2*-2 + 4*-3] = [-11, -16]
    close_vec("l1 loss", &[loss], &[6.5 + 0.01 * 2.0], 1e-6, 0.0);
    close_vec("l1 w", &w, &[1.0 - 0.1 * (-11.0 + 0.01), -1.0 - 0.1 * (-16.0 - 0.01)], 1e-6, 0.0);
}

#[test]
fn an_activity_regularizer_is_divided_by_the_batch() {
    // outputs 3, 7 with w = [1, 1]: l2 0.01 * (9 + 49) / 2 = 0.29 on top of mse 14.5
    let (loss, _) = one_step(Dense::new(1).activity_regularizer("l2"), [1.0, 1.0]);
    close_vec("loss", &[loss], &[14.79], 1e-6, 0.0);
}

#[test]
fn constraints_project_the_kernel_after_each_step() {
    // the step moves w to [-0.7, -1.4]; non_neg clips both to 0
    let (_, w) = one_step(Dense::new(1).kernel_constraint("non_neg"), [1.0, 1.0]);
    assert_eq!(w, [0.0, 0.0]);
    // max_norm 1 along axis 0: w / |w| (|w| = sqrt(0.49 + 1.96))
    let (_, w) = one_step(Dense::new(1).kernel_constraint(Constraint::MaxNorm { max_value: 1.0, axis: vec![0] }), [1.0, 1.0]);
    let n = (0.49f64 + 1.96).sqrt();
    close_vec("max_norm", &w, &[-0.7 / (n + 1e-7), -1.4 / (n + 1e-7)], 1e-6, 0.0);
}
