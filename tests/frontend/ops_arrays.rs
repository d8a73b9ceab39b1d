//! The ops the layers added: einsum, take, repeat, eye (eager and traced agree; values
//! worked out with loops here).
use kc::frontend::{ops, Graph, Tensor};
use kc::ir::{DType, Dim, Shape, TensorType};

fn t(shape: &[usize], seed: u32) -> Tensor {
    let n: usize = shape.iter().product();
    Tensor::from_f32(shape, (0..n).map(|i| ((i as u32 * 7 + seed * 13) % 11) as f32 - 5.0).collect()).unwrap()
}

/// Row-major index of `idx` in `shape`.
fn at(shape: &[usize], idx: &[usize]) -> usize {
    idx.iter().zip(shape).fold(0, |acc, (i, d)| acc * d + i)
}

/// `np.einsum` by brute force over every assignment of the labels.
fn reference(spec: &str, xs: &[Tensor]) -> (Vec<usize>, Vec<f64>) {
    let (lhs, out) = spec.split_once("->").unwrap();
    let terms: Vec<Vec<char>> = lhs.split(',').map(|s| s.chars().collect()).collect();
    let out: Vec<char> = out.chars().collect();
    let mut size = std::collections::BTreeMap::new();
    for (term, x) in terms.iter().zip(xs) {
        for (c, d) in term.iter().zip(x.shape().unwrap()) {
            size.insert(*c, d);
        }
    }
    let labels: Vec<char> = size.keys().copied().collect();
    let out_shape: Vec<usize> = out.iter().map(|c| size[c]).collect();
    let mut res = vec![0.0; out_shape.iter().product()];
    let data: Vec<Vec<f64>> = xs.iter().map(|x| x.to_f64_vec().unwrap()).collect();
    let total: usize = labels.iter().map(|c| size[c]).product();
    for flat in 0..total {
        let mut rem = flat;
        let mut val = std::collections::HashMap::new();
        for c in labels.iter().rev() {
            val.insert(*c, rem % size[c]);
            rem /= size[c];
        }
        let mut p = 1.0;
        for (k, term) in terms.iter().enumerate() {
            let idx: Vec<usize> = term.iter().map(|c| val[c]).collect();
            p *= data[k][at(&xs[k].shape().unwrap(), &idx)];
        }
        let oi: Vec<usize> = out.iter().map(|c| val[c]).collect();
        res[at(&out_shape, &oi)] += p;
    }
    (out_shape, res)
}

#[test]
fn einsum_matches_a_brute_force_sum() {
    let cases: &[(&str, &[&[usize]])] = &[
        ("ij,jk->ik", &[&[2, 3], &[3, 4]]),
        ("bij,bjk->bik", &[&[2, 3, 4], &[2, 4, 5]]),
        ("ij->ji", &[&[2, 3]]),
        ("ij->", &[&[2, 3]]),
        ("ij->j", &[&[2, 3]]),
        ("i,i->", &[&[4], &[4]]),
        ("i,j->ij", &[&[2], &[3]]),
        ("bqd,bkd->bqk", &[&[2, 3, 4], &[2, 5, 4]]),
        ("abc,cd->abd", &[&[2, 3, 4], &[4, 2]]),
        ("ij,jk,kl->il", &[&[2, 3], &[3, 4], &[4, 2]]),
        ("ijk,k->ij", &[&[2, 3, 4], &[4]]),
        ("ij,kj->ki", &[&[2, 3], &[4, 3]]),
    ];
    for (spec, shapes) in cases {
        let xs: Vec<Tensor> = shapes.iter().enumerate().map(|(i, s)| t(s, i as u32)).collect();
        let got = ops::einsum(spec, &xs).unwrap_or_else(|e| panic!("{spec}: {e}"));
        let (shape, want) = reference(spec, &xs);
        assert_eq!(got.shape().unwrap(), shape, "{spec}");
        assert_eq!(got.to_f64_vec().unwrap(), want, "{spec}");
    }
    // ellipsis and implicit output, against their explicit forms
    let (a, b) = (t(&[2, 3, 4], 1), t(&[4, 5], 2));
    let e = ops::einsum("...k,kn->...n", &[a.clone(), b.clone()]).unwrap();
    assert_eq!(e.to_f64_vec().unwrap(), ops::einsum("bmk,kn->bmn", &[a.clone(), b.clone()]).unwrap().to_f64_vec().unwrap());
    let implicit = ops::einsum("ij,jk", &[t(&[2, 3], 0), t(&[3, 2], 1)]).unwrap();
    assert_eq!(implicit.to_f64_vec().unwrap(), ops::einsum("ij,jk->ik", &[t(&[2, 3], 0), t(&[3, 2], 1)]).unwrap().to_f64_vec().unwrap());
    // traced with a symbolic batch
    let g = Graph::new();
    let x = g.input("x", TensorType::new(DType::F32, Shape(vec![Dim::sym("N"), Dim::Known(3), Dim::Known(4)])));
    let y = ops::einsum("...k,kn->...n", &[x, b.clone()]).unwrap();
    let (f, _) = g.finish("f", &[y]).unwrap();
    let out = kc::runtime::run_func(&f, &[a.host().unwrap()]).unwrap();
    assert_eq!(out[0].to_f64_vec(), e.to_f64_vec().unwrap());
    // what is not supported says so
    for (spec, n, needle) in [("ii->i", 1, "repeats within"), ("ij,jk->ik", 1, "2 input terms"), ("ij,jk->iz", 2, "`z` is in no input"), ("ij,kk->ik", 2, "repeats")] {
        let xs: Vec<Tensor> = (0..n).map(|i| t(&[3, 3], i)).collect();
        let e = ops::einsum(spec, &xs).unwrap_err().to_string();
        assert!(e.contains(needle), "{spec}: {e}");
    }
    let e = ops::einsum("ij,jk->ik", &[t(&[2, 3], 0), t(&[4, 2], 1)]).unwrap_err().to_string();
    assert!(e.contains("label `j` is 3 in operand 0 but 4 in operand 1"), "{e}");
}

#[test]
fn take_repeat_and_eye() {
    let table = t(&[4, 3], 0);
    let tv = table.to_f64_vec().unwrap();
    let ids = Tensor::from_host(kc::runtime::HostTensor::from_vec(vec![2, 2], vec![3i32, 0, -1, 1]).unwrap());
    let got = ops::take(&table, &ids, 0).unwrap();
    assert_eq!(got.shape().unwrap(), [2, 2, 3]);
    let rows = [3usize, 0, 3, 1]; // -1 counts from the end
    let want: Vec<f64> = rows.iter().flat_map(|&r| tv[r * 3..r * 3 + 3].to_vec()).collect();
    assert_eq!(got.to_f64_vec().unwrap(), want);
    // along axis 1: columns
    let cols = Tensor::from_host(kc::runtime::HostTensor::from_vec(vec![2], vec![2i32, 0]).unwrap());
    let got = ops::take(&table, &cols, 1).unwrap();
    assert_eq!(got.shape().unwrap(), [4, 2]);
    let want: Vec<f64> = (0..4).flat_map(|r| [tv[r * 3 + 2], tv[r * 3]]).collect();
    assert_eq!(got.to_f64_vec().unwrap(), want);
    let e = ops::take(&table, &table, 0).unwrap_err().to_string();
    assert!(e.contains("integers"), "{e}");

    let r = ops::repeat(&Tensor::from_f32(&[2, 2], vec![1., 2., 3., 4.]).unwrap(), 2, 1).unwrap();
    assert_eq!(r.shape().unwrap(), [2, 4]);
    assert_eq!(r.to_f64_vec().unwrap(), [1., 1., 2., 2., 3., 3., 4., 4.]);
    let r = ops::repeat(&Tensor::from_f32(&[2, 2], vec![1., 2., 3., 4.]).unwrap(), 3, 0).unwrap();
    assert_eq!(r.to_f64_vec().unwrap(), [1., 2., 1., 2., 1., 2., 3., 4., 3., 4., 3., 4.]);

    let e = ops::eye(2, 3, DType::F32).unwrap();
    assert_eq!(e.to_f64_vec().unwrap(), [1., 0., 0., 0., 1., 0.]);
}
