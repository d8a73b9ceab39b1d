"""Golden values for kc's optimizers and learning-rate schedules, computed by real Keras 3
(JAX backend).

Run (from the repository root):
    KERAS_BACKEND=jax .deps/keras-venv/bin/python tests/golden/keras/optimizers.py

Writes `data/optimizers.json`:
- `variables`: two weights (`dense/kernel` 3x2, `dense/bias` 2) with seeded values, and
  `gradients`: three steps of seeded gradients for them (one gradient is all zeros in
  step 2, to exercise the zero-norm path of `clipnorm`);
- `optimizers`: each optimizer class with several argument sets (momentum, Nesterov,
  AMSGrad, centered, weight decay with and without exclusions, each clipping mode, EMA, a
  schedule as learning rate). For each: the weights after each of the three
  `optimizer.apply(grads, vars)` calls, the optimizer's variables (paths and values)
  after the third, and its name;
- `schedules`: each schedule with several argument sets and its value at a list of steps;
- `errors`: argument values Keras's constructors refuse (kc must refuse them too).

kc's test is `tests/frontend/optimizers.rs`.
"""

import json
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras.optimizers import schedules as S  # noqa: E402

assert keras.backend.backend() == "jax", "run with KERAS_BACKEND=jax"

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data")
rng = np.random.default_rng(20240611)


def enc(arr):
    arr = np.asarray(arr)
    kind = "int32" if np.issubdtype(arr.dtype, np.integer) else "float32"
    return {
        "dtype": kind,
        "shape": list(arr.shape),
        "data": [int(v) if kind == "int32" else float(v) for v in arr.reshape(-1)],
    }


W0 = {
    "dense/kernel": rng.normal(size=(3, 2)).astype("float32"),
    "dense/bias": rng.normal(scale=0.5, size=(2,)).astype("float32"),
}
GRADS = [[rng.normal(size=w.shape).astype("float32") for w in W0.values()] for _ in range(3)]
GRADS[1][1] = np.zeros_like(GRADS[1][1])

# (class, constructor args, schedule or None) -- the schedule, when given, is the
# learning rate.
SCHED_EXP = ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.5})
SCHED_COS = ("CosineDecay", {"initial_learning_rate": 0.05, "decay_steps": 4, "warmup_target": 0.2, "warmup_steps": 2})
OPTIMIZERS = [
    ("SGD", {}, None),
    ("SGD", {"learning_rate": 0.1}, None),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9}, None),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}, None),
    ("SGD", {"learning_rate": 0.1, "weight_decay": 0.5}, None),
    ("SGD", {"learning_rate": 0.1, "clipnorm": 0.5}, None),
    ("SGD", {"learning_rate": 0.1, "clipvalue": 0.3}, None),
    ("SGD", {"learning_rate": 0.1, "global_clipnorm": 0.7}, None),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.5, "use_ema": True, "ema_momentum": 0.8}, None),
    ("SGD", {"learning_rate": 0.1, "use_ema": True, "ema_momentum": 0.8, "ema_overwrite_frequency": 2}, None),
    ("SGD", {"momentum": 0.9}, SCHED_EXP),
    ("RMSprop", {}, None),
    ("RMSprop", {"learning_rate": 0.01, "rho": 0.8}, None),
    ("RMSprop", {"learning_rate": 0.01, "momentum": 0.5}, None),
    ("RMSprop", {"learning_rate": 0.01, "centered": True}, None),
    ("RMSprop", {"learning_rate": 0.01, "centered": True, "momentum": 0.3, "epsilon": 1e-3}, None),
    ("RMSprop", {"learning_rate": 0.01, "weight_decay": 0.2, "clipnorm": 1.0}, None),
    ("Adam", {}, None),
    ("Adam", {"learning_rate": 0.05, "beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-3}, None),
    ("Adam", {"learning_rate": 0.05, "amsgrad": True}, None),
    ("Adam", {"learning_rate": 0.05, "weight_decay": 0.1}, None),
    ("Adam", {"learning_rate": 0.05, "global_clipnorm": 1.0}, None),
    ("Adam", {}, SCHED_COS),
    ("AdamW", {}, None),
    ("AdamW", {"learning_rate": 0.05, "weight_decay": 0.3, "amsgrad": True}, None),
    ("AdamW", {"learning_rate": 0.05, "weight_decay": 0.3, "exclude": ["bias"]}, None),
    ("Adagrad", {}, None),
    ("Adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.5, "epsilon": 1e-3}, None),
    ("Adagrad", {"learning_rate": 0.1, "clipvalue": 0.5}, None),
    ("Adadelta", {}, None),
    ("Adadelta", {"learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-4}, None),
    ("Adamax", {}, None),
    ("Adamax", {"learning_rate": 0.05, "beta_1": 0.7, "beta_2": 0.9}, None),
    ("Nadam", {}, None),
    ("Nadam", {"learning_rate": 0.05, "beta_1": 0.8, "beta_2": 0.95}, None),
    ("Nadam", {"learning_rate": 0.05, "weight_decay": 0.1}, None),
    ("Ftrl", {}, None),
    ("Ftrl", {"learning_rate": 0.1, "learning_rate_power": -0.7, "initial_accumulator_value": 0.3}, None),
    (
        "Ftrl",
        {
            "learning_rate": 0.1,
            "l1_regularization_strength": 0.05,
            "l2_regularization_strength": 0.1,
            "l2_shrinkage_regularization_strength": 0.02,
            "beta": 0.5,
        },
        None,
    ),
    ("Ftrl", {"learning_rate": 0.1, "learning_rate_power": 0.0}, None),
    ("Lion", {}, None),
    ("Lion", {"learning_rate": 0.01, "beta_1": 0.5, "beta_2": 0.8}, None),
    ("Lion", {"learning_rate": 0.01, "weight_decay": 0.5}, None),
]

SCHEDULES = [
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.9}),
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.9, "staircase": True}),
    ("ExponentialDecay", {"initial_learning_rate": 0.5, "decay_steps": 3.5, "decay_rate": 0.3}),
    ("PiecewiseConstantDecay", {"boundaries": [10, 20], "values": [1.0, 0.5, 0.1]}),
    ("PiecewiseConstantDecay", {"boundaries": [5], "values": [0.3, 0.03]}),
    ("PiecewiseConstantDecay", {"boundaries": [1, 5, 37], "values": [4.0, 3.0, 2.0, 1.0]}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 20}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 20, "end_learning_rate": 0.01, "power": 0.5}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 20, "end_learning_rate": 0.01, "power": 2.0, "cycle": True}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5, "staircase": True}),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 100}),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 100, "alpha": 0.2}),
    ("CosineDecay", {"initial_learning_rate": 0.0, "decay_steps": 100, "warmup_target": 0.1, "warmup_steps": 10}),
    ("CosineDecay", {"initial_learning_rate": 0.01, "decay_steps": 50, "alpha": 0.1, "warmup_target": 0.2, "warmup_steps": 25}),
]
STEPS = [0, 1, 2, 5, 9, 10, 11, 19, 20, 21, 25, 37, 40, 50, 99, 100, 110, 150, 1000]

# Arguments Keras's constructors refuse (class, args, schedule or None).
ERRORS = [
    ("SGD", {"momentum": 1.5}),
    ("SGD", {"momentum": -0.1}),
    ("SGD", {"clipnorm": 1.0, "clipvalue": 1.0}),
    ("Adam", {"use_ema": True, "ema_momentum": 1.5}),
    ("Ftrl", {"initial_accumulator_value": -1.0}),
    ("Ftrl", {"learning_rate_power": 0.5}),
    ("Ftrl", {"l1_regularization_strength": -1.0}),
    ("Ftrl", {"l2_regularization_strength": -1.0}),
    ("Ftrl", {"l2_shrinkage_regularization_strength": -1.0}),
    ("Lion", {"beta_1": 0.0}),
    ("Lion", {"beta_1": 1.5}),
]
SCHEDULE_ERRORS = [
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 0, "decay_rate": 0.9}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": -1}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 0, "decay_rate": 0.5}),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 0}),
    ("PiecewiseConstantDecay", {"boundaries": [1, 2], "values": [1.0, 2.0]}),
]


def schedule(cls, args):
    return getattr(S, cls)(**args)


def make_optimizer(cls, args, sched):
    args = dict(args)
    exclude = args.pop("exclude", None)
    if sched is not None:
        args["learning_rate"] = schedule(*sched)
    opt = getattr(keras.optimizers, cls)(**args)
    if exclude:
        opt.exclude_from_weight_decay(var_names=exclude)
    return opt


def optimizer_case(cls, args, sched):
    keras.backend.clear_session()  # so the optimizer gets its default name
    variables = []
    for path, w in W0.items():
        scope, name = path.split("/")
        with keras.name_scope(scope):
            variables.append(keras.Variable(w.copy(), name=name))
    opt = make_optimizer(cls, args, sched)
    steps = []
    for grads in GRADS:
        opt.apply([keras.ops.convert_to_tensor(g) for g in grads], variables)
        steps.append([enc(v.numpy()) for v in variables])
    case = {
        "class": cls,
        "args": args,
        "schedule": None if sched is None else {"class": sched[0], "args": sched[1]},
        "name": opt.name,
        "steps": steps,
        "optimizer_variables": [{"path": v.path, "value": enc(v.numpy())} for v in opt.variables],
    }
    return case


def schedule_case(cls, args):
    s = schedule(cls, args)
    values = [float(np.asarray(s(np.int32(step)))) for step in STEPS]
    return {"class": cls, "args": args, "steps": STEPS, "values": values}


def refused(make):
    try:
        make()
    except ValueError as e:
        return str(e)
    raise AssertionError("Keras accepted it")


def main():
    doc = {
        "generator": "tests/golden/keras/optimizers.py",
        "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
        "variables": [{"path": p, "value": enc(w)} for p, w in W0.items()],
        "gradients": [[enc(g) for g in step] for step in GRADS],
        "optimizers": [optimizer_case(*c) for c in OPTIMIZERS],
        "schedules": [schedule_case(*c) for c in SCHEDULES],
        "errors": [{"class": c, "args": a, "keras_error": refused(lambda: getattr(keras.optimizers, c)(**a))} for c, a in ERRORS],
        "schedule_errors": [{"class": c, "args": a, "keras_error": refused(lambda: schedule(c, a))} for c, a in SCHEDULE_ERRORS],
    }
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "optimizers.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path}: {len(doc['optimizers'])} optimizer cases, {len(doc['schedules'])} schedules")


if __name__ == "__main__":
    main()
