//! Recurrent layers in training: one traced step serves every sequence length (a trace
//! counter and XLA's compile counter say so), an LSTM learns a time series through `fit`
//! on XLA, and the XLA program of a recurrent train step agrees with the interpreter.
use kc::frontend::training::TraceCounts;
use kc::prelude::*;

/// `n` windows of `steps` values of sine waves with random phases and frequencies
/// (`(n, steps, 1)`), and the value after each window (`(n, 1)`).
fn sine_windows(n: usize, steps: usize, seed: u64) -> (Tensor, Tensor) {
    let mut s = seed;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let (mut x, mut y) = (Vec::with_capacity(n * steps), Vec::with_capacity(n));
    for _ in 0..n {
        let (phase, freq) = (next() * std::f64::consts::TAU, 0.15 + 0.25 * next());
        for t in 0..=steps {
            let v = (phase + freq * t as f64).sin() as f32;
            if t < steps {
                x.push(v);
            } else {
                y.push(v);
            }
        }
    }
    (Tensor::from_f32(&[n, steps, 1], x).unwrap(), Tensor::from_f32(&[n, 1], y).unwrap())
}

fn lstm_model(units: usize) -> Model {
    let mut m = Model::sequential(vec![Box::new(Input::with_shape(&[None, Some(1)])), Box::new(LSTM::new(units)), Box::new(Dense::new(1))]);
    m.compile(Compile::new().optimizer("adam").loss("mse").jit_compile(JitCompile::On(Target::Xla))).unwrap();
    m
}

#[test]
fn one_trace_serves_every_sequence_length() {
    kc::frontend::set_random_seed(1);
    let mut m = lstm_model(8);
    let (x1, y1) = sine_windows(64, 7, 3);
    let (x2, y2) = sine_windows(64, 12, 4);
    m.fit(&x1, &y1, Fit::new().epochs(2).batch_size(32).verbose(0)).unwrap();
    m.fit(&x2, &y2, Fit::new().epochs(2).batch_size(32).verbose(0)).unwrap();
    assert_eq!(m.trace_counts(), TraceCounts { train: 1, test: 0, predict: 0 }, "the train step is traced once for lengths 7 and 12");
    // XLA compiles once per shape: (32, 7, 1) and (32, 12, 1); the later epochs hit the cache
    let s = m.compile_stats();
    assert_eq!((s.compiles, s.hits), (2, 6), "{s:?}");
    let f = m.train_function().unwrap();
    let text = kc::ir::print_func(f);
    assert!(text.contains("f32[N, T, 1]"), "the step's sequence length is symbolic:\n{}", &text[..text.len().min(400)]);
    assert!(text.contains("while"), "the LSTM is a loop");
    // evaluate and predict on a third length, then a fourth: one trace each
    let (x3, y3) = sine_windows(16, 20, 5);
    let (x4, _) = sine_windows(16, 3, 6);
    m.evaluate(&x3, &y3, 16).unwrap();
    m.evaluate(&x4, &sine_windows(16, 3, 6).1, 16).unwrap();
    m.predict(&x3, 16).unwrap();
    let p = m.predict(&x4, 16).unwrap();
    assert_eq!(p.shape(), Some(vec![16, 1]));
    assert_eq!(m.trace_counts(), TraceCounts { train: 1, test: 1, predict: 1 });
}

#[test]
fn an_lstm_learns_a_time_series_on_xla() {
    kc::frontend::set_random_seed(7);
    let (x, y) = sine_windows(512, 16, 11);
    let (xv, yv) = sine_windows(128, 16, 12);
    let mut m = lstm_model(16);
    assert!(m.jit_report().contains("XLA"), "{}", m.jit_report());
    let before = m.evaluate(&xv, &yv, 128).unwrap()["loss"];
    let h = m.fit(&x, &y, Fit::new().epochs(20).batch_size(32).verbose(0)).unwrap();
    let after = m.evaluate(&xv, &yv, 128).unwrap()["loss"];
    let losses = h.history["loss"].clone();
    assert!(losses.last().unwrap() < &(losses[0] * 0.2), "training loss {losses:?}");
    assert!(after < 0.05 && after < before * 0.1, "validation mse {before} -> {after}");
}

#[test]
fn a_recurrent_train_step_on_xla_matches_the_interpreter() {
    let (x, y) = sine_windows(48, 9, 21);
    let run = |target: Target| {
        kc::frontend::layers::clear_session();
        kc::frontend::set_random_seed(5);
        let mut m = Model::sequential(vec![
            Box::new(Input::with_shape(&[None, Some(1)])),
            Box::new(Masking::new()),
            Box::new(GRU::new(6).return_sequences(true)),
            Box::new(Bidirectional::new(LSTM::new(4))),
            Box::new(Dense::new(1)),
        ]);
        m.compile(Compile::new().optimizer("sgd").loss("mse").jit_compile(JitCompile::On(target))).unwrap();
        let h = m.fit(&x, &y, Fit::new().epochs(2).batch_size(16).shuffle(false).verbose(0)).unwrap();
        (h.history["loss"].clone(), m.get_weights())
    };
    let (l_interp, w_interp) = run(Target::Interp);
    let (l_xla, w_xla) = run(Target::Xla);
    crate::golden::close_vec("loss", &l_xla, &l_interp, 1e-4, 1e-6);
    for (a, b) in w_xla.iter().zip(&w_interp) {
        crate::golden::close_vec("weights", &a.to_f64_vec(), &b.to_f64_vec(), 1e-4, 1e-6);
    }
}
