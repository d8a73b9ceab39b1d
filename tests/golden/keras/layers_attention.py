"""Golden files for kc's attention layers (MultiHeadAttention, GroupedQueryAttention,
Attention, AdditiveAttention) and EinsumDense, from real Keras 3 on the JAX backend.

Run (see README.md):  KERAS_BACKEND=jax .deps/keras-venv/bin/python tests/golden/keras/layers_attention.py

Writes tests/golden/keras/data/layers_attention.json, layers_einsum_dense.json,
layers_names_attention.json and layers_transformer_summary.json.

A case is one call of a layer: `inputs` (the positional tensors kc passes, in kc's
order: query, value, then key and the mask(s) when the case has them), `batched` (which
inputs have a batch axis; a broadcast mask may not), `call` (Keras's call arguments of
the case: `key`, `attention_mask` or `mask`, `return_attention_scores`,
`use_causal_mask`, `training`), Keras's weights in `layer.get_weights()` order with their
paths, the `outputs` (the attention output, then the scores when returned), the added
`losses`, the `config`, and the gradients of sum_i sum(outputs[i] * r[i]) with respect
to the float inputs and the trainable weights (jax.grad through `stateless_call`).
Weights are seeded normals; dropout cases have a seed, and are the layer's first draw.
"""
import json
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import jax.numpy as jnp
import keras
import numpy as np
from keras import layers

assert keras.backend.backend() == "jax", "run with KERAS_BACKEND=jax"

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20250611)


def arr(x):
    x = np.asarray(x)
    if x.dtype == np.float32:
        data = [float(np.format_float_positional(v, unique=True, trim="-")) if np.isfinite(v) else float(v) for v in x.ravel()]
    elif x.dtype == np.bool_:
        data = [bool(v) for v in x.ravel()]
    else:
        data = x.ravel().tolist()
    return {"shape": list(x.shape), "dtype": str(x.dtype), "data": data}


def normal(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def bools(*shape, p=0.7):
    return rng.uniform(size=shape) < p


def write(name, obj):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def config(layer):
    return json.loads(json.dumps(layer.get_config()))


cases = []


def case(id_, layer, args, kwargs, kc_inputs, batched, call, training=False, grad=True, scale=0.5):
    """`layer(*args, **kwargs)` as kc calls it with `kc_inputs` (a list of numpy arrays)."""
    build_kw = {k: v for k, v in kwargs.items() if k != "training"}
    layer(*args, **build_kw)  # builds (inference: nothing random is drawn)
    weights = [normal(*w.shape) * scale for w in layer.weights]
    layer.set_weights(weights)
    tv = [v.value for v in layer.trainable_variables]
    ntv = [v.value for v in layer.non_trainable_variables]
    float_idx = [i for i, x in enumerate(kc_inputs) if x.dtype == np.float32]

    def f(tv, floats):
        # the float inputs replaced by the differentiated ones, positionally
        xs = list(kc_inputs)
        for i, x in zip(float_idx, floats):
            xs[i] = x
        a, kw = rebuild(xs)
        out, _, losses = layer.stateless_call(tv, ntv, *a, return_losses=True, training=training, **kw)
        return out if isinstance(out, tuple) else (out,)

    def rebuild(xs):
        # args and kwargs of the call from kc's positional list
        return call_args(xs)

    call_args = make_call(args, kwargs, kc_inputs)
    floats = [jnp.asarray(kc_inputs[i]) for i in float_idx]
    outs = f(tv, floats)
    layer(*args, **{**kwargs, "training": False})  # an ordinary call, for `losses`
    c = {
        "id": id_,
        "class_name": type(layer).__name__,
        "config": config(layer),
        "inputs": [arr(x) for x in kc_inputs],
        "batched": batched,
        "call": call,
        "training": training,
        "weights": [arr(w) for w in layer.get_weights()],
        "weight_paths": [v.path for v in layer.weights],
        "outputs": [arr(o) for o in outs],
        "losses": [float(l) for l in layer.losses],
    }
    if grad:
        rs = [rng.standard_normal(np.shape(o)).astype(np.float32) for o in outs]

        def loss(tv, floats):
            return sum(jnp.sum(o * r) for o, r in zip(f(tv, floats), rs))

        gw, gx = jax.grad(loss, argnums=(0, 1))(tv, floats)
        c["r"] = [arr(r) for r in rs]
        c["grad_inputs"] = {str(i): arr(g) for i, g in zip(float_idx, gx)}
        c["grad_weights"] = [arr(g) for g in gw]
    cases.append(c)


def make_call(args, kwargs, kc_inputs):
    """A function from kc's positional inputs back to Keras's (args, kwargs): each array
    of `args`/`kwargs` is found in `kc_inputs` by identity."""
    def find(x):
        for i, y in enumerate(kc_inputs):
            if x is y:
                return i
        return None

    def sub(v, xs):
        if isinstance(v, np.ndarray):
            i = find(v)
            return xs[i] if i is not None else v
        if isinstance(v, list):
            return [sub(e, xs) for e in v]
        return v

    def rebuild(xs):
        a = [sub(v, xs) for v in args]
        kw = {k: sub(v, xs) for k, v in kwargs.items() if k != "training"}
        return a, kw

    return rebuild


# ------------------------------------------------------------------ MultiHeadAttention
def mha(id_, layer, q, v, k=None, mask=None, scores=False, causal=False, training=False, batched_mask=True):
    """kc's inputs: [query, value] (+ key) (+ attention_mask; the key is then given,
    `value` itself when the case has none)."""
    # distinct arrays (a self-attention case passes one array twice), and with a mask an
    # explicit key (a copy of value: what Keras uses when it has none), so each kc input
    # has its own gradient
    q, v = q.copy(), v.copy()
    k = k.copy() if k is not None else (v.copy() if mask is not None else None)
    kw = {}
    kc = [q, v]
    call = {"key": k is not None, "attention_mask": mask is not None, "return_attention_scores": scores,
            "use_causal_mask": causal}
    if k is not None:
        kw["key"] = k
        kc.append(k)
    if mask is not None:
        kw["attention_mask"] = mask
        kc.append(mask)
    if scores:
        kw["return_attention_scores"] = True
    if causal:
        kw["use_causal_mask"] = True
    batched = [True] * len(kc)
    if mask is not None:
        batched[-1] = batched_mask
    case(id_, layer, [q, v], kw, kc, batched, call, training=training)


def mha_cases():
    x = normal(2, 4, 6)
    xv = normal(2, 5, 6)
    xk = normal(2, 5, 3)
    xq8 = normal(2, 4, 8)
    m = bools(2, 4, 5)
    m_self = bools(2, 4, 4)
    m_full_row = bools(2, 4, 5)
    m_full_row[0, 1, :] = False  # a query that may attend to nothing
    M = layers.MultiHeadAttention
    mha("mha_self", M(num_heads=2, key_dim=3), x, x)
    mha("mha_self_scores", M(num_heads=2, key_dim=3), x, x, scores=True)
    mha("mha_one_head", M(num_heads=1, key_dim=4), x, x, scores=True)
    mha("mha_cross_key", M(num_heads=3, key_dim=2), x, xv, k=xk)
    mha("mha_cross_key_scores", M(num_heads=3, key_dim=2), xq8, xv, k=xk, scores=True)
    mha("mha_value_dim", M(num_heads=2, key_dim=3, value_dim=5), x, xv, scores=True)
    mha("mha_output_shape", M(num_heads=2, key_dim=2, output_shape=7), x, xv)
    mha("mha_output_shape_2d", M(num_heads=2, key_dim=2, output_shape=(2, 3)), x, xv, scores=True)
    mha("mha_no_bias", M(num_heads=2, key_dim=3, use_bias=False), x, xv)
    mha("mha_mask", M(num_heads=2, key_dim=3), x, xv, mask=m)
    mha("mha_mask_scores", M(num_heads=2, key_dim=3), x, xv, mask=m, scores=True)
    mha("mha_mask_key", M(num_heads=2, key_dim=2), x, xv, k=xk, mask=m, scores=True)
    mha("mha_mask_broadcast", M(num_heads=2, key_dim=3), x, xv, mask=bools(4, 5), scores=True, batched_mask=False)
    mha("mha_mask_int", M(num_heads=2, key_dim=3), x, xv, mask=bools(2, 4, 5).astype(np.int32))
    mha("mha_mask_full_row", M(num_heads=2, key_dim=3), x, xv, mask=m_full_row)
    mha("mha_mask_full_row_scores", M(num_heads=2, key_dim=3), x, xv, mask=m_full_row, scores=True)
    mha("mha_causal", M(num_heads=2, key_dim=3), x, x, causal=True)
    mha("mha_causal_scores", M(num_heads=2, key_dim=3), x, x, causal=True, scores=True)
    mha("mha_causal_cross", M(num_heads=2, key_dim=3), x, xv, causal=True, scores=True)
    mha("mha_causal_and_mask", M(num_heads=2, key_dim=3), x, x, mask=m_self, causal=True)
    mha("mha_sliding_window", M(num_heads=2, key_dim=3, sliding_window=2), x, x, scores=True)
    mha("mha_gate", M(num_heads=2, key_dim=3, use_gate=True), x, xv)
    mha("mha_regularized", M(num_heads=2, key_dim=2, kernel_regularizer="l2", bias_regularizer="l1",
                              activity_regularizer="l2"), x, xv)
    mha("mha_dropout_inference", M(num_heads=2, key_dim=3, dropout=0.4, seed=11), x, xv, scores=True)
    mha("mha_dropout_training", M(num_heads=2, key_dim=3, dropout=0.4, seed=11), x, xv, scores=True, training=True)
    x4 = normal(2, 3, 4, 5)
    mha("mha_attention_axes_2d", M(num_heads=2, key_dim=2, attention_axes=(1, 2)), x4, x4, scores=True)
    mha("mha_attention_axes_last", M(num_heads=2, key_dim=2, attention_axes=2), x4, x4, scores=True)
    mha("mha_attention_axes_2d_mask", M(num_heads=2, key_dim=2, attention_axes=(1, 2)), x4, x4,
        mask=bools(2, 3, 4, 3, 4))


# ------------------------------------------------------------- GroupedQueryAttention
def gqa_cases():
    x = normal(2, 4, 6)
    xv = normal(2, 5, 6)
    xk = normal(2, 5, 6)
    m = bools(2, 4, 5)
    G = layers.GroupQueryAttention
    mha("gqa", G(head_dim=3, num_query_heads=4, num_key_value_heads=2), x, x)
    mha("gqa_scores", G(head_dim=3, num_query_heads=4, num_key_value_heads=2), x, xv, scores=True)
    mha("gqa_multi_query", G(head_dim=2, num_query_heads=3, num_key_value_heads=1), x, xv, k=xk, scores=True)
    mha("gqa_equal_heads", G(head_dim=2, num_query_heads=2, num_key_value_heads=2), x, xv)
    mha("gqa_mask", G(head_dim=3, num_query_heads=4, num_key_value_heads=2), x, xv, mask=m, scores=True)
    mha("gqa_mask_dpa", G(head_dim=3, num_query_heads=4, num_key_value_heads=2), x, xv, mask=m)
    mha("gqa_causal", G(head_dim=3, num_query_heads=4, num_key_value_heads=2), x, x, causal=True)
    mha("gqa_causal_scores", G(head_dim=3, num_query_heads=4, num_key_value_heads=2), x, x, causal=True, scores=True)
    mha("gqa_no_bias_gate", G(head_dim=2, num_query_heads=4, num_key_value_heads=2, use_bias=False, use_gate=True), x, xv)
    mha("gqa_sliding_window", G(head_dim=2, num_query_heads=2, num_key_value_heads=1, sliding_window=2), x, x, scores=True)
    mha("gqa_regularized", G(head_dim=2, num_query_heads=2, num_key_value_heads=1, kernel_regularizer="l1",
                              activity_regularizer="l2"), x, xv)
    mha("gqa_dropout_training", G(head_dim=3, num_query_heads=4, num_key_value_heads=2, dropout=0.3, seed=5), x, xv,
        scores=True, training=True)


# ----------------------------------------------------- Attention and AdditiveAttention
def att(id_, layer, q, v, k=None, masks=None, scores=False, causal=False, training=False):
    """kc's inputs: [query, value] (+ key) (+ query_mask, value_mask; the key is then
    given, `value` itself when the case has none)."""
    q, v = q.copy(), v.copy()
    k = k.copy() if k is not None else (v.copy() if masks is not None else None)
    masks = [m.copy() for m in masks] if masks is not None else None
    ins = [q, v] + ([k] if k is not None else [])
    kw = {}
    kc = list(ins)
    call = {"key": k is not None, "mask": masks is not None, "return_attention_scores": scores, "use_causal_mask": causal}
    if masks is not None:
        kw["mask"] = list(masks)
        kc.extend(masks)
    if scores:
        kw["return_attention_scores"] = True
    if causal:
        kw["use_causal_mask"] = True
    case(id_, layer, [ins], kw, kc, [True] * len(kc), call, training=training)


def attention_cases():
    q = normal(2, 4, 3)
    v = normal(2, 5, 3)
    k = normal(2, 5, 3)
    qm = bools(2, 4)
    vm = bools(2, 5)
    vm[1, :] = [True, False, True, False, False]
    A = layers.Attention
    att("attention_dot", A(), q, v, scores=True)
    att("attention_dot_key", A(), q, v, k=k)
    att("attention_scale", A(use_scale=True), q, v, k=k, scores=True)
    att("attention_concat", A(score_mode="concat"), q, v, scores=True)
    att("attention_concat_scale", A(use_scale=True, score_mode="concat"), q, v, k=k, scores=True)
    att("attention_masks", A(), q, v, masks=[qm, vm], scores=True)
    att("attention_masks_key", A(use_scale=True), q, v, k=k, masks=[qm, vm])
    att("attention_causal", A(), q, v, causal=True, scores=True)
    att("attention_causal_masks", A(), q, v, masks=[qm, vm], causal=True, scores=True)
    att("attention_dropout_inference", A(dropout=0.5, seed=3), q, v, scores=True)
    att("attention_dropout_training", A(dropout=0.5, seed=3), q, v, scores=True, training=True)
    D = layers.AdditiveAttention
    att("additive", D(), q, v, scores=True)
    att("additive_key", D(), q, v, k=k)
    att("additive_no_scale", D(use_scale=False), q, v, k=k, scores=True)
    att("additive_masks", D(), q, v, masks=[qm, vm], scores=True)
    att("additive_causal", D(), q, v, k=k, causal=True, scores=True)
    att("additive_dropout_training", D(dropout=0.3, seed=8), q, v, scores=True, training=True)


# -------------------------------------------------------------------------- EinsumDense
def einsum_cases():
    x2, x3, x4 = normal(3, 5), normal(2, 4, 5), normal(2, 3, 4, 5)
    E = layers.EinsumDense
    for id_, layer, x in [
        ("einsum_dense_matmul", E("ab,bc->ac", output_shape=4, bias_axes="c"), x2),
        ("einsum_dense_no_bias", E("ab,bc->ac", output_shape=4), x2),
        ("einsum_dense_sequence", E("abc,cd->abd", output_shape=(None, 6), bias_axes="d", activation="relu"), x3),
        ("einsum_dense_heads", E("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="de"), x3),
        ("einsum_dense_bias_one_axis", E("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="d"), x3),
        ("einsum_dense_left_ellipsis", E("...b,bc->...c", output_shape=3, bias_axes="c", activation="tanh"), x4),
        ("einsum_dense_right_ellipsis", E("ab...,bc->ac...", output_shape=3, bias_axes="c"), x3),
        ("einsum_dense_contract_two", E("abcd,cde->abe", output_shape=(None, 2), bias_axes="e"), x4),
        ("einsum_dense_regularized", E("abc,cd->abd", output_shape=(None, 2), bias_axes="d", kernel_regularizer="l2",
                                       bias_regularizer="l1", activity_regularizer="l2"), x3),
    ]:
        case(id_, layer, [x], {}, [x], [True], {})


def naming_cases():
    keras.utils.clear_session()
    made = [
        layers.MultiHeadAttention(2, 2),
        layers.MultiHeadAttention(2, 2),
        layers.GroupQueryAttention(2, 2, 1),
        layers.Attention(),
        layers.AdditiveAttention(),
        layers.EinsumDense("ab,bc->ac", 2),
    ]
    # the names the layers use up inside: a built MultiHeadAttention or
    # GroupQueryAttention has made a Softmax and a Dropout (with a seed generator when
    # its rate is positive); an Attention with dropout makes its seed generator at once
    x = np.zeros((1, 3, 4), "float32")
    made[0](x, x)
    layers.GroupQueryAttention(2, 2, 1, dropout=0.1)(x, x)
    layers.Attention(dropout=0.2)
    after = [layers.Dropout(0.1).name, layers.Softmax().name]
    d = layers.Dropout(0.5)
    after += [d.name, d.seed_generator.state.path]
    write("layers_names_attention.json", {"names": [l.name for l in made], "classes": [type(l).__name__ for l in made],
                                          "after": after})


def transformer_summary():
    """A small transformer classifier's rows (model.summary())."""
    keras.utils.clear_session()
    tokens = keras.Input((10,), dtype="int32")
    h = layers.Embedding(50, 16)(tokens)
    a = layers.MultiHeadAttention(num_heads=2, key_dim=8)(h, h)
    h = layers.LayerNormalization()(layers.Add()([h, a]))
    f = layers.Dense(32, activation="relu")(h)
    f = layers.Dense(16)(f)
    h = layers.LayerNormalization()(layers.Add()([h, f]))
    g = layers.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)(h, h)
    h = layers.GlobalAveragePooling1D()(g)
    out = layers.Dense(2)(h)
    model = keras.Model(tokens, out)
    rows = [{"name": l.name, "class_name": type(l).__name__, "output_shape": list(l.output.shape),
             "params": int(l.count_params())} for l in model.layers]
    write("layers_transformer_summary.json", {"rows": rows, "total": int(model.count_params())})


if __name__ == "__main__":
    import sys
    if sys.argv[1:] == ["names"]:
        naming_cases()
        sys.exit()
    mha_cases()
    gqa_cases()
    attention_cases()
    write("layers_attention.json", {"cases": cases})
    cases.clear()
    einsum_cases()
    write("layers_einsum_dense.json", {"cases": cases})
    naming_cases()
    transformer_summary()
