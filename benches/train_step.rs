//! The model train steps of `kc bench`, per lowering: one `train_on_batch` (Adam,
//! sparse categorical cross-entropy from logits, batch 128, Fashion-MNIST rows) of each
//! model `kc bench --model` knows (`kc::bench::models::MODELS`: mlp, cnn, resnet-block,
//! lstm, transformer-block), on the interpreter and on XLA. Compare the lines of one
//! run; absolute times on a shared machine mean little.
//!
//! `cargo bench --bench train_step [-- mlp]`
use criterion::{criterion_group, criterion_main, Criterion};
use kc::bench::models::{workload, MODELS};

fn train_step(c: &mut Criterion) {
    let mut lowerings = vec!["interp"];
    if kc_runtime::xla::availability().is_ok() {
        lowerings.push("xla");
    }
    for (model, _) in MODELS {
        let mut g = c.benchmark_group(format!("{model}_train_step_b128"));
        g.sample_size(10);
        for lowering in &lowerings {
            let (mut m, x, y) = workload(model, lowering, 128).unwrap();
            m.train_on_batch(&x, &y).unwrap(); // trace and compile outside the timing
            g.bench_function(*lowering, |b| b.iter(|| m.train_on_batch(&x, &y).unwrap()));
        }
        g.finish();
    }
}

criterion_group!(benches, train_step);
criterion_main!(benches);
