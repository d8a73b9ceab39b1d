//! Tests of the XLA target: the PJRT runtime (`pjrt.rs`). Needs the CPU plugin, which
//! `make pjrt` (and so `make test`) installs into .deps/pjrt. One binary, so it links once.
mod pjrt;
