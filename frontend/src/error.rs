//! The frontend's error type: every failure a Keras user can cause (a shape mismatch in a
//! layer, an unknown identifier, bad `fit` arguments) is an `Err` with a message that
//! names the layer, argument or value; none panics.
use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error("{0}")]
    Msg(String),
    #[error(transparent)]
    Ir(#[from] kc_ir::Error),
    #[error(transparent)]
    Runtime(#[from] kc_runtime::RuntimeError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn msg(m: impl Into<String>) -> Error {
        Error::Msg(m.into())
    }
    /// Prefix the message with where it happened (`layer "dense_1": ...`).
    pub fn context(self, what: impl std::fmt::Display) -> Error {
        Error::Msg(format!("{what}: {self}"))
    }
}

/// `Err(Error::msg(format!(...)))`
#[macro_export]
macro_rules! bail {
    ($($t:tt)*) => { return Err($crate::error::Error::msg(format!($($t)*))) };
}

/// The message for an unknown string identifier: Keras's names, listed.
pub fn unknown(kind: &str, name: &str, valid: &[&str]) -> Error {
    Error::msg(format!("unknown {kind} `{name}`; valid {kind}s are: {}", valid.join(", ")))
}

/// A warning where Keras warns (`warnings.warn`) and carries on: printed to stderr with
/// `eprintln!`, so the test harness captures it.
pub fn warn(message: &str) {
    eprintln!("WARNING: {message}");
}
