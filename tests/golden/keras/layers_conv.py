"""Golden files for kc's second wave of layers (convolution, pooling, normalization,
regularization, spatial reshaping), from real Keras 3 on the JAX backend.

Run (see README.md):  KERAS_BACKEND=jax .deps/keras-venv/bin/python tests/golden/keras/layers_conv.py

Writes tests/golden/keras/data/layers_{conv,pooling,normalization,noise,spatial}.json,
layers_names_conv.json and layers_cnn_summary.json. The format is that of layers.py
(every array is {"shape", "dtype", "data"}); a case may also say `"training": true` and
hold `"updates"`: the new values of the non-trainable weights (a BatchNormalization's
moving statistics) after that call, keyed by weight path. Weights are set explicitly
from seeded numpy (moving variances positive), so kc rebuilds each case exactly.
Gradients are of sum(output * r), taken with jax.grad through the layer's
stateless_call (in the case's training mode), with respect to the float inputs and the
trainable weights. Random layers have a seed; their case is the layer's first draw.
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
rng = np.random.default_rng(20250101)


def arr(x):
    x = np.asarray(x)
    if x.dtype == np.float32:
        # the shortest decimal that reads back as the same float32 (keeps the files small)
        data = [float(np.format_float_positional(v, unique=True, trim="-")) if np.isfinite(v) else float(v) for v in x.ravel()]
    else:
        data = x.ravel().tolist()
    return {"shape": list(x.shape), "dtype": str(x.dtype), "data": data}


def normal(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def positive(*shape):
    return rng.uniform(0.5, 2.0, shape).astype(np.float32)


def write(name, obj):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def config(layer):
    """get_config() as plain JSON (tuples become lists)."""
    return json.loads(json.dumps(layer.get_config()))


def run(layer, x, weights=None, training=False, grad=True):
    """One call of `layer` on `x` with `weights` set (in `layer.get_weights()` order):
    the case with inputs, weights, output, losses, config, the non-trainable updates of a
    training call and gradients of sum(output * r)."""
    layer(x)  # builds; inference, so nothing random is drawn and no state moves
    if weights is not None:
        layer.set_weights(weights)
    tv = [v.value for v in layer.trainable_variables]
    ntv = [v.value for v in layer.non_trainable_variables]
    kw = {"training": training} if "training" in inspect.signature(layer.call).parameters else {}

    def f(tv, x):
        out, new_ntv, losses = layer.stateless_call(tv, ntv, x, return_losses=True, **kw)
        return out, new_ntv

    xj = jnp.asarray(x)
    out, new_ntv = f(tv, xj)
    weight_paths = [v.path for v in layer.weights]
    updates = {}
    for v, new in zip(layer.non_trainable_variables, new_ntv):
        # only weights (moving statistics); seed-generator states are not weights
        if v.path in weight_paths and not np.array_equal(np.asarray(v.value), np.asarray(new)):
            updates[v.path] = arr(new)
    # the losses of an ordinary call: weight penalties plus the activity penalty
    layer(x)
    case = {
        "inputs": [arr(x)],
        "weights": [arr(w) for w in layer.get_weights()],
        "weight_paths": weight_paths,
        "output": arr(out),
        "losses": [float(l) for l in layer.losses],
        "config": config(layer),
        "class_name": type(layer).__name__,
        "training": training,
        "updates": updates,
    }
    if grad:
        r = rng.standard_normal(np.shape(out)).astype(np.float32)

        def loss(tv, x):
            return jnp.sum(f(tv, x)[0] * r)

        gw, gx = jax.grad(loss, argnums=(0, 1))(tv, xj)
        case["r"] = arr(r)
        case["grad_inputs"] = {"0": arr(gx)}
        case["grad_weights"] = [arr(g) for g in gw]
    return case


fam = {}


def add(family, id_, case):
    case["id"] = id_
    fam.setdefault(family, []).append(case)


def kernel_and_bias(layer, x):
    """Random weights shaped like the layer's own (built on x)."""
    layer.build(x.shape)
    return [normal(*w.shape) * 0.5 for w in layer.weights]


def with_weights(family, id_, layer, x, **kw):
    w = kernel_and_bias(layer, x)
    add(family, id_, run(layer, x, w, **kw))


# ------------------------------------------------------------------------ convolution
def conv_cases():
    x1, x1cf = normal(2, 9, 3), normal(2, 3, 9)
    x2, x2cf = normal(2, 7, 6, 4), normal(2, 4, 7, 6)
    x3, x3cf = normal(2, 4, 5, 4, 2), normal(2, 2, 4, 5, 4)
    c = "conv"
    with_weights(c, "conv1d", layers.Conv1D(4, 3), x1)
    with_weights(c, "conv1d_same_strides2", layers.Conv1D(2, 4, strides=2, padding="same"), x1)
    with_weights(c, "conv1d_causal_dilated", layers.Conv1D(2, 3, padding="causal", dilation_rate=2), x1)
    with_weights(c, "conv1d_groups", layers.Conv1D(6, 2, groups=3, activation="relu"), x1)
    with_weights(c, "conv1d_channels_first", layers.Conv1D(2, 3, strides=2, data_format="channels_first"), x1cf)
    with_weights(c, "conv1d_causal_channels_first", layers.Conv1D(2, 2, padding="causal", data_format="channels_first"), x1cf)
    with_weights(c, "conv1d_regularized", layers.Conv1D(2, 3, kernel_regularizer="l2", bias_regularizer="l1",
                                                      activity_regularizer="l2", use_bias=True), x1)
    with_weights(c, "conv2d", layers.Conv2D(3, 3), x2)
    with_weights(c, "conv2d_same_strides2", layers.Conv2D(2, 3, strides=2, padding="same"), x2)
    with_weights(c, "conv2d_same_even_kernel", layers.Conv2D(2, (2, 4), padding="same", strides=(2, 3)), x2)
    with_weights(c, "conv2d_dilated_same", layers.Conv2D(2, 3, dilation_rate=2, padding="same"), x2)
    with_weights(c, "conv2d_dilated_valid", layers.Conv2D(2, (2, 3), dilation_rate=(2, 1)), x2)
    with_weights(c, "conv2d_groups", layers.Conv2D(4, 2, groups=2, use_bias=False, activation="tanh"), x2)
    with_weights(c, "conv2d_groups4_same", layers.Conv2D(8, 3, groups=4, padding="same"), x2)
    with_weights(c, "conv2d_channels_first", layers.Conv2D(3, (3, 2), strides=(2, 1), data_format="channels_first"), x2cf)
    with_weights(c, "conv2d_channels_first_groups", layers.Conv2D(2, 3, groups=2, padding="same", data_format="channels_first"), x2cf)
    with_weights(c, "conv3d", layers.Conv3D(2, 2), x3)
    with_weights(c, "conv3d_same_strides", layers.Conv3D(3, (2, 3, 2), strides=(1, 2, 2), padding="same"), x3)
    with_weights(c, "conv3d_channels_first_groups", layers.Conv3D(4, 2, groups=2, data_format="channels_first"), x3cf)

    with_weights(c, "conv1d_transpose", layers.Conv1DTranspose(2, 3), x1)
    with_weights(c, "conv1d_transpose_same_strides2", layers.Conv1DTranspose(3, 3, strides=2, padding="same"), x1)
    with_weights(c, "conv1d_transpose_valid_strides3", layers.Conv1DTranspose(2, 2, strides=3), x1)
    with_weights(c, "conv1d_transpose_output_padding", layers.Conv1DTranspose(2, 3, strides=2, output_padding=1), x1)
    with_weights(c, "conv1d_transpose_dilated", layers.Conv1DTranspose(2, 3, dilation_rate=2, padding="same"), x1)
    with_weights(c, "conv1d_transpose_channels_first", layers.Conv1DTranspose(2, 3, strides=2, data_format="channels_first"), x1cf)
    with_weights(c, "conv2d_transpose", layers.Conv2DTranspose(2, 3), x2)
    with_weights(c, "conv2d_transpose_same_strides2", layers.Conv2DTranspose(2, 3, strides=2, padding="same"), x2)
    with_weights(c, "conv2d_transpose_even_kernel_same", layers.Conv2DTranspose(2, (2, 4), strides=(2, 1), padding="same"), x2)
    with_weights(c, "conv2d_transpose_output_padding",
                 layers.Conv2DTranspose(3, 3, strides=(2, 3), padding="same", output_padding=(1, 2)), x2)
    with_weights(c, "conv2d_transpose_dilated", layers.Conv2DTranspose(2, 2, dilation_rate=(1, 2), activation="relu"), x2)
    with_weights(c, "conv2d_transpose_channels_first", layers.Conv2DTranspose(2, 3, strides=2, data_format="channels_first"), x2cf)
    with_weights(c, "conv3d_transpose", layers.Conv3DTranspose(2, 2, strides=2), x3)
    with_weights(c, "conv3d_transpose_same_channels_first",
                 layers.Conv3DTranspose(2, 3, strides=(1, 2, 1), padding="same", data_format="channels_first"), x3cf)

    with_weights(c, "depthwise_conv1d", layers.DepthwiseConv1D(3), x1)
    with_weights(c, "depthwise_conv1d_multiplier_same", layers.DepthwiseConv1D(3, depth_multiplier=2, strides=2, padding="same"), x1)
    with_weights(c, "depthwise_conv1d_dilated_channels_first",
                 layers.DepthwiseConv1D(2, depth_multiplier=2, dilation_rate=3, data_format="channels_first"), x1cf)
    with_weights(c, "depthwise_conv2d", layers.DepthwiseConv2D(3), x2)
    with_weights(c, "depthwise_conv2d_multiplier_same",
                 layers.DepthwiseConv2D((3, 2), depth_multiplier=3, strides=2, padding="same", use_bias=False), x2)
    with_weights(c, "depthwise_conv2d_dilated", layers.DepthwiseConv2D(2, dilation_rate=2, activation="relu"), x2)
    with_weights(c, "depthwise_conv2d_channels_first", layers.DepthwiseConv2D(3, depth_multiplier=2, data_format="channels_first"), x2cf)

    with_weights(c, "separable_conv1d", layers.SeparableConv1D(4, 3), x1)
    with_weights(c, "separable_conv1d_multiplier_same",
                 layers.SeparableConv1D(2, 3, depth_multiplier=2, strides=2, padding="same"), x1)
    with_weights(c, "separable_conv1d_channels_first",
                 layers.SeparableConv1D(2, 2, dilation_rate=2, data_format="channels_first", use_bias=False), x1cf)
    with_weights(c, "separable_conv2d", layers.SeparableConv2D(3, 3), x2)
    with_weights(c, "separable_conv2d_multiplier_same",
                 layers.SeparableConv2D(2, (3, 2), depth_multiplier=2, strides=(2, 1), padding="same", activation="relu"), x2)
    with_weights(c, "separable_conv2d_dilated_channels_first",
                 layers.SeparableConv2D(2, 2, dilation_rate=2, data_format="channels_first"), x2cf)
    with_weights(c, "separable_conv2d_regularized",
                 layers.SeparableConv2D(2, 2, depthwise_regularizer="l2", pointwise_regularizer="l1", bias_regularizer="l2"), x2)


# ---------------------------------------------------------------------------- pooling
def pooling_cases():
    x1, x1cf = normal(2, 9, 3), normal(2, 3, 9)
    x2, x2cf = normal(2, 7, 6, 3), normal(2, 3, 7, 6)
    x3, x3cf = normal(2, 5, 4, 5, 2), normal(2, 2, 5, 4, 5)
    p = "pooling"
    for kind in ["Max", "Average"]:
        k = kind.lower()
        P1, P2, P3 = (getattr(layers, f"{kind}Pooling{d}D") for d in (1, 2, 3))
        add(p, f"{k}_pooling1d", run(P1(2), x1))
        add(p, f"{k}_pooling1d_same", run(P1(pool_size=3, strides=2, padding="same"), x1))
        add(p, f"{k}_pooling1d_stride1_same", run(P1(pool_size=4, strides=1, padding="same"), x1))
        add(p, f"{k}_pooling1d_channels_first", run(P1(pool_size=2, strides=3, data_format="channels_first"), x1cf))
        add(p, f"{k}_pooling2d", run(P2((2, 2)), x2))
        add(p, f"{k}_pooling2d_same_strides2", run(P2(pool_size=3, strides=2, padding="same"), x2))
        add(p, f"{k}_pooling2d_rect", run(P2(pool_size=(2, 3), strides=(1, 2)), x2))
        add(p, f"{k}_pooling2d_same_rect", run(P2(pool_size=(3, 2), strides=1, padding="same"), x2))
        add(p, f"{k}_pooling2d_channels_first", run(P2(pool_size=2, padding="same", data_format="channels_first"), x2cf))
        add(p, f"{k}_pooling3d", run(P3((2, 2, 2)), x3))
        add(p, f"{k}_pooling3d_same", run(P3(pool_size=(2, 3, 2), strides=(2, 1, 2), padding="same"), x3))
        add(p, f"{k}_pooling3d_channels_first", run(P3(pool_size=2, strides=1, data_format="channels_first"), x3cf))
        G1, G2, G3 = (getattr(layers, f"Global{kind}Pooling{d}D") for d in (1, 2, 3))
        add(p, f"global_{k}_pooling1d", run(G1(), x1))
        add(p, f"global_{k}_pooling1d_keepdims_cf", run(G1(keepdims=True, data_format="channels_first"), x1cf))
        add(p, f"global_{k}_pooling2d", run(G2(), x2))
        add(p, f"global_{k}_pooling2d_keepdims", run(G2(keepdims=True), x2))
        add(p, f"global_{k}_pooling2d_channels_first", run(G2(data_format="channels_first"), x2cf))
        add(p, f"global_{k}_pooling3d", run(G3(), x3))
        add(p, f"global_{k}_pooling3d_keepdims_cf", run(G3(keepdims=True, data_format="channels_first"), x3cf))


# ---------------------------------------------------------------------- normalization
def bn_weights(c, center=True, scale=True):
    w = []
    if scale:
        w.append(positive(c))
    if center:
        w.append(normal(c))
    return w + [normal(c) * 0.3, positive(c)]


def normalization_cases():
    x2 = normal(4, 3) * 2 + 1
    x3 = normal(3, 4, 5)
    x4, x4cf = normal(2, 3, 4, 4) + 0.5, normal(2, 4, 3, 3)
    n = "normalization"
    for training in [False, True]:
        t = "training" if training else "inference"
        add(n, f"batch_norm_{t}", run(layers.BatchNormalization(), x2, bn_weights(3), training=training))
        add(n, f"batch_norm_4d_{t}", run(layers.BatchNormalization(momentum=0.9, epsilon=1e-5), x4, bn_weights(4), training=training))
        add(n, f"batch_norm_axis1_{t}", run(layers.BatchNormalization(axis=1), x4cf, bn_weights(4), training=training))
        add(n, f"batch_norm_rank3_axis_minus2_{t}",
            run(layers.BatchNormalization(axis=-2, center=False), x3, bn_weights(4, center=False), training=training))
        add(n, f"batch_norm_no_scale_{t}",
            run(layers.BatchNormalization(scale=False, momentum=0.5), x3, bn_weights(5, scale=False), training=training))
    add(n, "batch_norm_regularized_training",
        run(layers.BatchNormalization(gamma_regularizer="l2", beta_regularizer="l1"), x2, bn_weights(3), training=True))

    def ln(id_, layer, x, c=None):
        layer.build(x.shape)
        w = [positive(*v.shape) if "gamma" in v.path or "scale" in v.path else normal(*v.shape) for v in layer.weights]
        add(n, id_, run(layer, x, w))

    ln("layer_norm", layers.LayerNormalization(), x3)
    ln("layer_norm_axes", layers.LayerNormalization(axis=[1, 2], epsilon=1e-5), x3)
    ln("layer_norm_axis1", layers.LayerNormalization(axis=1), x3)
    ln("layer_norm_no_center", layers.LayerNormalization(center=False), x4)
    ln("layer_norm_no_scale", layers.LayerNormalization(scale=False, axis=-2), x3)
    ln("layer_norm_rms_scaling", layers.LayerNormalization(rms_scaling=True), x3)
    ln("group_norm", layers.GroupNormalization(groups=2), x4)
    ln("group_norm_instance", layers.GroupNormalization(groups=-1, epsilon=1e-5), x4)
    ln("group_norm_axis1", layers.GroupNormalization(groups=2, axis=1, center=False), x4cf)
    ln("group_norm_rank3", layers.GroupNormalization(groups=5, scale=False), x3)
    ln("group_norm_one_group", layers.GroupNormalization(groups=1), x3)
    ln("unit_norm", layers.UnitNormalization(), x3)
    ln("unit_norm_axes", layers.UnitNormalization(axis=[1, 2]), x3)
    ln("rms_norm", layers.RMSNormalization(), x3)
    ln("rms_norm_axes", layers.RMSNormalization(axis=[1, 2], epsilon=1e-3), x3)
    ln("rms_norm_4d_trailing_axes", layers.RMSNormalization(axis=[2, 3]), x4)


# ----------------------------------------------------------------------- noise layers
def noise_cases():
    x3, x4 = normal(3, 5, 4), normal(2, 4, 3, 5)
    x4cf, x5 = normal(2, 5, 4, 3), normal(2, 3, 2, 3, 4)
    r = "noise"
    for training in [True, False]:
        t = "training" if training else "inference"
        add(r, f"spatial_dropout1d_{t}", run(layers.SpatialDropout1D(0.5, seed=11), x3, training=training))
        add(r, f"gaussian_noise_{t}", run(layers.GaussianNoise(0.3, seed=5), x3, training=training))
        add(r, f"gaussian_dropout_{t}", run(layers.GaussianDropout(0.4, seed=6), x3, training=training))
        add(r, f"alpha_dropout_{t}", run(layers.AlphaDropout(0.3, seed=7), x3, training=training))
    add(r, "spatial_dropout2d_training", run(layers.SpatialDropout2D(0.4, seed=12), x4, training=True))
    add(r, "spatial_dropout2d_channels_first_training",
        run(layers.SpatialDropout2D(0.6, seed=13, data_format="channels_first"), x4cf, training=True))
    add(r, "spatial_dropout3d_training", run(layers.SpatialDropout3D(0.5, seed=14), x5, training=True))
    add(r, "spatial_dropout3d_channels_first_training",
        run(layers.SpatialDropout3D(0.5, seed=15, data_format="channels_first"), x5, training=True))
    add(r, "alpha_dropout_noise_shape_training", run(layers.AlphaDropout(0.5, noise_shape=(None, 1, 4), seed=8), x3, training=True))
    add(r, "gaussian_noise_4d_training", run(layers.GaussianNoise(1.0, seed=9), x4, training=True))
    add(r, "activity_regularization", run(layers.ActivityRegularization(l1=0.01, l2=0.02), x3))
    add(r, "activity_regularization_l2", run(layers.ActivityRegularization(l2=0.5), x4))


# ------------------------------------------------------------------ spatial reshaping
def spatial_cases():
    x1, x2, x2cf = normal(2, 7, 3), normal(2, 4, 5, 3), normal(2, 3, 4, 5)
    x3, x3cf = normal(2, 3, 4, 3, 2), normal(2, 2, 3, 4, 3)
    s = "spatial"
    add(s, "cropping1d", run(layers.Cropping1D(), x1))
    add(s, "cropping1d_asym", run(layers.Cropping1D((2, 0)), x1))
    add(s, "cropping2d", run(layers.Cropping2D(1), x2))
    add(s, "cropping2d_asym", run(layers.Cropping2D(((1, 0), (2, 1))), x2))
    add(s, "cropping2d_channels_first", run(layers.Cropping2D(((0, 2), (1, 1)), data_format="channels_first"), x2cf))
    add(s, "cropping3d", run(layers.Cropping3D(), x3))
    add(s, "cropping3d_asym_channels_first", run(layers.Cropping3D(((1, 0), (0, 2), (1, 1)), data_format="channels_first"), x3cf))
    add(s, "up_sampling1d", run(layers.UpSampling1D(), x1))
    add(s, "up_sampling1d_3", run(layers.UpSampling1D(3), x1))
    add(s, "up_sampling2d", run(layers.UpSampling2D(), x2))
    add(s, "up_sampling2d_rect", run(layers.UpSampling2D((2, 3)), x2))
    add(s, "up_sampling2d_channels_first", run(layers.UpSampling2D((3, 1), data_format="channels_first"), x2cf))
    add(s, "up_sampling2d_bilinear", run(layers.UpSampling2D(2, interpolation="bilinear"), x2))
    add(s, "up_sampling2d_bilinear_rect_cf", run(layers.UpSampling2D((3, 2), interpolation="bilinear", data_format="channels_first"), x2cf))
    add(s, "up_sampling3d", run(layers.UpSampling3D(), x3))
    add(s, "up_sampling3d_channels_first", run(layers.UpSampling3D((1, 2, 3), data_format="channels_first"), x3cf))
    add(s, "zero_padding1d", run(layers.ZeroPadding1D(), x1))
    add(s, "zero_padding1d_asym", run(layers.ZeroPadding1D((2, 0)), x1))
    add(s, "zero_padding2d", run(layers.ZeroPadding2D(), x2))
    add(s, "zero_padding2d_asym", run(layers.ZeroPadding2D(((1, 2), (0, 3))), x2))
    add(s, "zero_padding2d_channels_first", run(layers.ZeroPadding2D((2, 1), data_format="channels_first"), x2cf))
    add(s, "zero_padding3d", run(layers.ZeroPadding3D(), x3))
    add(s, "zero_padding3d_asym_channels_first",
        run(layers.ZeroPadding3D(((0, 1), (2, 0), (1, 1)), data_format="channels_first"), x3cf))


def naming_cases():
    """Keras's automatic layer names for the new classes."""
    keras.utils.clear_session()
    made = [layers.Conv1D(1, 1), layers.Conv2D(1, 1), layers.Conv2D(1, 1), layers.Conv3D(1, 1),
            layers.Conv1DTranspose(1, 1), layers.Conv2DTranspose(1, 1), layers.Conv3DTranspose(1, 1),
            layers.DepthwiseConv1D(1), layers.DepthwiseConv2D(1), layers.SeparableConv1D(1, 1), layers.SeparableConv2D(1, 1),
            layers.MaxPooling1D(), layers.MaxPooling2D(), layers.MaxPooling3D(), layers.AveragePooling1D(2),
            layers.AveragePooling2D(2), layers.AveragePooling3D(2), layers.GlobalMaxPooling1D(), layers.GlobalMaxPooling2D(),
            layers.GlobalMaxPooling3D(), layers.GlobalAveragePooling1D(), layers.GlobalAveragePooling2D(),
            layers.GlobalAveragePooling3D(), layers.BatchNormalization(), layers.LayerNormalization(),
            layers.GroupNormalization(), layers.UnitNormalization(), layers.RMSNormalization(), layers.SpatialDropout1D(0.1),
            layers.SpatialDropout2D(0.1), layers.SpatialDropout3D(0.1), layers.GaussianNoise(0.1), layers.GaussianDropout(0.1),
            layers.AlphaDropout(0.1), layers.ActivityRegularization(), layers.Cropping1D(), layers.Cropping2D(),
            layers.Cropping3D(), layers.UpSampling1D(), layers.UpSampling2D(), layers.UpSampling3D(), layers.ZeroPadding1D(),
            layers.ZeroPadding2D(), layers.ZeroPadding3D()]
    write("layers_names_conv.json", {"names": [l.name for l in made], "classes": [type(l).__name__ for l in made]})


def cnn_summary():
    """A small CNN's per-layer output shapes and parameter counts (model.summary())."""
    keras.utils.clear_session()
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.BatchNormalization(),
        layers.MaxPooling2D(),
        layers.Conv2D(32, 3, activation="relu"),
        layers.BatchNormalization(),
        layers.GlobalAveragePooling2D(),
        layers.Dropout(0.3),
        layers.Dense(10),
    ])
    rows = [{"name": l.name, "class_name": type(l).__name__, "output_shape": list(l.output.shape),
             "params": int(l.count_params())} for l in model.layers]
    trainable = int(sum(np.prod(v.shape) for v in model.trainable_weights))
    non_trainable = int(sum(np.prod(v.shape) for v in model.non_trainable_weights))
    write("layers_cnn_summary.json", {"rows": rows, "total": int(model.count_params()), "trainable": trainable,
                                      "non_trainable": non_trainable})


if __name__ == "__main__":
    conv_cases()
    pooling_cases()
    normalization_cases()
    noise_cases()
    spatial_cases()
    for family, cases in fam.items():
        write(f"layers_{family}.json", {"cases": cases})
    naming_cases()
    cnn_summary()
