"""Golden file for ConvLSTM1D/2D/3D, from real Keras 3 on the JAX backend.

Run (see README.md):  KERAS_BACKEND=jax .deps/keras-venv/bin/python tests/golden/keras/layers_conv_lstm.py

Writes tests/golden/keras/data/layers_conv_lstm.json: {"cases": [...], "names": [...]} in
the case format of layers_rnn.py (whose `run` makes each case: Keras's config, weights
and their paths, the inputs and initial states, the mask, every output, the losses, and
the gradients of sum(output_k * r_k) with respect to the inputs, initial states and
weights), and Keras's automatic names of the three classes.

No case has a mask: Keras 3.15's ConvLSTM fails on one (its RNN broadcasts the
(batch, 1) step mask against the (batch, rows, cols, filters) state). kc's masking is
checked in tests/frontend/layers_rnn.rs against the unmasked layer on the kept steps.
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
from keras import layers  # noqa: E402

import layers_rnn as R  # noqa: E402  (run, normal, the seeded rng)

cases = []


def add(id_, case):
    case["id"] = id_
    cases.append(case)


B, T = 2, 4
x2 = R.normal(B, T, 5, 6, 2)  # (batch, time, rows, cols, channels)
x2_cf = R.normal(B, T, 2, 5, 6)  # channels first
x1 = R.normal(B, T, 7, 2)
x3 = R.normal(B, T, 3, 4, 4, 1)
h0, c0 = R.normal(B, 4, 5, 3), R.normal(B, 4, 5, 3)


def conv_lstm_cases():
    add("conv_lstm2d", R.run(layers.ConvLSTM2D(3, 2), x2))
    add("conv_lstm2d_same_sequences_state", R.run(layers.ConvLSTM2D(3, 3, padding="same", return_sequences=True, return_state=True), x2))
    add("conv_lstm2d_strides_backwards", R.run(layers.ConvLSTM2D(2, (2, 3), strides=2, go_backwards=True, return_sequences=True), x2))
    add("conv_lstm2d_dilation_state", R.run(layers.ConvLSTM2D(2, 2, dilation_rate=2, return_state=True), x2))
    add("conv_lstm2d_channels_first", R.run(layers.ConvLSTM2D(3, 2, data_format="channels_first", return_sequences=True), x2_cf))
    add("conv_lstm2d_initial_state", R.run(layers.ConvLSTM2D(3, 2, return_sequences=True), x2, init=[h0, c0]))
    add("conv_lstm2d_activations_no_bias", R.run(layers.ConvLSTM2D(3, 2, activation="relu", recurrent_activation="hard_sigmoid",
                                                                   use_bias=False, unit_forget_bias=False), x2))
    add("conv_lstm2d_regularized", R.run(layers.ConvLSTM2D(2, 2, kernel_regularizer="l2", recurrent_regularizer="l1",
                                                           bias_regularizer="l2", activity_regularizer="l1"), x2))
    add("conv_lstm2d_dropout_training", R.run(layers.ConvLSTM2D(2, 2, dropout=0.25, recurrent_dropout=0.3, seed=5,
                                                                return_sequences=True), x2, training=True))
    add("conv_lstm1d_same_sequences", R.run(layers.ConvLSTM1D(3, 3, padding="same", return_sequences=True), x1))
    add("conv_lstm1d_backwards", R.run(layers.ConvLSTM1D(2, 2, go_backwards=True), x1))
    add("conv_lstm3d", R.run(layers.ConvLSTM3D(2, 2, return_state=True), x3))


def names():
    keras.backend.clear_session()
    return [layers.ConvLSTM1D(1, 1).name, layers.ConvLSTM2D(1, 1).name, layers.ConvLSTM2D(1, 1).name, layers.ConvLSTM3D(1, 1).name]


if __name__ == "__main__":
    conv_lstm_cases()
    path = os.path.join(R.OUT, "layers_conv_lstm.json")
    with open(path, "w") as fh:
        json.dump({"cases": cases, "names": names()}, fh, separators=(",", ":"))
        fh.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes, {len(cases)} cases)")
