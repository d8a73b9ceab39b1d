//! A small transformer classifier (Embedding, MultiHeadAttention with dropout, Add +
//! LayerNormalization, a feed-forward block, GroupedQueryAttention, pooling, Dense)
//! trains through `fit` on XLA: on a synthetic token task (does token 3 occur in the
//! sequence?) the loss falls and the accuracy is high; and a few steps of it give the
//! interpreter's losses and weights (attention's einsums, masked softmax and dropout
//! lower to XLA with the interpreter's numbers).
use crate::training::same_on_both;
use kc::frontend::{JitCompile, Shared, Target, Tensor};
use kc::prelude::*;
use kc_runtime::HostTensor;

const VOCAB: usize = 12;
const LEN: usize = 8;
const TARGET: i32 = 3;

/// `n` sequences of tokens in `0..VOCAB`, about half containing `TARGET`, and the labels
/// (1 where it occurs).
fn tokens(n: usize, seed: u64) -> (Tensor, Tensor) {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut next = |m: u64| {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (s >> 33) % m
    };
    let (mut ids, mut labels) = (Vec::with_capacity(n * LEN), Vec::with_capacity(n));
    for i in 0..n {
        let mut row: Vec<i32> = (0..LEN).map(|_| loop {
            let t = next(VOCAB as u64) as i32;
            if t != TARGET {
                break t;
            }
        }).collect();
        if i % 2 == 0 {
            row[next(LEN as u64) as usize] = TARGET;
        }
        labels.push((i % 2 == 0) as i32);
        ids.extend(row);
    }
    let x = Tensor::from_host(HostTensor::from_vec(vec![n, LEN], ids).unwrap());
    let y = Tensor::from_host(HostTensor::from_vec(vec![n], labels).unwrap());
    (x, y)
}

fn transformer(jit: JitCompile, optimizer: impl Optimizer + 'static) -> Model {
    let t = Input::new(&[LEN]).dtype(DType::I32).tensor();
    let h = Shared::new(Embedding::new(VOCAB, 16)).call1(&t).unwrap();
    let a = Shared::new(MultiHeadAttention::new(2, 8).dropout(0.1)).call(&[h.clone(), h.clone()]).unwrap().remove(0);
    let h = Shared::new(LayerNormalization::new()).call1(&Shared::new(Add::new()).call(&[h, a]).unwrap().remove(0)).unwrap();
    let f = Shared::new(Dense::new(32).activation("relu")).call1(&h).unwrap();
    let f = Shared::new(Dense::new(16)).call1(&f).unwrap();
    let h = Shared::new(LayerNormalization::new()).call1(&Shared::new(Add::new()).call(&[h, f]).unwrap().remove(0)).unwrap();
    let g = Shared::new(GroupedQueryAttention::new(4, 4, 2)).call(&[h.clone(), h]).unwrap().remove(0);
    let p = Shared::new(GlobalAveragePooling1D::new()).call1(&g).unwrap();
    let out = Shared::new(Dense::new(2)).call1(&p).unwrap();
    let mut m = Model::functional(&[t], &[out]).unwrap();
    let loss = Loss::from_name("sparse_categorical_crossentropy").unwrap().from_logits(true);
    m.compile(Compile::new().optimizer(optimizer).loss(loss).metrics(&["accuracy"]).jit_compile(jit)).unwrap();
    m
}

#[test]
fn a_transformer_classifier_learns_on_xla() {
    kc::frontend::layers::clear_session();
    set_random_seed(21);
    let (x, y) = tokens(256, 1);
    let mut m = transformer(JitCompile::On(Target::Xla), Adam::new(5e-3));
    let h = m.fit(&x, &y, Fit::new().epochs(12).batch_size(32).verbose(0)).unwrap();
    assert!(m.jit_report().contains("XLA"), "{}", m.jit_report());
    let l = h.get("loss").unwrap();
    assert!(l[l.len() - 1] < 0.5 * l[0], "the loss did not fall: {l:?}");
    let (xt, yt) = tokens(128, 2);
    let acc = m.evaluate(&xt, &yt, 64).unwrap()["accuracy"];
    assert!(acc >= 0.9, "held-out accuracy {acc} (losses {l:?})");
}

#[test]
fn a_transformer_trains_the_same_on_xla_as_on_the_interpreter() {
    let (x, y) = tokens(48, 3);
    same_on_both("transformer", |jit| {
        kc::frontend::layers::clear_session();
        set_random_seed(4);
        // SGD, not Adam: the key projections' biases have a gradient of zero (a bias
        // shared by all keys does not change a softmax over them), so they get only
        // rounding noise, which Adam would scale up to full-size steps
        let mut m = transformer(jit, Sgd::new(0.1).momentum(0.9));
        let h = m.fit(&x, &y, Fit::new().epochs(2).batch_size(16).shuffle(false).verbose(0)).unwrap();
        (m, h)
    });
}
