//! The PJRT runtime against the real OpenXLA CPU plugin, on hand-written StableHLO whose
//! results are worked out by hand; and its error paths, none of which may abort.
use half::bf16;
use kc::ir::DType;
use kc::runtime::pjrt::{self, Arg, Client, ClientOptions, ElementType, ErrorCode, NamedValue, Plugin, TensorSpec};
use kc::runtime::{HostTensor, RuntimeError};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn plugin() -> Plugin {
    Plugin::find().unwrap_or_else(|e| panic!("{e}\nThese tests need the XLA CPU plugin: run `make pjrt`."))
}

/// One client for the tests that need no particular options (clients are thread-safe).
fn client() -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| Client::new(&plugin(), &ClientOptions::new()).expect("creating a CPU client"))
}

fn t<T: kc::runtime::Elem>(shape: &[usize], v: Vec<T>) -> HostTensor {
    HostTensor::from_vec(shape.to_vec(), v).unwrap()
}

/// `module { func.func @main(<params>) -> <results> { <body> } }`
fn program(params: &str, results: &str, body: &str) -> String {
    format!("module {{\n  func.func @main({params}) -> {results} {{\n{body}\n  }}\n}}\n")
}

fn run(text: &str, args: &[HostTensor]) -> Vec<HostTensor> {
    let exe = client().compile(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    exe.execute_host(args).unwrap()
}

#[test]
fn plugin_version_and_attributes() {
    let p = plugin();
    assert_eq!(p.api_version(), (0, 81));
    let attrs = p.attributes().unwrap();
    let names: Vec<&str> = attrs.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"stablehlo_current_version"), "{attrs:?}");
    // Loading again returns the same plugin (it is never unloaded or re-initialized).
    let again = Plugin::load(p.path()).unwrap();
    assert_eq!(again.path(), p.path());
}

#[test]
fn client_devices_and_options() {
    let c = Client::new(&plugin(), &ClientOptions::new().cpu_device_count(2)).unwrap();
    assert_eq!(c.platform_name(), "cpu");
    assert_eq!(c.devices().len(), 2);
    assert_eq!(c.devices()[0].id, 0);
    assert_eq!(c.devices()[0].kind, "cpu");
    // Programs run on the first device, where `to_device` puts the arguments.
    let exe = c.compile(&program("%a: tensor<i32>", "tensor<i32>", "    %0 = stablehlo.negate %a : tensor<i32>\n    return %0 : tensor<i32>")).unwrap();
    assert_eq!(exe.execute_host(&[HostTensor::scalar(5i32)]).unwrap(), vec![HostTensor::scalar(-5i32)]);
    // An option of the wrong type is refused before the plugin would abort on it.
    let e = Client::new(&plugin(), &ClientOptions::new().set("cpu_device_count", NamedValue::String("2".into())))
        .unwrap_err()
        .to_string();
    assert!(e.contains("cpu_device_count"), "{e}");
}

#[test]
fn add_f32() {
    let text = program(
        "%a: tensor<2x3xf32>, %b: tensor<2x3xf32>",
        "tensor<2x3xf32>",
        "    %0 = stablehlo.add %a, %b : tensor<2x3xf32>\n    return %0 : tensor<2x3xf32>",
    );
    let out = run(&text, &[t(&[2, 3], vec![1f32, 2., 3., 4., 5., 6.]), t(&[2, 3], vec![0.5f32, -2., 10., 0., 1e-3, -6.])]);
    assert_eq!(out, vec![t(&[2, 3], vec![1.5f32, 0., 13., 4., 5.001, 0.])]);
}

#[test]
fn every_dtype_round_trips_through_the_device() {
    let c = client();
    let cases = vec![
        t(&[2, 2], vec![1.5f32, -0.0, f32::INFINITY, 1e-45]),
        t(&[3], vec![std::f64::consts::PI, -1e300, 5e-324]),
        t(&[2], vec![half::f16::from_f32(0.1), half::f16::MAX]),
        t(&[1, 2], vec![bf16::from_f32(3.5), bf16::MIN_POSITIVE_SUBNORMAL]),
        t(&[3], vec![i8::MIN, -1i8, i8::MAX]),
        t(&[2, 1], vec![i32::MIN, 7i32]),
        t(&[2], vec![i64::MIN, i64::MAX]),
        t(&[2], vec![0u8, 255]),
        t(&[2], vec![u32::MAX, 3u32]),
        t(&[2, 2], vec![true, false, false, true]),
        HostTensor::scalar(42i32),
        t(&[0, 3], Vec::<f32>::new()),
    ];
    for h in cases {
        let b = c.to_device(&h).unwrap();
        assert_eq!(b.dims(), h.shape());
        assert_eq!(b.dtype().unwrap(), h.dtype());
        assert_eq!(b.to_host().unwrap(), h, "{h}");
    }
    assert_eq!(c.to_device(&HostTensor::scalar(true)).unwrap().element_type(), ElementType::Pred);
}

#[test]
fn integer_bool_and_bf16_arithmetic() {
    let text = program(
        "%a: tensor<4xi32>, %b: tensor<4xi32>",
        "tensor<4xi32>",
        "    %0 = stablehlo.multiply %a, %b : tensor<4xi32>\n    %1 = stablehlo.subtract %0, %a : tensor<4xi32>\n    return %1 : tensor<4xi32>",
    );
    // a*b - a; 65536 * 32768 = 2^31 wraps to i32::MIN, and i32::MIN - 65536 wraps to 2^31 - 65536.
    let out = run(&text, &[t(&[4], vec![3i32, -4, 0, 65536]), t(&[4], vec![5i32, 6, 9, 32768])]);
    assert_eq!(out[0], t(&[4], vec![12i32, -20, 0, 2_147_418_112]));

    let text = program(
        "%a: tensor<4xi1>, %b: tensor<4xi1>",
        "tensor<4xi1>",
        "    %0 = stablehlo.and %a, %b : tensor<4xi1>\n    %1 = stablehlo.not %0 : tensor<4xi1>\n    return %1 : tensor<4xi1>",
    );
    let out = run(&text, &[t(&[4], vec![true, true, false, false]), t(&[4], vec![true, false, true, false])]);
    assert_eq!(out[0], t(&[4], vec![false, true, true, true]));

    let text = program(
        "%a: tensor<3xbf16>, %b: tensor<3xbf16>",
        "tensor<3xbf16>",
        "    %0 = stablehlo.add %a, %b : tensor<3xbf16>\n    return %0 : tensor<3xbf16>",
    );
    // 1 + 2^-8 is not a bf16 (7 fraction bits): it rounds to even, 1.0; 1.5 + 0.25 is exact.
    let bf = |v: &[f32]| t(&[3], v.iter().map(|&x| bf16::from_f32(x)).collect());
    let out = run(&text, &[bf(&[1.0, 1.5, -3.0]), bf(&[0.00390625, 0.25, 3.0])]);
    assert_eq!(out[0], bf(&[1.0, 1.75, 0.0]));
}

#[test]
fn dot_general() {
    let text = program(
        "%a: tensor<2x3xf32>, %b: tensor<3x2xf32>",
        "tensor<2x2xf32>",
        "    %0 = stablehlo.dot_general %a, %b, contracting_dims = [1] x [0] : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>\n    return %0 : tensor<2x2xf32>",
    );
    // [[1 2 3] [4 5 6]] . [[1 0] [0 1] [1 1]] = [[4 5] [10 11]]
    let out = run(&text, &[t(&[2, 3], vec![1f32, 2., 3., 4., 5., 6.]), t(&[3, 2], vec![1f32, 0., 0., 1., 1., 1.])]);
    assert_eq!(out, vec![t(&[2, 2], vec![4f32, 5., 10., 11.])]);
}

#[test]
fn no_arguments_and_empty_arrays() {
    let text = program(
        "",
        "(tensor<2xi32>, tensor<0x3xf32>)",
        "    %0 = stablehlo.iota dim = 0 : tensor<2xi32>
    %1 = stablehlo.constant dense<> : tensor<0x3xf32>
    return %0, %1 : tensor<2xi32>, tensor<0x3xf32>",
    );
    let out = run(&text, &[]);
    assert_eq!(out, vec![t(&[2], vec![0i32, 1]), t(&[0, 3], Vec::<f32>::new())]);
}

#[test]
fn several_outputs_of_several_types() {
    let text = program(
        "%a: tensor<3xi64>, %b: tensor<3xi64>",
        "(tensor<3xi64>, tensor<3xi1>, tensor<i64>)",
        "    %0 = stablehlo.add %a, %b : tensor<3xi64>
    %1 = stablehlo.compare GT, %a, %b : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi1>
    %z = stablehlo.constant dense<0> : tensor<i64>
    %2 = stablehlo.reduce(%a init: %z) applies stablehlo.add across dimensions = [0] : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
    return %0, %1, %2 : tensor<3xi64>, tensor<3xi1>, tensor<i64>",
    );
    let exe = client().compile(&text).unwrap();
    assert_eq!(exe.num_outputs(), 3);
    assert_eq!(
        exe.output_specs(),
        &[
            TensorSpec::new(ElementType::S64, vec![3]),
            TensorSpec::new(ElementType::Pred, vec![3]),
            TensorSpec::new(ElementType::S64, vec![]),
        ]
    );
    assert_eq!(exe.input_specs(), vec![TensorSpec::new(ElementType::S64, vec![3]); 2]);
    let out = run(&text, &[t(&[3], vec![1i64, 5, -7]), t(&[3], vec![2i64, 5, -8])]);
    assert_eq!(out, vec![t(&[3], vec![3i64, 10, -15]), t(&[3], vec![false, false, true]), HostTensor::scalar(-1i64)]);
}

/// A state update `w <- w - 0.5 * g` whose parameter `w` is aliased to the output, the way
/// a train step updates weights.
fn sgd_program() -> String {
    program(
        "%w: tensor<4xf32> {tf.aliasing_output = 0 : i32}, %g: tensor<4xf32>",
        "tensor<4xf32>",
        "    %h = stablehlo.constant dense<0.5> : tensor<4xf32>
    %0 = stablehlo.multiply %g, %h : tensor<4xf32>
    %1 = stablehlo.subtract %w, %0 : tensor<4xf32>
    return %1 : tensor<4xf32>",
    )
}

#[test]
fn donated_state_is_updated_in_place() {
    let c = client();
    let exe = c.compile(&sgd_program()).unwrap();
    let g = c.to_device(&t(&[4], vec![2f32, 4., -2., 0.])).unwrap();
    let mut w = c.to_device(&t(&[4], vec![1f32, 1., 1., 1.])).unwrap();
    for step in 1..=3 {
        let before = w.device_pointer().unwrap();
        let mut out = exe.execute_donating(vec![Arg::Donate(w), Arg::Keep(&g)]).unwrap();
        w = out.remove(0);
        // The output lives in the donated input's memory: no new allocation per step.
        assert_eq!(w.device_pointer().unwrap(), before, "step {step}");
        let s = step as f32;
        assert_eq!(w.to_host().unwrap(), t(&[4], vec![1. - s, 1. - 2. * s, 1. + s, 1.]));
    }
    // `g` was kept, and is intact.
    assert_eq!(g.to_host().unwrap(), t(&[4], vec![2f32, 4., -2., 0.]));
}

#[test]
fn plain_execute_never_donates() {
    let c = client();
    let exe = c.compile(&sgd_program()).unwrap();
    let w = c.to_device(&t(&[4], vec![1f32; 4])).unwrap();
    let g = c.to_device(&t(&[4], vec![2f32; 4])).unwrap();
    // The program aliases `w`, but `execute` borrows it: it must survive every call.
    let a = exe.execute(&[&w, &g]).unwrap().remove(0);
    let b = exe.execute(&[&w, &g]).unwrap().remove(0);
    assert_ne!(a.device_pointer().unwrap(), w.device_pointer().unwrap());
    assert_eq!(w.to_host().unwrap(), t(&[4], vec![1f32; 4]));
    assert_eq!(a.to_host().unwrap(), t(&[4], vec![0f32; 4]));
    assert_eq!(b.to_host().unwrap(), t(&[4], vec![0f32; 4]));
}

#[test]
fn outputs_feed_the_next_execution() {
    let c = client();
    let text = program(
        "%x: tensor<2xi32>, %k: tensor<2xi32>",
        "tensor<2xi32>",
        "    %0 = stablehlo.add %x, %k : tensor<2xi32>\n    return %0 : tensor<2xi32>",
    );
    let exe = c.compile(&text).unwrap();
    let k = c.to_device(&t(&[2], vec![1i32, -2])).unwrap();
    let mut x = c.to_device(&t(&[2], vec![0i32, 0])).unwrap();
    for _ in 0..10 {
        x = exe.execute(&[&x, &k]).unwrap().remove(0);
    }
    assert_eq!(x.to_host().unwrap(), t(&[2], vec![10i32, -20]));
}

#[test]
fn serialized_executables_load_back() {
    let c = client();
    let exe = c.compile(&sgd_program()).unwrap();
    let bytes = exe.serialize().unwrap();
    let back = c.deserialize(&bytes).unwrap();
    assert_eq!(back.input_specs(), exe.input_specs());
    assert_eq!(back.output_specs(), exe.output_specs());
    let w = c.to_device(&t(&[4], vec![1f32; 4])).unwrap();
    let g = c.to_device(&t(&[4], vec![4f32; 4])).unwrap();
    assert_eq!(back.execute(&[&w, &g]).unwrap()[0].to_host().unwrap(), t(&[4], vec![-1f32; 4]));
    let e = c.deserialize(b"not an executable").unwrap_err().to_string();
    assert!(e.contains("not a serialized kc executable"), "{e}");
}

#[test]
fn executions_from_several_threads() {
    let c = client();
    let text = program(
        "%x: tensor<64xf32>",
        "tensor<f32>",
        "    %z = stablehlo.constant dense<0.0> : tensor<f32>
    %0 = stablehlo.reduce(%x init: %z) applies stablehlo.add across dimensions = [0] : (tensor<64xf32>, tensor<f32>) -> tensor<f32>
    return %0 : tensor<f32>",
    );
    let exe = c.compile(&text).unwrap();
    std::thread::scope(|s| {
        for i in 0..4 {
            let exe = &exe;
            s.spawn(move || {
                let x = c.to_device(&t(&[64], vec![i as f32; 64])).unwrap();
                for _ in 0..20 {
                    let y = exe.execute(&[&x]).unwrap().remove(0).to_host().unwrap();
                    assert_eq!(y, HostTensor::scalar(64. * i as f32));
                }
            });
        }
    });
}

// ---- error paths: each is a Rust error, none aborts the process ----

#[test]
fn compile_errors_carry_the_plugins_line_and_column() {
    let text = "module {\n  func.func @main(%a: tensor<2xf32>) -> tensor<2xf32> {\n    %0 = stablehlo.frobnicate %a : tensor<2xf32>\n    return %0 : tensor<2xf32>\n  }\n}\n";
    let e = client().compile(text).unwrap_err();
    let RuntimeError::Pjrt(p) = &e else { panic!("expected a plugin error, got {e:?}") };
    assert_eq!(p.function, "PJRT_Client_Compile");
    // The plugin's code for parse errors is UNKNOWN; what matters is that it is kept.
    assert_eq!(p.code, ErrorCode::Unknown, "{e}");
    // Line 3, column 10: where `stablehlo.frobnicate` starts.
    assert!(p.message.contains(":3:10: error: custom op 'stablehlo.frobnicate' is unknown"), "{e}");
    // A type error in otherwise well-formed text, and text that is not MLIR at all.
    let bad_types = program(
        "%a: tensor<2xf32>, %b: tensor<3xf32>",
        "tensor<2xf32>",
        "    %0 = stablehlo.add %a, %b : (tensor<2xf32>, tensor<3xf32>) -> tensor<2xf32>\n    return %0 : tensor<2xf32>",
    );
    let e = client().compile(&bad_types).unwrap_err().to_string();
    assert!(e.contains("PJRT_Client_Compile failed"), "{e}");
    let e = client().compile("this is not mlir").unwrap_err().to_string();
    assert!(e.contains("PJRT_Client_Compile failed"), "{e}");
    let e = client().compile("").unwrap_err().to_string();
    assert!(e.contains("PJRT_Client_Compile failed"), "{e}");
}

#[test]
fn wrong_arguments_are_refused_before_the_plugin_sees_them() {
    let c = client();
    let text = program(
        "%a: tensor<2x3xf32>, %b: tensor<2x3xf32>",
        "tensor<2x3xf32>",
        "    %0 = stablehlo.add %a, %b : tensor<2x3xf32>\n    return %0 : tensor<2x3xf32>",
    );
    let exe = c.compile(&text).unwrap();
    let good = c.to_device(&HostTensor::zeros(DType::F32, vec![2, 3]).unwrap()).unwrap();
    let ints = c.to_device(&HostTensor::zeros(DType::I32, vec![2, 3]).unwrap()).unwrap();
    let wide = c.to_device(&HostTensor::zeros(DType::F32, vec![3, 2]).unwrap()).unwrap();

    let e = exe.execute(&[&good]).unwrap_err().to_string();
    assert!(e.contains("takes 2 arguments") && e.contains("got 1"), "{e}");
    let e = exe.execute(&[&good, &good, &good]).unwrap_err().to_string();
    assert!(e.contains("got 3"), "{e}");
    let e = exe.execute(&[&good, &ints]).unwrap_err().to_string();
    assert!(e.contains("argument 1 of") && e.contains("expected f32[2, 3], got i32[2, 3]"), "{e}");
    let e = exe.execute(&[&wide, &good]).unwrap_err().to_string();
    assert!(e.contains("argument 0") && e.contains("expected f32[2, 3], got f32[3, 2]"), "{e}");
    // A buffer of another client.
    let other = Client::new(&plugin(), &ClientOptions::new()).unwrap();
    let foreign = other.to_device(&HostTensor::zeros(DType::F32, vec![2, 3]).unwrap()).unwrap();
    let e = exe.execute(&[&good, &foreign]).unwrap_err().to_string();
    assert!(e.contains("argument 1") && e.contains("another PJRT client"), "{e}");
    // Everything still works after the refusals.
    assert_eq!(exe.execute(&[&good, &good]).unwrap().len(), 1);
}

#[test]
fn a_missing_plugin_is_named() {
    let e = Plugin::load("/no/such/dir/pjrt_plugin.so").unwrap_err().to_string();
    assert!(e.contains("/no/such/dir/pjrt_plugin.so") && e.contains("make pjrt"), "{e}");
}

#[test]
fn a_library_that_is_not_a_plugin_is_refused() {
    // The test binary's own libc is a shared library without `GetPjrtApi`.
    let libc = ["/lib/x86_64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6", "/lib64/libc.so.6"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("no libc.so.6 found");
    let e = Plugin::load(libc).unwrap_err().to_string();
    assert!(e.contains("GetPjrtApi") && e.contains("libc"), "{e}");
}

fn scratch_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kc-pjrt-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Build a C file with the system C compiler (the one Rust links with).
fn cc(args: &[&str]) {
    let out = Command::new("cc").args(args).output().expect("running cc");
    assert!(out.status.success(), "cc {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_plugin_of_another_api_version_is_refused() {
    // A fake plugin whose table says PJRT C API 1.3.
    let dir = scratch_dir("fake");
    let src = dir.join("fake.c");
    std::fs::write(
        &src,
        r#"#include <stddef.h>
struct version { size_t struct_size; void *ext; int major, minor; };
static struct { size_t struct_size; void *ext; struct version v; void *fns[200]; } api;
const void *GetPjrtApi(void) {
  api.struct_size = sizeof api; api.v.struct_size = sizeof api.v; api.v.major = 1; api.v.minor = 3;
  return &api;
}
"#,
    )
    .unwrap();
    let so = dir.join("libfake_pjrt.so");
    cc(&["-shared", "-fPIC", "-o", so.to_str().unwrap(), src.to_str().unwrap()]);
    let e = Plugin::load(&so).unwrap_err().to_string();
    assert!(e.contains("libfake_pjrt.so") && e.contains("1.3") && e.contains("0.81"), "{e}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn ffi_layout_matches_the_header() {
    // Compile a C program against the plugin's own pjrt_c_api.h that prints every struct
    // size and table offset kc's hand-written declarations assume, and compare.
    let header_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(".deps/pjrt");
    assert!(header_dir.join("pjrt_c_api.h").exists(), "{} is missing: run `make pjrt`", header_dir.display());
    let layout = pjrt::ffi::layout();
    let mut src = String::from("#include <stdio.h>\n#include <stddef.h>\n#include \"pjrt_c_api.h\"\nint main(void) {\n");
    for (expr, _) in &layout {
        src += &format!("  printf(\"%zu\\n\", (size_t)({expr}));\n");
    }
    src += "  return 0;\n}\n";
    let dir = scratch_dir("abi");
    std::fs::write(dir.join("abi.c"), src).unwrap();
    let exe = dir.join("abi");
    cc(&["-I", header_dir.to_str().unwrap(), "-o", exe.to_str().unwrap(), dir.join("abi.c").to_str().unwrap()]);
    let out = Command::new(&exe).output().unwrap();
    let c_values: Vec<usize> = String::from_utf8(out.stdout).unwrap().lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(c_values.len(), layout.len());
    let wrong: Vec<String> = layout
        .iter()
        .zip(&c_values)
        .filter(|((_, ours), theirs)| ours != *theirs)
        .map(|((expr, ours), theirs)| format!("{expr}: kc {ours}, header {theirs}"))
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
    let _ = std::fs::remove_dir_all(dir);
}
