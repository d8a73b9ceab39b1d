//! `kc bench` output: an aligned table, JSON or CSV.
use super::{Options, Row};
use serde_json::json;

/// The workload's name: the model, or "ops" for `--mode op` (each row names its op).
fn model(o: &Options) -> &str {
    if o.mode == "op" {
        "ops"
    } else {
        &o.model
    }
}

pub fn table(o: &Options, rows: &[Row]) -> String {
    let mut s = format!(
        "kc bench: model {}, mode {}, batch {}, {} timed steps after {} warm-up (excluded)\n",
        model(o), o.mode, o.batch, o.steps, o.warmup
    );
    let w = rows.iter().map(|r| r.lowering.len()).max().unwrap_or(0).max(8);
    s += &format!(
        "{:<w$} {:>11} {:>10} {:>10} {:>12} {:>9} {:>10} {:>12}\n",
        "lowering", "compile ms", "median ms", "p90 ms", "samples/s", "GFLOP/s", "peak MiB", "max |diff|"
    );
    for r in rows {
        match &r.error {
            Some(e) => s += &format!("{:<w$} {e}\n", r.lowering),
            None => {
                s += &format!(
                    "{:<w$} {:>11.1} {:>10.3} {:>10.3} {:>12.0} {:>9.2} {:>10.1} {:>12.3e}\n",
                    r.lowering, r.compile_ms, r.median_ms, r.p90_ms, r.samples_per_s, r.gflops, r.peak_rss_mb, r.max_abs_diff
                )
            }
        }
    }
    s
}

pub fn to_json(o: &Options, rows: &[Row]) -> String {
    let v = json!({
        "model": model(o),
        "mode": o.mode,
        "batch": o.batch,
        "steps": o.steps,
        "warmup_steps_excluded": o.warmup,
        "rows": rows.iter().map(Row::to_json).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

pub fn to_csv(o: &Options, rows: &[Row]) -> String {
    let mut s = String::from("model,mode,batch,lowering,compile_ms,median_ms,p90_ms,samples_per_s,gflops,flops_per_step,peak_rss_mb,max_abs_diff_vs_interp,error\n");
    for r in rows {
        s += &format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            model(o),
            o.mode,
            o.batch,
            r.lowering,
            r.compile_ms,
            r.median_ms,
            r.p90_ms,
            r.samples_per_s,
            r.gflops,
            r.flops_per_step,
            r.peak_rss_mb,
            r.max_abs_diff,
            r.error.as_deref().unwrap_or("").replace(',', ";")
        );
    }
    s
}
