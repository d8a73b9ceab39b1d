//! `PJRT_Error` to Rust: every error a plugin returns becomes a [`PjrtError`] with the
//! function that failed, the status code and the plugin's message, and the C object is
//! destroyed on the spot, so no error path leaks or lets an error escape unread.
use super::ffi::{self, Args, PJRT_Api, PJRT_Error};
use crate::error::RuntimeError;
use std::fmt;

/// The status codes of the PJRT C API (absl's status codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    Cancelled,
    Unknown,
    InvalidArgument,
    DeadlineExceeded,
    NotFound,
    AlreadyExists,
    PermissionDenied,
    ResourceExhausted,
    FailedPrecondition,
    Aborted,
    OutOfRange,
    Unimplemented,
    Internal,
    Unavailable,
    DataLoss,
    Unauthenticated,
    /// A code this version of kc does not know (or the code could not be read).
    Other(i32),
}

impl ErrorCode {
    pub fn from_raw(code: i32) -> ErrorCode {
        use ErrorCode::*;
        match code {
            1 => Cancelled,
            2 => Unknown,
            3 => InvalidArgument,
            4 => DeadlineExceeded,
            5 => NotFound,
            6 => AlreadyExists,
            7 => PermissionDenied,
            8 => ResourceExhausted,
            9 => FailedPrecondition,
            10 => Aborted,
            11 => OutOfRange,
            12 => Unimplemented,
            13 => Internal,
            14 => Unavailable,
            15 => DataLoss,
            16 => Unauthenticated,
            other => Other(other),
        }
    }

    /// The name the header gives the code (`PJRT_Error_Code_<NAME>`).
    pub fn name(self) -> String {
        use ErrorCode::*;
        let s = match self {
            Cancelled => "CANCELLED",
            Unknown => "UNKNOWN",
            InvalidArgument => "INVALID_ARGUMENT",
            DeadlineExceeded => "DEADLINE_EXCEEDED",
            NotFound => "NOT_FOUND",
            AlreadyExists => "ALREADY_EXISTS",
            PermissionDenied => "PERMISSION_DENIED",
            ResourceExhausted => "RESOURCE_EXHAUSTED",
            FailedPrecondition => "FAILED_PRECONDITION",
            Aborted => "ABORTED",
            OutOfRange => "OUT_OF_RANGE",
            Unimplemented => "UNIMPLEMENTED",
            Internal => "INTERNAL",
            Unavailable => "UNAVAILABLE",
            DataLoss => "DATA_LOSS",
            Unauthenticated => "UNAUTHENTICATED",
            Other(c) => return format!("code {c}"),
        };
        s.to_string()
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// An error returned by a PJRT plugin.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{function} failed: {code}: {message}")]
pub struct PjrtError {
    /// The C API function that returned the error, e.g. `PJRT_Client_Compile`.
    pub function: &'static str,
    pub code: ErrorCode,
    /// The plugin's message, as it wrote it (compile errors carry `line:col`).
    pub message: String,
}

/// Read `err`'s code and message and destroy it. `err` must be a live error of `api`.
pub(crate) unsafe fn take_error(api: &PJRT_Api, err: *mut PJRT_Error, function: &'static str) -> PjrtError {
    let mut message = String::new();
    if let Some(f) = api.PJRT_Error_Message {
        let mut a = ffi::PJRT_Error_Message_Args::new();
        a.error = err;
        f(&mut a);
        message = super::util::lossy_string(a.message, a.message_size);
    }
    let mut code = ErrorCode::Other(-1);
    if let Some(f) = api.PJRT_Error_GetCode {
        let mut a = ffi::PJRT_Error_GetCode_Args::new();
        a.error = err;
        let e = f(&mut a);
        if e.is_null() {
            code = ErrorCode::from_raw(a.code);
        } else {
            // Failing to read a code is not worth more than the code; drop that error.
            destroy_error(api, e);
        }
    }
    destroy_error(api, err);
    PjrtError { function, code, message }
}

unsafe fn destroy_error(api: &PJRT_Api, err: *mut PJRT_Error) {
    if let Some(f) = api.PJRT_Error_Destroy {
        let mut a = ffi::PJRT_Error_Destroy_Args::new();
        a.error = err;
        f(&mut a);
    }
}

/// `Ok` for a null error; otherwise the error, read and destroyed.
pub(crate) unsafe fn check(api: &PJRT_Api, err: *mut PJRT_Error, function: &'static str) -> Result<(), PjrtError> {
    if err.is_null() {
        Ok(())
    } else {
        Err(take_error(api, err, function))
    }
}

/// A plugin that leaves a function of the table null does not implement it.
pub(crate) fn unimplemented(function: &'static str) -> RuntimeError {
    RuntimeError::Pjrt(PjrtError {
        function,
        code: ErrorCode::Unimplemented,
        message: "the plugin does not provide this function".to_string(),
    })
}
