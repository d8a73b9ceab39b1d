//! Per-op microbenchmarks across lowerings: each workload is a small `.kir` function run
//! on the interpreter and on XLA (compiled once, inputs already on the device; a run is
//! execute + reading the result back). Matmuls from a vector-matrix product to 512^3,
//! a convolution, an elementwise chain, a reduction and a softmax.
//!
//! `cargo bench --bench ops` (add a filter: `cargo bench --bench ops -- matmul`)
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use kc_ir::Func;
use kc_runtime::pjrt::Arg;
use kc_runtime::HostTensor;

fn inputs(f: &Func) -> Vec<HostTensor> {
    f.body
        .param_types()
        .iter()
        .map(|t| {
            let shape: Vec<usize> = t.shape.0.iter().map(|d| d.known().unwrap_or(1) as usize).collect();
            let n: usize = shape.iter().product();
            HostTensor::from_vec(shape, (0..n).map(|i| ((i % 97) as f32 - 48.0) / 97.0).collect::<Vec<f32>>()).unwrap()
        })
        .collect()
}

fn ops(c: &mut Criterion) {
    let xla = kc_runtime::xla::xla().ok();
    let mut g = c.benchmark_group("ops");
    g.sample_size(10);
    for (name, src) in kc::bench::ops::workloads() {
        let m = kc_ir::parse_module(&src, &name).unwrap();
        let f = m.funcs[0].clone();
        let args = inputs(&f);
        g.bench_function(BenchmarkId::new("interp", &name), |b| b.iter(|| kc_runtime::run_func(&f, &args).unwrap()));
        if let Some(x) = &xla {
            let refs: Vec<&HostTensor> = args.iter().collect();
            let exe = x.compile(&f, kc_runtime::xla::fingerprint(&f), &kc_runtime::xla::signature(&refs), &[]).unwrap();
            let bufs: Vec<_> = args.iter().map(|a| x.upload(a).unwrap()).collect();
            g.bench_function(BenchmarkId::new("xla", &name), |b| {
                b.iter(|| {
                    let outs = x.execute(&exe, bufs.iter().map(Arg::Keep).collect()).unwrap();
                    x.download(&outs[0]).unwrap()
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, ops);
criterion_main!(benches);
