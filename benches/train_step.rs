//! The model train steps of `kc bench`, per lowering: one `train_on_batch` of the
//! Fashion-MNIST MLP 784-512-256-10 (ReLU, Adam, sparse categorical cross-entropy from
//! logits, batch 128) on the interpreter and on XLA. Compare the two lines of one run;
//! absolute times on a shared machine mean little.
//!
//! `cargo bench --bench train_step`
use criterion::{criterion_group, criterion_main, Criterion};
use kc::prelude::*;
use kc_runtime::HostTensor;

fn mlp(jit: JitCompile) -> Model {
    set_random_seed(1234);
    let mut m = Model::sequential(vec![
        Box::new(Input::new(&[784])),
        Box::new(Dense::new(512).activation("relu")),
        Box::new(Dense::new(256).activation("relu")),
        Box::new(Dense::new(10)),
    ]);
    let loss = Loss::from_name("sparse_categorical_crossentropy").unwrap().from_logits(true);
    m.compile(Compile::new().optimizer(Adam::new(1e-3)).loss(loss).jit_compile(jit)).unwrap();
    m
}

fn train_step(c: &mut Criterion) {
    let n = 128;
    let x = kc::frontend::Tensor::from_f32(&[n, 784], (0..n * 784).map(|i| ((i * 7919) % 255) as f32 / 255.0).collect()).unwrap();
    let y = kc::frontend::Tensor::from_host(HostTensor::from_vec(vec![n], (0..n as i32).map(|i| i % 10).collect::<Vec<i32>>()).unwrap());
    let mut g = c.benchmark_group("mlp_train_step_b128");
    g.sample_size(20);
    let mut lowerings = vec![("interp", JitCompile::Off)];
    if kc_runtime::xla::availability().is_ok() {
        lowerings.push(("xla", JitCompile::On(Target::Xla)));
    }
    for (name, jit) in lowerings {
        let mut m = mlp(jit);
        m.train_on_batch(&x, &y).unwrap(); // trace and compile outside the timing
        g.bench_function(name, |b| b.iter(|| m.train_on_batch(&x, &y).unwrap()));
    }
    g.finish();
}

criterion_group!(benches, train_step);
criterion_main!(benches);
