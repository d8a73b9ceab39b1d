"""Golden values for kc's trainer and callbacks, computed by real Keras 3 (JAX backend).

Run (from the repository root):
    KERAS_BACKEND=jax .deps/keras-venv/bin/python tests/golden/keras/training.py

Writes `data/training.json`:
- `hooks`: the callback hooks Keras calls, in order, with their epoch/batch argument and
  the sorted keys of their logs, for `fit` (2 epochs of 3 batches with validation data),
  `evaluate` and `predict`;
- `weighted`: a Dense(1) regression fitted with SGD and `sample_weight` (and a validation
  split, which splits the weights too), with `metrics=["mae"]` and
  `weighted_metrics=["mae"]`: the history, the final weights, the CSVLogger file, then
  `evaluate` with sample weights and `test_on_batch`/`train_on_batch` logs;
- `class_weight`: a softmax classifier fitted with `class_weight`;
- `monitors`: EarlyStopping, ReduceLROnPlateau and ModelCheckpoint(save_best_only) driven
  epoch by epoch with fixed logs: when training would stop, the learning rate after each
  epoch, which files are written (their names formatted from the logs), which weights
  are restored;
- `lr_scheduler`: the learning rates LearningRateScheduler sets and logs.

kc's test is `tests/frontend/callbacks.rs` (and `tests/frontend/trainer.rs`).
"""

import json
import os
import tempfile

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402

assert keras.backend.backend() == "jax", "run with KERAS_BACKEND=jax"

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data")
rng = np.random.default_rng(20240612)


def enc(arr):
    arr = np.asarray(arr)
    kind = "int32" if np.issubdtype(arr.dtype, np.integer) else "float32"
    return {
        "dtype": kind,
        "shape": list(arr.shape),
        "data": [int(v) if kind == "int32" else float(v) for v in arr.reshape(-1)],
    }


def floats(d):
    return {k: [float(x) for x in v] if isinstance(v, list) else float(v) for k, v in d.items()}


class Recorder(keras.callbacks.Callback):
    """Every hook, its argument and its logs' keys."""

    def __init__(self):
        super().__init__()
        self.events = []

    def _rec(self, hook, arg=None, logs=None):
        self.events.append({"hook": hook, "arg": arg, "keys": sorted((logs or {}).keys())})


for _hook in [
    "on_train_begin",
    "on_train_end",
    "on_test_begin",
    "on_test_end",
    "on_predict_begin",
    "on_predict_end",
]:
    setattr(Recorder, _hook, (lambda h: lambda self, logs=None: self._rec(h, None, logs))(_hook))
for _hook in [
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
]:
    setattr(Recorder, _hook, (lambda h: lambda self, i, logs=None: self._rec(h, i, logs))(_hook))


def dense_model(units, activation=None, kernel=None, bias=None, inputs=2):
    keras.backend.clear_session()
    m = keras.Sequential([keras.Input((inputs,)), keras.layers.Dense(units, activation=activation)])
    if kernel is not None:
        m.layers[0].set_weights([kernel, bias])
    return m


def hooks():
    x = rng.normal(size=(10, 2)).astype("float32")
    y = rng.normal(size=(10, 1)).astype("float32")
    vx = rng.normal(size=(6, 2)).astype("float32")
    vy = rng.normal(size=(6, 1)).astype("float32")
    m = dense_model(1)
    m.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    r = Recorder()
    m.fit(x, y, batch_size=4, epochs=2, validation_data=(vx, vy), callbacks=[r], verbose=0, shuffle=False)
    fit_events = r.events
    r = Recorder()
    m.evaluate(x, y, batch_size=4, callbacks=[r], verbose=0)
    eval_events = r.events
    r = Recorder()
    m.predict(x, batch_size=4, callbacks=[r], verbose=0)
    return {"fit": fit_events, "evaluate": eval_events, "predict": r.events}


def weighted():
    x = rng.normal(size=(12, 2)).astype("float32")
    y = rng.normal(size=(12, 1)).astype("float32")
    sw = rng.uniform(0.0, 2.0, size=(12,)).astype("float32")
    kernel = rng.normal(size=(2, 1)).astype("float32")
    bias = rng.normal(size=(1,)).astype("float32")
    m = dense_model(1, kernel=kernel, bias=bias)
    m.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"], weighted_metrics=["mae"])
    with tempfile.TemporaryDirectory() as d:
        csv = os.path.join(d, "log.csv")
        h = m.fit(
            x,
            y,
            sample_weight=sw,
            batch_size=4,
            epochs=2,
            shuffle=False,
            validation_split=0.25,
            verbose=0,
            callbacks=[keras.callbacks.CSVLogger(csv, separator=";")],
        )
        with open(csv) as f:
            csv_text = f.read()
    weights_after_fit = [enc(w) for w in m.layers[0].get_weights()]
    ev = m.evaluate(x, y, sample_weight=sw, batch_size=5, verbose=0, return_dict=True)
    tob = m.test_on_batch(x[:5], y[:5], sample_weight=sw[:5], return_dict=True)
    trb = m.train_on_batch(x[:5], y[:5], sample_weight=sw[:5], return_dict=True)
    return {
        "x": enc(x),
        "y": enc(y),
        "sample_weight": enc(sw),
        "kernel": enc(kernel),
        "bias": enc(bias),
        "history": floats(h.history),
        "weights_after_fit": weights_after_fit,
        "csv": csv_text,
        "evaluate": floats(ev),
        "test_on_batch": floats(tob),
        "train_on_batch": floats(trb),
        "weights_after_train_on_batch": [enc(w) for w in m.layers[0].get_weights()],
    }


def class_weight():
    x = rng.normal(size=(10, 2)).astype("float32")
    y = rng.integers(0, 3, size=(10,)).astype("int32")
    kernel = rng.normal(size=(2, 3)).astype("float32")
    bias = rng.normal(size=(3,)).astype("float32")
    cw = {0: 1.0, 1: 2.0, 2: 0.5}
    m = dense_model(3, activation="softmax", kernel=kernel, bias=bias)
    m.compile(
        optimizer=keras.optimizers.SGD(0.5),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        weighted_metrics=["accuracy"],
    )
    h = m.fit(x, y, class_weight=cw, batch_size=4, epochs=2, shuffle=False, verbose=0)
    return {
        "x": enc(x),
        "y": enc(y),
        "kernel": enc(kernel),
        "bias": enc(bias),
        "class_weight": {str(k): v for k, v in cw.items()},
        "history": floats(h.history),
        "weights_after_fit": [enc(w) for w in m.layers[0].get_weights()],
    }


VAL_LOSS = [1.0, 0.9, 0.95, 0.9, 0.891, 0.92, 0.5, 0.6, 0.6, 0.6, 0.49, 0.7]
VAL_ACC = [0.5, 0.6, 0.6, 0.55, 0.62, 0.61, 0.7, 0.7, 0.7, 0.71, 0.8, 0.6]


def drive(cb, model, epochs=len(VAL_LOSS), set_kernel=False):
    """Call the hooks as fit would, with fixed logs; record what the callback did."""
    cb.set_model(model)
    model.stop_training = False
    cb.on_train_begin()
    per_epoch = []
    for e in range(epochs):
        if set_kernel:  # distinct weights each epoch, to see which ones get restored
            model.layers[0].set_weights([np.full((2, 1), float(e), "float32"), np.zeros((1,), "float32")])
        cb.on_epoch_begin(e)
        logs = {"loss": 2.0 - 0.1 * e, "val_loss": VAL_LOSS[e], "val_acc": VAL_ACC[e]}
        cb.on_epoch_end(e, logs)
        per_epoch.append(
            {
                "stop_training": bool(model.stop_training),
                "learning_rate": float(np.asarray(model.optimizer.learning_rate)),
                "logged_learning_rate": logs.get("learning_rate"),
            }
        )
    cb.on_train_end()
    return per_epoch


def monitors():
    out = []

    def model():
        m = dense_model(1)
        m.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        return m

    early = [
        {"monitor": "val_loss", "patience": 2},
        {"monitor": "val_loss", "patience": 2, "min_delta": 0.01},
        {"monitor": "val_loss", "patience": 1, "baseline": 0.85},
        {"monitor": "val_acc", "patience": 2, "mode": "max"},
        {"monitor": "val_loss", "patience": 3, "start_from_epoch": 4},
        {"monitor": "val_loss", "patience": 3, "restore_best_weights": True},
        {"monitor": "val_loss", "patience": 30, "restore_best_weights": True},
    ]
    for args in early:
        m = model()
        cb = keras.callbacks.EarlyStopping(**args)
        per_epoch = drive(cb, m, set_kernel=True)
        out.append(
            {
                "callback": "EarlyStopping",
                "args": args,
                "epochs": per_epoch,
                "stopped_epoch": cb.stopped_epoch,
                "final_kernel": float(m.layers[0].get_weights()[0][0, 0]),
            }
        )
    reduce = [
        {"monitor": "val_loss", "factor": 0.5, "patience": 2},
        {"monitor": "val_loss", "factor": 0.5, "patience": 1, "min_delta": 0.05, "cooldown": 2, "min_lr": 0.02},
        {"monitor": "val_acc", "factor": 0.2, "patience": 1, "mode": "max"},
    ]
    for args in reduce:
        m = model()
        cb = keras.callbacks.ReduceLROnPlateau(**args)
        out.append({"callback": "ReduceLROnPlateau", "args": args, "epochs": drive(cb, m)})
    checkpoint = [
        {"save_best_only": True},
        {"save_best_only": True, "monitor": "val_acc", "mode": "max"},
        {"save_best_only": False},
        {"save_best_only": True, "initial_value_threshold": 0.8},
    ]
    for args in checkpoint:
        m = model()
        with tempfile.TemporaryDirectory() as d:
            pattern = "w-{epoch:02d}-{val_loss:.3f}.weights.h5"
            saved = []

            class Spy(keras.callbacks.ModelCheckpoint):
                def _save_model(self, epoch, batch, logs):
                    before = set(os.listdir(d))
                    super()._save_model(epoch, batch, logs)
                    saved.extend(sorted(set(os.listdir(d)) - before))

            cb = Spy(os.path.join(d, pattern), save_weights_only=True, **args)
            drive(cb, m)
        out.append({"callback": "ModelCheckpoint", "args": args, "pattern": pattern, "saved": saved})
    return out


def lr_scheduler():
    x = rng.normal(size=(8, 2)).astype("float32")
    y = rng.normal(size=(8, 1)).astype("float32")
    m = dense_model(1)
    m.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    seen = []

    def schedule(epoch, lr):
        seen.append([epoch, float(lr)])
        return lr if epoch < 2 else lr * 0.5

    h = m.fit(x, y, epochs=5, batch_size=4, verbose=0, callbacks=[keras.callbacks.LearningRateScheduler(schedule)])
    return {"seen": seen, "history_learning_rate": [float(v) for v in h.history["learning_rate"]]}


def main():
    doc = {
        "generator": "tests/golden/keras/training.py",
        "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
        "hooks": hooks(),
        "weighted": weighted(),
        "class_weight": class_weight(),
        "monitors": monitors(),
        "lr_scheduler": lr_scheduler(),
    }
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "training.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
