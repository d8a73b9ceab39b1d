//! An LSTM forecasting a time series: `make demo-lstm`, or
//! `cargo run --release --example timeseries_lstm`.
//!
//! The series is synthetic (no time-series dataset ships with Debian in a form kc reads):
//! four years of a daily "temperature" with a yearly cycle, a weekly one, a slow trend and
//! autocorrelated noise. Each sample is a window of the last 28 days, scaled; the target
//! is the next day. The model is `Input((None, 1)) -> LSTM(32) -> Dense(1)`: the time
//! axis is symbolic, so the one traced train step serves any window length — the end
//! of the program forecasts from 56-day windows without tracing again (XLA compiles once
//! per new shape).
//!
//! It runs on XLA when the PJRT plugin is installed (`make pjrt`; 40 epochs in about 6 s
//! on two cores, a test mse about a tenth of the naive forecast's), else on the
//! reference interpreter with fewer epochs. `KC_LSTM_EPOCHS` changes the number of
//! epochs.
use kc::prelude::*;

const WINDOW: usize = 28;

/// The series: `days` values, deterministic.
fn series(days: usize) -> Vec<f32> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut uniform = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut noise = 0.0;
    (0..days)
        .map(|d| {
            let t = d as f64;
            // AR(1) noise: tomorrow remembers today
            noise = 0.8 * noise + 0.6 * (uniform() - 0.5);
            let yearly = 8.0 * (std::f64::consts::TAU * t / 365.25).sin();
            let weekly = 1.2 * (std::f64::consts::TAU * t / 7.0).sin();
            (12.0 + 0.002 * t + yearly + weekly + noise) as f32
        })
        .collect()
}

/// Windows of `len` values (`(n, len, 1)`) starting at `from..to`, and the value after
/// each (`(n, 1)`), scaled by `(v - mean) / std`.
fn windows(s: &[f32], from: usize, to: usize, len: usize, mean: f32, std: f32) -> kc::frontend::Result<(Tensor, Tensor)> {
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for start in from..to {
        x.extend(s[start..start + len].iter().map(|v| (v - mean) / std));
        y.push((s[start + len] - mean) / std);
    }
    let n = to - from;
    Ok((Tensor::from_f32(&[n, len, 1], x)?, Tensor::from_f32(&[n, 1], y)?))
}

fn mse(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum::<f64>() / a.len() as f64
}

fn main() -> kc::frontend::Result<()> {
    set_random_seed(42);
    let s = series(4 * 365);
    let xla = kc::runtime::xla::availability().is_ok();
    let epochs = match std::env::var("KC_LSTM_EPOCHS") {
        Ok(v) => v.parse::<usize>().ok().filter(|&n| n > 0).ok_or_else(|| kc::frontend::Error::msg(format!("KC_LSTM_EPOCHS must be a positive integer, got `{v}`")))?,
        Err(_) if xla => 40,
        Err(_) => 2,
    };
    // the first three years train (the last tenth of them validates), the fourth tests
    let split = 3 * 365;
    let train = &s[..split];
    let mean = train.iter().sum::<f32>() / train.len() as f32;
    let std = (train.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / train.len() as f32).sqrt();
    let (x_train, y_train) = windows(&s, 0, split - WINDOW, WINDOW, mean, std)?;
    let (x_test, y_test) = windows(&s, split - WINDOW, s.len() - WINDOW, WINDOW, mean, std)?;

    let mut model = Model::sequential(vec![
        Box::new(Input::with_shape(&[None, Some(1)])),
        Box::new(LSTM::new(32)),
        Box::new(Dense::new(1)),
    ]);
    println!("{}", model.summary()?);
    model.compile(Compile::new().optimizer(Adam::new(3e-3)).loss("mse").metrics(&["mae"]))?;
    println!("{} training windows of {WINDOW} days, {epochs} epoch(s)", split - WINDOW);
    model.fit(&x_train, &y_train, Fit::new().epochs(epochs).batch_size(32).validation_split(0.1))?;

    let pred = model.predict(&x_test, 256)?.to_f64_vec()?;
    let truth = y_test.to_f64_vec()?;
    // the naive forecast: tomorrow is today
    let last: Vec<f64> = x_test.to_f64_vec()?.chunks(WINDOW).map(|w| w[WINDOW - 1]).collect();
    let scale = (std * std) as f64;
    println!(
        "test year, next-day forecast: LSTM mse {:.3}, naive (tomorrow = today) mse {:.3} (in degrees squared)",
        mse(&pred, &truth) * scale,
        mse(&last, &truth) * scale
    );

    // longer windows: the same traced predict step, one more XLA compile for the new shape
    let (x_long, y_long) = windows(&s, split - 2 * WINDOW, s.len() - 2 * WINDOW, 2 * WINDOW, mean, std)?;
    let long = model.predict(&x_long, 256)?.to_f64_vec()?;
    println!("from {}-day windows: LSTM mse {:.3}", 2 * WINDOW, mse(&long, &y_long.to_f64_vec()?) * scale);
    let t = model.trace_counts();
    println!("traced steps: train {}, test {}, predict {} (windows of {WINDOW} and {} days); {:?}", t.train, t.test, t.predict, 2 * WINDOW, model.compile_stats());
    Ok(())
}
