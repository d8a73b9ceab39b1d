//! `kc bench` runs every available lowering on a tiny workload, reports the unavailable
//! ones with their reason, and its JSON has the documented fields.
use std::process::Command;

fn kc(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kc")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn bench_reports_json_for_each_lowering() {
    for model in ["mlp", "cnn", "lstm", "transformer-block", "examples/affine.kir"] {
        let (ok, out, err) = kc(&["bench", "--model", model, "--lowering", "interp,xla,llvm", "--batch", "4", "--steps", "2", "--warmup", "1", "--json"]);
        assert!(ok, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
        assert_eq!(v["batch"], 4);
        assert_eq!(v["warmup_steps_excluded"], 1);
        let rows = v["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 3);
        // interp and xla (the plugin is installed by `make test`) both run
        for (row, name) in rows.iter().zip(["interp", "xla"]) {
            assert_eq!(row["lowering"], name);
            assert!(row["error"].is_null(), "{row}");
            for k in ["compile_ms", "median_ms", "p90_ms", "samples_per_s", "gflops", "peak_rss_mb", "max_abs_diff_vs_interp"] {
                assert!(row[k].as_f64().is_some_and(|x| x >= 0.0), "{k} in {row}");
            }
            assert!(row["median_ms"].as_f64().unwrap() > 0.0);
            assert!(row["flops_per_step"].as_u64().unwrap() > 0, "{row}");
        }
        // XLA computes what the interpreter computes
        let diff = rows[1]["max_abs_diff_vs_interp"].as_f64().unwrap();
        assert!(diff < 1e-3, "{}", rows[1]);
        assert!(rows[2]["error"].as_str().unwrap().starts_with("unavailable:"), "{}", rows[2]);
    }
    // the MLP's step: 3 dense layers forward (2*4*(784*512+512*256+256*10)) and more backward
    let (_, out, _) = kc(&["bench", "--model", "mlp", "--batch", "4", "--steps", "1", "--warmup", "1", "--mode", "predict", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let f = v["rows"][0]["flops_per_step"].as_u64().unwrap();
    let matmuls = 2 * 4 * (784 * 512 + 512 * 256 + 256 * 10);
    assert!(f >= matmuls && f < matmuls + 20_000, "{f} vs {matmuls}");
}

#[test]
fn bench_explains_bad_arguments() {
    let (ok, _, err) = kc(&["bench", "--model", "resnet9000"]);
    assert!(!ok && err.contains("unknown model `resnet9000`") && err.contains("mlp"), "{err}");
    let (ok, _, err) = kc(&["bench", "--lowering", "interp,tpu"]);
    assert!(!ok && err.contains("unknown lowering `tpu`") && err.contains("interp, xla, llvm, mlir, ptx"), "{err}");
    let (ok, _, err) = kc(&["bench", "--mode", "train"]);
    assert!(!ok && err.contains("unknown mode `train`"), "{err}");
    let (ok, out, _) = kc(&["bench", "--model", "examples/affine.kir", "--batch", "2", "--steps", "1", "--csv"]);
    // a header and one line per default lowering (interp, xla)
    assert!(ok && out.starts_with("model,mode,batch,lowering,compile_ms") && out.lines().count() == 3, "{out}");
}

#[test]
fn bench_plots_bars_per_lowering_as_svg() {
    let dir = std::env::temp_dir().join(format!("kc-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let svg = dir.join("bench.svg");
    let (ok, _, err) = kc(&["bench", "--model", "examples/affine.kir", "--lowering", "interp,xla,llvm", "--batch", "4", "--steps", "2", "--plot", svg.to_str().unwrap()]);
    assert!(ok, "{err}");
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg"), "{text}");
    // one background rectangle plus one bar per lowering that ran; the others are named
    assert_eq!(text.matches("<rect").count(), 1 + 2, "{text}");
    assert!(text.contains(">\ninterp\n<") || text.contains(">interp<"), "no interp label");
    assert!(text.contains("llvm: unavailable"), "{text}");
    let (ok, _, err) = kc(&["bench", "--model", "examples/affine.kir", "--steps", "1", "--plot", dir.join("b.png").to_str().unwrap()]);
    assert!(!ok && err.contains("only .svg is supported"), "{err}");
}

#[test]
fn bench_op_mode_runs_every_workload_on_each_lowering() {
    let (ok, out, err) = kc(&["bench", "--mode", "op", "--lowering", "interp,xla", "--steps", "1", "--warmup", "1", "--json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["model"], "ops");
    let rows = v["rows"].as_array().unwrap();
    let n = kc::bench::ops::workloads().len();
    assert_eq!(rows.len(), 2 * n);
    for (i, (name, _)) in kc::bench::ops::workloads().iter().enumerate() {
        assert_eq!(rows[2 * i]["lowering"], format!("interp/{name}"));
        assert_eq!(rows[2 * i + 1]["lowering"], format!("xla/{name}"));
        let xla = &rows[2 * i + 1];
        assert!(xla["error"].is_null() && xla["median_ms"].as_f64().unwrap() > 0.0, "{xla}");
        // the same op on XLA gives the interpreter's numbers (f32 sums reassociate)
        assert!(xla["max_abs_diff_vs_interp"].as_f64().unwrap() < 1e-2, "{xla}");
    }
}
