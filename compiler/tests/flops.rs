//! The FLOP counter against hand counts.
use kc_compiler::flops::count;
use std::collections::BTreeMap;

fn flops(src: &str, binds: &[(&str, i64)]) -> kc_compiler::flops::FlopCount {
    let m = kc_ir::parse_module(src, "t.kir").unwrap();
    kc_ir::verify_module(&m).unwrap();
    let b: BTreeMap<String, i64> = binds.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    count(&m.funcs[0], &b).unwrap()
}

#[test]
fn dot_general_is_two_flops_per_multiply_add() {
    // [N, 784] x [784, 128] with N = 32: 32*128 outputs, 784 multiply-adds each
    let c = flops(
        "func @f(%x: f32[N, 784], %w: f32[784, 128]) -> (f32[N, 128]) {
  %0 = dot_general %x, %w {lhs_contracting = [1], rhs_contracting = [0]} : f32[N, 128]
  return %0
}",
        &[("N", 32)],
    );
    assert_eq!(c.total, 2 * 32 * 128 * 784);
    // batched, two contracting dims: [2, 3, 4, 5] . [5, 2, 6, 3] -> [2, 4, 6], K = 5*3
    let c = flops(
        "func @f(%a: f32[2, 3, 4, 5], %b: f32[5, 2, 6, 3]) -> (f32[2, 4, 6]) {
  %0 = dot_general %a, %b {lhs_batch = [0], lhs_contracting = [3, 1], rhs_batch = [1], rhs_contracting = [0, 3]} : f32[2, 4, 6]
  return %0
}",
        &[],
    );
    assert_eq!(c.total, 2 * (2 * 4 * 6) * 15);
}

#[test]
fn convolution_counts_the_window_and_the_features_per_group() {
    // NCHW 2x3x5x5, OIHW kernel 4x3x3x2, stride 2, padding: output 2x4x3x3;
    // each output: 3 input features x 3x2 window
    let c = flops(
        "func @f(%x: f32[2, 3, 5, 5], %k: f32[4, 3, 3, 2]) -> (f32[2, 4, 3, 3]) {
  %0 = convolution %x, %k {padding_high = [1, 0], padding_low = [1, 1], window_strides = [2, 2]} : f32[2, 4, 3, 3]
  return %0
}",
        &[],
    );
    assert_eq!(c.total, 2 * (2 * 4 * 3 * 3) * (3 * 3 * 2));
    // depthwise NHWC: 3 groups of 1 input feature, 2x2 window
    let c = flops(
        "func @f(%x: f32[1, 4, 4, 3], %k: f32[2, 2, 1, 6]) -> (f32[1, 3, 3, 6]) {
  %0 = convolution %x, %k {feature_group_count = 3, input_dims = [0, 3, 1, 2], kernel_dims = [2, 3, 0, 1], output_dims = [0, 3, 1, 2]} : f32[1, 3, 3, 6]
  return %0
}",
        &[],
    );
    assert_eq!(c.total, 2 * (3 * 3 * 6) * (2 * 2));
}

#[test]
fn elementwise_reductions_fusions_and_loops() {
    let c = flops(
        "func @f(%x: f32[N, 10]) -> (f32[N]) {
  %0 = exp %x : f32[N, 10]
  %1 = reshape %0 : f32[N, 10]
  %2 = fusion %1 {kind = input} body(%p: f32[N, 10]) {
    %3 = neg %p : f32[N, 10]
    %4 = reduce %3 {dimensions = [1], kind = sum} : f32[N]
    return %4
  } : f32[N]
  return %2
}",
        &[("N", 4)],
    );
    // exp 40, reshape 0, neg 40, reduce 40
    assert_eq!(c.total, 120);
    assert_eq!(c.by_op["exp"], 40);
    assert!(!c.approximate);
    let c = flops(
        "func @f(%x: f32[8]) -> (f32[8]) {
  %0 = constant {value = 0} : i32[]
  %1:2 = while %0, %x cond(%i: i32[], %a: f32[8]) {
    %2 = constant {value = 5} : i32[]
    %3 = compare %i, %2 {direction = lt} : bool[]
    return %3
  } body(%j: i32[], %b: f32[8]) {
    %4 = constant {value = 1} : i32[]
    %5 = add %j, %4 : i32[]
    %6 = tanh %b : f32[8]
    return %5, %6
  } : i32[], f32[8]
  return %1#1
}",
        &[],
    );
    // 5 trips of (add 1 + tanh 8), 6 evaluations of the compare
    assert_eq!(c.total, 5 * 9 + 6);
    let m = kc_ir::parse_module("func @f(%x: f32[N]) -> (f32[N]) {\n  %0 = exp %x : f32[N]\n  return %0\n}\n", "t").unwrap();
    let e = count(&m.funcs[0], &BTreeMap::new()).unwrap_err().to_string();
    assert!(e.contains("symbolic dim N"), "{e}");
}
