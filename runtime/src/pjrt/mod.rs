//! Running StableHLO programs through a PJRT plugin (XLA's plugin interface).
//!
//! ```no_run
//! use kc_runtime::pjrt::Client;
//! use kc_runtime::HostTensor;
//! # fn main() -> kc_runtime::error::Result<()> {
//! let client = Client::cpu()?; // the plugin from KC_PJRT_PLUGIN or .deps/pjrt (`make pjrt`)
//! let exe = client.compile(
//!     "func.func @main(%a: tensor<2xf32>) -> tensor<2xf32> {
//!        %0 = stablehlo.add %a, %a : tensor<2xf32>
//!        return %0 : tensor<2xf32>
//!      }",
//! )?;
//! let x = client.to_device(&HostTensor::from_vec(vec![2], vec![1f32, 2.0])?)?;
//! let y = exe.execute(&[&x])?.remove(0).to_host()?; // [2, 4]
//! # Ok(()) }
//! ```
//!
//! - [`Plugin`]: finding, loading (once per process), version-checking a plugin.
//! - [`Client`]: a plugin's devices; [`Client::compile`], [`Client::to_device`].
//! - [`Buffer`]: an array on a device; [`Buffer::to_host`].
//! - [`Executable`]: [`Executable::execute`], [`Executable::execute_donating`],
//!   serialization for an on-disk cache.
//! - [`ffi`]: the hand-written C declarations (`pjrt_c_api.h` 0.81).
//!
//! Every plugin error becomes a [`PjrtError`] (function, code, message) inside
//! [`crate::RuntimeError::Pjrt`]; arguments are checked against the program's parameter
//! types before the plugin sees them. See docs/runtime.md.
mod buffer;
mod client;
mod compile_options;
mod error;
mod executable;
pub mod ffi;
mod plugin;
mod signature;
mod types;
mod util;

pub use buffer::Buffer;
pub use client::{Client, ClientOptions, Device};
pub use compile_options::CompileOptions;
pub use error::{ErrorCode, PjrtError};
pub use executable::{Arg, Executable};
pub use plugin::{check_api_version, NamedValue, Plugin, CPU_PLUGIN_FILE, MIN_API_MINOR, PLUGIN_ENV};
pub use types::{ElementType, TensorSpec};
