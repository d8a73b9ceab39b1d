use kc_ir::{attrs, Attr, DType::*, Func, Node, OpKind::*, Region, TensorType};
use kc_runtime::HostTensor;
use std::time::Instant;

fn one(op: kc_ir::OpKind, ins: &[HostTensor], a: &[(&str, Attr)], out: TensorType) -> std::time::Duration {
    let mut r = Region::new();
    let ps: Vec<_> = ins.iter().enumerate().map(|(i, x)| r.param(&format!("p{i}"), TensorType::known(x.dtype(), &x.shape().iter().map(|&d| d as u64).collect::<Vec<_>>()))).collect();
    let mut at = attrs(a);
    kc_ir::attr::check_and_fill(op, &mut at).unwrap();
    let n = r.add_node(Node::new(op, at, vec![out]), &ps);
    r.ret(&[kc_ir::Value::of(n)]);
    let f = Func { name: "m".into(), body: r };
    let t = Instant::now();
    for _ in 0..5 { kc_runtime::run_func(&f, ins).unwrap(); }
    t.elapsed() / 5
}

#[test]
fn bench() {
    let z = |s: &[usize]| HostTensor::from_f64(F32, s.to_vec(), &vec![0.5; s.iter().product()]).unwrap();
    let i = |v: &[i64]| Attr::Ints(v.to_vec());
    println!("dot 128x784x128: {:?}", one(DotGeneral, &[z(&[128, 784]), z(&[784, 128])], &[("lhs_contracting", i(&[1])), ("rhs_contracting", i(&[0]))], TensorType::known(F32, &[128, 128])));
    println!("dot^T 784x128x128 (dW): {:?}", one(DotGeneral, &[z(&[128, 784]), z(&[128, 128])], &[("lhs_contracting", i(&[0])), ("rhs_contracting", i(&[0]))], TensorType::known(F32, &[784, 128])));
    println!("conv 32x1x28x28 * 32x1x3x3: {:?}", one(Convolution, &[z(&[32, 1, 28, 28]), z(&[32, 1, 3, 3])], &[], TensorType::known(F32, &[32, 32, 26, 26])));
    println!("conv 32x32x13x13 * 64x32x3x3: {:?}", one(Convolution, &[z(&[32, 32, 13, 13]), z(&[64, 32, 3, 3])], &[], TensorType::known(F32, &[32, 64, 11, 11])));
    println!("conv NHWC 32x28x28x32 * 3x3x32x64 same: {:?}", one(Convolution, &[z(&[32, 28, 28, 32]), z(&[3, 3, 32, 64])], &[("padding_low", i(&[1,1])), ("padding_high", i(&[1,1])), ("input_dims", i(&[0,3,1,2])), ("kernel_dims", i(&[2,3,0,1])), ("output_dims", i(&[0,3,1,2]))], TensorType::known(F32, &[32, 28, 28, 64])));
    println!("maxpool 32x32x26x26: {:?}", one(ReduceWindow, &[z(&[32, 32, 26, 26])], &[("kind", Attr::Sym("max".into())), ("window", i(&[1,1,2,2])), ("strides", i(&[1,1,2,2]))], TensorType::known(F32, &[32, 32, 13, 13])));
    println!("broadcast 128 -> 128x784: {:?}", one(BroadcastInDim, &[z(&[784])], &[("dims", i(&[1]))], TensorType::known(F32, &[128, 784])));
    println!("add 128x784: {:?}", one(Add, &[z(&[128, 784]), z(&[128, 784])], &[], TensorType::known(F32, &[128, 784])));
    println!("reduce sum 128x784 dim1: {:?}", one(Reduce, &[z(&[128, 784])], &[("dimensions", i(&[1])), ("kind", Attr::Sym("sum".into()))], TensorType::known(F32, &[128])));
    println!("transpose 128x784: {:?}", one(Transpose, &[z(&[128, 784])], &[("permutation", i(&[1, 0]))], TensorType::known(F32, &[784, 128])));
}
