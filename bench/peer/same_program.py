"""One program, two XLA builds: JAX's lowering of a Keras model's forward pass (or, with
`--mode grad`, its loss and gradients: the train step without the optimizer), timed in
jaxlib and written out as StableHLO for kc's plugin (`examples/time_stablehlo.rs`).

    KERAS_BACKEND=jax .deps/keras-venv/bin/python bench/peer/same_program.py --model cnn --out /tmp/cnn.mlir
    cargo run --release --example time_stablehlo -- /tmp/cnn.mlir

The model is `keras_peer.py`'s, batch 128, inference (`training=False`); the arguments are
the weights then the images. Where the two medians differ, the XLA builds differ: the
program is the same.
"""
import argparse
import os
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_peer  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="cnn", choices=sorted(keras_peer.MODELS))
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--runs", type=int, default=50)
    p.add_argument("--mode", default="predict", choices=["predict", "grad"])
    p.add_argument("--out", required=True)
    a = p.parse_args()
    m = keras_peer.MODELS[a.model](keras, True)
    x = np.random.default_rng(0).random((a.batch,) + keras_peer.SHAPES[a.model], dtype=np.float32)
    tv = [v.value for v in m.trainable_variables]
    ntv = [v.value for v in m.non_trainable_variables]

    def forward(tv, ntv, x):
        y, _ = m.stateless_call(tv, ntv, x, training=False)
        return y

    labels = np.random.default_rng(1).integers(0, 10, a.batch).astype(np.float32)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def grads(tv, ntv, x, y):
        # the loss and its gradients w.r.t. the trainable weights (the train step
        # without the optimizer update); labels as f32 so every argument is f32
        def loss(tv):
            logits, _ = m.stateless_call(tv, ntv, x, training=True)
            return loss_fn(y.astype("int32"), logits)

        return jax.value_and_grad(loss)(tv)

    if a.mode == "predict":
        f, args = jax.jit(forward), (tv, ntv, x)
    else:
        f, args = jax.jit(grads), (tv, ntv, x, labels)
    with open(a.out, "w") as fh:
        fh.write(f.lower(*args).as_text())
    for _ in range(5):
        jax.block_until_ready(f(*args))
    times = []
    for _ in range(a.runs):
        t = time.perf_counter()
        jax.block_until_ready(f(*args))
        times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    print(f"{a.out}: jaxlib {jax.__version__} median {times[len(times) // 2]:.3f} ms, min {times[0]:.3f} ms over {a.runs} runs")


if __name__ == "__main__":
    main()
