//! The attention layers and EinsumDense against real Keras 3 (golden files from
//! `tests/golden/keras/layers_attention.py`): each case is rebuilt from Keras's config
//! with the case's call flags (`return_attention_scores`, `use_causal_mask`), given
//! Keras's weights in Keras's order (their paths checked), and called traced (batch axis
//! symbolic, gradients by the compiler's autodiff) and eagerly on the case's inputs. The
//! outputs (and returned scores), the added losses and the gradients of
//! `sum_i sum(outputs[i] * r[i])` with respect to the float inputs and the trainable
//! weights must match Keras's within 1e-5 relative + 1e-5 absolute (f32 sums in another
//! order). Errors, configs, names, a summary and training through `fit` follow.
use crate::golden::{assert_close, assert_config_covers, close_vec, load, tensor, traced_all, LAYER_ATOL, LAYER_RTOL};
use kc::frontend::layers::{self, call, CallCtx, Layer};
use kc::frontend::Tensor;
use kc::layers::*;
use serde_json::Value;

/// The layer a case describes, with its call flags set.
fn layer_of(case: &Value) -> Box<dyn Layer> {
    let cfg = case["config"].as_object().unwrap();
    let flag = |k: &str| case["call"][k].as_bool().unwrap_or(false);
    let (scores, causal) = (flag("return_attention_scores"), flag("use_causal_mask"));
    let id = case["id"].as_str().unwrap();
    let made: kc::frontend::Result<Box<dyn Layer>> = match case["class_name"].as_str().unwrap() {
        "MultiHeadAttention" => MultiHeadAttention::from_config(cfg).map(|l| Box::new(l.return_attention_scores(scores).use_causal_mask(causal)) as _),
        "GroupedQueryAttention" => GroupedQueryAttention::from_config(cfg).map(|l| Box::new(l.return_attention_scores(scores).use_causal_mask(causal)) as _),
        "Attention" => Attention::from_config(cfg).map(|l| Box::new(l.return_attention_scores(scores).use_causal_mask(causal)) as _),
        "AdditiveAttention" => AdditiveAttention::from_config(cfg).map(|l| Box::new(l.return_attention_scores(scores).use_causal_mask(causal)) as _),
        other => layers::from_config(other, cfg),
    };
    made.unwrap_or_else(|e| panic!("{id}: {e}"))
}

/// Every case of a golden file of `layers_attention.py`.
fn check_family(file: &str) {
    let (rtol, atol) = (LAYER_RTOL, LAYER_ATOL);
    let data = load(file);
    for case in data["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let training = case["training"].as_bool().unwrap();
        let mut layer = layer_of(case);
        let inputs: Vec<Tensor> = case["inputs"].as_array().unwrap().iter().map(tensor).collect();
        let batched: Vec<bool> = case["batched"].as_array().unwrap().iter().map(|b| b.as_bool().unwrap()).collect();
        call(layer.as_mut(), &inputs, &CallCtx::new(false)).unwrap_or_else(|e| panic!("{id}: {e}"));
        let ws = layer.weights();
        let want_w = case["weights"].as_array().unwrap();
        let paths: Vec<String> = ws.iter().map(|w| w.path()).collect();
        let want_paths: Vec<&str> = case["weight_paths"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
        assert_eq!(paths, want_paths, "{id}: weight paths");
        for (w, v) in ws.iter().zip(want_w) {
            w.assign(tensor(v).host().unwrap()).unwrap_or_else(|e| panic!("{id}: {}: {e}", w.path()));
        }
        assert_config_covers(id, &layer.get_config(), &case["config"]);
        let want_loss: f64 = case["losses"].as_array().unwrap().iter().map(|l| l.as_f64().unwrap()).sum();
        let want_out = case["outputs"].as_array().unwrap();
        let rs: Vec<Tensor> = case["r"].as_array().unwrap().iter().map(tensor).collect();

        let t = traced_all(layer.as_mut(), &inputs, &batched, &rs, training);
        assert_eq!(t.outputs.len(), want_out.len(), "{id}: number of outputs");
        for (i, (got, want)) in t.outputs.iter().zip(want_out).enumerate() {
            assert_close(&format!("{id}: traced output {i}"), got, want, rtol, atol);
        }
        close_vec(&format!("{id}: traced losses"), &[t.losses], &[want_loss], rtol, atol);
        for (i, g) in case["grad_inputs"].as_object().unwrap() {
            let i: usize = i.parse().unwrap();
            let got = t.grad_inputs[i].as_ref().unwrap_or_else(|| panic!("{id}: no gradient for input {i}"));
            assert_close(&format!("{id}: d/d input {i}"), got, g, rtol, atol);
        }
        let gw = case["grad_weights"].as_array().unwrap();
        assert_eq!(t.grad_weights.len(), gw.len(), "{id}: number of weight gradients");
        for (k, (got, want)) in t.grad_weights.iter().zip(gw).enumerate() {
            assert_close(&format!("{id}: d/d {}", paths[k]), got, want, rtol, atol);
        }

        let cx = CallCtx::new(training);
        let eager = call(layer.as_mut(), &inputs, &cx).unwrap_or_else(|e| panic!("{id}: {e}"));
        for (i, (got, want)) in eager.iter().zip(want_out).enumerate() {
            assert_close(&format!("{id}: eager output {i}"), got, want, rtol, atol);
        }
        let got_loss: f64 = cx.take_losses().iter().map(|l| l.item().unwrap()).sum();
        close_vec(&format!("{id}: eager losses"), &[got_loss], &[want_loss], rtol, atol);
    }
}

#[test]
fn attention_layers_match_keras() {
    check_family("layers_attention.json");
}

#[test]
fn einsum_dense_matches_keras() {
    check_family("layers_einsum_dense.json");
}
