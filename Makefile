# kc — the two commands are `make demo` and `make test`; both install what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Debian packages the build and the demo need (LLVM/MLIR join when the lowerings land).
APT_PACKAGES := dataset-fashion-mnist
# Optional: renders `kc dump-ir --format dot -o graph.svg`; installed by `make tools`.
APT_OPTIONAL := graphviz
FMNIST_SRC := /usr/share/datasets/fashion-mnist
DATA := .deps/fashion-mnist
FMNIST_FILES := train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CARGO ?= cargo

.PHONY: help demo demo-cnn demo-ir keras-env test deps tools data build fmt clippy

help:
	@echo "make demo   - train an MLP on Fashion-MNIST with kc's Keras API and print its metrics"
	@echo "make demo-cnn - a small CNN on a subset of Fashion-MNIST (KC_CNN_TRAIN, KC_CNN_TEST, KC_CNN_EPOCHS)"
	@echo "make demo-ir - the nearest-centroid classifier written in kc IR, on Fashion-MNIST"
	@echo "make test   - the whole test suite (installs what it needs)"
	@echo "make tools  - optional extras (graphviz for rendered graphs)"

# Install missing Debian packages; quiet and quick when everything is present.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

tools:
	@dpkg -s $(APT_OPTIONAL) >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_OPTIONAL) >/dev/null; }

# The IDX files ship gzipped; kc reads them uncompressed.
data: deps
	@mkdir -p $(DATA)
	@for f in $(FMNIST_FILES); do [ -s $(DATA)/$$f ] || gunzip -c $(FMNIST_SRC)/$$f.gz > $(DATA)/$$f; done

build: deps
	$(CARGO) build --release --bin kc

demo: data
	@echo "== kc demo: an MLP trained on Fashion-MNIST (60000 train / 10000 test images) with kc's Keras API"
	@echo "== the program is examples/fashion_mnist_mlp.rs; it runs on the reference interpreter until the XLA lowering lands"
	$(CARGO) run --release --example fashion_mnist_mlp

# A small CNN (Conv2D, BatchNormalization, MaxPooling2D, Dropout, Dense); on the
# interpreter, so by default 2 epochs over 6000 images (examples/fashion_mnist_cnn.rs).
demo-cnn: data
	$(CARGO) run --release --example fashion_mnist_cnn

# The first demo, kept: a nearest-centroid classifier written directly in kc IR.
demo-ir: data build
	./target/release/kc run examples/fashion_mnist_centroids.kir \
	  --input train_x=$(DATA)/train-images-idx3-ubyte --input train_y=$(DATA)/train-labels-idx1-ubyte \
	  --input test_x=$(DATA)/t10k-images-idx3-ubyte --input test_y=$(DATA)/t10k-labels-idx1-ubyte \
	  --names test_accuracy,per_class_accuracy

test: data
	$(CARGO) test --workspace --no-fail-fast

# Real Keras 3 for generating golden files (tests/golden/keras/README.md); not used by CI.
keras-env:
	@[ -x .deps/keras-venv/bin/python ] || { python3 -m venv .deps/keras-venv && .deps/keras-venv/bin/pip install -q "keras==3.15.*" "jax[cpu]==0.10.*"; }

fmt:
	$(CARGO) fmt --all

clippy:
	$(CARGO) clippy --workspace --all-targets
