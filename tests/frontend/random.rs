//! kc's counter-based random numbers (threefry-2x32 from the IR's integer ops) against
//! JAX's, Dropout against Keras's masks, and the same bits eagerly and traced.
use crate::golden::{assert_close, close_vec, floats, load, shape, traced};
use kc::frontend::layers::{call1, CallCtx};
use kc::frontend::{ops, Graph, SeedGenerator, Tensor};
use kc::prelude::*;
use serde_json::Value;

fn key(v: &Value) -> Tensor {
    let k: Vec<u32> = v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as u32).collect();
    Tensor::from_host(HostTensor::from_vec(vec![2], k).unwrap())
}

#[test]
fn threefry_bits_are_jaxs_bits() {
    let data = load("random.json");
    for c in data["bits"].as_array().unwrap() {
        let got = ops::random_bits(&shape(&c["bits"]), &key(&c["key"])).unwrap();
        assert_eq!(got.dtype(), DType::U32);
        assert_eq!(got.to_f64_vec().unwrap(), floats(&c["bits"]), "key {}", c["key"]);
    }
    // the one-round example in docs/ir.md
    let x0 = Tensor::from_host(HostTensor::from_vec(vec![2], vec![0u32, 305419896]).unwrap());
    let x1 = Tensor::from_host(HostTensor::from_vec(vec![2], vec![1u32, 2596069104]).unwrap());
    let s = ops::add(&x0, &x1).unwrap();
    assert_eq!(s.to_f64_vec().unwrap(), [1.0, 2901489000.0]);
}

#[test]
fn uniform_normal_and_truncated_draws_are_jaxs() {
    let data = load("random.json");
    for c in data["uniform"].as_array().unwrap() {
        let (lo, hi) = (c["minval"].as_f64().unwrap(), c["maxval"].as_f64().unwrap());
        let got = ops::random_uniform(&shape(&c["values"]), lo, hi, DType::F32, &key(&c["key"])).unwrap();
        // exact bits up to the final multiply-add, which XLA may fuse (one rounding)
        assert_close("uniform", &got, &c["values"], 1e-7, 1e-7);
    }
    // erfinv is an f32 polynomial on both sides; log1p may differ in the last bit
    for c in data["normal"].as_array().unwrap() {
        let got = ops::random_normal(&shape(&c["values"]), 0.0, 1.0, DType::F32, &key(&c["key"])).unwrap();
        assert_close("normal", &got, &c["values"], 1e-5, 1e-6);
    }
    for c in data["truncated_normal"].as_array().unwrap() {
        let got = ops::random_truncated_normal(&shape(&c["values"]), 0.0, 1.0, DType::F32, &key(&c["key"])).unwrap();
        assert_close("truncated_normal", &got, &c["values"], 1e-5, 1e-6);
        assert!(got.to_f64_vec().unwrap().iter().all(|v| v.abs() < 2.0));
    }
    // keras.random.*(seed=n) draws with the key [n, 0]
    for c in data["keras_seeded"].as_array().unwrap() {
        let k = ops::random_key(c["seed"].as_u64().unwrap() as u32);
        assert_close("keras uniform", &ops::random_uniform(&[3, 4], -1.0, 3.0, DType::F32, &k).unwrap(), &c["uniform"], 1e-6, 1e-6);
        assert_close("keras normal", &ops::random_normal(&[3, 4], 0.5, 2.0, DType::F32, &k).unwrap(), &c["normal"], 1e-5, 1e-5);
        assert_close(
            "keras truncated_normal",
            &ops::random_truncated_normal(&[3, 4], -1.0, 0.5, DType::F32, &k).unwrap(),
            &c["truncated_normal"],
            1e-5,
            1e-5,
        );
    }
}

#[test]
fn draws_are_the_same_eagerly_and_traced_with_a_symbolic_batch() {
    let k = ops::random_key(2024);
    let eager = ops::random_normal(&[5, 3], 0.0, 1.0, DType::F32, &k).unwrap();
    let g = Graph::new();
    let x = g.input("x", TensorType::new(DType::F32, Shape(vec![Dim::sym("N"), Dim::Known(3)])));
    let seed = g.input("seed", TensorType::known(DType::U32, &[2]));
    let drawn = ops::random_normal_dims(&x.dims(), 0.0, 1.0, DType::F32, &seed).unwrap();
    let (f, _) = g.finish("f", &[drawn]).unwrap();
    let xs = Tensor::zeros(DType::F32, &[5, 3]).unwrap().host().unwrap();
    let out = kc::runtime::run_func(&f, &[xs, k.host().unwrap()]).unwrap();
    assert_eq!(out[0].to_f64_vec(), eager.to_f64_vec().unwrap(), "traced and eager draws differ");
    // a symbolic shape needs the draw inside a trace
    let e = ops::random_bits_dims(&x.dims(), &k).unwrap_err().to_string();
    assert!(e.contains("symbolic dim") && e.contains("inside a trace"), "{e}");
    let e = ops::random_bits(&[2], &Tensor::from_f32(&[2], vec![1.0, 2.0]).unwrap()).unwrap_err().to_string();
    assert!(e.contains("u32[2]"), "{e}");
    let e = ops::random_uniform(&[2], 0.0, 1.0, DType::I32, &k).unwrap_err().to_string();
    assert!(e.contains("not a float dtype"), "{e}");
}

#[test]
fn erfinv_inverts_erf() {
    let p = Tensor::from_f32(&[7], vec![-0.999, -0.5, -0.1, 0.0, 0.3, 0.9, 0.99999]).unwrap();
    let back = ops::erf(&ops::erfinv(&p).unwrap()).unwrap();
    close_vec("erf(erfinv(p))", &back.to_f64_vec().unwrap(), &p.to_f64_vec().unwrap(), 2e-6, 2e-6);
    let edge = ops::erfinv(&Tensor::from_f32(&[3], vec![1.0, -1.0, 1.5]).unwrap()).unwrap().to_f64_vec().unwrap();
    assert!(edge[0] == f64::INFINITY && edge[1] == f64::NEG_INFINITY && edge[2].is_nan(), "{edge:?}");
    // erfinv(0.5) = 0.4769362762044699
    let half = ops::erfinv(&Tensor::scalar(0.5)).unwrap().item().unwrap();
    assert!((half - 0.476_936_276_204_469_9).abs() < 1e-6, "{half}");
}

#[test]
fn dropout_draws_keras_masks_for_the_same_seed() {
    let data = load("layers_dropout.json");
    for c in data["cases"].as_array().unwrap() {
        let mut d = kc::frontend::layers::from_config("Dropout", c["config"].as_object().unwrap()).unwrap();
        let ones = Tensor::from_f32(&shape(&c["calls"][0]), vec![1.0; shape(&c["calls"][0]).iter().product()]).unwrap();
        for (i, want) in c["calls"].as_array().unwrap().iter().enumerate() {
            let got = call1(d.as_mut(), &ones, &CallCtx::new(true)).unwrap();
            assert_close(&format!("dropout seed {} call {i}", c["seed"]), &got, want, 1e-6, 0.0);
        }
        let inf = call1(d.as_mut(), &ones, &CallCtx::new(false)).unwrap();
        assert_close("dropout at inference", &inf, &c["inference"], 0.0, 0.0);
        assert_eq!(d.weights().len(), c["weights"].as_u64().unwrap() as usize, "seed state is not a weight");
    }
}

#[test]
fn dropout_rate_scaling_and_noise_shape() {
    let n = 200 * 500;
    let x = Tensor::from_f32(&[200, 500], vec![1.0; n]).unwrap();
    for rate in [0.1, 0.3, 0.75] {
        let mut d = Dropout::new(rate).seed(11);
        let y = call1(&mut d, &x, &CallCtx::new(true)).unwrap().to_f64_vec().unwrap();
        let kept_value = (1.0f32 / (1.0 - rate) as f32) as f64;
        assert!(y.iter().all(|&v| v == 0.0 || v == kept_value), "values other than 0 and 1/(1-rate)");
        let dropped = y.iter().filter(|&&v| v == 0.0).count() as f64 / n as f64;
        // a binomial proportion: 5 standard deviations is a false alarm once in ~3.5 million runs
        let sd = (rate * (1.0 - rate) / n as f64).sqrt();
        assert!((dropped - rate).abs() < 5.0 * sd, "rate {rate}: dropped {dropped}");
        // the mean is preserved in expectation
        let mean = y.iter().sum::<f64>() / n as f64;
        assert!((mean - 1.0).abs() < 5.0 * sd / (1.0 - rate), "rate {rate}: mean {mean}");
    }
    // one decision per (sample, feature), shared along axis 1
    let x = Tensor::from_f32(&[4, 6, 5], vec![1.0; 120]).unwrap();
    let mut d = Dropout::new(0.5).noise_shape(&[None, Some(1), None]).seed(3);
    let y = call1(&mut d, &x, &CallCtx::new(true)).unwrap().to_f64_vec().unwrap();
    for b in 0..4 {
        for f in 0..5 {
            let col: Vec<f64> = (0..6).map(|t| y[b * 30 + t * 5 + f]).collect();
            assert!(col.iter().all(|&v| v == col[0]), "mask varies along the noise axis: {col:?}");
        }
    }
    // rate 0 and inference are the identity; rate 1 zeroes
    let xs = Tensor::from_f32(&[2, 3], vec![1., 2., 3., 4., 5., 6.]).unwrap();
    assert_eq!(call1(&mut Dropout::new(0.0), &xs, &CallCtx::new(true)).unwrap().to_f64_vec().unwrap(), xs.to_f64_vec().unwrap());
    assert_eq!(call1(&mut Dropout::new(0.6), &xs, &CallCtx::new(false)).unwrap().to_f64_vec().unwrap(), xs.to_f64_vec().unwrap());
    assert!(call1(&mut Dropout::new(1.0), &xs, &CallCtx::new(true)).unwrap().to_f64_vec().unwrap().iter().all(|v| *v == 0.0));
    let e = call1(&mut Dropout::new(0.5).noise_shape(&[Some(3), None]), &xs, &CallCtx::new(true)).unwrap_err().to_string();
    assert!(e.contains("noise_shape") && e.contains("axis 0"), "{e}");
}

#[test]
fn dropout_traced_draws_the_eager_bits_and_advances_its_key() {
    let x = Tensor::from_f32(&[3, 8], (0..24).map(|i| i as f32).collect()).unwrap();
    let mut eager = Dropout::new(0.4).seed(77);
    let first = call1(&mut eager, &x, &CallCtx::new(true)).unwrap();
    let second = call1(&mut eager, &x, &CallCtx::new(true)).unwrap();
    assert_ne!(first.to_f64_vec().unwrap(), second.to_f64_vec().unwrap(), "two calls drew the same mask");
    let state = eager.seed_generator().unwrap().state().value().to_f64_vec();
    assert_eq!(state, [77.0, 2.0]);

    // traced (batch symbolic) from a fresh layer with the same seed: the first eager mask
    let mut t = Dropout::new(0.4).seed(77);
    call1(&mut t, &x, &CallCtx::new(false)).unwrap(); // build
    let out = traced(&mut t, &[x.clone()], None, true);
    assert_eq!(out.output.to_f64_vec().unwrap(), first.to_f64_vec().unwrap());

    // in a training step the key is a state update: each step draws anew, no retrace
    let mut m = Model::sequential(vec![Box::new(Input::new(&[8])), Box::new(Dropout::new(0.5).seed(5)), Box::new(Dense::new(1).kernel_initializer("ones"))]);
    m.compile(Compile::new().optimizer(Sgd::new(0.0)).loss("mse")).unwrap();
    let y = Tensor::zeros(DType::F32, &[3, 1]).unwrap();
    let losses: Vec<f64> = (0..4).map(|_| m.train_on_batch(&x, &y).unwrap()).collect();
    assert!(losses.windows(2).any(|w| w[0] != w[1]), "every step drew the same mask: {losses:?}");
    // with lr 0 the weights never change, so the loss of step k is the loss of mask k,
    // which an eager layer with the same seed reproduces
    let mut replay = Dropout::new(0.5).seed(5);
    for (k, loss) in losses.iter().enumerate() {
        let h = call1(&mut replay, &x, &CallCtx::new(true)).unwrap();
        let pred = ops::sum(&h, Some(&[1]), false).unwrap();
        let mse = ops::mean(&ops::square(&pred).unwrap(), None, false).unwrap().item().unwrap();
        assert!((mse - loss).abs() <= 1e-5 * mse.abs().max(1.0), "step {k}: loss {loss} vs replayed {mse}");
    }
}

#[test]
fn seed_generator_advances_eagerly_and_as_a_traced_update() {
    let g = SeedGenerator::new(Some(9), "seed_generator/seed_generator_state");
    let x = Tensor::zeros(DType::F32, &[2]).unwrap();
    let cx = CallCtx::new(true);
    let k0 = g.next(&x, &cx).unwrap();
    let k1 = g.next(&x, &cx).unwrap();
    assert_eq!(k0.to_f64_vec().unwrap(), [9.0, 0.0]);
    assert_eq!(k1.to_f64_vec().unwrap(), [9.0, 1.0]);
    assert_eq!(g.state().value().to_f64_vec(), [9.0, 2.0]);
    assert!(cx.take_updates().is_empty(), "eager draws update the variable at once");
    // traced: the key is read from the trace and the advance is one pending update; two
    // draws in one call see 2 then 3
    let gr = Graph::new();
    let xs = gr.input("x", TensorType::new(DType::F32, Shape(vec![Dim::sym("N")])));
    let a = g.next(&xs, &cx).unwrap();
    let b = g.next(&xs, &cx).unwrap();
    let ups = cx.take_updates();
    assert_eq!(ups.len(), 1);
    let (f, src) = gr.finish("f", &[a, b, ups[0].1.clone()]).unwrap();
    let args: Vec<HostTensor> = src
        .iter()
        .map(|s| match s {
            kc::frontend::ParamSource::Input(_) => HostTensor::zeros(DType::F32, vec![3]).unwrap(),
            kc::frontend::ParamSource::Variable(v) => v.value(),
        })
        .collect();
    let out = kc::runtime::run_func(&f, &args).unwrap();
    assert_eq!(out[0].to_f64_vec(), [9.0, 2.0]);
    assert_eq!(out[1].to_f64_vec(), [9.0, 3.0]);
    assert_eq!(out[2].to_f64_vec(), [9.0, 4.0]);
    assert_eq!(g.state().value().to_f64_vec(), [9.0, 2.0], "tracing does not move the variable");
}
