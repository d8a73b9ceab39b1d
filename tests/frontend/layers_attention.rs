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

fn x(shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    Tensor::from_f32(shape, (0..n).map(|i| (i as f32 * 0.37).sin()).collect()).unwrap()
}

fn mask(shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    Tensor::from_host(kc::runtime::HostTensor::from_vec(shape.to_vec(), (0..n).map(|i| i % 3 != 0).collect::<Vec<_>>()).unwrap())
}

/// The error of calling `layer` on `inputs`: it names the layer and holds every needle.
fn assert_error(mut layer: Box<dyn Layer>, inputs: Vec<Tensor>, needles: &[&str]) {
    let e = match call(layer.as_mut(), &inputs, &CallCtx::new(false)) {
        Ok(_) => panic!("{} accepted inputs {inputs:?}", layer.name()),
        Err(e) => e.to_string(),
    };
    assert!(e.contains(&format!("layer \"{}\" ({})", layer.name(), layer.class_name())), "error does not name the layer: {e}");
    for n in needles {
        assert!(e.contains(n), "`{n}` not in: {e}");
    }
}

#[test]
fn bad_attention_calls_are_errors_naming_the_layer() {
    let (q, v) = (x(&[2, 4, 6]), x(&[2, 5, 6]));
    let cases: Vec<(Box<dyn Layer>, Vec<Tensor>, &[&str])> = vec![
        // masks that do not broadcast to (batch, heads, T, S)
        (Box::new(MultiHeadAttention::new(2, 3)), vec![q.clone(), v.clone(), v.clone(), mask(&[2, 4, 4])], &["attention_mask of shape (2, 4, 4)", "(2, 2, 4, 5)", "broadcast"]),
        (Box::new(MultiHeadAttention::new(2, 3)), vec![q.clone(), v.clone(), v.clone(), mask(&[3, 4, 5])], &["(3, 4, 5)"]),
        (Box::new(MultiHeadAttention::new(2, 3)), vec![q.clone(), v.clone(), v.clone(), mask(&[1, 2, 2, 4, 5])], &["(1, 2, 2, 4, 5)"]),
        (Box::new(GroupedQueryAttention::new(2, 4, 2)), vec![q.clone(), v.clone(), v.clone(), mask(&[2, 5, 4])], &["attention_mask of shape (2, 5, 4)", "num_query_heads"]),
        (Box::new(Attention::new()), vec![q.clone(), v.clone(), v.clone(), mask(&[2, 4]), mask(&[2, 4])], &["value_mask of shape (2, 4)", "(2, 5)"]),
        (Box::new(AdditiveAttention::new()), vec![q.clone(), v.clone(), v.clone(), mask(&[4]), mask(&[2, 5])], &["query_mask of shape (4,)", "(2, 4)"]),
        // head counts and sizes
        (Box::new(GroupedQueryAttention::new(2, 4, 3)), vec![q.clone(), v.clone()], &["`num_query_heads` must be divisible by `num_key_value_heads`", "num_query_heads=4, num_key_value_heads=3"]),
        (Box::new(GroupedQueryAttention::new(2, 4, 0)), vec![q.clone(), v.clone()], &["num_key_value_heads=0"]),
        (Box::new(MultiHeadAttention::new(0, 3)), vec![q.clone(), v.clone()], &["num_heads=0"]),
        (Box::new(MultiHeadAttention::new(2, 0)), vec![q.clone(), v.clone()], &["`key_dim`", "key_dim=0"]),
        (Box::new(MultiHeadAttention::new(2, 3).value_dim(0)), vec![q.clone(), v.clone()], &["value_dim=0"]),
        (Box::new(MultiHeadAttention::new(2, 3).dropout(1.5)), vec![q.clone(), v.clone()], &["dropout=1.5"]),
        // inputs
        (Box::new(MultiHeadAttention::new(2, 3)), vec![q.clone(), v.clone(), x(&[2, 4, 6])], &["All dimensions of `value` and `key`, except the last one, must be equal", "(2, 5, 6)", "(2, 4, 6)"]),
        (Box::new(MultiHeadAttention::new(2, 3)), vec![q.clone()], &["[query, value]", "got 1 input"]),
        (Box::new(MultiHeadAttention::new(2, 3)), vec![x(&[2, 6]), x(&[2, 6])], &["rank 3 or more", "(2, 6)"]),
        (Box::new(MultiHeadAttention::new(2, 3)), vec![q.clone(), x(&[6])], &["rank 3 or more", "the value has shape (6,)"]),
        (Box::new(GroupedQueryAttention::new(2, 2, 1)), vec![q.clone(), v.clone(), x(&[])], &["the key has shape ()"]),
        (Box::new(MultiHeadAttention::new(2, 3).attention_axes(3)), vec![q.clone(), v.clone()], &["`attention_axes` [3]"]),
        (Box::new(GroupedQueryAttention::new(2, 2, 1)), vec![x(&[2, 3, 4, 6]), x(&[2, 3, 4, 6])], &["rank 3"]),
        (Box::new(Attention::new()), vec![q.clone(), v.clone(), v.clone(), mask(&[2, 4])], &["length 2 or 3", "Received length: 4"]),
        (Box::new(Attention::new().score_mode("cosine")), vec![q.clone(), v.clone()], &["score_mode=cosine"]),
        (Box::new(Attention::new()), vec![q.clone(), x(&[2, 5, 3])], &["same last axis"]),
        (Box::new(EinsumDense::new("ab,bc", 4)), vec![x(&[2, 3])], &["Invalid einsum equation 'ab,bc'"]),
        (Box::new(EinsumDense::new("abc,cd->abd", [None, Some(4)])), vec![x(&[2, 3])], &["names 3 input axes", "(2, 3)"]),
        (Box::new(EinsumDense::new("ab,bc->ac", 4).bias_axes("d")), vec![x(&[2, 3])], &["Bias dimension 'd' was requested"]),
    ];
    for (layer, inputs, needles) in cases {
        assert_error(layer, inputs, needles);
    }
    // a config without `key_dim`
    let mut c = MultiHeadAttention::new(2, 3).get_config();
    c.remove("key_dim");
    let e = layers::from_config("MultiHeadAttention", &c).map(|_| ()).unwrap_err().to_string();
    assert!(e.contains("`key_dim` is required"), "{e}");
}

#[test]
fn attention_configs_round_trip() {
    let mut made: Vec<Box<dyn Layer>> = vec![
        Box::new(
            MultiHeadAttention::new(4, 8)
                .value_dim(3)
                .dropout(0.1)
                .use_bias(false)
                .output_shape([2, 5])
                .attention_axes([1, 2])
                .sliding_window(3)
                .seed(7)
                .kernel_initializer("he_normal")
                .kernel_regularizer("l2")
                .activity_regularizer("l1")
                .bias_constraint("non_neg")
                .name("mha"),
        ),
        Box::new(GroupedQueryAttention::new(8, 4, 2).use_gate(true).bias_initializer("ones").kernel_constraint("max_norm")),
        Box::new(Attention::new().use_scale(true).score_mode("concat").dropout(0.2).seed(4)),
        Box::new(AdditiveAttention::new().use_scale(false).dropout(0.3)),
        Box::new(EinsumDense::new("abc,cde->abde", [None, Some(2), Some(3)]).bias_axes("de").activation("relu").bias_regularizer("l2")),
    ];
    for l in made.iter_mut() {
        let c = l.get_config();
        let back = layers::from_config(l.class_name(), &c).unwrap_or_else(|e| panic!("{}: {e}", l.class_name()));
        assert_eq!(back.get_config(), c, "{} does not round-trip", l.class_name());
    }
    // the typed from_config checks keys as layers::from_config does
    let mut c = Attention::new().get_config();
    c.insert("use_sclae".into(), serde_json::json!(true));
    let e = Attention::from_config(&c).map(|_| ()).unwrap_err().to_string();
    assert!(e.contains("use_sclae"), "{e}");
}

#[test]
fn automatic_names_of_the_attention_layers_are_keras_names() {
    let data = load("layers_names_attention.json");
    layers::clear_session();
    let made: Vec<Box<dyn Layer>> = vec![
        Box::new(MultiHeadAttention::new(2, 2)),
        Box::new(MultiHeadAttention::new(2, 2)),
        Box::new(GroupedQueryAttention::new(2, 2, 1)),
        Box::new(Attention::new()),
        Box::new(AdditiveAttention::new()),
        Box::new(EinsumDense::new("ab,bc->ac", 2)),
    ];
    let names: Vec<&str> = made.iter().map(|l| l.name()).collect();
    let want: Vec<&str> = data["names"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert_eq!(names, want);
    let classes: Vec<&str> = made.iter().map(|l| l.class_name()).collect();
    let want: Vec<&str> = data["classes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert_eq!(classes, want);
    for c in &classes {
        assert!(layers::config_classes().contains(c), "{c} has no from_config");
    }
    // the names used up inside: a built MultiHeadAttention or GroupedQueryAttention has
    // made a Softmax and a Dropout (a seed generator with a positive rate), an Attention
    // with dropout its seed generator
    let mut mha = made.into_iter().next().unwrap();
    let x = Tensor::zeros(kc::ir::DType::F32, &[1, 3, 4]).unwrap();
    call(mha.as_mut(), &[x.clone(), x.clone()], &CallCtx::new(false)).unwrap();
    call(&mut GroupedQueryAttention::new(2, 2, 1).dropout(0.1), &[x.clone(), x], &CallCtx::new(false)).unwrap();
    let _ = Attention::new().dropout(0.2);
    // (kc's Dropout names its seed generator when built, Keras's when made: built here)
    let z = Tensor::zeros(kc::ir::DType::F32, &[1, 2]).unwrap();
    let mut d1 = Dropout::new(0.1);
    call(&mut d1, std::slice::from_ref(&z), &CallCtx::new(false)).unwrap();
    let mut after = vec![Layer::name(&d1).to_string(), Layer::name(&Softmax::new(-1)).to_string()];
    let mut d = Dropout::new(0.5);
    call(&mut d, &[z], &CallCtx::new(false)).unwrap();
    after.extend([Layer::name(&d).to_string(), d.seed_generator().unwrap().state().path()]);
    let want: Vec<&str> = data["after"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert_eq!(after, want);
}

/// A causal mask: each output position depends only on the query positions up to it
/// (changing the last token changes only the last output).
#[test]
fn a_causal_mask_hides_the_future() {
    let mut m = MultiHeadAttention::new(2, 3).use_causal_mask(true);
    let a = x(&[1, 5, 4]);
    let mut bumped = a.to_f64_vec().unwrap();
    for v in &mut bumped[16..20] {
        *v += 1.0;
    }
    let b = Tensor::from_f32(&[1, 5, 4], bumped.iter().map(|&v| v as f32).collect()).unwrap();
    let ya = call(&mut m, &[a.clone(), a], &CallCtx::new(false)).unwrap().remove(0).to_f64_vec().unwrap();
    let yb = call(&mut m, &[b.clone(), b], &CallCtx::new(false)).unwrap().remove(0).to_f64_vec().unwrap();
    assert_eq!(ya[..16], yb[..16], "an earlier position saw the last token");
    assert_ne!(ya[16..], yb[16..]);
}

/// A small transformer's `summary()`: each row's name, output shape and parameter count
/// are Keras's (tests/golden/keras/data/layers_transformer_summary.json).
#[test]
fn transformer_summary_matches_keras() {
    use kc::prelude::*;
    let data = load("layers_transformer_summary.json");
    layers::clear_session();
    let tokens = Input::new(&[10]).dtype(DType::I32);
    let t = tokens.tensor();
    let h = Shared::new(Embedding::new(50, 16)).call1(&t).unwrap();
    let a = Shared::new(MultiHeadAttention::new(2, 8)).call(&[h.clone(), h.clone()]).unwrap().remove(0);
    let h = Shared::new(LayerNormalization::new()).call1(&Shared::new(Add::new()).call(&[h, a]).unwrap().remove(0)).unwrap();
    let f = Shared::new(Dense::new(32).activation("relu")).call1(&h).unwrap();
    let f = Shared::new(Dense::new(16)).call1(&f).unwrap();
    let h = Shared::new(LayerNormalization::new()).call1(&Shared::new(Add::new()).call(&[h, f]).unwrap().remove(0)).unwrap();
    let g = Shared::new(GroupedQueryAttention::new(4, 4, 2)).call(&[h.clone(), h]).unwrap().remove(0);
    let p = Shared::new(GlobalAveragePooling1D::new()).call1(&g).unwrap();
    let out = Shared::new(Dense::new(2)).call1(&p).unwrap();
    let mut m = Model::functional(&[t], &[out]).unwrap();
    let s = m.summary().unwrap();
    for row in data["rows"].as_array().unwrap() {
        if row["class_name"] == "InputLayer" {
            continue;
        }
        let label = format!("{} ({})", row["name"].as_str().unwrap(), row["class_name"].as_str().unwrap());
        let dims: Vec<String> = row["output_shape"].as_array().unwrap().iter().map(|d| d.as_u64().map(|v| v.to_string()).unwrap_or("None".into())).collect();
        let shape = format!("({})", dims.join(", "));
        let line = s.lines().find(|l| l.contains(&format!("│ {label} "))).unwrap_or_else(|| panic!("no row for {label}:\n{s}"));
        let cells: Vec<&str> = line.split('│').map(str::trim).collect();
        let params = row["params"].as_u64().unwrap().to_string();
        assert_eq!((cells[2], cells[3].replace(',', "")), (shape.as_str(), params), "{label}:\n{s}");
    }
    let total = data["total"].as_u64().unwrap();
    assert!(s.contains(&format!(" Total params: {},{:03} (", total / 1000, total % 1000)), "{s}");
}
