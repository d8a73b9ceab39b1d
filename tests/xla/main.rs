//! Tests of the XLA target: the PJRT runtime (`pjrt.rs`), every op against the
//! interpreter (`ops.rs`), models trained on XLA and the compile cache (`training.rs`). Needs the CPU plugin, which
//! `make pjrt` (and so `make test`) installs into .deps/pjrt. One binary, so it links once.
mod demo_step;
mod ops;
mod pjrt;
mod training;
mod transformer;
