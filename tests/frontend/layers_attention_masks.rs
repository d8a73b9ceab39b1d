//! Keras masks flowing into the attention layers: tokens through
//! `Embedding(mask_zero=True)` into MultiHeadAttention, GroupedQueryAttention, Attention
//! and AdditiveAttention called without explicit masks, against real Keras 3
//! (`tests/golden/keras/layers_attention_masks.py`): outputs eager and traced, gradients
//! with respect to every weight, and the query's mask on the output; GlobalAveragePooling1D
//! averaging over the steps a mask keeps.
use crate::golden::{assert_close, load, tensor, traced_all, LAYER_ATOL, LAYER_RTOL};
use kc::frontend::layers::{self, Attention, CallCtx, Input, Layer, MultiHeadAttention, Shared};
use kc::frontend::{Model, Tensor};
use kc::ir::Dim;
use serde_json::Value;

/// The case's attention layer; the causal cases set Keras's call flag on it.
fn attention_layer(kind: &str, spec: &Value) -> Shared {
    let (class, cfg) = (spec["class_name"].as_str().unwrap(), spec["config"].as_object().unwrap());
    match kind {
        "mha_self_causal" => Shared::new(MultiHeadAttention::from_config(cfg).unwrap().use_causal_mask(true)),
        "attention_cross_causal" => Shared::new(Attention::from_config(cfg).unwrap().use_causal_mask(true)),
        _ => Shared::from_box(layers::from_config(class, cfg).unwrap()),
    }
}

/// The case's wiring (what the Keras script's `build` does), on `ins`.
fn wire(kind: &str, ls: &[Shared], ins: &[Tensor]) -> Tensor {
    let e = |i: usize| ls[i].call1(&ins[i]).unwrap();
    let outs = match kind {
        "mha_self" | "mha_self_causal" | "gqa_self" => {
            let x = e(0);
            ls[1].call(&[x.clone(), x]).unwrap()
        }
        "mha_cross_key" | "attention_cross_key" => ls[3].call(&[e(0), e(1), e(2)]).unwrap(),
        "mha_self_pool" => {
            let x = e(0);
            let y = ls[1].call(&[x.clone(), x]).unwrap().remove(0);
            ls[2].call(&[y]).unwrap()
        }
        "embedding_pool" => ls[1].call(&[e(0)]).unwrap(),
        "add_pool" | "concat_pool" | "concat_time_pool" => {
            let merged = ls[2].call(&[e(0), e(1)]).unwrap().remove(0);
            ls[3].call(&[merged]).unwrap()
        }
        "average_unmasked_pool" => {
            let merged = ls[1].call(&[e(0), ins[1].clone()]).unwrap().remove(0);
            ls[2].call(&[merged]).unwrap()
        }
        "mha_cross_explicit" => {
            let v = e(1);
            ls[2].call(&[e(0), v.clone(), v, ins[2].clone()]).unwrap()
        }
        _ => ls[2].call(&[e(0), e(1)]).unwrap(),
    };
    outs.into_iter().next().unwrap()
}

#[test]
fn masks_flow_into_attention_as_in_keras() {
    let data = load("layers_attention_masks.json");
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() >= 18);
    for case in cases {
        let kind = case["kind"].as_str().unwrap();
        let xs: Vec<Tensor> = case["inputs"].as_array().unwrap().iter().map(tensor).collect();
        let specs = case["layers"].as_array().unwrap();
        let last = if kind.ends_with("_pool") { usize::MAX } else { specs.len() - 1 };
        let ls: Vec<Shared> = specs
            .iter()
            .enumerate()
            .map(|(i, s)| if i == last { attention_layer(kind, s) } else { Shared::from_box(layers::from_config(s["class_name"].as_str().unwrap(), s["config"].as_object().unwrap()).unwrap()) })
            .collect();
        // a functional model over symbolic inputs (batch unknown) builds the layers
        let ins: Vec<Tensor> = xs.iter().map(|x| Input::with_shape(&x.dims()[1..].iter().map(|d| d.known().map(|n| n as usize)).collect::<Vec<_>>()).dtype(x.dtype()).tensor()).collect();
        let y = wire(kind, &ls, &ins);
        for (l, ws) in ls.iter().zip(case["weights"].as_array().unwrap()) {
            let mine = l.with(|l| l.weights()).unwrap();
            assert_eq!(mine.len(), ws.as_array().unwrap().len(), "{kind}: weights of {}", l.with(|l| l.name().to_string()).unwrap());
            for (w, v) in mine.iter().zip(ws.as_array().unwrap()) {
                w.assign(tensor(v).host().unwrap()).unwrap();
            }
        }
        // eager, layer by layer: the output and its mask (the query's)
        let got = wire(kind, &ls, &xs);
        assert_close(&format!("{kind}: eager output"), &got, &case["output"], LAYER_RTOL, LAYER_ATOL);
        if kind.ends_with("_pool") {
            assert!(got.mask().is_none(), "{kind}: pooling drops the mask");
        } else {
            let query_ids = xs[0].to_f64_vec().unwrap();
            let mask = got.mask().unwrap_or_else(|| panic!("{kind}: the output lost the query's mask")).to_f64_vec().unwrap();
            assert_eq!(mask, query_ids.iter().map(|&t| (t != 0.0) as u8 as f64).collect::<Vec<_>>(), "{kind}: output mask");
        }
        // traced through the functional model, with the gradients of every weight
        let mut net = Model::functional(&ins, &[y]).unwrap().into_layer();
        let r = tensor(&case["r"]);
        let t = traced_all(&mut net, &xs, &vec![true; xs.len()], std::slice::from_ref(&r), false);
        assert_close(&format!("{kind}: traced output"), &t.outputs[0], &case["output"], LAYER_RTOL, LAYER_ATOL);
        let net_weights = net.trainable_weights();
        for (l, gs) in ls.iter().zip(case["grad_weights"].as_array().unwrap()) {
            for (w, g) in l.with(|l| l.trainable_weights()).unwrap().iter().zip(gs.as_array().unwrap()) {
                let k = net_weights.iter().position(|n| n.id() == w.id()).unwrap();
                assert_close(&format!("{kind}: d/d {}", w.path()), &t.grad_weights[k], g, LAYER_RTOL, LAYER_ATOL);
            }
        }
        assert!(t.outputs[0].dims().iter().all(|d| matches!(d, Dim::Known(_))));
    }
}

/// A value mask alone: Attention gives what the explicit `[query_mask, value_mask]`
/// form gives (not the unmasked output), and the output has no mask (the query had
/// none).
#[test]
fn a_value_mask_alone_masks_keys_only() {
    use kc::runtime::HostTensor;
    let q = Tensor::from_f32(&[2, 3, 4], (0..24).map(|i| (i as f32 * 0.37).sin()).collect()).unwrap();
    let v = Tensor::from_f32(&[2, 5, 4], (0..40).map(|i| (i as f32 * 0.91).cos()).collect()).unwrap();
    let keep: Vec<bool> = (0..10).map(|i| i % 5 < 3).collect();
    let vm = Tensor::from_host(HostTensor::from_vec(vec![2, 5], keep).unwrap());
    let qm = Tensor::from_host(HostTensor::from_vec(vec![2, 3], vec![true; 6]).unwrap());
    let mut att = Attention::new();
    let auto = layers::call(&mut att, &[q.clone(), v.with_mask(Some(vm.clone()))], &CallCtx::new(false)).unwrap().remove(0);
    let explicit = layers::call(&mut att, &[q.clone(), v.clone(), v.clone(), qm, vm], &CallCtx::new(false)).unwrap().remove(0);
    let plain = layers::call(&mut att, &[q, v], &CallCtx::new(false)).unwrap().remove(0);
    assert!(auto.mask().is_none());
    let (a, e, p) = (auto.to_f64_vec().unwrap(), explicit.to_f64_vec().unwrap(), plain.to_f64_vec().unwrap());
    assert_eq!(a, e);
    assert!(a.iter().zip(&p).any(|(x, y)| (x - y).abs() > 1e-3), "the value mask changed nothing");
}

/// Keras's `Softmax(axis)(x, mask=m)` (kc: `[x, m]`): masked positions get no weight, a
/// fully masked row is zeros, numeric masks keep `> 0.5`, masks broadcast from the
/// right; traced (with the gradient) and eager, and a mask carried by `x` works alike.
#[test]
fn softmax_takes_a_mask_as_keras() {
    use kc::frontend::layers::Softmax;
    let data = load("layers_attention_masks.json");
    let cases = data["softmax"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for (k, case) in cases.iter().enumerate() {
        let (x, m) = (tensor(&case["x"]), tensor(&case["mask"]));
        let mut layer = layers::from_config("Softmax", case["config"].as_object().unwrap()).unwrap();
        let eager = layers::call(layer.as_mut(), &[x.clone(), m.clone()], &CallCtx::new(false)).unwrap().remove(0);
        assert_close(&format!("softmax {k}: eager"), &eager, &case["output"], LAYER_RTOL, LAYER_ATOL);
        // the mask only broadcasts over the batch when it has one
        let batched = [true, m.rank() == x.rank() && m.dims()[0] == x.dims()[0]];
        let t = traced_all(layer.as_mut(), &[x.clone(), m.clone()], &batched, &[tensor(&case["r"])], false);
        assert_close(&format!("softmax {k}: traced"), &t.outputs[0], &case["output"], LAYER_RTOL, LAYER_ATOL);
        assert_close(&format!("softmax {k}: d/dx"), t.grad_inputs[0].as_ref().unwrap(), &case["grad_x"], LAYER_RTOL, LAYER_ATOL);
        if m.rank() == x.rank() && m.dims() == x.dims() {
            let carried = layers::call(layer.as_mut(), &[x.with_mask(Some(m.clone()))], &CallCtx::new(false)).unwrap().remove(0);
            assert_close(&format!("softmax {k}: mask carried by x"), &carried, &case["output"], LAYER_RTOL, LAYER_ATOL);
        }
    }
    let x = Tensor::zeros(kc::ir::DType::F32, &[2, 3, 4]).unwrap();
    let bad = Tensor::zeros(kc::ir::DType::Bool, &[2, 3]).unwrap();
    let e = layers::call(&mut Softmax::new(-1), &[x, bad], &CallCtx::new(false)).map(|_| ()).unwrap_err().to_string();
    assert!(e.contains("softmax") && e.contains("must be broadcastable") && e.contains("mask.shape=(2, 3)"), "{e}");
}
