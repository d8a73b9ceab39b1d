"""Independent reference for examples/fashion_mnist_centroids.kir, in numpy.

Run after `make data`:  python3 tests/golden/fashion_mnist_centroids.py
It printed (numpy 2.x, 2026-11-23):
  accuracy 0.6768
  per-class [0.685, 0.879, 0.45, 0.767, 0.562, 0.776, 0.217, 0.82, 0.744, 0.868]
tests/filetests.rs::the_demo_agrees_with_numpy checks kc's interpreter against these.
"""
import numpy as np

D = ".deps/fashion-mnist/"


def idx(name, header):
    return np.fromfile(D + name, dtype=np.uint8)[header:]


x = idx("train-images-idx3-ubyte", 16).reshape(-1, 784).astype(np.float32) / 255
y = idx("train-labels-idx1-ubyte", 8)
tx = idx("t10k-images-idx3-ubyte", 16).reshape(-1, 784).astype(np.float32) / 255
ty = idx("t10k-labels-idx1-ubyte", 8)
centroids = np.stack([x[y == k].mean(0) for k in range(10)])
pred = ((tx[:, None, :] - centroids[None]) ** 2).sum(-1).argmin(1)
print("accuracy", (pred == ty).mean())
print("per-class", [round(float((pred[ty == k] == k).mean()), 4) for k in range(10)])
