//! The runtime's one error type. Every message says what went wrong and where: the
//! parameter for bad inputs, the node and op for a failure while running, the file for
//! I/O and format errors.
use thiserror::Error;

#[derive(Debug, Error)]
pub enum RuntimeError {
    /// The caller's inputs do not fit the function's parameters (count, dtype, shape,
    /// symbolic dims), or the function does not exist.
    #[error("{0}")]
    Input(String),
    /// An op failed while running. `node` is the node index in its region, `op` the op's
    /// text name, e.g. "in node 7 (`dot_general`): ...".
    #[error("in node {node} (`{op}`): {message}")]
    Op { node: usize, op: &'static str, message: String },
    /// Building or reading a tensor went wrong (data length vs shape, wrong element type).
    #[error("{0}")]
    Tensor(String),
    /// A file is not in the format it claims, or is truncated.
    #[error("{path}: {message}")]
    Format { path: String, message: String },
    /// A PJRT plugin could not be found, loaded or used (docs/runtime.md).
    #[error("{0}")]
    Plugin(String),
    /// A function could not be specialized, lowered or compiled for XLA.
    #[error("{0}")]
    Xla(String),
    /// A PJRT plugin returned an error.
    #[error(transparent)]
    Pjrt(#[from] crate::pjrt::PjrtError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl RuntimeError {
    pub(crate) fn format(path: &str, message: impl Into<String>) -> RuntimeError {
        RuntimeError::Format { path: path.to_string(), message: message.into() }
    }
}

pub type Result<T, E = RuntimeError> = std::result::Result<T, E>;
