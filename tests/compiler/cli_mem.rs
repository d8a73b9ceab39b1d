//! `kc mem` and `kc opt --stats` through the binary. The numbers for examples/affine.kir
//! with N=2 are worked out by hand: every value is an f32[2, 2] (16 bytes) or a scalar,
//! each rounded up to 64 bytes; at most three are live at once.
use std::process::Command;

fn kc(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kc")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn mem_prints_the_plan() {
    let (code, out, err) = kc(&["mem", "examples/affine.kir", "--bind", "N=2"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("@main (N=2): 6 values in 7 steps\n"), "{out}");
    assert!(out.contains("peak: 192 bytes live at once"), "{out}");
    assert!(out.contains("naive: 384 bytes"), "{out}");
    assert!(out.contains("parameters: 192 bytes"), "{out}");
    // The result lives to the end; the dot_general's result until the add reads it.
    let row = |name: &str| out.lines().find(|l| l.trim_start().starts_with(&format!("{name} "))).unwrap_or_else(|| panic!("no row {name}:\n{out}")).to_string();
    assert!(row("%5").contains("5..end"), "{out}");
    assert!(row("%0").contains("dot_general") && row("%0").contains("0..2"), "{out}");
}

#[test]
fn mem_explains_missing_and_bad_bindings() {
    let (code, _, err) = kc(&["mem", "examples/affine.kir"]);
    assert_eq!(code, 1);
    assert!(err.contains("symbolic dim N") && err.contains("--bind N=128"), "{err}");
    let (code, _, err) = kc(&["mem", "examples/affine.kir", "--bind", "N=-3"]);
    assert_eq!(code, 1);
    assert!(err.contains("--bind N=-3: the size must be a non-negative integer"), "{err}");
}

#[test]
fn mem_after_fusion_and_opt_stats() {
    let (code, out, err) = kc(&["mem", "tests/filetests/passes/fuse-chain.kir", "--passes", "fuse"]);
    assert_eq!(code, 0, "{err}");
    // The whole chain is one fusion: one value of 16 bytes, one buffer.
    assert!(out.contains("1 value in 2 steps") && out.contains("fusion"), "{out}");
    assert!(out.contains("peak: 64 bytes"), "{out}");
    let (code, _, err) = kc(&["opt", "tests/filetests/passes/fuse-softmax.kir", "--passes", "fuse,plan-memory{N=8}", "--stats"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("2  fuse.fusions"), "{err}");
    // N=8: while the last fusion runs, the first fusion's f32[8, 4] and f32[8] (128 + 64
    // bytes) and its own f32[8, 4] (128) are live; earlier, the max-reduce's f32[8] (64)
    // and the first fusion's results make only 256.
    assert!(err.contains("320  memory.peak-bytes"), "{err}");
}
