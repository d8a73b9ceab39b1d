//! Custom training loops: `value_and_grad` + `Optimizer::apply_gradients`.
use kc::frontend::{ops, value_and_grad, Tensor};
use kc::prelude::*;

fn linear(name_seed: u64) -> Model {
    set_random_seed(name_seed);
    Model::sequential(vec![Box::new(Input::new(&[2])), Box::new(Dense::new(1))])
}

#[test]
fn a_custom_loop_takes_the_same_step_as_train_on_batch() {
    let x = Tensor::from_f32(&[4, 2], vec![1., 2., -1., 0.5, 0.3, -0.7, 2., 1.]).unwrap();
    let y = Tensor::from_f32(&[4, 1], vec![1., -1., 0.5, 2.]).unwrap();
    // reference: the built-in step
    let mut a = linear(7);
    a.compile(Compile::new().optimizer(Sgd::new(0.1).momentum(0.9)).loss("mse")).unwrap();
    for _ in 0..3 {
        a.train_on_batch(&x, &y).unwrap();
    }
    // the same with a custom loop
    let mut b = linear(7);
    b.call(&x, false).unwrap(); // build
    let vars = b.trainable_weights();
    let mut opt = Sgd::new(0.1).momentum(0.9);
    let mut last = 0.0;
    for _ in 0..3 {
        let (loss, grads) = value_and_grad(&vars, &[x.clone(), y.clone()], |t| {
            let p = b.call(&t[0], true)?;
            ops::mean(&ops::square(&ops::subtract(&p, &t[1])?)?, None, false)
        })
        .unwrap();
        last = loss.item().unwrap();
        opt.apply_gradients(&grads, &vars).unwrap();
    }
    for (wa, wb) in a.weights().iter().zip(b.weights()) {
        let (va, vb) = (wa.value().to_f64_vec(), wb.value().to_f64_vec());
        assert!(va.iter().zip(&vb).all(|(p, q)| (p - q).abs() < 1e-6), "{va:?} vs {vb:?}");
    }
    assert!(last > 0.0);
    assert_eq!(opt.iterations(), 3);
}

#[test]
fn two_optimizers_each_move_only_their_own_variables() {
    // a GAN-shaped loop: g maps noise to samples, d scores them; each step updates one side
    let mut g = linear(1);
    let mut d = linear(2);
    let z = Tensor::from_f32(&[3, 2], vec![0.1, 0.2, -0.3, 0.4, 0.5, -0.6]).unwrap();
    let gz = g.call(&z, false).unwrap();
    let two = ops::concatenate(&[gz.clone(), gz], -1).unwrap();
    d.call(&two, false).unwrap();
    let (gv, dv) = (g.trainable_weights(), d.trainable_weights());
    let (mut gopt, mut dopt) = (Adam::new(0.01), Adam::new(0.02));
    let before: Vec<Vec<f64>> = gv.iter().chain(&dv).map(|w| w.value().to_f64_vec()).collect();
    let score = |g: &mut Model, d: &mut Model, z: &Tensor| -> kc::frontend::Result<Tensor> {
        let s = g.call(z, true)?;
        let s2 = ops::concatenate(&[s.clone(), s], -1)?;
        ops::mean(&d.call(&s2, true)?, None, false)
    };
    // discriminator step: gradients for d only
    let (_, grads) = value_and_grad(&dv, std::slice::from_ref(&z), |t| score(&mut g, &mut d, &t[0])).unwrap();
    dopt.apply_gradients(&grads, &dv).unwrap();
    let after: Vec<Vec<f64>> = gv.iter().chain(&dv).map(|w| w.value().to_f64_vec()).collect();
    assert_eq!(before[..2], after[..2], "the generator moved on the discriminator's step");
    assert_ne!(before[2..], after[2..], "the discriminator did not move");
    // generator step: maximise the score
    let (_, grads) = value_and_grad(&gv, std::slice::from_ref(&z), |t| ops::negative(&score(&mut g, &mut d, &t[0])?)).unwrap();
    gopt.apply_gradients(&grads, &gv).unwrap();
    let last: Vec<Vec<f64>> = gv.iter().chain(&dv).map(|w| w.value().to_f64_vec()).collect();
    assert_ne!(after[..2], last[..2]);
    assert_eq!(after[2..], last[2..]);
    let e = value_and_grad(&gv, std::slice::from_ref(&z), |t| g.call(&t[0], true)).unwrap_err().to_string();
    assert!(e.contains("float scalar loss"), "{e}");
}

#[test]
fn a_custom_train_step_inside_fit_matches_the_built_in_one() {
    let x = Tensor::from_f32(&[8, 2], vec![1., 2., -1., 0.5, 0.3, -0.7, 2., 1., 0.1, 0.1, -2., 0.4, 0.9, -0.2, 0.0, 1.5]).unwrap();
    let y = Tensor::from_f32(&[8, 1], vec![1., -1., 0.5, 2., 0.0, -0.5, 1.5, 0.7]).unwrap();
    let cfg = || Fit::new().epochs(3).batch_size(3).shuffle(false).verbose(0);
    let mut a = linear(9);
    a.compile(Compile::new().optimizer(Adam::new(0.05)).loss("mse").metrics(&["mae"])).unwrap();
    let ha = a.fit(&x, &y, cfg()).unwrap();
    let mut b = linear(9);
    b.compile(Compile::new().optimizer(Adam::new(0.05)).loss("mse").metrics(&["mae"])).unwrap();
    b.set_train_step(Box::new(|s, xs, ys| {
        let vars = s.trainable_weights();
        let (loss, grads) = value_and_grad(&vars, &[xs[0].clone(), ys[0].clone()], |t| {
            let p = s.call(&t[..1])?;
            s.compute_loss(&t[1..], &p)
        })?;
        s.apply_gradients(&grads, &vars)?;
        // the predictions for the metrics, from the network again (outside the gradient)
        let p = s.call(xs)?;
        s.update_metrics(ys, &p)?;
        Ok(loss)
    }));
    let hb = b.fit(&x, &y, cfg()).unwrap();
    for (wa, wb) in a.weights().iter().zip(b.weights()) {
        let (va, vb) = (wa.value().to_f64_vec(), wb.value().to_f64_vec());
        assert!(va.iter().zip(&vb).all(|(p, q)| (p - q).abs() < 1e-5), "{va:?} vs {vb:?}");
    }
    for k in ["loss", "mae"] {
        let (la, lb) = (ha.get(k).unwrap(), hb.get(k).unwrap());
        assert!(la.iter().zip(lb).all(|(p, q)| (p - q).abs() < 1e-5), "{k}: {la:?} vs {lb:?}");
    }
}
