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

.PHONY: help demo test deps tools data build fmt clippy

help:
	@echo "make demo   - fit and evaluate a nearest-centroid classifier on Fashion-MNIST, in kc IR"
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

demo: data build
	@echo "== kc demo: nearest-centroid classifier on Fashion-MNIST (60000 train / 10000 test images)"
	@echo "== the whole model is examples/fashion_mnist_centroids.kir, run on the reference interpreter"
	./target/release/kc run examples/fashion_mnist_centroids.kir \
	  --input train_x=$(DATA)/train-images-idx3-ubyte --input train_y=$(DATA)/train-labels-idx1-ubyte \
	  --input test_x=$(DATA)/t10k-images-idx3-ubyte --input test_y=$(DATA)/t10k-labels-idx1-ubyte \
	  --names test_accuracy,per_class_accuracy

test: data
	$(CARGO) test --workspace --no-fail-fast

fmt:
	$(CARGO) fmt --all

clippy:
	$(CARGO) clippy --workspace --all-targets
