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

.PHONY: help demo demo-cnn demo-transformer demo-lstm demo-ir keras-env test deps tools data build fmt clippy pjrt bench-peer

help:
	@echo "make demo   - train an MLP on Fashion-MNIST with kc's Keras API and print its metrics"
	@echo "make demo-cnn - a small CNN on Fashion-MNIST (KC_CNN_TRAIN, KC_CNN_TEST, KC_CNN_EPOCHS)"
	@echo "make demo-transformer - a small transformer classifier on synthetic token sequences (KC_TF_TRAIN, KC_TF_TEST, KC_TF_EPOCHS)"
	@echo "make demo-lstm - an LSTM forecasting a synthetic daily time series (KC_LSTM_EPOCHS)"
	@echo "make demo-ir - the nearest-centroid classifier written in kc IR, on Fashion-MNIST"
	@echo "make test   - the whole test suite (installs what it needs)"
	@echo "make tools  - optional extras (graphviz for rendered graphs)"
	@echo "make pjrt   - the OpenXLA CPU PJRT plugin (PyPI xla-cpu-pjrt) into $(PJRT_DIR)"
	@echo "make bench-peer - kc against real Keras 3 (JAX) on the same models, alternately (MODELS=mlp,cnn ROUNDS=3 LOWERINGS=interp,xla; PEER_TORCH=1 adds torch)"

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

# The OpenXLA CPU PJRT plugin, which runs kc's StableHLO (docs/runtime.md). It ships only as
# a PyPI wheel, so pip fetches it (`pip download` installs nothing into any Python) and the
# plugin and its C header are copied out of the wheel. The wheel's hash is pinned. The files
# appear only once complete (extracted beside, then renamed), so an interrupted run retries.
PJRT_DIR := .deps/pjrt
PJRT_WHEEL := xla_cpu_pjrt-0.0.1-py3-none-manylinux_2_27_x86_64.whl
PJRT_WHEEL_SHA256 := 55837b6b7b47daa717f2d9a5a03563ea0ceaa338d06a81a1e2d3f060d960decc
PJRT_FILES := xla_cpu_pjrt.so pjrt_c_api.h

pjrt:
	@present=1; for f in $(PJRT_FILES); do [ -s $(PJRT_DIR)/$$f ] || present=0; done; \
	if [ $$present = 0 ]; then \
	  python3 -m pip --version >/dev/null 2>&1 || { echo "installing Debian packages: python3-pip"; \
	    $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-pip >/dev/null; }; \
	  echo "downloading the OpenXLA CPU PJRT plugin (PyPI xla-cpu-pjrt 0.0.1, 63 MB) into $(PJRT_DIR)"; \
	  tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  python3 -m pip download -q --disable-pip-version-check --no-deps xla-cpu-pjrt==0.0.1 -d "$$tmp" && \
	  echo "$(PJRT_WHEEL_SHA256)  $$tmp/$(PJRT_WHEEL)" | sha256sum -c --quiet - && \
	  mkdir -p $(PJRT_DIR) && \
	  python3 -c 'import shutil, sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); \
	    [shutil.copyfileobj(z.open("xla_plugins/xla_cpu_pjrt/" + n), open(sys.argv[2] + "/" + n.split("/")[-1] + ".part", "wb")) \
	     for n in ("xla_cpu_pjrt.so", "include/pjrt_c_api.h")]' \
	    "$$tmp/$(PJRT_WHEEL)" $(PJRT_DIR) && \
	  for f in $(PJRT_FILES); do mv $(PJRT_DIR)/$$f.part $(PJRT_DIR)/$$f; done; \
	fi

build: deps
	$(CARGO) build --release --bin kc

demo: data pjrt
	@echo "== kc demo: an MLP trained on Fashion-MNIST (60000 train / 10000 test images) with kc's Keras API"
	@echo "== the program is examples/fashion_mnist_mlp.rs; it runs on XLA when the PJRT plugin is installed (make pjrt), else on the reference interpreter"
	$(CARGO) run --release --example fashion_mnist_mlp

# A small CNN (Conv2D, BatchNormalization, MaxPooling2D, Dropout, Dense): all of
# Fashion-MNIST on XLA, a subset on the interpreter (examples/fashion_mnist_cnn.rs).
demo-cnn: data pjrt
	$(CARGO) run --release --example fashion_mnist_cnn

# A small transformer (Embedding + a learned position embedding, MultiHeadAttention,
# LayerNormalization, Dense) on synthetic token sequences (examples/transformer_classifier.rs).
demo-transformer: pjrt
	$(CARGO) run --release --example transformer_classifier

# An LSTM forecasting a synthetic time series; its sequence length is symbolic, so the
# one traced step also serves longer windows (examples/timeseries_lstm.rs).
demo-lstm: pjrt
	$(CARGO) run --release --example timeseries_lstm

# The first demo, kept: a nearest-centroid classifier written directly in kc IR.
demo-ir: data build
	./target/release/kc run examples/fashion_mnist_centroids.kir \
	  --input train_x=$(DATA)/train-images-idx3-ubyte --input train_y=$(DATA)/train-labels-idx1-ubyte \
	  --input test_x=$(DATA)/t10k-images-idx3-ubyte --input test_y=$(DATA)/t10k-labels-idx1-ubyte \
	  --names test_accuracy,per_class_accuracy

test: data pjrt
	$(CARGO) test --workspace --no-fail-fast

# Real Keras 3 for generating golden files (tests/golden/keras/README.md); not used by CI.
keras-env:
	@[ -x .deps/keras-venv/bin/python ] || { python3 -m venv .deps/keras-venv && .deps/keras-venv/bin/pip install -q "keras==3.15.*" "jax[cpu]==0.10.*"; }

fmt:
	$(CARGO) fmt --all

clippy:
	$(CARGO) clippy --workspace --all-targets

# kc and Keras 3 side by side (bench/peer/README.md): builds kc, makes the Keras venv,
# then alternates `kc bench` and the Keras script ROUNDS times and prints the ratios.
ROUNDS ?= 3
MODELS ?= mlp,cnn
LOWERINGS ?= interp,xla
bench-peer: data keras-env pjrt
	$(CARGO) build --release --bin kc
	@if [ "$(PEER_TORCH)" = 1 ]; then .deps/keras-venv/bin/python -c "import torch" 2>/dev/null || .deps/keras-venv/bin/pip install -q torch; fi
	.deps/keras-venv/bin/python bench/peer/compare.py --kc target/release/kc --rounds $(ROUNDS) \
	  --models $(MODELS) --lowerings $(LOWERINGS) --json target/bench-peer.json
