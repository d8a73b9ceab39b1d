"""Golden files for kc's recurrent layers (SimpleRNN, LSTM, GRU, RNN(cell),
Bidirectional, TimeDistributed) and Masking, from real Keras 3 on the JAX backend.

Run (see README.md):  KERAS_BACKEND=jax .deps/keras-venv/bin/python tests/golden/keras/layers_rnn.py

Writes tests/golden/keras/data/layers_rnn.json: {"cases": [...], "pipelines": [...]}.
Arrays are {"shape", "dtype", "data"} as in layers.py. A case is one layer called on
`inputs` (the sequence, then any initial states), with `mask` (a (batch, timesteps)
bool array, or null) passed as Keras's `mask=`; it holds the layer's config and class,
its weights (set from seeded numpy, in `get_weights()` order, with their paths), every
output (`outputs`: a list, the states after the output with `return_state`), the
losses, and the gradients of sum_k sum(outputs[k] * r[k]) with respect to every float
input (`grad_inputs`, by input index) and every trainable weight, taken with jax.grad
through `stateless_call` in the case's training mode. Dropout cases are seeded and
training: their seed generators are reset to [seed, 0] before the call (a Keras RNN
draws its dropout masks on every call, an inference call included; kc only when
training), so the golden is the layer's first draw.

`stateful`: a stateful layer (batch 3) called on the first two steps, then on the
rest (its states carried over: the outputs and the states after), then reset and called
on the rest again. `names`: Keras's automatic names for the new classes. `summary`: an
RNN model's rows (name, class, output shape, parameters); `functional`: a Functional
model with initial states and `return_state`, its layers and parameter counts.

A pipeline is a small Sequential (Masking or Embedding(mask_zero) feeding recurrent
layers, so the mask flows between layers): `layers` (class, config), its weights in
`model.get_weights()` order, the input, the output and the gradients as above.
Nested configs lose Keras's `build_config` (it records the batch size of the build).
"""
import inspect
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
rng = np.random.default_rng(20250505)


def arr(x):
    x = np.asarray(x)
    if x.dtype == np.float32:
        data = [float(np.format_float_positional(v, unique=True, trim="-")) if np.isfinite(v) else float(v) for v in x.ravel()]
    else:
        data = x.ravel().tolist()
    return {"shape": list(x.shape), "dtype": str(x.dtype), "data": data}


def normal(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def strip_build_config(v):
    if isinstance(v, dict):
        return {k: strip_build_config(x) for k, x in v.items() if k != "build_config"}
    if isinstance(v, list):
        return [strip_build_config(x) for x in v]
    return v


def config(layer):
    return strip_build_config(json.loads(json.dumps(layer.get_config())))


def reset_seeds(variables):
    """Seed generators back to [seed, 0]: the golden is the first draw."""
    for v in variables:
        if v.path.endswith("seed_generator_state"):
            v.assign(np.array([np.asarray(v.value)[0], 0], dtype=np.uint32))


def random_weights(layer):
    return [normal(*w.shape) * 0.5 for w in layer.weights]


def as_list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def run(layer, x, init=None, mask=None, training=False, weights=None):
    """One call of `layer` on x (and initial states `init`, and `mask`)."""
    kw = {}
    if init is not None:
        kw["initial_state"] = [jnp.asarray(s) for s in init]
    if mask is not None:
        kw["mask"] = jnp.asarray(mask)
    layer(x, **kw)  # builds
    layer.set_weights(weights if weights is not None else random_weights(layer))
    reset_seeds(layer.non_trainable_variables)
    tv = [v.value for v in layer.trainable_variables]
    ntv = [v.value for v in layer.non_trainable_variables]

    if "training" in inspect.signature(layer.call).parameters:
        kw_t = {"training": training}
    else:
        kw_t = {}

    def f(tv, x, init):
        call_kw = dict(kw, **kw_t)
        if init is not None:
            call_kw["initial_state"] = list(init)
        out, _ = layer.stateless_call(tv, ntv, x, **call_kw)
        return as_list(out)

    xj = jnp.asarray(x)
    initj = None if init is None else [jnp.asarray(s) for s in init]
    outs = f(tv, xj, initj)
    layer(x, **kw)  # the losses of an ordinary call
    r = [rng.standard_normal(np.shape(o)).astype(np.float32) for o in outs]

    def objective(tv, x, init):
        return sum(jnp.sum(o * rr) for o, rr in zip(f(tv, x, init), r))

    if init is None:
        gw, gx = jax.grad(lambda tv, x: objective(tv, x, None), argnums=(0, 1))(tv, xj)
        grad_inputs = {"0": arr(gx)}
    else:
        gw, gx, gi = jax.grad(objective, argnums=(0, 1, 2))(tv, xj, initj)
        grad_inputs = {"0": arr(gx)}
        for k, g in enumerate(gi):
            grad_inputs[str(k + 1)] = arr(g)
    inputs = [arr(x)] + ([arr(s) for s in init] if init is not None else [])
    out_mask = layer.compute_mask(xj, None if mask is None else jnp.asarray(mask)) if layer.supports_masking else None
    out_mask = as_list(out_mask)[0] if out_mask is not None else None
    cfg = config(layer)
    if isinstance(layer, layers.SimpleRNN) and layer.cell.seed is not None:
        cfg["seed"] = layer.cell.seed  # Keras's SimpleRNN.get_config leaves its seed out
    return {
        "output_mask": None if out_mask is None else arr(np.asarray(out_mask)),
        "class_name": type(layer).__name__,
        "config": cfg,
        "inputs": inputs,
        "mask": None if mask is None else arr(mask),
        "training": training,
        "weights": [arr(w) for w in layer.get_weights()],
        "weight_paths": [v.path for v in layer.weights],
        "outputs": [arr(o) for o in outs],
        "losses": [float(l) for l in layer.losses],
        "r": [arr(x) for x in r],
        "grad_inputs": grad_inputs,
        "grad_weights": [arr(g) for g in gw],
    }


cases = []


def add(id_, case):
    case["id"] = id_
    cases.append(case)


B, T, F, U = 3, 5, 4, 3
x = normal(B, T, F)
# masks: a right-padded row, a left-padded row, a full row, and one with a hole
mask = np.array([[1, 1, 1, 0, 0], [0, 0, 1, 1, 1], [1, 1, 1, 1, 1]], dtype=bool)
mask_holes = np.array([[1, 0, 1, 1, 0], [1, 1, 1, 1, 1], [0, 1, 1, 0, 1]], dtype=bool)
h0, c0 = normal(B, U), normal(B, U)


def simple_rnn_cases():
    add("simple_rnn", run(layers.SimpleRNN(U), x))
    add("simple_rnn_sequences_relu_no_bias", run(layers.SimpleRNN(U, activation="relu", use_bias=False, return_sequences=True), x))
    add("simple_rnn_backwards_state", run(layers.SimpleRNN(U, go_backwards=True, return_sequences=True, return_state=True), x))
    add("simple_rnn_mask_sequences", run(layers.SimpleRNN(U, return_sequences=True), x, mask=mask))
    add("simple_rnn_mask_holes_last", run(layers.SimpleRNN(U, return_state=True), x, mask=mask_holes))
    add("simple_rnn_initial_state", run(layers.SimpleRNN(U, return_sequences=True), x, init=[h0]))
    add("simple_rnn_regularized", run(layers.SimpleRNN(U, kernel_regularizer="l2", recurrent_regularizer="l1", bias_regularizer="l2"), x))
    add("simple_rnn_dropout_training", run(layers.SimpleRNN(U, dropout=0.3, recurrent_dropout=0.4, seed=7, return_sequences=True), x,
                                           training=True))


def lstm_cases():
    add("lstm", run(layers.LSTM(U), x))
    add("lstm_sequences_state", run(layers.LSTM(U, return_sequences=True, return_state=True), x))
    add("lstm_backwards_sequences", run(layers.LSTM(U, go_backwards=True, return_sequences=True), x))
    add("lstm_backwards_state", run(layers.LSTM(U, go_backwards=True, return_state=True), x))
    add("lstm_mask_sequences_state", run(layers.LSTM(U, return_sequences=True, return_state=True), x, mask=mask))
    add("lstm_mask_holes_backwards", run(layers.LSTM(U, go_backwards=True, return_sequences=True), x, mask=mask_holes))
    add("lstm_mask_zero_output", run(layers.LSTM(U, return_sequences=True, zero_output_for_mask=True), x, mask=mask))
    add("lstm_initial_state", run(layers.LSTM(U, return_sequences=True, return_state=True), x, init=[h0, c0]))
    add("lstm_initial_state_mask", run(layers.LSTM(U), x, init=[h0, c0], mask=mask_holes))
    add("lstm_activations_no_bias", run(layers.LSTM(U, activation="relu", recurrent_activation="hard_sigmoid", use_bias=False,
                                                    return_sequences=True), x))
    add("lstm_regularized", run(layers.LSTM(U, kernel_regularizer="l1", recurrent_regularizer="l2", bias_regularizer="l1",
                                            activity_regularizer="l2"), x))
    add("lstm_dropout_training", run(layers.LSTM(U, dropout=0.25, seed=3, return_sequences=True), x, training=True))
    add("lstm_recurrent_dropout_training", run(layers.LSTM(U, dropout=0.2, recurrent_dropout=0.3, seed=11), x, training=True))
    add("lstm_dropout_inference", run(layers.LSTM(U, dropout=0.25, recurrent_dropout=0.3, seed=3), x))


def gru_cases():
    add("gru", run(layers.GRU(U), x))
    add("gru_reset_before", run(layers.GRU(U, reset_after=False, return_sequences=True), x))
    add("gru_no_bias", run(layers.GRU(U, use_bias=False, return_sequences=True), x))
    add("gru_reset_before_no_bias", run(layers.GRU(U, use_bias=False, reset_after=False), x))
    add("gru_backwards_sequences_state", run(layers.GRU(U, go_backwards=True, return_sequences=True, return_state=True), x))
    add("gru_mask_sequences", run(layers.GRU(U, return_sequences=True), x, mask=mask))
    add("gru_mask_reset_before_state", run(layers.GRU(U, reset_after=False, return_state=True), x, mask=mask_holes))
    add("gru_initial_state", run(layers.GRU(U, return_state=True), x, init=[h0]))
    add("gru_dropout_training", run(layers.GRU(U, dropout=0.3, seed=5, return_sequences=True), x, training=True))
    add("gru_recurrent_dropout_training", run(layers.GRU(U, dropout=0.2, recurrent_dropout=0.25, seed=9, reset_after=False), x,
                                              training=True))
    add("gru_recurrent_dropout_reset_after_training", run(layers.GRU(U, recurrent_dropout=0.25, seed=4, return_sequences=True), x,
                                                          training=True))


def rnn_cell_cases():
    add("rnn_lstm_cell", run(layers.RNN(layers.LSTMCell(U), return_sequences=True), x))
    add("rnn_gru_cell_backwards_state", run(layers.RNN(layers.GRUCell(U, reset_after=False), go_backwards=True, return_state=True), x))
    add("rnn_simple_cell_mask", run(layers.RNN(layers.SimpleRNNCell(U), return_sequences=True), x, mask=mask))


def bidirectional_cases():
    for mode in ["concat", "sum", "mul", "ave", None]:
        add(f"bidirectional_lstm_{mode}", run(layers.Bidirectional(layers.LSTM(U, return_sequences=True), merge_mode=mode), x))
    add("bidirectional_gru_last", run(layers.Bidirectional(layers.GRU(U)), x))
    add("bidirectional_lstm_state", run(layers.Bidirectional(layers.LSTM(U, return_state=True)), x))
    add("bidirectional_gru_state_none", run(layers.Bidirectional(layers.GRU(U, return_sequences=True, return_state=True), merge_mode=None), x))
    add("bidirectional_lstm_mask", run(layers.Bidirectional(layers.LSTM(U, return_sequences=True)), x, mask=mask))
    add("bidirectional_gru_mask_last", run(layers.Bidirectional(layers.GRU(U), merge_mode="sum"), x, mask=mask_holes))
    add("bidirectional_backward_layer", run(layers.Bidirectional(layers.LSTM(U, return_sequences=True),
                                                                  backward_layer=layers.SimpleRNN(2, return_sequences=True, go_backwards=True)), x))
    add("bidirectional_initial_state", run(layers.Bidirectional(layers.LSTM(U)), x, init=[h0, c0, normal(B, U), normal(B, U)]))


def time_distributed_cases():
    add("time_distributed_dense", run(layers.TimeDistributed(layers.Dense(2)), x))
    add("time_distributed_dense_relu_no_bias", run(layers.TimeDistributed(layers.Dense(3, activation="relu", use_bias=False)), x))
    x4 = normal(B, T, 3, 2)
    add("time_distributed_dense_rank4", run(layers.TimeDistributed(layers.Dense(2, activation="tanh")), x4))
    add("time_distributed_mask", run(layers.TimeDistributed(layers.Dense(2)), x, mask=mask))


def masking_cases():
    xm = x.copy()
    xm[0, 3:] = 0.0
    xm[1, :2] = 0.0
    xm[2, 2, :] = 0.0
    xm[2, 0, 1] = 0.0  # one zero feature does not mask the step
    add("masking", run(layers.Masking(), xm))
    xm2 = xm.copy()
    xm2[xm2 == 0.0] = -1.0
    add("masking_value", run(layers.Masking(mask_value=-1.0), xm2))
    return xm


pipelines = []


def pipeline(id_, model, xin):
    model(xin)
    model.set_weights([normal(*w.shape) * 0.5 for w in model.weights])
    tv = [v.value for v in model.trainable_variables]
    ntv = [v.value for v in model.non_trainable_variables]

    def f(tv):
        out, _ = model.stateless_call(tv, ntv, jnp.asarray(xin))
        return out

    out = f(tv)
    r = rng.standard_normal(np.shape(out)).astype(np.float32)
    gw = jax.grad(lambda tv: jnp.sum(f(tv) * r))(tv)
    pipelines.append({
        "id": id_,
        "layers": [{"class_name": type(l).__name__, "config": config(l)} for l in model.layers],
        "input": arr(xin),
        "weights": [arr(w) for w in model.get_weights()],
        "output": arr(out),
        "r": arr(r),
        "grad_weights": [arr(g) for g in gw],
    })


def pipeline_cases(xm):
    pipeline("masking_lstm", keras.Sequential([keras.Input((T, F)), layers.Masking(), layers.LSTM(U)]), xm)
    pipeline("masking_gru_sequences_lstm", keras.Sequential([keras.Input((T, F)), layers.Masking(), layers.GRU(U, return_sequences=True),
                                                             layers.LSTM(2)]), xm)
    pipeline("masking_bidirectional_dense", keras.Sequential([keras.Input((T, F)), layers.Masking(),
                                                              layers.Bidirectional(layers.LSTM(U, return_sequences=True)),
                                                              layers.TimeDistributed(layers.Dense(2))]), xm)
    ids = np.array([[3, 1, 4, 0, 0], [0, 0, 5, 9, 2], [6, 5, 3, 5, 8]], dtype=np.int32)
    pipeline("embedding_mask_zero_gru", keras.Sequential([keras.Input((T,), dtype="int32"), layers.Embedding(10, F, mask_zero=True),
                                                          layers.GRU(U, go_backwards=True)]), ids)
    pipeline("embedding_mask_zero_simple_rnn_dense", keras.Sequential([keras.Input((T,), dtype="int32"), layers.Embedding(10, F, mask_zero=True),
                                                                       layers.SimpleRNN(U, return_sequences=True), layers.Dense(2)]), ids)


stateful = []


def stateful_cases():
    """A stateful layer called on two halves of a sequence, then reset."""
    for layer in [layers.LSTM(U, stateful=True, return_sequences=True), layers.GRU(U, stateful=True),
                  layers.SimpleRNN(U, stateful=True, go_backwards=True)]:
        a, b = x[:, :2], x[:, 2:]
        layer(a)
        layer.set_weights(random_weights(layer))
        layer.reset_state()
        y1 = layer(a)
        y2 = layer(b)
        states = [np.asarray(v.value) for v in layer.states]
        layer.reset_state()
        y3 = layer(b)
        stateful.append({"class_name": type(layer).__name__, "config": config(layer), "inputs": [arr(a), arr(b)],
                         "weights": [arr(w) for w in layer.get_weights()], "outputs": [arr(y1), arr(y2), arr(y3)],
                         "states": [arr(v) for v in states]})


def naming_and_summary():
    """Keras's automatic names for the new classes, and an RNN model's summary rows."""
    keras.utils.clear_session()
    made = [layers.SimpleRNN(1), layers.LSTM(1), layers.LSTM(1), layers.GRU(1), layers.SimpleRNNCell(1), layers.LSTMCell(1),
            layers.GRUCell(1), layers.RNN(layers.LSTMCell(1)), layers.Bidirectional(layers.GRU(1)), layers.TimeDistributed(layers.Dense(1)),
            layers.Masking()]
    names = {"names": [l.name for l in made], "classes": [type(l).__name__ for l in made]}
    keras.utils.clear_session()
    model = keras.Sequential([
        keras.Input((None, 8)),
        layers.Masking(),
        layers.Bidirectional(layers.LSTM(16, return_sequences=True)),
        layers.GRU(8, return_sequences=True),
        layers.TimeDistributed(layers.Dense(4)),
        layers.SimpleRNN(5),
        layers.Dense(1),
    ])
    rows = [{"name": l.name, "class_name": type(l).__name__, "output_shape": list(l.output.shape),
             "params": int(l.count_params())} for l in model.layers]
    keras.utils.clear_session()
    inp = keras.Input((None, 4))
    seq, h, c = layers.LSTM(6, return_sequences=True, return_state=True)(inp)
    out = layers.GRU(3)(seq, initial_state=[layers.Dense(3)(h)])
    fmodel = keras.Model(inp, [out, c])
    frows = [{"name": l.name, "class_name": type(l).__name__, "params": int(l.count_params())} for l in fmodel.layers]
    return {"names": names, "summary": {"rows": rows, "total": int(model.count_params())},
            "functional": {"rows": frows, "total": int(fmodel.count_params())}}


if __name__ == "__main__":
    simple_rnn_cases()
    lstm_cases()
    gru_cases()
    rnn_cell_cases()
    bidirectional_cases()
    time_distributed_cases()
    xm = masking_cases()
    pipeline_cases(xm)
    stateful_cases()
    extra = naming_and_summary()
    path = os.path.join(OUT, "layers_rnn.json")
    with open(path, "w") as fh:
        json.dump({"cases": cases, "pipelines": pipelines, "stateful": stateful, **extra}, fh, separators=(",", ":"))
        fh.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes, {len(cases)} cases, {len(pipelines)} pipelines)")
