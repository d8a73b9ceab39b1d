"""Golden files for kc's numeric and image preprocessing layers (Normalization,
Discretization, CategoryEncoding, CenterCrop, Resizing) and EfficientNetB0, from real
Keras 3 on the JAX backend.

Run (see README.md):  KERAS_BACKEND=jax .deps/keras-venv/bin/python tests/golden/keras/layers_preprocessing.py

Writes tests/golden/keras/data/layers_preprocessing.json:
- `cases`: the format of layers_conv.py (every array is {"shape", "dtype", "data"}):
  config, weights (with paths), inputs, output and, for float layers, `r` and the
  gradients of sum(output * r) with respect to the float inputs. `batched: false` marks
  an unbatched image (its first axis is not a batch axis).
- `adapt`: Normalization and Discretization adapted on an array or on a list of batches,
  with the data and what Keras learned (mean/variance, bin boundaries).
- `errors`: the message of each case Keras refuses, for the tests to compare wording.
- `names`: Keras's automatic names; `efficientnet_b0`: EfficientNetB0(weights=None)'s
  layers (name, class, parameter count) and totals, with and without the top.
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

# `adapt` asks `isinstance(data, tf.data.Dataset)` even for arrays and lists, and the
# venv has no TensorFlow: stand in a module whose Dataset nothing is an instance of (the
# arrays and lists then take the paths they take with TensorFlow installed).
import types  # noqa: E402
from keras.src.layers.preprocessing import discretization as _disc, normalization as _norm  # noqa: E402

_no_tf = types.SimpleNamespace(data=types.SimpleNamespace(Dataset=type("NoDataset", (), {})), is_tensor=lambda x: False)
_disc.tf = _no_tf
_norm.tf = _no_tf

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
rng = np.random.default_rng(20250615)


def arr(x):
    x = np.asarray(x)
    if x.dtype == np.float32:
        data = [float(np.format_float_positional(v, unique=True, trim="-")) for v in x.ravel()]
    else:
        data = x.ravel().tolist()
    return {"shape": list(x.shape), "dtype": str(x.dtype), "data": data}


def normal(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def config(layer):
    return json.loads(json.dumps(layer.get_config()))


def run(layer, inputs, weights=None, grad=True, batched=True):
    """One call of `layer` on `inputs` (a list: the tensor, then CategoryEncoding's
    count_weights), with the gradients of sum(output * r) w.r.t. the float inputs."""
    x = inputs[0]
    kw = {"count_weights": inputs[1]} if len(inputs) > 1 else {}
    layer(x, **kw)
    if weights is not None:
        layer.set_weights(weights)
    out = layer(x, **kw)
    case = {
        "inputs": [arr(i) for i in inputs],
        "weights": [arr(w) for w in layer.get_weights()],
        "weight_paths": [v.path for v in layer.weights],
        "output": arr(out),
        "losses": [],
        "config": config(layer),
        "class_name": type(layer).__name__,
        "batched": batched,
    }
    if grad:
        r = rng.standard_normal(np.shape(out)).astype(np.float32)

        def loss(x):
            return jnp.sum(layer(x) * r)

        case["r"] = arr(r)
        case["grad_inputs"] = {"0": arr(jax.grad(loss)(jnp.asarray(x)))}
        case["grad_weights"] = []
    return case


cases = []


def add(id_, case):
    case["id"] = id_
    cases.append(case)


# ------------------------------------------------------------------- Normalization
def normalization_cases():
    x2, x3, x4cf = normal(5, 3) * 2 + 1, normal(3, 4, 5), normal(2, 3, 4, 4) * 3
    add("normalization_scalar", run(layers.Normalization(mean=3.0, variance=2.0), [x2]))
    add("normalization_vector", run(layers.Normalization(mean=[0.5, -1.0, 2.0], variance=[1.0, 4.0, 0.25]), [x2]))
    add("normalization_zero_variance", run(layers.Normalization(mean=[0.0, 1.0, 2.0], variance=[0.0, 1.0, 1e-20]), [x2]))
    add("normalization_invert", run(layers.Normalization(mean=[0.5, -1.0, 2.0], variance=[1.0, 4.0, 0.25], invert=True), [x2]))
    add("normalization_axes_short_mean",
        run(layers.Normalization(axis=(1, 2), mean=[0.1, 0.2, 0.3, 0.4, 0.5], variance=[1.0, 2.0, 3.0, 4.0, 5.0]), [x3]))
    add("normalization_axis_none_given", run(layers.Normalization(axis=None, mean=1.0, variance=9.0), [x3]))
    # adapted layers: the weights come from adapt (and are given back to kc)
    l = layers.Normalization()
    l.adapt(x2)
    add("normalization_adapted", run(l, [x2]))
    l = layers.Normalization(axis=None)
    l.adapt(x3)
    add("normalization_adapted_axis_none", run(l, [x3]))
    l = layers.Normalization(axis=(1, 2), invert=True)
    l.adapt(x3)
    add("normalization_adapted_axes_invert", run(l, [x3]))
    l = layers.Normalization(axis=1)
    l.adapt(x4cf)
    add("normalization_adapted_channels_first", run(l, [x4cf]))
    add("normalization_int_input", run(layers.Normalization(mean=2.0, variance=4.0), [rng.integers(0, 9, (3, 4)).astype(np.int32)], grad=False))


def adapt_cases():
    out = []
    data2 = normal(40, 3) * np.array([1.0, 10.0, 0.1], np.float32) + np.array([0.0, 5.0, -3.0], np.float32)
    data3 = normal(6, 4, 5) + 2.0
    for id_, kw, data, batched in [
        ("norm_array", {}, data2, False),
        ("norm_array_axis_none", {"axis": None}, data3, False),
        ("norm_array_axes", {"axis": (1, 2)}, data3, False),
        ("norm_batches", {}, [data2[:16], data2[16:32], data2[32:]], True),
        ("norm_batches_uneven", {"axis": (1, 2)}, [data3[:1], data3[1:4], data3[4:]], True),
        ("norm_batches_axis_none", {"axis": None}, [data3[:5], data3[5:]], True),
    ]:
        l = layers.Normalization(**kw)
        l.adapt(data)
        out.append({"id": id_, "class_name": "Normalization", "config": config(l),
                    "data": [arr(b) for b in data] if batched else arr(data), "batched": batched,
                    "mean": arr(l.adapt_mean.value), "variance": arr(l.adapt_variance.value)})
    big = normal(1000) * 3
    for id_, kw, data, batched in [
        ("disc_small", {"num_bins": 4, "epsilon": 0.01}, np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]], np.float32), False),
        ("disc_array", {"num_bins": 5}, normal(30, 4), False),
        ("disc_array_big", {"num_bins": 7, "epsilon": 0.01}, big, False),
        ("disc_array_coarse", {"num_bins": 3, "epsilon": 0.1}, normal(200), False),
        ("disc_batches", {"num_bins": 4, "epsilon": 0.05}, [big[:300], big[300:700], big[700:]], True),
        ("disc_batches_small", {"num_bins": 6}, [normal(7, 2), normal(5, 2), normal(9, 2)], True),
    ]:
        l = layers.Discretization(**kw)
        l.adapt(data)
        out.append({"id": id_, "class_name": "Discretization", "config": config(l),
                    "data": [arr(b) for b in data] if batched else arr(data), "batched": batched,
                    "bin_boundaries": [float(b) for b in l.bin_boundaries]})
    return out


# ------------------------------------------------------------------ Discretization
def discretization_cases():
    x = np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0], [2.0, -0.0, 1.999, 7.0]], np.float32)
    b = [0.0, 1.0, 2.0]
    add("discretization_int", run(layers.Discretization(bin_boundaries=b), [x], grad=False))
    add("discretization_one_hot", run(layers.Discretization(bin_boundaries=b, output_mode="one_hot"), [x], grad=False))
    add("discretization_one_hot_last1", run(layers.Discretization(bin_boundaries=b, output_mode="one_hot"), [x[:, :1]], grad=False))
    add("discretization_multi_hot", run(layers.Discretization(bin_boundaries=b, output_mode="multi_hot"), [x], grad=False))
    add("discretization_count", run(layers.Discretization(bin_boundaries=[-1.0, 0.5], output_mode="count"), [x], grad=False))
    add("discretization_count_rank3", run(layers.Discretization(bin_boundaries=b, output_mode="count"), [normal(2, 3, 4)], grad=False))
    add("discretization_int_input",
        run(layers.Discretization(bin_boundaries=[2.0, 4.5]), [rng.integers(0, 7, (2, 5)).astype(np.int32)], grad=False))
    l = layers.Discretization(num_bins=4, epsilon=0.01)
    l.adapt(x)
    add("discretization_adapted", run(l, [x], grad=False))


# ---------------------------------------------------------------- CategoryEncoding
def category_encoding_cases():
    ids2 = np.array([[0, 1, 1], [3, 2, 0]], np.int32)
    add("category_encoding_one_hot", run(layers.CategoryEncoding(4, output_mode="one_hot"), [np.array([3, 0, 1, 1], np.int32)], grad=False))
    add("category_encoding_one_hot_last1", run(layers.CategoryEncoding(4, output_mode="one_hot"), [np.array([[3], [0], [2]], np.int32)], grad=False))
    add("category_encoding_one_hot_rank2", run(layers.CategoryEncoding(5, output_mode="one_hot"), [ids2], grad=False))
    add("category_encoding_multi_hot", run(layers.CategoryEncoding(4), [ids2], grad=False))
    add("category_encoding_count", run(layers.CategoryEncoding(4, output_mode="count"), [ids2], grad=False))
    add("category_encoding_count_weights",
        run(layers.CategoryEncoding(4, output_mode="count"), [ids2, np.array([[0.5, 1.0, 2.0], [1.5, -1.0, 3.0]], np.float32)], grad=False))
    add("category_encoding_out_of_range",
        run(layers.CategoryEncoding(3, output_mode="multi_hot"), [np.array([[0, 5], [-1, 2]], np.int32)], grad=False))
    add("category_encoding_count_out_of_range",
        run(layers.CategoryEncoding(3, output_mode="count"), [np.array([[0, 3, 0], [-1, 2, 7]], np.int32)], grad=False))
    add("category_encoding_one_hot_out_of_range",
        run(layers.CategoryEncoding(3, output_mode="one_hot"), [np.array([4, -2, 1], np.int32)], grad=False))
    add("category_encoding_multi_hot_rank3", run(layers.CategoryEncoding(4), [rng.integers(0, 4, (2, 3, 2)).astype(np.int32)], grad=False))
    add("category_encoding_count_rank3",
        run(layers.CategoryEncoding(4, output_mode="count"), [rng.integers(0, 4, (2, 3, 2)).astype(np.int32)], grad=False))


# ---------------------------------------------------------------------- CenterCrop
def center_crop_cases():
    add("center_crop", run(layers.CenterCrop(4, 3), [normal(2, 7, 5, 3)]))
    add("center_crop_even", run(layers.CenterCrop(2, 2), [normal(2, 6, 6, 2)]))
    add("center_crop_channels_first", run(layers.CenterCrop(3, 3, data_format="channels_first"), [normal(2, 3, 6, 5)]))
    add("center_crop_unbatched", run(layers.CenterCrop(4, 4), [normal(6, 5, 3)], batched=False))
    add("center_crop_unbatched_channels_first",
        run(layers.CenterCrop(2, 3, data_format="channels_first"), [normal(2, 5, 5)], batched=False))
    add("center_crop_larger", run(layers.CenterCrop(6, 5), [normal(2, 4, 5, 3)]))
    add("center_crop_mixed", run(layers.CenterCrop(4, 6), [normal(2, 6, 4, 2)]))
    add("center_crop_larger_channels_first", run(layers.CenterCrop(7, 3, data_format="channels_first"), [normal(1, 2, 5, 4)]))
    add("center_crop_uint8", run(layers.CenterCrop(2, 2), [rng.integers(0, 255, (1, 4, 4, 1)).astype(np.uint8)], grad=False))


# ------------------------------------------------------------------------ Resizing
def resizing_cases():
    x, xcf = normal(2, 4, 5, 3), normal(2, 3, 4, 5)
    big = normal(2, 9, 7, 2)
    add("resizing_bilinear_up", run(layers.Resizing(7, 8), [x]))
    add("resizing_bilinear_down", run(layers.Resizing(4, 3), [big]))
    add("resizing_bilinear_mixed", run(layers.Resizing(6, 3), [big[:, :5]]))
    add("resizing_nearest_up", run(layers.Resizing(7, 10, interpolation="nearest"), [x]))
    add("resizing_nearest_down", run(layers.Resizing(4, 3, interpolation="nearest"), [big]))
    add("resizing_nearest_mixed", run(layers.Resizing(5, 4, interpolation="nearest"), [big[:, :3]]))
    add("resizing_channels_first", run(layers.Resizing(3, 7, data_format="channels_first"), [xcf]))
    add("resizing_nearest_channels_first", run(layers.Resizing(6, 2, interpolation="nearest", data_format="channels_first"), [xcf]))
    add("resizing_unbatched", run(layers.Resizing(6, 4), [normal(3, 5, 2)], batched=False))
    add("resizing_unbatched_channels_first", run(layers.Resizing(2, 6, data_format="channels_first"), [normal(2, 3, 5)], batched=False))
    add("resizing_crop_to_aspect_ratio", run(layers.Resizing(4, 4, crop_to_aspect_ratio=True), [big]))
    add("resizing_crop_to_aspect_ratio_cf", run(layers.Resizing(3, 6, crop_to_aspect_ratio=True, data_format="channels_first"), [xcf]))
    add("resizing_pad_to_aspect_ratio", run(layers.Resizing(6, 6, pad_to_aspect_ratio=True, fill_value=0.5), [big]))
    add("resizing_pad_to_aspect_ratio_wide", run(layers.Resizing(3, 9, pad_to_aspect_ratio=True), [x]))
    add("resizing_pad_to_aspect_ratio_cf", run(layers.Resizing(8, 4, pad_to_aspect_ratio=True, fill_value=-1.0, data_format="channels_first"), [xcf]))
    add("resizing_bicubic", run(layers.Resizing(6, 7, interpolation="bicubic"), [x]))
    add("resizing_lanczos3", run(layers.Resizing(3, 4, interpolation="lanczos3"), [big]))
    add("resizing_lanczos5", run(layers.Resizing(8, 6, interpolation="lanczos5"), [x]))
    add("resizing_antialias", run(layers.Resizing(4, 3, antialias=True), [big]))
    add("resizing_bicubic_antialias", run(layers.Resizing(3, 2, interpolation="bicubic", antialias=True), [big]))
    add("resizing_same_size", run(layers.Resizing(4, 5), [x]))
    add("resizing_uint8", run(layers.Resizing(3, 3), [rng.integers(0, 255, (1, 5, 4, 2)).astype(np.uint8)], grad=False))


def error_cases():
    errs = {}

    def catch(id_, f):
        try:
            f()
        except Exception as e:  # noqa: BLE001 - the message is what we record
            errs[id_] = f"{type(e).__name__}: {e}"
        else:
            errs[id_] = None

    catch("normalization_mean_only", lambda: layers.Normalization(mean=1.0))
    catch("normalization_shape_mismatch", lambda: layers.Normalization(mean=[1.0, 2.0], variance=[1.0]))
    catch("normalization_bad_axis", lambda: layers.Normalization(axis=3)(np.zeros((2, 3), np.float32)))
    catch("normalization_adapt_empty", lambda: layers.Normalization().adapt([]))
    catch("discretization_both", lambda: layers.Discretization(bin_boundaries=[0.0], num_bins=3))
    catch("discretization_neither", lambda: layers.Discretization())
    catch("discretization_bad_mode", lambda: layers.Discretization(bin_boundaries=[0.0], output_mode="tf_idf"))
    catch("discretization_adapt_boundaries", lambda: layers.Discretization(bin_boundaries=[0.0]).adapt(np.zeros(3, np.float32)))
    catch("category_encoding_no_tokens", lambda: layers.CategoryEncoding())
    catch("category_encoding_bad_mode", lambda: layers.CategoryEncoding(3, output_mode="int"))
    catch("category_encoding_weights_not_count",
          lambda: layers.CategoryEncoding(3)(np.zeros((1, 2), np.int32), count_weights=np.ones((1, 2), np.float32)))
    catch("resizing_bad_interpolation", lambda: layers.Resizing(2, 2, interpolation="cubic")(np.zeros((1, 4, 4, 1), np.float32)))
    catch("resizing_crop_and_pad",
          lambda: layers.Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)(np.zeros((1, 4, 4, 1), np.float32)))
    catch("resizing_rank2", lambda: layers.Resizing(2, 2)(np.zeros((4, 4), np.float32)))
    catch("center_crop_rank2", lambda: layers.CenterCrop(2, 2)(np.zeros((4, 4), np.float32)))
    return errs


def names():
    keras.utils.clear_session()
    made = [layers.Normalization(), layers.Normalization(), layers.Discretization(num_bins=2), layers.CategoryEncoding(2),
            layers.CenterCrop(1, 1), layers.Resizing(1, 1), layers.Resizing(1, 1), layers.Rescaling(1.0)]
    return {"names": [l.name for l in made], "classes": [type(l).__name__ for l in made]}


def efficientnet():
    out = {}
    for key, kw in [("top", {}), ("no_top", {"include_top": False}), ("small", {"input_shape": (64, 96, 3), "classes": 10})]:
        keras.utils.clear_session()
        m = keras.applications.EfficientNetB0(weights=None, **kw)
        rows = [[l.name, type(l).__name__, int(l.count_params())] for l in m.layers]
        out[key] = {"total": int(m.count_params()),
                    "trainable": int(sum(np.prod(v.shape) for v in m.trainable_weights)),
                    "non_trainable": int(sum(np.prod(v.shape) for v in m.non_trainable_weights)),
                    "output_shape": list(m.output.shape)[1:],
                    "rows": rows if key != "small" else None}
    # the non-trainable weights' paths and order of the stem (Normalization's three)
    out["stem_weights"] = [[v.path, list(v.shape), str(v.dtype)] for v in m.layers[2].weights]
    return out


if __name__ == "__main__":
    normalization_cases()
    discretization_cases()
    category_encoding_cases()
    center_crop_cases()
    resizing_cases()
    doc = {"cases": cases, "adapt": adapt_cases(), "errors": error_cases(), "names": names(), "efficientnet_b0": efficientnet()}
    path = os.path.join(OUT, "layers_preprocessing.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")
