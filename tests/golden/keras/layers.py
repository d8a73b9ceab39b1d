"""Golden files for kc's core layers, initializers, regularizers, constraints and random
ops, from real Keras 3 on the JAX backend.

Run (see README.md):  KERAS_BACKEND=jax .deps/keras-venv/bin/python tests/golden/keras/layers.py

Writes tests/golden/keras/data/{random,initializers,regularizers,constraints}.json and
layers_*.json. Every array is {"shape", "dtype", "data" (flat, row-major)}. Inputs and
weights come from seeded numpy; weights are set explicitly, so kc rebuilds each case
exactly. Gradients are of sum(output * r) for a fixed random r, taken with jax.grad
through the layer's stateless_call, with respect to the inputs (float ones) and the
trainable weights.
"""
import inspect
import json
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import jax.numpy as jnp
import keras
import numpy as np
from keras import constraints, initializers, layers, regularizers

assert keras.backend.backend() == "jax", "run with KERAS_BACKEND=jax"

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20240607)


def arr(x):
    x = np.asarray(x)
    return {"shape": list(x.shape), "dtype": str(x.dtype), "data": x.ravel().tolist()}


def normal(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def write(name, obj):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def config(layer):
    """get_config() as plain JSON (tuples become lists)."""
    return json.loads(json.dumps(layer.get_config()))


# ---------------------------------------------------------------------------- random
def random_cases():
    cases = {"bits": [], "uniform": [], "normal": [], "truncated_normal": [], "keras_seeded": []}
    for key, shape in [((42, 7), (3, 4)), ((0, 0), (5,)), ((123456789, 3), (2, 3, 2)), ((4294967295, 4294967295), (7,))]:
        k = jnp.asarray(np.array(key, dtype=np.uint32))
        cases["bits"].append({"key": list(key), "shape": list(shape), "bits": arr(jax.random.bits(k, shape, jnp.uint32))})
    for key, shape, lo, hi in [((1, 2), (4, 5), 0.0, 1.0), ((9, 0), (3, 3), -2.5, 0.5)]:
        k = jnp.asarray(np.array(key, dtype=np.uint32))
        cases["uniform"].append({"key": list(key), "shape": list(shape), "minval": lo, "maxval": hi,
                                 "values": arr(jax.random.uniform(k, shape, jnp.float32, lo, hi))})
    for key, shape in [((1, 2), (4, 5)), ((77, 5), (64,))]:
        k = jnp.asarray(np.array(key, dtype=np.uint32))
        cases["normal"].append({"key": list(key), "shape": list(shape), "values": arr(jax.random.normal(k, shape, jnp.float32))})
        cases["truncated_normal"].append({"key": list(key), "shape": list(shape),
                                          "values": arr(jax.random.truncated_normal(k, -2.0, 2.0, shape, jnp.float32))})
    # Keras's random ops with an integer seed use the key [seed, 0]
    for seed in [0, 1337]:
        cases["keras_seeded"].append({
            "seed": seed,
            "uniform": arr(keras.random.uniform((3, 4), minval=-1.0, maxval=3.0, seed=seed)),
            "normal": arr(keras.random.normal((3, 4), mean=0.5, stddev=2.0, seed=seed)),
            "truncated_normal": arr(keras.random.truncated_normal((3, 4), mean=-1.0, stddev=0.5, seed=seed)),
        })
    write("random.json", cases)


# ---------------------------------------------------------------------- initializers
INITIALIZERS = [
    ("zeros", {}), ("ones", {}), ("Constant", {"value": 2.5}),
    ("RandomUniform", {}), ("RandomUniform", {"minval": -1.0, "maxval": 3.0}),
    ("RandomNormal", {}), ("RandomNormal", {"mean": 1.0, "stddev": 2.0}),
    ("TruncatedNormal", {}), ("TruncatedNormal", {"mean": -1.0, "stddev": 0.5}),
    ("GlorotUniform", {}), ("GlorotNormal", {}), ("HeUniform", {}), ("HeNormal", {}),
    ("LecunUniform", {}), ("LecunNormal", {}),
    ("VarianceScaling", {}),
    ("VarianceScaling", {"scale": 2.0, "mode": "fan_out", "distribution": "untruncated_normal"}),
    ("VarianceScaling", {"scale": 0.5, "mode": "fan_avg", "distribution": "uniform"}),
    ("Orthogonal", {}), ("Orthogonal", {"gain": 2.0}),
    ("Identity", {}),
]


def initializer_cases():
    out = []
    for cls, kw in INITIALIZERS:
        seeded = cls not in ("zeros", "ones", "Constant", "Identity")
        obj = getattr(initializers, cls)(**kw, **({"seed": 17} if seeded else {})) if cls[0].isupper() else initializers.get(cls)
        shapes = [(4, 5), (2, 2, 3, 4), (6, 4)] if cls != "Identity" else [(4, 5), (3, 3)]
        case = {"class_name": cls, "kwargs": kw, "seed": 17 if seeded else None,
                "config": json.loads(json.dumps(keras.saving.serialize_keras_object(obj))), "samples": []}
        for shape in shapes:
            case["samples"].append({"shape": list(shape), "values": arr(obj(shape, dtype="float32"))})
        # statistics of a large sample: the formula check that does not rely on the
        # random streams matching
        if seeded:
            big = (256, 384)
            v = np.asarray(getattr(initializers, cls)(**kw, seed=5)(big, dtype="float32"), dtype=np.float64)
            case["stats"] = {"shape": list(big), "mean": v.mean(), "std": v.std(), "min": v.min(), "max": v.max()}
        out.append(case)
    names = {}
    for name in ["zeros", "zero", "ones", "one", "constant", "uniform", "normal", "random_uniform", "random_normal",
                 "truncated_normal", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
                 "lecun_normal", "orthogonal", "identity", "variance_scaling", "OrthogonalInitializer", "IdentityInitializer"]:
        try:
            names[name] = keras.saving.serialize_keras_object(initializers.get(name))["class_name"]
        except Exception as e:  # Keras cannot build some by name (`constant` needs a value)
            names[name] = None
    write("initializers.json", {"cases": out, "names": names})


# ---------------------------------------------------------------------- regularizers
def regularizer_cases():
    x = normal(5, 4)
    xj = jnp.asarray(x)  # a backend tensor: the path training takes (numpy inputs take another)
    cases = []
    for ident in ["l1", "l2", "l1l2", "L1L2", "orthogonal_regularizer"]:
        r = regularizers.get(ident)
        cases.append({"identifier": ident, "config": keras.saving.serialize_keras_object(r), "value": float(r(xj))})
    for cls, kw in [("L1", {"l1": 0.3}), ("L2", {"l2": 0.1}), ("L1L2", {"l1": 0.01, "l2": 0.02}),
                    ("OrthogonalRegularizer", {"factor": 0.5, "mode": "rows"}),
                    ("OrthogonalRegularizer", {"factor": 0.5, "mode": "columns"})]:
        r = getattr(regularizers, cls)(**kw)
        cases.append({"class_name": cls, "kwargs": kw, "config": keras.saving.serialize_keras_object(r), "value": float(r(xj))})
    errors = {}
    for ident in ["l1_l2", "l3"]:
        try:
            regularizers.get(ident)
            errors[ident] = None
        except ValueError as e:
            errors[ident] = str(e)
    write("regularizers.json", {"x": arr(x), "cases": cases, "errors": errors})


# ----------------------------------------------------------------------- constraints
def constraint_cases():
    w = normal(4, 3) * 2.0
    w[:, 1] *= 0.01  # one small column, below every norm bound
    cases = []
    for ident in ["max_norm", "non_neg", "unit_norm", "min_max_norm"]:
        c = constraints.get(ident)
        cases.append({"identifier": ident, "config": keras.saving.serialize_keras_object(c), "value": arr(c(w))})
    for cls, kw in [("MaxNorm", {"max_value": 1.5, "axis": 1}), ("MaxNorm", {"max_value": 3.0, "axis": [0, 1]}),
                    ("UnitNorm", {"axis": 1}), ("MinMaxNorm", {"min_value": 0.5, "max_value": 2.0, "rate": 0.7, "axis": 0})]:
        c = getattr(constraints, cls)(**kw)
        cases.append({"class_name": cls, "kwargs": kw, "config": keras.saving.serialize_keras_object(c), "value": arr(c(w))})
    write("constraints.json", {"w": arr(w), "cases": cases})


# ---------------------------------------------------------------------------- layers
def run(layer, inputs, weights=None, training=False, grad=True):
    """Call `layer` on `inputs` (a list; one tensor unless the layer merges), with
    `weights` set, and return the case: inputs, weights, output, config, losses and
    gradients of sum(output * r)."""
    multi = len(inputs) > 1 or isinstance(layer, layers.Concatenate) or getattr(layer, "_multi", False)
    arg = list(inputs) if multi else inputs[0]
    layer(arg)
    if weights is not None:
        layer.set_weights(weights)
    tv = [v.value for v in layer.trainable_variables]
    ntv = [v.value for v in layer.non_trainable_variables]

    kw = {"training": training} if "training" in inspect.signature(layer.call).parameters else {}

    def f(tv, xs):
        out, _, losses = layer.stateless_call(tv, ntv, list(xs) if multi else xs[0], return_losses=True, **kw)
        return out, losses

    xs = [jnp.asarray(x) for x in inputs]
    out, _ = f(tv, xs)
    # the losses of an ordinary call: weight penalties plus the activity penalty (which
    # stateless_call leaves out, as it is added in __call__)
    layer(arg)
    losses = layer.losses
    case = {
        "inputs": [arr(x) for x in inputs],
        "weights": [arr(w) for w in layer.get_weights()],
        "weight_paths": [v.path for v in layer.weights],
        "output": arr(out),
        "losses": [float(l) for l in losses],
        "config": config(layer),
        "class_name": type(layer).__name__,
    }
    if grad:
        r = rng.standard_normal(np.shape(out)).astype(np.float32)
        float_in = [i for i, x in enumerate(inputs) if np.issubdtype(np.asarray(x).dtype, np.floating)]

        def loss(tv, fx):
            full = list(xs)
            for i, x in zip(float_in, fx):
                full[i] = x
            return jnp.sum(f(tv, full)[0] * r)

        gw, gx = jax.grad(loss, argnums=(0, 1))(tv, [xs[i] for i in float_in])
        case["r"] = arr(r)
        case["grad_inputs"] = {str(i): arr(g) for i, g in zip(float_in, gx)}
        case["grad_weights"] = [arr(g) for g in gw]
    return case


def layer_cases():
    x24, x234 = normal(2, 4), normal(2, 3, 4)
    fam = {}

    def add(family, id_, case, **args):
        case["id"] = id_
        case["args"] = args
        fam.setdefault(family, []).append(case)

    # core
    add("core", "dense", run(layers.Dense(3), [x24], [normal(4, 3), normal(3)]), units=3)
    add("core", "dense_relu_nobias", run(layers.Dense(5, activation="relu", use_bias=False), [x24], [normal(4, 5)]),
        units=5, activation="relu", use_bias=False)
    add("core", "dense_rank3", run(layers.Dense(2, activation="tanh"), [x234], [normal(4, 2), normal(2)]), units=2, activation="tanh")
    add("core", "dense_regularized",
        run(layers.Dense(3, kernel_regularizer="l2", bias_regularizer=regularizers.L1(0.5), activity_regularizer="l2"),
            [x24], [normal(4, 3), normal(3)]), units=3, kernel_regularizer="l2", bias_regularizer_l1=0.5, activity_regularizer="l2")
    add("core", "dense_constrained",
        run(layers.Dense(3, kernel_constraint="max_norm", bias_constraint=constraints.NonNeg()), [x24], [normal(4, 3), normal(3)]),
        units=3, kernel_constraint="max_norm", bias_constraint="non_neg")
    for act in ["relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus", "softsign", "gelu", "silu", "leaky_relu",
                "hard_sigmoid", "log_softmax", "exponential", "relu6", "linear"]:
        add("core", f"activation_{act}", run(layers.Activation(act), [x234]), activation=act)
    add("core", "identity", run(layers.Identity(), [x234]))
    emb_ids = np.array([[1, 0, 9, 3, 3], [7, 2, 0, 5, 8]], dtype=np.int32)
    add("core", "embedding", run(layers.Embedding(10, 4), [emb_ids], [normal(10, 4)]), input_dim=10, output_dim=4)
    add("core", "embedding_mask_zero", run(layers.Embedding(10, 3, mask_zero=True), [emb_ids], [normal(10, 3)]),
        input_dim=10, output_dim=3, mask_zero=True)
    pixels = rng.integers(0, 256, size=(2, 3, 3)).astype(np.uint8)
    add("core", "rescaling_bytes", run(layers.Rescaling(1.0 / 255, offset=-0.5), [pixels], grad=False), scale=1.0 / 255, offset=-0.5)
    add("core", "rescaling", run(layers.Rescaling(2.0), [x24]), scale=2.0, offset=0.0)

    # reshaping
    add("reshaping", "flatten", run(layers.Flatten(), [x234]))
    for t in [(6, 2), (-1, 3), (3, -1), (12,), (2, 3, 2)]:
        add("reshaping", "reshape_" + "_".join(str(d) for d in t), run(layers.Reshape(t), [x234]), target_shape=list(t))
    x2345 = normal(2, 3, 4, 5)
    for d in [(2, 1, 3), (3, 1, 2), (1, 2, 3)]:
        add("reshaping", "permute_" + "".join(str(v) for v in d), run(layers.Permute(d), [x2345]), dims=list(d))
    add("reshaping", "repeat_vector", run(layers.RepeatVector(3), [x24]), n=3)

    # merging
    a, b, c = normal(2, 3, 4), normal(2, 3, 4), normal(2, 3, 4)
    add("merging", "add3", run(layers.Add(), [a, b, c]))
    add("merging", "add_ranks", run(layers.Add(), [normal(2, 4), a]))
    add("merging", "add_broadcast", run(layers.Add(), [normal(2, 1, 4), a]))
    add("merging", "subtract", run(layers.Subtract(), [a, b]))
    add("merging", "multiply", run(layers.Multiply(), [a, b, c]))
    add("merging", "average", run(layers.Average(), [a, b, c]))
    add("merging", "maximum", run(layers.Maximum(), [a, b, c]))
    add("merging", "minimum", run(layers.Minimum(), [a, b]))
    add("merging", "concatenate", run(layers.Concatenate(), [a, normal(2, 3, 2)]), axis=-1)
    add("merging", "concatenate_axis1", run(layers.Concatenate(axis=1), [a, normal(2, 5, 4)]), axis=1)
    add("merging", "dot_vectors", run(layers.Dot(axes=1), [normal(2, 4), normal(2, 4)]), axes=[1])
    add("merging", "dot_normalize", run(layers.Dot(axes=-1, normalize=True), [normal(2, 4), normal(2, 4)]), axes=[-1], normalize=True)
    add("merging", "dot_pair", run(layers.Dot(axes=(2, 2)), [normal(2, 3, 4), normal(2, 5, 4)]), axes=[2, 2])
    add("merging", "dot_pair_12", run(layers.Dot(axes=(1, 2)), [normal(2, 3, 4), normal(2, 5, 3)]), axes=[1, 2])
    add("merging", "dot_matrix_vector", run(layers.Dot(axes=(2, 1)), [normal(2, 3, 4), normal(2, 4)]), axes=[2, 1])

    # activation layers
    xa = normal(2, 3, 4) * 2.0
    add("activations", "relu", run(layers.ReLU(), [xa]))
    add("activations", "relu_max6", run(layers.ReLU(max_value=6.0), [xa * 4]), max_value=6.0)
    add("activations", "relu_max1", run(layers.ReLU(max_value=1.0), [xa]), max_value=1.0)
    add("activations", "relu_slope", run(layers.ReLU(negative_slope=0.1), [xa]), negative_slope=0.1)
    add("activations", "relu_threshold", run(layers.ReLU(threshold=0.5), [xa]), threshold=0.5)
    add("activations", "relu_all", run(layers.ReLU(max_value=2.0, negative_slope=0.2, threshold=0.3), [xa]),
        max_value=2.0, negative_slope=0.2, threshold=0.3)
    add("activations", "leaky_relu", run(layers.LeakyReLU(), [xa]))
    add("activations", "leaky_relu_01", run(layers.LeakyReLU(negative_slope=0.1), [xa]), negative_slope=0.1)
    add("activations", "prelu", run(layers.PReLU(), [xa], [normal(3, 4)]))
    add("activations", "prelu_shared", run(layers.PReLU(shared_axes=[1]), [xa], [normal(1, 4)]), shared_axes=[1])
    add("activations", "elu", run(layers.ELU(), [xa]))
    add("activations", "elu_05", run(layers.ELU(alpha=0.5), [xa]), alpha=0.5)
    add("activations", "softmax", run(layers.Softmax(), [xa]))
    add("activations", "softmax_axis1", run(layers.Softmax(axis=1), [xa]), axis=1)

    for family, cases in fam.items():
        write(f"layers_{family}.json", {"cases": cases})


def dropout_cases():
    """Dropout masks drawn by Keras for given seeds: kc's threefry reproduces them."""
    out = []
    for rate, shape, noise_shape, seed in [(0.3, (4, 50), None, 1234), (0.5, (2, 3, 5), (None, 1, 5), 7), (0.9, (8, 8), None, 0)]:
        keras.utils.clear_session()
        d = layers.Dropout(rate, noise_shape=noise_shape, seed=seed)
        x = np.ones(shape, dtype=np.float32)
        calls = [arr(d(x, training=True)) for _ in range(3)]
        out.append({"rate": rate, "shape": list(shape), "noise_shape": noise_shape, "seed": seed, "calls": calls,
                    "inference": arr(d(x, training=False)), "config": config(d),
                    "variable_paths": [v.path for v in d.variables], "weights": len(d.weights)})
    write("layers_dropout.json", {"cases": out})


def naming_cases():
    """Keras's automatic layer names."""
    keras.utils.clear_session()
    made = [layers.Dense(1), layers.Dense(1), layers.Dropout(0.1), layers.ReLU(), layers.LeakyReLU(), layers.PReLU(), layers.ELU(),
            layers.Softmax(), layers.Embedding(2, 2), layers.Reshape((1,)), layers.Permute((1,)), layers.RepeatVector(2),
            layers.Identity(), layers.Rescaling(1.0), layers.Concatenate(), layers.Add(), layers.Subtract(), layers.Multiply(),
            layers.Average(), layers.Maximum(), layers.Minimum(), layers.Dot(1), layers.Flatten(), layers.Activation("relu"),
            layers.Lambda(lambda x: x), layers.ReLU()]
    write("layers_names.json", {"names": [l.name for l in made], "classes": [type(l).__name__ for l in made]})


if __name__ == "__main__":
    random_cases()
    initializer_cases()
    regularizer_cases()
    constraint_cases()
    layer_cases()
    dropout_cases()
    naming_cases()
