//! The per-op workloads of `kc bench --mode op` and of `cargo bench --bench ops`: small
//! `.kir` functions, one op (or a short chain) each, with static shapes. Matmuls from a
//! vector-matrix product to 1024^3, two convolutions (one with a single input channel,
//! which the XLA lowering writes out as taps), an elementwise chain, a reduction and a
//! softmax.

/// (name, kir source). Every parameter is filled with a deterministic ramp.
pub fn workloads() -> Vec<(String, String)> {
    let mut w = Vec::new();
    for (m, k, n) in [(1, 2048, 2048), (128, 784, 512), (256, 256, 256), (512, 512, 512), (1024, 1024, 1024)] {
        w.push((
            format!("matmul_{m}x{k}x{n}"),
            format!("func @main(%a: f32[{m}, {k}], %b: f32[{k}, {n}]) -> (f32[{m}, {n}]) {{\n  %0 = dot_general %a, %b {{lhs_contracting = [1], rhs_contracting = [0]}} : f32[{m}, {n}]\n  return %0\n}}\n"),
        ));
    }
    w.push((
        "conv_8x32x32x16_k3x3x32".into(),
        "func @main(%x: f32[8, 32, 32, 16], %k: f32[3, 3, 16, 32]) -> (f32[8, 32, 32, 32]) {\n  %0 = convolution %x, %k {input_dims = [0, 3, 1, 2], kernel_dims = [2, 3, 0, 1], output_dims = [0, 3, 1, 2], padding_high = [1, 1], padding_low = [1, 1]} : f32[8, 32, 32, 32]\n  return %0\n}\n".into(),
    ));
    w.push((
        "conv_128x28x28x1_k3x3x32".into(),
        "func @main(%x: f32[128, 28, 28, 1], %k: f32[3, 3, 1, 32]) -> (f32[128, 26, 26, 32]) {\n  %0 = convolution %x, %k {input_dims = [0, 3, 1, 2], kernel_dims = [2, 3, 0, 1], output_dims = [0, 3, 1, 2]} : f32[128, 26, 26, 32]\n  return %0\n}\n".into(),
    ));
    w.push((
        "elementwise_chain_1M".into(),
        "func @main(%x: f32[1024, 1024], %y: f32[1024, 1024]) -> (f32[1024, 1024]) {\n  %0 = exp %x : f32[1024, 1024]\n  %1 = mul %0, %y : f32[1024, 1024]\n  %2 = add %1, %x : f32[1024, 1024]\n  %3 = tanh %2 : f32[1024, 1024]\n  return %3\n}\n".into(),
    ));
    w.push((
        "reduce_sum_1024x1024".into(),
        "func @main(%x: f32[1024, 1024]) -> (f32[1024]) {\n  %0 = reduce %x {dimensions = [1], kind = sum} : f32[1024]\n  return %0\n}\n".into(),
    ));
    w.push((
        "softmax_128x1000".into(),
        "func @main(%x: f32[128, 1000]) -> (f32[128, 1000]) {\n  %0 = reduce %x {dimensions = [1], kind = max} : f32[128]\n  %1 = broadcast_in_dim %0 {dims = [0]} : f32[128, 1000]\n  %2 = sub %x, %1 : f32[128, 1000]\n  %3 = exp %2 : f32[128, 1000]\n  %4 = reduce %3 {dimensions = [1], kind = sum} : f32[128]\n  %5 = broadcast_in_dim %4 {dims = [0]} : f32[128, 1000]\n  %6 = div %3, %5 : f32[128, 1000]\n  return %6\n}\n".into(),
    ));
    w
}

