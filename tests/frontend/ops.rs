//! `kc::ops` means the same eagerly (each op run at once on the interpreter) and traced
//! (recorded into a function, run as a whole): every case below is computed both ways
//! and compared, and checked against values worked out by hand.
use kc::frontend::{ops, Graph, Tensor};
use kc::ir::{DType, Dim, Shape, TensorType};

fn t(shape: &[usize], v: &[f32]) -> Tensor {
    Tensor::from_f32(shape, v.to_vec()).unwrap()
}

/// Run `f` eagerly on `inputs`, and traced (leading dims equal to the first input's made
/// symbolic, as a batch would be), and return
/// both results.
fn both(inputs: &[Tensor], f: impl Fn(&[Tensor]) -> kc::frontend::Result<Tensor>) -> (Vec<f64>, Vec<f64>) {
    let eager = f(inputs).unwrap().to_f64_vec().unwrap();
    let g = Graph::new();
    let lead = inputs[0].dims().first().cloned();
    let syms: Vec<Tensor> = inputs
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let mut dims = x.dims();
            if !dims.is_empty() && Some(&dims[0]) == lead.as_ref() {
                dims[0] = Dim::sym("N");
            }
            g.input(&format!("x{i}"), TensorType::new(x.dtype(), Shape(dims)))
        })
        .collect();
    let out = f(&syms).unwrap();
    let (func, _) = g.finish("f", &[out]).unwrap();
    let hosts: Vec<_> = inputs.iter().map(|x| x.host().unwrap()).collect();
    let traced = kc::runtime::run_func(&func, &hosts).unwrap()[0].to_f64_vec();
    (eager, traced)
}

fn close(a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len(), "{a:?} vs {b:?}");
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= 1e-6 * y.abs().max(1.0), "{a:?} vs {b:?}");
    }
}

#[test]
fn broadcasting_arithmetic_matches_numpy() {
    let x = t(&[2, 3], &[1., 2., 3., 4., 5., 6.]);
    let b = t(&[3], &[10., 20., 30.]);
    let (e, tr) = both(&[x, b], |v| ops::add(&v[0], &v[1]));
    close(&e, &[11., 22., 33., 14., 25., 36.]);
    close(&tr, &e);
    let col = t(&[2, 1], &[1., -1.]);
    let row = t(&[1, 3], &[1., 2., 3.]);
    let (e, tr) = both(&[col, row], |v| ops::multiply(&v[0], &v[1]));
    close(&e, &[1., 2., 3., -1., -2., -3.]);
    close(&tr, &e);
    let err = ops::add(&t(&[2], &[1., 2.]), &t(&[3], &[1., 2., 3.])).unwrap_err().to_string();
    assert!(err.contains("cannot be broadcast"), "{err}");
}

#[test]
fn reductions_softmax_and_crossentropy() {
    let x = t(&[2, 3], &[1., 2., 3., 1., 1., 1.]);
    let (e, tr) = both(&[x.clone()], |v| ops::mean(&v[0], Some(&[1]), false));
    close(&e, &[2., 1.]);
    close(&tr, &e);
    let (e, tr) = both(&[x.clone()], |v| ops::mean(&v[0], None, false));
    close(&e, &[1.5]);
    close(&tr, &e);
    let (e, tr) = both(&[x.clone()], |v| ops::softmax(&v[0], -1));
    let z: f64 = 1f64.exp() + 2f64.exp() + 3f64.exp();
    close(&e, &[1f64.exp() / z, 2f64.exp() / z, 3f64.exp() / z, 1. / 3., 1. / 3., 1. / 3.]);
    close(&tr, &e);
    // sparse CE from logits = -log softmax at the label
    let labels = Tensor::from_host(kc::runtime::HostTensor::from_vec(vec![2], vec![2i32, 0]).unwrap());
    let (e, tr) = both(&[labels, x], |v| ops::sparse_categorical_crossentropy(&v[0], &v[1], true));
    close(&e, &[-(3f64.exp() / z).ln(), (3f64).ln()]);
    close(&tr, &e);
}

#[test]
fn matmul_reshape_and_argmax() {
    let a = t(&[2, 3], &[1., 2., 3., 4., 5., 6.]);
    let w = t(&[3, 2], &[1., 0., 0., 1., 1., 1.]);
    let (e, tr) = both(&[a.clone(), w], |v| ops::matmul(&v[0], &v[1]));
    close(&e, &[4., 5., 10., 11.]);
    close(&tr, &e);
    let am = ops::argmax(&a, -1, false).unwrap();
    assert_eq!(am.dtype(), DType::I32);
    assert_eq!(am.to_f64_vec().unwrap(), vec![2., 2.]);
    let r = ops::reshape(&a, &[3, -1]).unwrap();
    assert_eq!(r.shape(), Some(vec![3, 2]));
    let err = ops::reshape(&a, &[4, -1]).unwrap_err().to_string();
    assert!(err.contains("cannot reshape"), "{err}");
}
