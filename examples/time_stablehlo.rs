//! Time a StableHLO program (MLIR text, entry `@main`, f32 arguments) on the OpenXLA CPU
//! PJRT plugin kc uses. `bench/peer/same_program.py` writes JAX's lowering of a Keras
//! model's step to a file; this runs that very program on kc's plugin, so the two XLA
//! builds can be compared on identical input.
//!
//!     cargo run --release --example time_stablehlo -- program.mlir [runs]
use kc::runtime::pjrt::{Client, ElementType};
use kc::runtime::HostTensor;
use std::time::Instant;

fn main() {
    if let Err(e) = run() {
        eprintln!("time_stablehlo: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: time_stablehlo PROGRAM.mlir [runs]")?;
    let runs: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(50);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    let client = Client::cpu()?;
    let t = Instant::now();
    let exe = client.compile(&text)?;
    let compile_ms = t.elapsed().as_secs_f64() * 1e3;
    // deterministic arguments in [0, 1); timings do not depend on the values
    let mut bufs = Vec::new();
    for (k, s) in exe.input_specs().iter().enumerate() {
        if !matches!(s.element_type, ElementType::F32) {
            return Err(format!("argument {k} is {:?}; only f32 arguments are supported", s.element_type).into());
        }
        let n: usize = s.dims.iter().product();
        let h = HostTensor::from_vec(s.dims.clone(), (0..n).map(|i| ((i * 7919 + k) % 1000) as f32 / 1000.0).collect::<Vec<f32>>())?;
        bufs.push(client.to_device(&h)?);
    }
    let refs: Vec<_> = bufs.iter().collect();
    let step = || -> Result<f64, Box<dyn std::error::Error>> {
        let t = Instant::now();
        for out in exe.execute(&refs)? {
            out.to_host()?; // wait for the result, as the peer's block_until_ready does
        }
        Ok(t.elapsed().as_secs_f64() * 1e3)
    };
    for _ in 0..5 {
        step()?;
    }
    let mut times = (0..runs).map(|_| step()).collect::<Result<Vec<f64>, _>>()?;
    times.sort_by(f64::total_cmp);
    println!("{path}: compile {compile_ms:.0} ms, median {:.3} ms, min {:.3} ms over {runs} runs", times[runs / 2], times[0]);
    Ok(())
}
