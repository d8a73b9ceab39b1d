//! Small helpers for crossing the C boundary.
use super::error::{check, unimplemented};
use super::ffi::{self, Args, PJRT_Api, PJRT_Event};
use crate::error::Result;
use std::ffi::c_char;

/// Call a function of the plugin's table: `call!(api, PJRT_Client_Compile, &mut args)`.
/// A null slot is an `UNIMPLEMENTED` error; a returned `PJRT_Error` becomes a `PjrtError`.
macro_rules! call {
    ($api:expr, $f:ident, $args:expr) => {{
        let api: &$crate::pjrt::ffi::PJRT_Api = $api;
        match api.$f {
            None => Err($crate::pjrt::error::unimplemented(stringify!($f))),
            // SAFETY: the caller filled `$args` as the header documents for this function.
            Some(f) => unsafe { $crate::pjrt::error::check(api, f($args), stringify!($f)).map_err($crate::RuntimeError::from) },
        }
    }};
}
pub(crate) use call;

/// A string the plugin owns, copied; invalid UTF-8 is replaced rather than refused,
/// because these strings are messages and names meant for people.
pub(crate) unsafe fn lossy_string(ptr: *const c_char, len: usize) -> String {
    if ptr.is_null() || len == 0 {
        return String::new();
    }
    let bytes = std::slice::from_raw_parts(ptr as *const u8, len);
    String::from_utf8_lossy(bytes).into_owned()
}

/// Wait for `event` and destroy it, whatever the wait returned. A null event is done.
/// `what` names the operation the event belongs to, for the error.
pub(crate) fn await_and_destroy(api: &PJRT_Api, event: *mut PJRT_Event, what: &'static str) -> Result<()> {
    if event.is_null() {
        return Ok(());
    }
    let waited = match api.PJRT_Event_Await {
        None => Err(unimplemented("PJRT_Event_Await")),
        Some(f) => {
            let mut a = ffi::PJRT_Event_Await_Args::new();
            a.event = event;
            // SAFETY: `event` is a live event that this function owns.
            unsafe { check(api, f(&mut a), what).map_err(Into::into) }
        }
    };
    let destroyed = match api.PJRT_Event_Destroy {
        None => Err(unimplemented("PJRT_Event_Destroy")),
        Some(f) => {
            let mut a = ffi::PJRT_Event_Destroy_Args::new();
            a.event = event;
            // SAFETY: as above; the event is not used after this.
            unsafe { check(api, f(&mut a), "PJRT_Event_Destroy").map_err(Into::into) }
        }
    };
    waited.and(destroyed)
}
