"""The peer side of `make bench-peer`: the same models as `kc bench`, in real Keras 3.

Prints the fields `kc bench --json` prints (compile ms, median and p90 ms/step,
samples/s, peak RSS) for each backend asked for, as JSON on stdout.

Models are built exactly as kc's `kc bench --model ...` builds them (architecture,
initializers, optimizer, loss, batch size); a step is one `train_on_batch` (mode fit) or
one `predict_on_batch` (mode predict) on a batch of real Fashion-MNIST images read from
the IDX files Debian's `dataset-fashion-mnist` package ships (the same rows kc uses).

Run through `make bench-peer`; by hand:
    KERAS_BACKEND=jax python bench/peer/keras_peer.py --model mlp --batch 128 --steps 50
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def batch(data_dir, n):
    """The first n training images (scaled to [0, 1], flattened) and labels."""
    x = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte"))[:n].reshape(n, 784).astype("float32") / 255.0
    y = read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte"))[:n].astype("int32")
    return x, y


def compiled(keras, m, jit):
    """Every model's training setup (kc bench's): Adam 1e-3, sparse categorical
    cross-entropy from logits."""
    m.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=jit,
    )
    return m


def mlp(keras, jit):
    keras.utils.set_random_seed(1234)
    m = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(10),
    ])
    return compiled(keras, m, jit)


def cnn(keras, jit):
    keras.utils.set_random_seed(1234)
    m = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(64, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(10),
    ])
    return compiled(keras, m, jit)


def resnet_block(keras, jit):
    keras.utils.set_random_seed(1234)
    L = keras.layers
    conv = lambda: L.Conv2D(32, 3, padding="same", use_bias=False)
    x = keras.Input((28, 28, 1))
    h = L.ReLU()(L.BatchNormalization()(conv()(x)))
    y = L.ReLU()(L.BatchNormalization()(conv()(h)))
    y = L.BatchNormalization()(conv()(y))
    out = L.ReLU()(L.Add()([h, y]))
    logits = L.Dense(10)(L.GlobalAveragePooling2D()(out))
    m = keras.Model(x, logits)
    return compiled(keras, m, jit)


def lstm(keras, jit):
    keras.utils.set_random_seed(1234)
    m = keras.Sequential([keras.Input((28, 28)), keras.layers.LSTM(128), keras.layers.Dense(10)])
    return compiled(keras, m, jit)


def transformer_block(keras, jit):
    keras.utils.set_random_seed(1234)
    L = keras.layers
    x = keras.Input((28, 28))
    h = L.Dense(64)(x)
    a = L.MultiHeadAttention(4, 16)(h, h)
    h = L.LayerNormalization()(L.Add()([h, a]))
    f = L.Dense(64)(L.Dense(128, activation="relu")(h))
    h = L.LayerNormalization()(L.Add()([h, f]))
    logits = L.Dense(10)(L.GlobalAveragePooling1D()(h))
    m = keras.Model(x, logits)
    return compiled(keras, m, jit)


MODELS = {"mlp": mlp, "cnn": cnn, "resnet-block": resnet_block, "lstm": lstm, "transformer-block": transformer_block}
SHAPES = {"mlp": (784,), "cnn": (28, 28, 1), "resnet-block": (28, 28, 1), "lstm": (28, 28), "transformer-block": (28, 28)}


def measure(keras, model, mode, x, y, steps, warmup, jit):
    m = MODELS[model](keras, jit)
    step = (lambda: m.train_on_batch(x, y)) if mode == "fit" else (lambda: m.predict_on_batch(x))
    t0 = time.perf_counter()
    step()  # traces and compiles
    first = (time.perf_counter() - t0) * 1e3
    for _ in range(max(warmup, 1) - 1):
        step()
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        out = step()
        # wait for the device: the result is a host value for fit, an array for predict
        np.asarray(out)
        times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    med = times[round((len(times) - 1) * 0.5)]
    p90 = times[round((len(times) - 1) * 0.9)]
    return {
        "compile_ms": max(first - med, 0.0),
        "median_ms": med,
        "p90_ms": p90,
        "samples_per_s": x.shape[0] * 1e3 / med if med > 0 else 0.0,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="mlp", choices=sorted(MODELS))
    p.add_argument("--mode", default="fit", choices=["fit", "predict"])
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--data", default=".deps/fashion-mnist")
    a = p.parse_args()
    backend = os.environ.get("KERAS_BACKEND", "jax")
    import keras  # after KERAS_BACKEND is final

    x, y = batch(a.data, a.batch)
    x = x.reshape((a.batch,) + SHAPES[a.model])
    rows = []
    jits = [True, False] if backend == "jax" else [False]
    for jit in jits:
        name = f"keras-{backend}" + ("" if jit else "-nojit") if backend == "jax" else f"keras-{backend}"
        try:
            r = measure(keras, a.model, a.mode, x, y, a.steps, a.warmup, jit)
            r["lowering"] = name
        except Exception as e:  # reported in its row, like kc bench
            r = {"lowering": name, "error": f"failed: {e}"}
        rows.append(r)
    json.dump({"model": a.model, "mode": a.mode, "batch": a.batch, "steps": a.steps,
               "warmup_steps_excluded": a.warmup, "keras_version": keras.__version__,
               "backend": backend, "rows": rows}, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
