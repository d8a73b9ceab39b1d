//! The workloads `kc bench` runs: named models built with the Keras API, or any `.kir`
//! file's main function. Data is synthetic and seeded, so every lowering sees the same.
use super::{percentiles, peak_rss_mb, Options, Row};
use kc_compiler::{flops, registry::DEFAULT_PIPELINE, Instrumentation, Pipeline};
use kc_frontend::random::Rng;
use kc_frontend::{set_random_seed, Adam, Compile, Dense, Error, Input, JitCompile, Loss, Model, Result, Target, Tensor};
use kc_ir::{Dim, Module};
use kc_runtime::HostTensor;
use std::collections::BTreeMap;
use std::time::Instant;

/// Named models (`--model NAME`), with what each is.
pub const MODELS: &[(&str, &str)] = &[
    ("mlp", "Fashion-MNIST MLP 784-512-256-10, ReLU, Adam, sparse categorical cross-entropy"),
    ("cnn", "Fashion-MNIST CNN: Conv2D 32 3x3 relu, MaxPooling2D, Conv2D 64 3x3 relu, MaxPooling2D, Flatten, Dense 10; Adam"),
    ("resnet-block", "a residual block on Fashion-MNIST: Conv2D 32 3x3 same + BN + relu stem, [Conv-BN-relu-Conv-BN] + skip, relu, GlobalAveragePooling2D, Dense 10; Adam"),
    ("lstm", "Fashion-MNIST rows as a sequence (28 steps of 28 pixels): LSTM 128, Dense 10; Adam"),
    (
        "transformer-block",
        "Fashion-MNIST rows as 28 tokens: Dense 64, [MultiHeadAttention 4x16 + skip, LayerNormalization, Dense 128 relu, Dense 64 + skip, LayerNormalization], GlobalAveragePooling1D, Dense 10; Adam",
    ),
];

pub enum Bench {
    Mlp,
    Cnn,
    ResnetBlock,
    Lstm,
    TransformerBlock,
    File(Module),
}

fn random(shape: &[usize], rng: &mut Rng) -> Result<Tensor> {
    let n: usize = shape.iter().product();
    Tensor::from_f32(shape, (0..n).map(|_| rng.uniform() as f32).collect())
}

/// The `jit_compile` setting that runs a model on `lowering`.
fn jit(lowering: &str) -> Result<JitCompile> {
    match lowering {
        "interp" => Ok(JitCompile::Off),
        "xla" => Ok(JitCompile::On(Target::Xla)),
        l => Err(Error::msg(format!("the {l} lowering cannot run models yet"))),
    }
}

/// Every model's training setup (as `bench/peer/keras_peer.py`'s): Adam 1e-3, sparse
/// categorical cross-entropy from logits.
fn compiled(mut m: Model, jit: JitCompile) -> Result<Model> {
    m.compile(Compile::new().optimizer(Adam::new(1e-3)).loss(Loss::from_name("sparse_categorical_crossentropy")?.from_logits(true)).jit_compile(jit))?;
    Ok(m)
}

fn mlp(jit: JitCompile) -> Result<Model> {
    set_random_seed(1234);
    let m = Model::sequential(vec![
        Box::new(Input::new(&[784])),
        Box::new(Dense::new(512).activation("relu")),
        Box::new(Dense::new(256).activation("relu")),
        Box::new(Dense::new(10)),
    ]);
    compiled(m, jit)
}

fn cnn(jit: JitCompile) -> Result<Model> {
    use kc_frontend::layers::{Conv2D, Flatten, MaxPooling2D};
    set_random_seed(1234);
    let m = Model::sequential(vec![
        Box::new(Input::new(&[28, 28, 1])),
        Box::new(Conv2D::new(32, 3).activation("relu")),
        Box::new(MaxPooling2D::default()),
        Box::new(Conv2D::new(64, 3).activation("relu")),
        Box::new(MaxPooling2D::default()),
        Box::new(Flatten::new()),
        Box::new(Dense::new(10)),
    ]);
    compiled(m, jit)
}

/// A functional model with one ResNet basic block (two 3x3 convolutions with batch
/// normalization and an identity skip), as `bench/peer/keras_peer.py` builds it.
fn resnet_block(jit: JitCompile) -> Result<Model> {
    use kc_frontend::layers::{BatchNormalization, Conv2D, GlobalAveragePooling2D};
    use kc_frontend::{ops, Shared};
    set_random_seed(1234);
    let conv = || Shared::new(Conv2D::new(32, 3).padding("same").use_bias(false));
    let bn = || Shared::new(BatchNormalization::new());
    let x = Input::new(&[28, 28, 1]).tensor();
    let h = ops::relu(&bn().call1(&conv().call1(&x)?)?)?;
    let y = ops::relu(&bn().call1(&conv().call1(&h)?)?)?;
    let y = bn().call1(&conv().call1(&y)?)?;
    let out = ops::relu(&ops::add(&h, &y)?)?;
    let pooled = Shared::new(GlobalAveragePooling2D::new()).call1(&out)?;
    let logits = Shared::new(Dense::new(10)).call1(&pooled)?;
    let m = Model::functional(&[x], &[logits])?;
    compiled(m, jit)
}

/// An LSTM reading an image row by row, as `bench/peer/keras_peer.py` builds it. Its
/// loop is one IR `while`.
fn lstm(jit: JitCompile) -> Result<Model> {
    use kc_frontend::layers::LSTM;
    set_random_seed(1234);
    let m = Model::sequential(vec![Box::new(Input::new(&[28, 28])), Box::new(LSTM::new(128)), Box::new(Dense::new(10))]);
    compiled(m, jit)
}

/// One post-norm transformer encoder block over an image's rows as tokens, as
/// `bench/peer/keras_peer.py` builds it (no position embedding: Keras has no built-in
/// layer for a learned one, and the block's cost does not depend on it).
fn transformer_block(jit: JitCompile) -> Result<Model> {
    use kc_frontend::layers::{Add, GlobalAveragePooling1D, LayerNormalization, MultiHeadAttention};
    use kc_frontend::Shared;
    set_random_seed(1234);
    let x = Input::new(&[28, 28]).tensor();
    let h = Shared::new(Dense::new(64)).call1(&x)?;
    let a = Shared::new(MultiHeadAttention::new(4, 16)).call(&[h.clone(), h.clone()])?.remove(0);
    let h = Shared::new(LayerNormalization::new()).call1(&Shared::new(Add::new()).call(&[h, a])?.remove(0))?;
    let f = Shared::new(Dense::new(128).activation("relu")).call1(&h)?;
    let f = Shared::new(Dense::new(64)).call1(&f)?;
    let h = Shared::new(LayerNormalization::new()).call1(&Shared::new(Add::new()).call(&[h, f])?.remove(0))?;
    let pooled = Shared::new(GlobalAveragePooling1D::new()).call1(&h)?;
    let logits = Shared::new(Dense::new(10)).call1(&pooled)?;
    let m = Model::functional(&[x], &[logits])?;
    compiled(m, jit)
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

impl Bench {
    pub fn new(model: &str, _o: &Options) -> Result<Bench> {
        if model.ends_with(".kir") {
            let src = std::fs::read_to_string(model).map_err(|e| Error::msg(format!("{model}: {e}")))?;
            let m = kc_ir::parse_module(&src, model).map_err(|e| Error::msg(e.with_source(model, &src).to_string()))?;
            kc_ir::verify_module(&m).map_err(|e| Error::msg(e.with_source(model, &src).to_string()))?;
            return Ok(Bench::File(m));
        }
        match model {
            "mlp" => Ok(Bench::Mlp),
            "cnn" => Ok(Bench::Cnn),
            "resnet-block" => Ok(Bench::ResnetBlock),
            "lstm" => Ok(Bench::Lstm),
            "transformer-block" => Ok(Bench::TransformerBlock),
            _ => {
                let names: Vec<&str> = MODELS.iter().map(|(n, _)| *n).collect();
                Err(Error::msg(format!(
                    "unknown model `{model}`; models are {} or a .kir file",
                    names.join(", ")
                )))
            }
        }
    }

    /// Time `steps` steps after `warmup` on `lowering`; returns the row and the outputs
    /// to compare.
    pub fn measure(&self, o: &Options, lowering: &str) -> Result<(Row, Vec<f64>)> {
        match self {
            Bench::Mlp | Bench::Cnn | Bench::ResnetBlock | Bench::Lstm | Bench::TransformerBlock => self.measure_model(o, lowering),
            Bench::File(m) => measure_file(m, o, lowering),
        }
    }

    fn measure_model(&self, o: &Options, lowering: &str) -> Result<(Row, Vec<f64>)> {
        let name = match self {
            Bench::Mlp => "mlp",
            Bench::Cnn => "cnn",
            Bench::ResnetBlock => "resnet-block",
            Bench::Lstm => "lstm",
            Bench::TransformerBlock => "transformer-block",
            Bench::File(_) => unreachable!("a .kir file is measured by measure_file"),
        };
        let (mut m, x, y) = workload(name, lowering, o.batch)?;
        let step = |m: &mut Model| -> Result<()> {
            if o.mode == "fit" {
                m.train_on_batch(&x, &y)?;
            } else {
                m.predict(&x, o.batch)?;
            }
            Ok(())
        };
        let t0 = Instant::now();
        step(&mut m)?; // traces, optimizes and runs once
        let first = ms(t0);
        for _ in 1..o.warmup {
            step(&mut m)?;
        }
        let mut times = Vec::with_capacity(o.steps);
        for _ in 0..o.steps {
            let t = Instant::now();
            step(&mut m)?;
            times.push(ms(t));
        }
        let (median, p90) = percentiles(times);
        let func = if o.mode == "fit" { m.train_function() } else { m.predict_function() };
        let flops_per_step = match func {
            Some(f) => flops::count(f, &BTreeMap::from([("N".to_string(), o.batch as i64)]))?.total,
            None => 0,
        };
        let outputs = m.predict(&x, o.batch)?.to_f64_vec()?;
        Ok((row(first, median, p90, o.batch, flops_per_step), outputs))
    }
}

/// A named model compiled for `lowering` (`interp` or `xla`), and a batch of `batch`
/// inputs (shaped for it) and labels: what `kc bench --model NAME` times, and what
/// `cargo bench --bench train_step` times per lowering.
pub fn workload(name: &str, lowering: &str, batch: usize) -> Result<(Model, Tensor, Tensor)> {
    let (x, y) = mlp_batch(batch)?;
    let images = |x: &Tensor, dims: &[i64]| {
        let mut shape = vec![batch as i64];
        shape.extend(dims);
        kc_frontend::ops::reshape(x, &shape)
    };
    let j = jit(lowering)?;
    Ok(match name {
        "mlp" => (mlp(j)?, x, y),
        "cnn" => (cnn(j)?, images(&x, &[28, 28, 1])?, y),
        "resnet-block" => (resnet_block(j)?, images(&x, &[28, 28, 1])?, y),
        "lstm" => (lstm(j)?, images(&x, &[28, 28])?, y),
        "transformer-block" => (transformer_block(j)?, images(&x, &[28, 28])?, y),
        other => {
            let names: Vec<&str> = MODELS.iter().map(|(n, _)| *n).collect();
            return Err(Error::msg(format!("unknown model `{other}`; models are {}", names.join(", "))));
        }
    })
}

/// The first `n` Fashion-MNIST training images (scaled to [0, 1], flattened) and labels,
/// the rows `bench/peer/keras_peer.py` gives Keras; seeded random data of the same shapes
/// when the data set is not installed (per-step time does not depend on the values).
fn mlp_batch(n: usize) -> Result<(Tensor, Tensor)> {
    if let Ok(((images, labels), _)) = kc_frontend::datasets::fashion_mnist::load_data() {
        if n <= 60000 {
            let (images, labels) = (images.host()?, labels.host()?);
            let (Some(images), Some(labels)) = (images.as_slice::<u8>(), labels.as_slice::<u8>()) else {
                kc_frontend::bail!("Fashion-MNIST: expected u8 images and labels");
            };
            let px: Vec<f32> = images[..n * 784].iter().map(|&v| v as f32 / 255.0).collect();
            let ys: Vec<i32> = labels[..n].iter().map(|&v| v as i32).collect();
            return Ok((Tensor::from_f32(&[n, 784], px)?, Tensor::from_host(HostTensor::from_vec(vec![n], ys)?)));
        }
    }
    let mut rng = Rng::new(99);
    let x = random(&[n, 784], &mut rng)?;
    let labels: Vec<i32> = (0..n).map(|_| (rng.next_u64() % 10) as i32).collect();
    Ok((x, Tensor::from_host(HostTensor::from_vec(vec![n], labels)?)))
}

fn row(first: f64, median: f64, p90: f64, batch: usize, flops_per_step: u64) -> Row {
    Row {
        compile_ms: (first - median).max(0.0),
        median_ms: median,
        p90_ms: p90,
        samples_per_s: if median > 0.0 { batch as f64 * 1e3 / median } else { 0.0 },
        gflops: if median > 0.0 { flops_per_step as f64 / (median * 1e6) } else { 0.0 },
        flops_per_step,
        peak_rss_mb: peak_rss_mb(),
        ..Row::default()
    }
}

/// A `.kir` file: the default pipeline, then `main` (or the first function) on random
/// inputs, every symbolic dim sized `--batch`.
fn measure_file(m: &Module, o: &Options, lowering: &str) -> Result<(Row, Vec<f64>)> {
    let t0 = Instant::now();
    let mut m = m.clone();
    Pipeline::parse(DEFAULT_PIPELINE)?.with_evaluator(kc_runtime::fold::evaluator()).run(&mut m, &Instrumentation::default())?;
    let compile = ms(t0);
    let f = m.func("main").unwrap_or(&m.funcs[0]).clone();
    let mut rng = Rng::new(99);
    let inputs = f
        .body
        .param_types()
        .iter()
        .map(|t| {
            let shape: Vec<usize> = t.shape.0.iter().map(|d| match d {
                Dim::Known(n) => *n as usize,
                Dim::Sym(_) => o.batch,
            }).collect();
            let n: usize = shape.iter().product();
            let vals: Vec<f64> = (0..n).map(|_| if t.dtype.is_float() { rng.uniform() } else { 0.0 }).collect();
            Ok(HostTensor::from_f64(t.dtype, shape, &vals)?)
        })
        .collect::<Result<Vec<_>>>()?;
    let run: Box<dyn Fn() -> Result<Vec<HostTensor>>> = match lowering {
        "interp" => Box::new(|| Ok(kc_runtime::run_func(&f, &inputs)?)),
        "xla" => {
            // compile once (timed as compile), keep the inputs on the device; a step is
            // execute + reading the results back
            let x = kc_runtime::xla::xla()?;
            let t = Instant::now();
            let refs: Vec<&HostTensor> = inputs.iter().collect();
            let exe = x.compile(&f, kc_runtime::xla::fingerprint(&f), &kc_runtime::xla::signature(&refs), &[])?;
            let compile_xla = ms(t);
            let bufs = inputs.iter().map(|h| x.upload(h)).collect::<std::result::Result<Vec<_>, _>>()?;
            let r = Box::new(move || {
                let outs = x.execute(&exe, bufs.iter().map(kc_runtime::pjrt::Arg::Keep).collect())?;
                Ok(outs.iter().map(|b| x.download(b)).collect::<std::result::Result<Vec<_>, _>>()?)
            });
            return finish_file(&f, o, compile + compile_xla, r);
        }
        l => return Err(Error::msg(format!("the {l} lowering cannot run .kir files yet"))),
    };
    finish_file(&f, o, compile, run)
}

/// Warm up, time the steps, count the FLOPs.
fn finish_file(f: &kc_ir::Func, o: &Options, compile: f64, run: Box<dyn Fn() -> Result<Vec<HostTensor>> + '_>) -> Result<(Row, Vec<f64>)> {
    let mut outputs = Vec::new();
    for _ in 0..o.warmup.max(1) {
        outputs = run()?;
    }
    let mut times = Vec::with_capacity(o.steps);
    for _ in 0..o.steps {
        let t = Instant::now();
        run()?;
        times.push(ms(t));
    }
    let (median, p90) = percentiles(times);
    let binds: BTreeMap<String, i64> = f.body.param_types().iter().flat_map(|t| t.shape.symbols().into_iter().map(|s| (s.to_string(), o.batch as i64)).collect::<Vec<_>>()).collect();
    let flops_per_step = flops::count(f, &binds)?.total;
    let mut r = row(compile + median, median, p90, o.batch, flops_per_step);
    r.compile_ms = compile;
    Ok((r, outputs.iter().flat_map(|t| t.to_f64_vec()).collect()))
}
