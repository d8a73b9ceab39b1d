"""Golden values for kc's losses and metrics, computed by real Keras 3 (JAX backend).

Run (from the repository root):
    KERAS_BACKEND=jax .deps/keras-venv/bin/python tests/golden/keras/losses_metrics.py

Writes `data/losses.json` and `data/metrics.json`. Every input is drawn from a seeded
numpy generator and stored in the JSON (float32 values printed exactly), so kc's tests
(`tests/frontend/losses.rs`, `tests/frontend/metrics.rs`) feed the very same numbers.

Each loss case names a Keras loss class (or a string identifier), its constructor
arguments, the inputs, the reduction and the optional sample weight, and the value Keras
returns. Each metric case names a metric class, its arguments, two `update_state` calls
and `result()` afterwards.
"""

import json
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras.src.losses.losses import LossFunctionWrapper  # noqa: E402
from keras.src.trainers import compile_utils  # noqa: E402

assert keras.backend.backend() == "jax", "run with KERAS_BACKEND=jax"

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data")
rng = np.random.default_rng(20240607)

INPUTS = {}


def put(name, arr, dtype="float32"):
    arr = np.asarray(arr).astype(dtype)
    INPUTS[name] = arr
    return name


def enc(arr):
    arr = np.asarray(arr)
    if arr.dtype == np.bool_:
        arr = arr.astype("float32")
    kind = "int32" if np.issubdtype(arr.dtype, np.integer) else "float32"
    return {
        "dtype": kind,
        "shape": list(arr.shape),
        "data": [int(v) if kind == "int32" else float(v) for v in arr.reshape(-1)],
    }


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


# ---------------------------------------------------------------- inputs
N, C = 6, 4
put("reg_true", rng.normal(size=(N, 3)))
put("reg_pred", rng.normal(size=(N, 3)))
put("reg_true_1d", rng.normal(size=(N,)))
put("reg_pred_col", rng.normal(size=(N, 1)))
put("pos_true", rng.uniform(0.0, 3.0, size=(N, 3)))
put("pos_pred", rng.uniform(0.05, 3.0, size=(N, 3)))
put("count_true", rng.poisson(2.0, size=(N, 3)))
put("sw", rng.uniform(0.0, 2.0, size=(N,)))
put("sw_col", rng.uniform(0.0, 2.0, size=(N, 1)))
put("sw_full", rng.uniform(0.0, 2.0, size=(N, 3)))
put("sw_cat", rng.uniform(0.0, 2.0, size=(N, C)))
put("bin_true", rng.integers(0, 2, size=(N, 3)))
bp = rng.uniform(0.02, 0.98, size=(N, 3))
bp[0, 0], bp[1, 1] = 0.0, 1.0  # exercises the [eps, 1-eps] clipping
put("bin_prob", bp)
put("bin_logit", rng.normal(scale=2.0, size=(N, 3)))
put("pm_true", rng.integers(0, 2, size=(N, 3)) * 2 - 1)
labels = rng.integers(0, C, size=(N,))
labels[:2] = [2, 0]
put("sparse_true", labels, "int32")
put("sparse_true_col", labels.reshape(N, 1), "int32")
put("sparse_true_f", labels, "float32")
put("cat_true", np.eye(C)[labels])
put("cat_soft", softmax(rng.normal(size=(N, C))))
put("cat_prob", rng.uniform(0.05, 1.0, size=(N, C)))  # not normalised on purpose
put("cat_logit", rng.normal(scale=2.0, size=(N, C)))
lab3 = rng.integers(0, C, size=(2, 3))
put("sparse3_true", lab3, "int32")
put("cat3_true", np.eye(C)[lab3])
put("cat3_logit", rng.normal(scale=2.0, size=(2, 3, C)))
put("multi_true", rng.integers(0, 2, size=(N, C)))
# AUC / precision / recall: larger batches of scores in [0, 1] with 0/1 labels.
put("auc_true_a", rng.integers(0, 2, size=(24,)))
put("auc_pred_a", rng.uniform(0.0, 1.0, size=(24,)))
put("auc_true_b", rng.integers(0, 2, size=(24,)))
put("auc_pred_b", rng.uniform(0.0, 1.0, size=(24,)))
put("auc_logit_a", rng.normal(scale=2.0, size=(24,)))
put("auc_logit_b", rng.normal(scale=2.0, size=(24,)))
put("auc_sw_a", rng.uniform(0.0, 2.0, size=(24,)))
put("auc_sw_b", rng.uniform(0.0, 2.0, size=(24,)))
put("auc2_true_a", rng.integers(0, 2, size=(8, 3)))
put("auc2_pred_a", rng.uniform(0.0, 1.0, size=(8, 3)))
put("auc2_true_b", rng.integers(0, 2, size=(8, 3)))
put("auc2_pred_b", rng.uniform(0.0, 1.0, size=(8, 3)))
# second batches for the metrics' second update_state
put("reg_true_b", rng.normal(size=(N, 3)))
put("reg_pred_b", rng.normal(size=(N, 3)))
put("sw_b", rng.uniform(0.0, 2.0, size=(N,)))
put("sw_cat_b", rng.uniform(0.0, 2.0, size=(N, C)))
put("bin_true_b", rng.integers(0, 2, size=(N, 3)))
put("bin_prob_b", rng.uniform(0.0, 1.0, size=(N, 3)))
lb = rng.integers(0, C, size=(N,))
put("sparse_true_b", lb, "int32")
put("sparse_true_col_b", lb.reshape(N, 1), "int32")
put("cat_true_b", np.eye(C)[lb])
put("cat_prob_b", rng.uniform(0.05, 1.0, size=(N, C)))
put("multi_true_b", rng.integers(0, 2, size=(N, C)))
put("acc_true", rng.integers(0, 3, size=(N, 1)))
put("acc_pred", rng.integers(0, 3, size=(N, 1)))
put("acc_true_b", rng.integers(0, 3, size=(N, 1)))
put("acc_pred_b", rng.integers(0, 3, size=(N, 1)))
put("bin_col_true", rng.integers(0, 2, size=(N, 1)))
put("bin_col_prob", rng.uniform(0.0, 1.0, size=(N, 1)))
put("pos_true_b", rng.uniform(0.0, 3.0, size=(N, 3)))
put("pos_pred_b", rng.uniform(0.05, 3.0, size=(N, 3)))
put("cat_soft_b", softmax(rng.normal(size=(N, C))))
put("pm_true_b", rng.integers(0, 2, size=(N, 3)) * 2 - 1)
# Predictions exactly on threshold grids, where "p > threshold" and Keras's bucketing of
# evenly spaced thresholds can disagree in float32 (0.3 * 10 rounds above 3).
put("grid_pred", np.tile(np.arange(11) / 10.0, 2))
put("grid_true", (np.arange(22) * 7 % 3 == 0).astype("int32"))
put("grid4_pred", np.tile(np.array([0.0, 0.25, 0.5, 0.75, 1.0, 0.3, 0.7]), 2))
put("grid4_true", (np.arange(14) % 2).astype("int32"))

# ---------------------------------------------------------------- losses
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "none", "mean_with_sample_weight"]

# (Keras class, constructor args, [(y_true, y_pred), ...])
REG = [("reg_true", "reg_pred"), ("reg_true_1d", "reg_pred_col")]
BIN = [("bin_true", "bin_prob")]
BIN_LOGIT = [("bin_true", "bin_logit")]
CAT = [("cat_true", "cat_prob"), ("cat_true", "cat_soft")]
CAT_LOGIT = [("cat_true", "cat_logit"), ("cat3_true", "cat3_logit")]
LOSSES = [
    ("MeanSquaredError", {}, REG),
    ("MeanAbsoluteError", {}, REG),
    ("MeanAbsolutePercentageError", {}, REG),
    ("MeanSquaredLogarithmicError", {}, REG + [("pos_true", "pos_pred")]),
    ("Huber", {}, REG),
    ("Huber", {"delta": 0.5}, REG),
    ("LogCosh", {}, REG),
    ("CosineSimilarity", {}, [("reg_true", "reg_pred")]),
    ("CosineSimilarity", {"axis": 0}, [("reg_true", "reg_pred")]),
    ("BinaryCrossentropy", {}, BIN),
    ("BinaryCrossentropy", {"label_smoothing": 0.1}, BIN),
    ("BinaryCrossentropy", {"from_logits": True}, BIN_LOGIT),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, BIN_LOGIT),
    ("CategoricalCrossentropy", {}, CAT),
    ("CategoricalCrossentropy", {"label_smoothing": 0.1}, CAT),
    ("CategoricalCrossentropy", {"from_logits": True}, CAT_LOGIT),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, CAT_LOGIT),
    ("CategoricalCrossentropy", {"from_logits": True, "axis": 0}, [("cat_true", "cat_logit")]),
    ("SparseCategoricalCrossentropy", {}, [("sparse_true", "cat_prob"), ("sparse_true_col", "cat_soft")]),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, [("sparse_true", "cat_logit"), ("sparse3_true", "cat3_logit")]),
    ("SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": 2}, [("sparse_true", "cat_logit"), ("sparse_true_col", "cat_logit"), ("sparse3_true", "cat3_logit")]),
    ("BinaryFocalCrossentropy", {}, BIN),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "alpha": 0.4, "gamma": 0.5}, BIN),
    ("BinaryFocalCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, BIN_LOGIT),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "from_logits": True, "gamma": 3.0}, BIN_LOGIT),
    ("CategoricalFocalCrossentropy", {}, CAT),
    ("CategoricalFocalCrossentropy", {"alpha": 0.5, "gamma": 1.5, "label_smoothing": 0.1}, CAT),
    ("CategoricalFocalCrossentropy", {"from_logits": True}, CAT_LOGIT),
    ("KLDivergence", {}, [("cat_soft", "cat_prob"), ("cat_true", "cat_soft")]),
    ("Poisson", {}, [("count_true", "pos_pred"), ("pos_true", "pos_pred")]),
    ("Hinge", {}, [("bin_true", "reg_pred"), ("pm_true", "reg_pred")]),
    ("SquaredHinge", {}, [("bin_true", "reg_pred"), ("pm_true", "reg_pred")]),
    ("CategoricalHinge", {}, [("cat_true", "cat_logit")]),
]

# String identifiers as `compile(loss=...)` resolves them (a function, wrapped with the
# default reduction) or as classes.
ALIASES = [
    ("mse", "reg_true", "reg_pred"),
    ("MSE", "reg_true", "reg_pred"),
    ("mean_squared_error", "reg_true", "reg_pred"),
    ("mae", "reg_true", "reg_pred"),
    ("MAE", "reg_true", "reg_pred"),
    ("mean_absolute_error", "reg_true", "reg_pred"),
    ("mape", "reg_true", "reg_pred"),
    ("MAPE", "reg_true", "reg_pred"),
    ("mean_absolute_percentage_error", "reg_true", "reg_pred"),
    ("msle", "pos_true", "pos_pred"),
    ("MSLE", "pos_true", "pos_pred"),
    ("mean_squared_logarithmic_error", "pos_true", "pos_pred"),
    ("huber", "reg_true", "reg_pred"),
    ("log_cosh", "reg_true", "reg_pred"),
    ("cosine_similarity", "reg_true", "reg_pred"),
    ("bce", "bin_true", "bin_prob"),
    ("BCE", "bin_true", "bin_prob"),
    ("binary_crossentropy", "bin_true", "bin_prob"),
    ("categorical_crossentropy", "cat_true", "cat_prob"),
    ("sparse_categorical_crossentropy", "sparse_true", "cat_prob"),
    ("binary_focal_crossentropy", "bin_true", "bin_prob"),
    ("categorical_focal_crossentropy", "cat_true", "cat_prob"),
    ("kl_divergence", "cat_soft", "cat_prob"),
    ("kld", "cat_soft", "cat_prob"),
    ("KLD", "cat_soft", "cat_prob"),
    ("poisson", "count_true", "pos_pred"),
    ("hinge", "pm_true", "reg_pred"),
    ("squared_hinge", "pm_true", "reg_pred"),
    ("categorical_hinge", "cat_true", "cat_logit"),
    ("Huber", "reg_true", "reg_pred"),
    ("LogCosh", "reg_true", "reg_pred"),
    ("KLDivergence", "cat_soft", "cat_prob"),
]


def loss_cases():
    cases = []
    for cls, args, pairs in LOSSES:
        for yt, yp in pairs:
            sws = [None, "sw"]
            if INPUTS[yp].ndim == 2 and INPUTS[yp].shape == (N, 3):
                sws += ["sw_col"]
            for red in REDUCTIONS:
                for sw in sws:
                    loss = getattr(keras.losses, cls)(reduction=red, **args)
                    w = None if sw is None else INPUTS[sw]
                    if INPUTS[yt].ndim == 3 and sw is not None:
                        continue  # (2, 3) batches: sample weights are covered above
                    case = {
                        "loss": cls, "args": args, "reduction": red,
                        "y_true": yt, "y_pred": yp, "sample_weight": sw,
                    }
                    try:
                        case["expected"] = enc(loss(INPUTS[yt], INPUTS[yp], sample_weight=w))
                    except (ValueError, TypeError) as e:
                        # Keras refuses (e.g. weights that do not broadcast against
                        # the per-sample values): kc must refuse too.
                        case["error"] = str(e).splitlines()[0]
                    cases.append(case)
    for name, yt, yp in ALIASES:
        obj = keras.losses.get(name)
        if not isinstance(obj, keras.losses.Loss):
            obj = LossFunctionWrapper(obj, name=name)
        cases.append({
            "loss": name, "args": {}, "reduction": "sum_over_batch_size",
            "y_true": yt, "y_pred": yp, "sample_weight": None,
            "expected": enc(obj(INPUTS[yt], INPUTS[yp])),
        })
    return cases


# ---------------------------------------------------------------- metrics
def u(yt, yp, sw=None):
    return {"y_true": yt, "y_pred": yp, "sample_weight": sw}


REG2 = [u("reg_true", "reg_pred"), u("reg_true_b", "reg_pred_b")]
REG2W = [u("reg_true", "reg_pred", "sw"), u("reg_true_b", "reg_pred_b", "sw_b")]
BIN2 = [u("bin_true", "bin_prob"), u("bin_true_b", "bin_prob_b")]
BIN2W = [u("bin_true", "bin_prob", "sw"), u("bin_true_b", "bin_prob_b", "sw_b")]
CAT2 = [u("cat_true", "cat_prob"), u("cat_true_b", "cat_prob_b")]
CAT2W = [u("cat_true", "cat_prob", "sw"), u("cat_true_b", "cat_prob_b", "sw_b")]
SPARSE2 = [u("sparse_true", "cat_prob"), u("sparse_true_b", "cat_prob_b")]
SPARSE2COL = [u("sparse_true_col", "cat_prob", "sw"), u("sparse_true_col_b", "cat_prob_b", "sw_b")]
AUC2 = [u("auc_true_a", "auc_pred_a"), u("auc_true_b", "auc_pred_b")]
AUC2W = [u("auc_true_a", "auc_pred_a", "auc_sw_a"), u("auc_true_b", "auc_pred_b", "auc_sw_b")]
AUC2D = [u("auc2_true_a", "auc2_pred_a"), u("auc2_true_b", "auc2_pred_b")]
MULTI2 = [u("multi_true", "cat_prob"), u("multi_true_b", "cat_prob_b")]
MULTI2W = [u("multi_true", "cat_prob", "sw"), u("multi_true_b", "cat_prob_b", "sw_b")]

METRICS = [
    ("Accuracy", {}, [u("acc_true", "acc_pred"), u("acc_true_b", "acc_pred_b")]),
    ("Accuracy", {}, [u("acc_true", "acc_pred", "sw"), u("acc_true_b", "acc_pred_b", "sw_b")]),
    ("BinaryAccuracy", {}, BIN2),
    ("BinaryAccuracy", {"threshold": 0.7}, BIN2W),
    ("BinaryAccuracy", {}, [u("bin_col_true", "bin_col_prob", "sw"), u("bin_true_b", "bin_prob_b", "sw_b")]),
    ("CategoricalAccuracy", {}, CAT2),
    ("CategoricalAccuracy", {}, CAT2W),
    ("SparseCategoricalAccuracy", {}, SPARSE2),
    ("SparseCategoricalAccuracy", {}, SPARSE2COL),
    ("TopKCategoricalAccuracy", {}, CAT2),
    ("TopKCategoricalAccuracy", {"k": 1}, CAT2),
    ("TopKCategoricalAccuracy", {"k": 2}, CAT2W),
    ("SparseTopKCategoricalAccuracy", {}, SPARSE2),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, SPARSE2),
    ("SparseTopKCategoricalAccuracy", {"k": 3}, SPARSE2COL),
    ("AUC", {}, AUC2),
    ("AUC", {}, AUC2W),
    ("AUC", {}, AUC2D),
    ("AUC", {"num_thresholds": 11}, AUC2),
    ("AUC", {"curve": "PR"}, AUC2),
    ("AUC", {"curve": "PR"}, AUC2W),
    ("AUC", {"curve": "PR", "num_thresholds": 7}, AUC2D),
    ("AUC", {"summation_method": "minoring"}, AUC2),
    ("AUC", {"summation_method": "majoring"}, AUC2W),
    ("AUC", {"curve": "PR", "summation_method": "minoring"}, AUC2),
    ("AUC", {"curve": "PR", "summation_method": "majoring"}, AUC2),
    ("AUC", {"thresholds": [0.3, 0.45, 0.8]}, AUC2),
    ("AUC", {"thresholds": [0.25, 0.5, 0.75], "curve": "PR"}, AUC2W),
    ("AUC", {"from_logits": True}, [u("auc_true_a", "auc_logit_a"), u("auc_true_b", "auc_logit_b")]),
    ("Precision", {}, AUC2),
    ("Precision", {}, AUC2W),
    ("Precision", {"thresholds": [0.3, 0.5, 0.7]}, AUC2),
    ("Precision", {"thresholds": [0.0, 0.5, 1.0]}, AUC2D),
    ("Precision", {"top_k": 2}, MULTI2),
    ("Precision", {"top_k": 1, "thresholds": 0.6}, MULTI2W),
    ("Precision", {"class_id": 1}, MULTI2),
    ("Recall", {}, AUC2),
    ("Recall", {}, AUC2W),
    ("Recall", {"thresholds": [0.3, 0.5, 0.7]}, AUC2D),
    ("Recall", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, AUC2W),
    ("Recall", {"top_k": 2}, MULTI2),
    ("AUC", {"num_thresholds": 11}, [u("grid_true", "grid_pred"), u("grid4_true", "grid4_pred")]),
    ("AUC", {"num_thresholds": 5, "curve": "PR"}, [u("grid4_true", "grid4_pred"), u("grid_true", "grid_pred")]),
    ("Precision", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, [u("grid4_true", "grid4_pred"), u("grid_true", "grid_pred")]),
    ("Recall", {"thresholds": [0.3, 0.5, 0.7]}, [u("grid4_true", "grid4_pred"), u("grid_true", "grid_pred")]),
    ("Recall", {"class_id": 2}, MULTI2W),
    ("F1Score", {}, MULTI2),
    ("F1Score", {}, CAT2),
    ("F1Score", {"average": "micro"}, MULTI2),
    ("F1Score", {"average": "macro"}, MULTI2W),
    ("F1Score", {"average": "weighted"}, MULTI2),
    ("F1Score", {"threshold": 0.5}, MULTI2),
    ("F1Score", {"average": "micro", "threshold": 0.4}, MULTI2W),
    ("F1Score", {"average": "weighted", "threshold": 0.6}, MULTI2W),
    ("MeanSquaredError", {}, REG2),
    ("MeanSquaredError", {}, REG2W),
    ("MeanAbsoluteError", {}, REG2),
    ("MeanAbsoluteError", {}, [u("reg_true", "reg_pred", "sw_col"), u("reg_true_b", "reg_pred_b", "sw_b")]),
    ("RootMeanSquaredError", {}, REG2),
    ("RootMeanSquaredError", {}, REG2W),
    ("RootMeanSquaredError", {}, [u("reg_true_1d", "reg_pred_col", "sw"), u("reg_true_b", "reg_pred_b", "sw_col")]),
]

# Metrics named after a loss function: Keras's metric classes that average the loss
# function's per-sample values (`MeanMetricWrapper(fn)`).
FN_METRICS = [
    ("mean_absolute_percentage_error", REG2W),
    ("mean_squared_logarithmic_error", [u("pos_true", "pos_pred"), u("pos_true_b", "pos_pred_b", "sw_b")]),
    ("binary_crossentropy", BIN2W),
    ("categorical_crossentropy", CAT2W),
    ("sparse_categorical_crossentropy", [u("sparse_true", "cat_prob", "sw"), u("sparse_true_b", "cat_prob_b")]),
    ("kl_divergence", [u("cat_soft", "cat_prob"), u("cat_soft_b", "cat_prob_b", "sw_b")]),
    ("poisson", [u("count_true", "pos_pred"), u("pos_true_b", "pos_pred_b", "sw_b")]),
    ("hinge", [u("pm_true", "reg_pred"), u("pm_true_b", "reg_pred_b", "sw_b")]),
    ("squared_hinge", [u("bin_true", "reg_pred"), u("pm_true_b", "reg_pred_b", "sw_b")]),
    ("categorical_hinge", CAT2W),
]

# "accuracy" as compile resolves it: by the shapes of y_true and y_pred.
ACC_RESOLVE = [
    ("accuracy", [u("bin_col_true", "bin_col_prob"), u("bin_col_true", "bin_col_prob", "sw")]),
    ("accuracy", SPARSE2),
    ("acc", SPARSE2COL),
    ("accuracy", CAT2W),
]


def run_updates(m, updates):
    for up in updates:
        w = None if up["sample_weight"] is None else INPUTS[up["sample_weight"]]
        m.update_state(INPUTS[up["y_true"]], INPUTS[up["y_pred"]], sample_weight=w)
    return enc(m.result())


def metric_cases():
    cases = []
    for cls, args, updates in METRICS:
        m = getattr(keras.metrics, cls)(**args)
        cases.append({"metric": cls, "args": args, "updates": updates, "expected": run_updates(m, updates)})
    for name, updates in FN_METRICS:
        m = keras.metrics.get(name)
        cases.append({"metric": name, "args": {}, "updates": updates, "expected": run_updates(m, updates)})
    for name, updates in ACC_RESOLVE:
        first = updates[0]
        m = compile_utils.get_metric(name, INPUTS[first["y_true"]], INPUTS[first["y_pred"]])
        cases.append({"metric": name, "resolve": True, "args": {}, "updates": updates, "expected": run_updates(m, updates)})
    # Mean of values: `y_pred` holds the values, `y_true` is unused.
    m = keras.metrics.Mean()
    m.update_state(INPUTS["reg_pred"], sample_weight=INPUTS["sw"])
    m.update_state(INPUTS["reg_pred_b"])
    cases.append({"metric": "Mean", "args": {}, "updates": [u(None, "reg_pred", "sw"), u(None, "reg_pred_b")], "expected": enc(m.result())})
    m = keras.metrics.Mean()
    m.update_state(INPUTS["reg_true_1d"])
    m.update_state(INPUTS["reg_pred"], sample_weight=INPUTS["sw_full"])
    cases.append({"metric": "Mean", "args": {}, "updates": [u(None, "reg_true_1d"), u(None, "reg_pred", "sw_full")], "expected": enc(m.result())})
    return cases


def write(name, cases):
    used = set()
    for c in cases:
        for up in c.get("updates", [c]):
            for k in ("y_true", "y_pred", "sample_weight"):
                if up.get(k) is not None:
                    used.add(up[k])
    doc = {
        "generator": "tests/golden/keras/losses_metrics.py",
        "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
        "inputs": {k: enc(INPUTS[k]) for k in sorted(used)},
        "cases": cases,
    }
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path}: {len(cases)} cases")


if __name__ == "__main__":
    write("losses.json", loss_cases())
    write("metrics.json", metric_cases())
