"""Golden file for Keras masks flowing into the attention layers, from real Keras 3 on
the JAX backend.

Run (see README.md):  KERAS_BACKEND=jax .deps/keras-venv/bin/python tests/golden/keras/layers_attention_masks.py

Writes tests/golden/keras/data/layers_attention_masks.json: {"cases": [...]}. Each case is
a small functional model (two end in GlobalAveragePooling1D, which averages over the
steps the mask keeps) whose token inputs go through `Embedding(mask_zero=True)`, so
the embedded tensors carry Keras masks, into an attention layer called without explicit
masks: Keras fills `query_mask`/`value_mask`/`key_mask` (MultiHeadAttention,
GroupQueryAttention) or `mask=[query_mask, value_mask]` (Attention, AdditiveAttention)
from those masks. `kind` names the wiring, which tests/frontend/layers_attention_masks.rs
rebuilds; `layers` are the configs in the order of that wiring and `weights` each layer's
weights in Keras's order. Gradients are of sum(output * r) with respect to every weight.
Four cases merge masked tensors (Add, Concatenate on the features and on time, Average
with an unmasked input) before GlobalAveragePooling1D. `softmax` holds Keras's `Softmax(axis)(x, mask=m)` for masks of several shapes and
dtypes (kc takes the mask as a second input): output and the gradient w.r.t. x.
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
rng = np.random.default_rng(20261123)
V, F = 10, 8  # vocabulary, embedding width


def arr(x):
    x = np.asarray(x)
    if x.dtype == np.float32:
        data = [float(np.format_float_positional(v, unique=True, trim="-")) for v in x.ravel()]
    else:
        data = x.ravel().tolist()
    return {"shape": list(x.shape), "dtype": str(x.dtype), "data": data}


def config(layer):
    c = json.loads(json.dumps(layer.get_config()))
    c.pop("build_config", None)
    return c


cases = []


def case(kind, inputs, ls, build, explicit=None):
    """`build(tensors, layers)` wires the layers on the Keras inputs; `inputs` are the
    token arrays (and an explicit attention mask when the case has one)."""
    ins = [keras.Input(x.shape[1:], dtype=str(x.dtype)) for x in inputs]
    out = build(ins, ls)
    model = keras.Model(ins, out)
    for l in ls:
        l.set_weights([rng.standard_normal(w.shape).astype(np.float32) * 0.5 for w in l.get_weights()])
    tv = [v.value for v in model.trainable_variables]
    ntv = [v.value for v in model.non_trainable_variables]

    def f(tv):
        y, _ = model.stateless_call(tv, ntv, [jnp.asarray(x) for x in inputs])
        return y

    y = f(tv)
    r = rng.standard_normal(np.shape(y)).astype(np.float32)
    gw = jax.grad(lambda tv: jnp.sum(f(tv) * r))(tv)
    # the model's trainable variables, mapped back to each layer's weights
    by_path = {v.path: g for v, g in zip(model.trainable_variables, gw)}
    cases.append({
        "kind": kind,
        "inputs": [arr(x) for x in inputs],
        "layers": [{"class_name": type(l).__name__, "config": config(l)} for l in ls],
        "weights": [[arr(w) for w in l.get_weights()] for l in ls],
        "grad_weights": [[arr(by_path[w.path]) for w in l.weights] for l in ls],
        "output": arr(y),
        "r": arr(r),
    })


# zeros are padding; every row keeps at least one token
q_ids = np.array([[3, 1, 4, 0, 0], [2, 7, 5, 9, 1], [6, 0, 0, 0, 0]], dtype=np.int32)
v_ids = np.array([[1, 2, 0, 0, 0, 0], [4, 4, 8, 3, 0, 0], [9, 8, 7, 6, 5, 4]], dtype=np.int32)
k_ids = np.array([[5, 6, 7, 0, 0, 0], [1, 0, 0, 0, 0, 0], [2, 2, 2, 2, 2, 0]], dtype=np.int32)


def emb():
    return layers.Embedding(V, F, mask_zero=True)


# self-attention: query and value are the same masked tensor
case("mha_self", [q_ids], [emb(), layers.MultiHeadAttention(2, 4)],
     lambda i, l: l[1](l[0](i[0]), l[0](i[0])))
case("mha_self", [q_ids], [emb(), layers.MultiHeadAttention(3, 2, dropout=0.0, output_shape=6)],
     lambda i, l: l[1](l[0](i[0]), l[0](i[0])))
# causal self-attention with the padding mask
case("mha_self_causal", [q_ids], [emb(), layers.MultiHeadAttention(2, 4)],
     lambda i, l: l[1](l[0](i[0]), l[0](i[0]), use_causal_mask=True))
# cross-attention: query mask and value mask
case("mha_cross", [q_ids, v_ids], [emb(), emb(), layers.MultiHeadAttention(2, 4)],
     lambda i, l: l[2](l[0](i[0]), l[1](i[1])))
# cross-attention with a key of its own (its mask too)
case("mha_cross_key", [q_ids, v_ids, k_ids], [emb(), emb(), emb(), layers.MultiHeadAttention(2, 4)],
     lambda i, l: l[3](l[0](i[0]), l[1](i[1]), key=l[2](i[2])))
# the automatic masks and-ed with an explicit attention_mask
explicit = (rng.random((3, 5, 6)) > 0.3)
explicit[:, :, 0] = True
case("mha_cross_explicit", [q_ids, v_ids, explicit], [emb(), emb(), layers.MultiHeadAttention(2, 4)],
     lambda i, l: l[2](l[0](i[0]), l[1](i[1]), attention_mask=i[2]))
case("gqa_self", [q_ids], [emb(), layers.GroupQueryAttention(4, 4, 2)],
     lambda i, l: l[1](l[0](i[0]), l[0](i[0])))
case("gqa_cross", [q_ids, v_ids], [emb(), emb(), layers.GroupQueryAttention(2, 4, 1)],
     lambda i, l: l[2](l[0](i[0]), l[1](i[1])))
# Attention/AdditiveAttention: mask=[query_mask, value_mask] from the inputs
case("attention_cross", [q_ids, v_ids], [emb(), emb(), layers.Attention()],
     lambda i, l: l[2]([l[0](i[0]), l[1](i[1])]))
case("attention_cross_causal", [q_ids, q_ids], [emb(), emb(), layers.Attention(use_scale=True)],
     lambda i, l: l[2]([l[0](i[0]), l[1](i[1])], use_causal_mask=True))
case("attention_cross_key", [q_ids, v_ids, k_ids], [emb(), emb(), emb(), layers.Attention(score_mode="concat")],
     lambda i, l: l[3]([l[0](i[0]), l[1](i[1]), l[2](i[2])]))
case("additive_cross", [q_ids, v_ids], [emb(), emb(), layers.AdditiveAttention()],
     lambda i, l: l[2]([l[0](i[0]), l[1](i[1])]))
# the output keeps the query's mask, which GlobalAveragePooling1D then averages over
case("mha_self_pool", [q_ids], [emb(), layers.MultiHeadAttention(2, 4), layers.GlobalAveragePooling1D()],
     lambda i, l: l[2](l[1](l[0](i[0]), l[0](i[0]))))
case("embedding_pool", [v_ids], [emb(), layers.GlobalAveragePooling1D(keepdims=True)],
     lambda i, l: l[1](l[0](i[0])))

# merging layers merge masks (Keras's Merge.compute_mask: or of the masks when every
# input has one; Concatenate: the masks broadcast, joined, any over the last axis), seen
# through GlobalAveragePooling1D, which averages over what the merged mask keeps
q2_ids = np.array([[0, 0, 4, 4, 1], [2, 0, 0, 0, 0], [6, 1, 0, 2, 0]], dtype=np.int32)
floats = rng.standard_normal((3, 5, F)).astype(np.float32)
case("add_pool", [q_ids, q2_ids], [emb(), emb(), layers.Add(), layers.GlobalAveragePooling1D()],
     lambda i, l: l[3](l[2]([l[0](i[0]), l[1](i[1])])))
case("concat_pool", [q_ids, q2_ids], [emb(), emb(), layers.Concatenate(), layers.GlobalAveragePooling1D()],
     lambda i, l: l[3](l[2]([l[0](i[0]), l[1](i[1])])))
case("concat_time_pool", [q_ids, v_ids], [emb(), emb(), layers.Concatenate(axis=1), layers.GlobalAveragePooling1D()],
     lambda i, l: l[3](l[2]([l[0](i[0]), l[1](i[1])])))
case("average_unmasked_pool", [q_ids, floats], [emb(), layers.Average(), layers.GlobalAveragePooling1D()],
     lambda i, l: l[2](l[1]([l[0](i[0]), i[1]])))

softmax = []


def softmax_case(axis, x, mask):
    """Keras's Softmax(axis)(x, mask=mask): the output and the gradient of sum(out * r)."""
    layer = layers.Softmax(axis=axis)
    y = layer(jnp.asarray(x), mask=jnp.asarray(mask))
    r = rng.standard_normal(np.shape(y)).astype(np.float32)
    g = jax.grad(lambda x: jnp.sum(layer(x, mask=jnp.asarray(mask)) * r))(jnp.asarray(x))
    softmax.append({"config": config(layer), "x": arr(x), "mask": arr(np.asarray(mask)), "output": arr(y), "r": arr(r), "grad_x": arr(g)})


scores = rng.standard_normal((2, 3, 4)).astype(np.float32)
full = rng.random((2, 3, 4)) > 0.4
full[0, 1, :] = False  # a fully masked row: zeros, not a uniform distribution
softmax_case(-1, scores, full)
softmax_case(-1, scores, (rng.random((2, 1, 4)) > 0.3).astype(np.float32))  # numeric, broadcast over queries
softmax_case(1, scores, rng.random((3, 1)) > 0.3)  # fewer dims, right-aligned
softmax_case([1, 2], scores, rng.random((2, 3, 4)) > 0.5)

if __name__ == "__main__":
    path = os.path.join(OUT, "layers_attention_masks.json")
    with open(path, "w") as fh:
        json.dump({"keras_version": keras.__version__, "cases": cases, "softmax": softmax}, fh, separators=(",", ":"))
    print(f"wrote {path} ({os.path.getsize(path)} bytes, {len(cases)} cases)")
