//! `kc bench`: run a model (or a `.kir` function) on each requested lowering with the same
//! data and seed, and report compile time, per-step time (median, p90), throughput,
//! GFLOP/s from the compiler's FLOP count, peak RSS and the largest difference of the
//! outputs from the interpreter's. Lowerings that do not exist yet are listed with the
//! reason instead of being skipped silently.
pub mod models;
pub mod ops;
pub mod plot;
pub mod report;

use kc_frontend::Result;
use serde_json::json;

/// The lowerings `--lowering` accepts, and why each is unavailable today (`None`: runs;
/// `xla` depends on its plugin, checked at run time).
pub const LOWERINGS: &[(&str, Option<&str>)] = &[
    ("interp", None),
    ("xla", None),
    ("llvm", Some("the LLVM CPU lowering is not built yet")),
    ("mlir", Some("the MLIR lowering is not built yet")),
    ("ptx", Some("the PTX lowering is not built yet (and needs an NVIDIA GPU)")),
];

/// `fit` and `predict` time a model's steps; `op` runs every per-op workload
/// (`ops::workloads`) instead of a model.
pub const MODES: &[&str] = &["fit", "predict", "op"];

/// What a bench run measures.
#[derive(Clone, Debug)]
pub struct Options {
    pub model: String,
    pub lowerings: Vec<String>,
    pub batch: usize,
    pub steps: usize,
    pub warmup: usize,
    pub mode: String,
}

/// One row of the table.
#[derive(Clone, Debug, Default)]
pub struct Row {
    pub lowering: String,
    /// `None` when the lowering ran; else why not (or how it failed).
    pub error: Option<String>,
    pub compile_ms: f64,
    pub median_ms: f64,
    pub p90_ms: f64,
    pub samples_per_s: f64,
    pub gflops: f64,
    pub flops_per_step: u64,
    pub peak_rss_mb: f64,
    pub max_abs_diff: f64,
}

impl Row {
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "lowering": self.lowering,
            "error": self.error,
            "compile_ms": self.compile_ms,
            "median_ms": self.median_ms,
            "p90_ms": self.p90_ms,
            "samples_per_s": self.samples_per_s,
            "gflops": self.gflops,
            "flops_per_step": self.flops_per_step,
            "peak_rss_mb": self.peak_rss_mb,
            "max_abs_diff_vs_interp": self.max_abs_diff,
        })
    }
}

/// The process's peak resident set size in MiB (Linux `VmHWM`), 0 elsewhere.
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|k| k.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// Median and 90th percentile of step times (ms).
pub fn percentiles(mut times: Vec<f64>) -> (f64, f64) {
    if times.is_empty() {
        return (0.0, 0.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| times[(((times.len() - 1) as f64) * q).round() as usize];
    (at(0.5), at(0.9))
}

/// Check the options, then run every lowering (a failing one is reported in its row).
pub fn run(o: &Options) -> Result<Vec<Row>> {
    if !MODES.contains(&o.mode.as_str()) {
        kc_frontend::bail!("unknown mode `{}`; modes are {}", o.mode, MODES.join(", "));
    }
    if o.batch == 0 || o.steps == 0 {
        kc_frontend::bail!("--batch and --steps must be at least 1");
    }
    for l in &o.lowerings {
        if !LOWERINGS.iter().any(|(n, _)| n == l) {
            let valid: Vec<&str> = LOWERINGS.iter().map(|(n, _)| *n).collect();
            kc_frontend::bail!("unknown lowering `{l}`; lowerings are {}", valid.join(", "));
        }
    }
    if o.mode == "op" {
        let mut rows = Vec::new();
        for (name, src) in ops::workloads() {
            let m = kc_ir::parse_module(&src, &name).map_err(|e| kc_frontend::Error::msg(e.to_string()))?;
            let one = Options { model: name.clone(), mode: "fit".into(), ..o.clone() };
            for mut r in run_bench(&models::Bench::File(m), &one)? {
                r.lowering = format!("{}/{name}", r.lowering);
                rows.push(r);
            }
        }
        return Ok(rows);
    }
    run_bench(&models::Bench::new(&o.model, o)?, o)
}

/// Every requested lowering on one workload.
fn run_bench(bench: &models::Bench, o: &Options) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    let mut reference: Option<Vec<f64>> = None;
    for l in &o.lowerings {
        let mut reason = LOWERINGS.iter().find(|(n, _)| n == l).and_then(|(_, r)| r.map(str::to_string));
        if l == "xla" {
            reason = kc_runtime::xla::availability().err();
        }
        let mut row = Row { lowering: l.clone(), ..Row::default() };
        if let Some(r) = reason {
            row.error = Some(format!("unavailable: {r}"));
            rows.push(row);
            continue;
        }
        match bench.measure(o, l) {
            Ok((mut r, outputs)) => {
                r.lowering = l.clone();
                r.max_abs_diff = match &reference {
                    Some(want) => want.iter().zip(&outputs).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max),
                    None => 0.0,
                };
                if l == "interp" {
                    reference = Some(outputs);
                }
                rows.push(r);
            }
            Err(e) => {
                row.error = Some(format!("failed: {e}"));
                rows.push(row);
            }
        }
    }
    Ok(rows)
}
