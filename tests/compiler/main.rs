//! Tests of the compiler's transforms against the reference interpreter: gradients
//! (`gradients.rs`) and semantic preservation of pass pipelines (`preservation.rs`).
//! One binary for both, so the suite links once.
mod canonicalize;
mod cli_mem;
mod fuse_random;
mod gradients;
mod preservation;
