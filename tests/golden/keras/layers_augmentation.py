"""Golden files for kc's image augmentation layers (RandomFlip, RandomRotation,
RandomZoom, RandomTranslation, RandomContrast) and their deterministic core,
`keras.ops.image.affine_transform`, from real Keras 3 on the JAX backend.

Run (see README.md):  KERAS_BACKEND=jax .deps/keras-venv/bin/python tests/golden/keras/layers_augmentation.py

Writes tests/golden/keras/data/layers_augmentation.json:
- "affine": keras.ops.image.affine_transform on fixed transforms (rotation, scale,
  shear and translation; c0 = c1 = 0) for every interpolation and fill mode, both data
  formats, one unbatched image and int32 images, with the gradient of sum(output * r)
  with respect to the (float) images.
- "cases": each layer, seeded, built from its config: two calls in a row (the seed
  generator moves on between them, so the second call draws new parameters), with the
  gradient of sum(first output * r) with respect to the input (jax.grad through
  stateless_call at the generator's first state, i.e. through the first call's draw).
  Inference cases ("training": false) show what Keras returns there (a float32 cast,
  or the input itself for RandomContrast).
- "errors": constructor arguments Keras refuses, with Keras's message.
- "names": Keras's automatic names.
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
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20250315)


def arr(x):
    x = np.asarray(x)
    if x.dtype == np.float32:
        data = [float(np.format_float_positional(v, unique=True, trim="-")) if np.isfinite(v) else float(v) for v in x.ravel()]
    else:
        data = x.ravel().tolist()
    return {"shape": list(x.shape), "dtype": str(x.dtype), "data": data}


def config(layer):
    return json.loads(json.dumps(layer.get_config()))


def transform(angle_deg, scale, shear, tx, ty, h, w):
    """An affine transform (output pixel -> input pixel) about the image centre."""
    t = np.deg2rad(angle_deg)
    a0, a1 = scale * np.cos(t), -scale * np.sin(t) + shear
    b0, b1 = scale * np.sin(t), scale * np.cos(t)
    cx, cy = (w - 1) / 2, (h - 1) / 2
    a2 = cx - a0 * cx - a1 * cy + tx
    b2 = cy - b0 * cx - b1 * cy + ty
    return [a0, a1, a2, b0, b1, b2, 0.0, 0.0]


IMG = rng.standard_normal((2, 5, 6, 2)).astype(np.float32)
T2 = np.array([transform(30, 1.3, 0.2, 1.7, -0.6, 5, 6), transform(-75, 0.8, -0.1, -2.3, 1.4, 5, 6)], np.float32)


def affine_cases():
    cases = []

    def add(id_, images, t, interpolation, fill_mode, fill_value=0.0, data_format="channels_last"):
        images = np.asarray(images)
        xj = jnp.asarray(images)

        def f(x):
            return keras.ops.image.affine_transform(x, t, interpolation=interpolation, fill_mode=fill_mode, fill_value=fill_value, data_format=data_format)

        out = f(xj)
        case = {"id": id_, "images": arr(images), "transform": arr(t), "interpolation": interpolation, "fill_mode": fill_mode,
                "fill_value": fill_value, "data_format": data_format, "output": arr(out)}
        if images.dtype == np.float32:
            r = rng.standard_normal(np.shape(out)).astype(np.float32)
            case["r"] = arr(r)
            case["grad"] = arr(jax.grad(lambda x: jnp.sum(f(x) * r))(xj))
        cases.append(case)

    for interpolation in ["nearest", "bilinear"]:
        for fill_mode in ["constant", "nearest", "wrap", "mirror", "reflect"]:
            add(f"{interpolation}_{fill_mode}", IMG, T2, interpolation, fill_mode)
        add(f"{interpolation}_constant_fill", IMG, T2, interpolation, "constant", fill_value=0.5)
        add(f"{interpolation}_reflect_channels_first", IMG.transpose(0, 3, 1, 2), T2, interpolation, "reflect", data_format="channels_first")
    add("bilinear_wrap_unbatched", IMG[0], T2[1], "bilinear", "wrap")
    add("bilinear_constant_one_transform", IMG[:1], T2[:1], "bilinear", "constant", fill_value=-1.0)
    # far outside the image: every fill mode folds large coordinates back in
    far = np.array([transform(10, 1.0, 0.0, 13.2, -11.7, 5, 6), transform(0, 2.5, 0.0, 0.0, 0.0, 5, 6)], np.float32)
    for fill_mode in ["nearest", "wrap", "mirror", "reflect"]:
        add(f"bilinear_{fill_mode}_far", IMG, far, "bilinear", fill_mode)
    ints = rng.integers(0, 100, (2, 5, 6, 2)).astype(np.int32)
    add("int32_nearest_constant", ints, T2, "nearest", "constant", fill_value=3)
    add("int32_bilinear_reflect", ints, T2, "bilinear", "reflect")
    return cases


def layer_case(id_, layer, x, training=True, r_grad=True):
    x = np.asarray(x)
    xj = jnp.asarray(x)
    cfg = config(layer)
    ntv0 = [v.value for v in layer.non_trainable_variables]
    outs = [layer(xj, training=training) for _ in range(2)]
    case = {"id": id_, "class_name": type(layer).__name__, "config": cfg, "training": training, "inputs": [arr(x)],
            "outputs": [arr(o) for o in outs]}
    if r_grad and x.dtype == np.float32:
        r = rng.standard_normal(np.shape(outs[0])).astype(np.float32)

        def loss(x):
            out, _ = layer.stateless_call([], ntv0, x, training=training)
            return jnp.sum(out * r)

        # the stateless call sees the first state, so it reproduces the first output
        out0, _ = layer.stateless_call([], ntv0, xj, training=training)
        assert np.array_equal(np.asarray(out0), np.asarray(outs[0])), id_
        case["r"] = arr(r)
        case["grad"] = arr(jax.grad(loss)(xj))
    return case


def layer_cases():
    x = IMG
    u = rng.uniform(0.0, 1.0, (2, 5, 6, 2)).astype(np.float32)
    ints = rng.integers(0, 255, (2, 5, 6, 2)).astype(np.int32)
    c = []
    # RandomFlip
    for mode in ["horizontal", "vertical", "horizontal_and_vertical"]:
        c.append(layer_case(f"flip_{mode}", layers.RandomFlip(mode, seed=7), np.concatenate([x, x[::-1]]), r_grad=mode == "horizontal"))
    c.append(layer_case("flip_unbatched", layers.RandomFlip(seed=1), x[0]))
    c.append(layer_case("flip_channels_first", layers.RandomFlip("horizontal", seed=5, data_format="channels_first"), np.concatenate([x, x]).transpose(0, 3, 1, 2)))
    c.append(layer_case("flip_inference_int", layers.RandomFlip(seed=7), ints, training=False))
    # RandomContrast
    c.append(layer_case("contrast", layers.RandomContrast(0.5, value_range=(0, 1), seed=3), u))
    c.append(layer_case("contrast_pair", layers.RandomContrast((0.2, 0.9), value_range=(0.1, 0.8), seed=4), u))
    c.append(layer_case("contrast_unbatched", layers.RandomContrast(0.7, value_range=(0, 1), seed=9), u[1]))
    c.append(layer_case("contrast_channels_first", layers.RandomContrast(0.4, value_range=(0, 1), seed=2, data_format="channels_first"), u.transpose(0, 3, 1, 2)))
    c.append(layer_case("contrast_int", layers.RandomContrast(0.5, seed=8), ints))
    c.append(layer_case("contrast_inference_int", layers.RandomContrast(0.5, seed=8), ints, training=False))
    # RandomTranslation
    c.append(layer_case("translation", layers.RandomTranslation(0.3, (-0.2, 0.4), seed=21), x))
    c.append(layer_case("translation_constant_nearest", layers.RandomTranslation((-0.5, 0.5), 0.3, fill_mode="constant", fill_value=0.25, interpolation="nearest", seed=22), x))
    c.append(layer_case("translation_wrap_unbatched", layers.RandomTranslation(0.4, 0.4, fill_mode="wrap", seed=23), x[1]))
    c.append(layer_case("translation_nearest_channels_first", layers.RandomTranslation(0.3, 0.3, fill_mode="nearest", data_format="channels_first", seed=24), x.transpose(0, 3, 1, 2)))
    # RandomZoom
    c.append(layer_case("zoom", layers.RandomZoom(0.4, seed=31), x))
    c.append(layer_case("zoom_width", layers.RandomZoom((-0.5, 0.2), (0.1, 0.6), fill_mode="constant", fill_value=-0.5, seed=32), x))
    c.append(layer_case("zoom_nearest_wrap_unbatched", layers.RandomZoom(0.5, 0.3, fill_mode="wrap", interpolation="nearest", seed=33), x[0]))
    c.append(layer_case("zoom_nearest_fill_channels_first", layers.RandomZoom(0.3, fill_mode="nearest", data_format="channels_first", seed=34), x.transpose(0, 3, 1, 2)))
    # RandomRotation
    c.append(layer_case("rotation", layers.RandomRotation(0.2, seed=41), x))
    c.append(layer_case("rotation_pair_constant", layers.RandomRotation((-0.4, 0.1), fill_mode="constant", fill_value=0.3, seed=42), x))
    c.append(layer_case("rotation_nearest_wrap", layers.RandomRotation(0.5, fill_mode="wrap", interpolation="nearest", seed=43), x))
    c.append(layer_case("rotation_nearest_fill_unbatched", layers.RandomRotation(0.3, fill_mode="nearest", seed=44), x[1]))
    c.append(layer_case("rotation_channels_first", layers.RandomRotation(0.25, data_format="channels_first", seed=45), x.transpose(0, 3, 1, 2)))
    c.append(layer_case("rotation_inference_int", layers.RandomRotation(0.25, seed=45), ints, training=False))
    return c


def error_cases():
    bad = [
        ("RandomRotation", {"factor": 1.5}),
        ("RandomRotation", {"factor": [0.1, 0.2, 0.3]}),
        ("RandomRotation", {"factor": [1.2, 1.5]}),
        ("RandomRotation", {"factor": 0.1, "fill_mode": "mirror"}),
        ("RandomRotation", {"factor": 0.1, "interpolation": "bicubic"}),
        ("RandomContrast", {"factor": -0.1}),
        ("RandomContrast", {"factor": [-0.5, -0.1]}),
        ("RandomZoom", {"height_factor": -1.0}),
        ("RandomZoom", {"height_factor": 0.2, "width_factor": 1.5}),
        ("RandomZoom", {"height_factor": [0.1]}),
        ("RandomZoom", {"height_factor": 0.2, "fill_mode": "edge"}),
        ("RandomTranslation", {"height_factor": 1.1, "width_factor": 0.1}),
        ("RandomTranslation", {"height_factor": 0.1, "width_factor": [0.1, -1.5]}),
        ("RandomTranslation", {"height_factor": 0.1, "width_factor": 0.1, "interpolation": "area"}),
    ]
    out = []
    for cls, kw in bad:
        try:
            getattr(layers, cls)(**kw)
        except Exception as e:  # noqa: BLE001 - Keras raises ValueError or NotImplementedError
            out.append({"class_name": cls, "kwargs": kw, "message": str(e)})
        else:
            raise AssertionError(f"Keras accepted {cls}({kw})")
    return out


def names():
    keras.utils.clear_session()
    made = [layers.RandomFlip(), layers.RandomFlip(), layers.RandomRotation(0.1), layers.RandomZoom(0.1), layers.RandomTranslation(0.1, 0.1),
            layers.RandomContrast(0.1), layers.RandomRotation(0.1)]
    return {"names": [l.name for l in made], "classes": [type(l).__name__ for l in made]}


if __name__ == "__main__":
    doc = {"affine": affine_cases(), "cases": layer_cases(), "errors": error_cases(), "names": names()}
    path = os.path.join(OUT, "layers_augmentation.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")
