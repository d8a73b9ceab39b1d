//! Loading a PJRT plugin: find the shared library, `dlopen` it, check the API version it
//! implements, and initialize it once.
//!
//! A loaded plugin stays loaded for the life of the process: PJRT plugins keep threads and
//! global state that do not survive `dlclose`, so the library handle is leaked on purpose
//! and every later `Plugin::load` of the same file returns the same plugin.
use super::ffi::{self, Args, PJRT_Api};
use super::util::{call, lossy_string};
use crate::error::{Result, RuntimeError};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The environment variable that names a plugin file, overriding the default location.
pub const PLUGIN_ENV: &str = "KC_PJRT_PLUGIN";
/// The CPU plugin's file name inside `.deps/pjrt/` (`make pjrt`).
pub const CPU_PLUGIN_FILE: &str = "xla_cpu_pjrt.so";
/// Where `make pjrt` installs the CPU plugin, as seen from this crate's source folder.
const REPO_PLUGIN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../.deps/pjrt/xla_cpu_pjrt.so");

/// The oldest minor version kc accepts: the `PJRT_Api` table took the order of the 0.81
/// header in 0.57, and everything kc calls existed by then. Argument structs grew since,
/// but each carries its `struct_size`, so an older plugin reads only what it knows.
/// (kc is tested against 0.81, the version of the `xla-cpu-pjrt` wheel.)
pub const MIN_API_MINOR: i32 = 57;

/// How much of the `PJRT_Api` table kc reads: up to the last function it calls.
const REQUIRED_API_SIZE: usize =
    std::mem::offset_of!(PJRT_Api, PJRT_Executable_OutputDimensions) + std::mem::size_of::<ffi::Unused>();

/// Check the version a plugin reports and the size of its function table. Pure, so the
/// refusal of a plugin of another version is testable without one.
pub fn check_api_version(major: i32, minor: i32, api_struct_size: usize) -> std::result::Result<(), String> {
    let ours = format!("{}.{}", ffi::PJRT_API_MAJOR, ffi::PJRT_API_MINOR);
    if major != ffi::PJRT_API_MAJOR {
        return Err(format!(
            "the plugin implements PJRT C API {major}.{minor}, but kc is built against {ours}: \
             major versions must match"
        ));
    }
    if minor < MIN_API_MINOR {
        return Err(format!(
            "the plugin implements PJRT C API {major}.{minor}, but kc is built against {ours} \
             and needs {}.{MIN_API_MINOR} or newer",
            ffi::PJRT_API_MAJOR
        ));
    }
    if api_struct_size < REQUIRED_API_SIZE {
        return Err(format!(
            "the plugin's PJRT_Api table is {api_struct_size} bytes (API {major}.{minor}), shorter than the \
             {REQUIRED_API_SIZE} bytes that hold the functions kc calls (API {ours})"
        ));
    }
    Ok(())
}

/// The plugin file: `from_env` if set (it must exist), else the first candidate that does.
fn locate_in(from_env: Option<PathBuf>, candidates: &[PathBuf]) -> Result<PathBuf> {
    if let Some(p) = from_env {
        if p.is_file() {
            return Ok(p);
        }
        return Err(RuntimeError::Plugin(format!("{PLUGIN_ENV} names {}, which is not a file", p.display())));
    }
    if let Some(p) = candidates.iter().find(|p| p.is_file()) {
        return Ok(p.clone());
    }
    let looked: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
    Err(RuntimeError::Plugin(format!(
        "the XLA CPU PJRT plugin is not installed: looked for {}; `make pjrt` installs it \
         (or set {PLUGIN_ENV} to a plugin file)",
        looked.join(" and ")
    )))
}

/// A loaded and initialized PJRT plugin. Cheap to copy; lives for the process.
#[derive(Clone, Copy)]
pub struct Plugin {
    inner: &'static Loaded,
}

struct Loaded {
    path: PathBuf,
    api: &'static PJRT_Api,
    version: (i32, i32),
}

// SAFETY: the function table is immutable after `GetPjrtApi`, and PJRT's functions may be
// called from any thread.
unsafe impl Send for Loaded {}
unsafe impl Sync for Loaded {}

/// Every plugin loaded so far, by canonical path.
static LOADED: Mutex<Vec<&'static Loaded>> = Mutex::new(Vec::new());

/// A plugin attribute's value (`PJRT_NamedValue`).
#[derive(Clone, Debug, PartialEq)]
pub enum NamedValue {
    String(String),
    Int64(i64),
    Int64List(Vec<i64>),
    Float(f32),
    Bool(bool),
}

impl Plugin {
    /// Where the plugin is: the file named by `KC_PJRT_PLUGIN`, else `.deps/pjrt/xla_cpu_pjrt.so`
    /// of the kc checkout this crate was built from, else the same path under the current
    /// directory. Finds without loading, so a caller can tell whether XLA is available.
    pub fn locate() -> Result<PathBuf> {
        let candidates = [PathBuf::from(REPO_PLUGIN), Path::new(".deps/pjrt").join(CPU_PLUGIN_FILE)];
        locate_in(std::env::var_os(PLUGIN_ENV).map(PathBuf::from), &candidates)
    }

    /// [`Plugin::locate`], then [`Plugin::load`].
    pub fn find() -> Result<Plugin> {
        Plugin::load(Plugin::locate()?)
    }

    /// Load the plugin at `path`, check its API version and initialize it. Loading a file
    /// that is already loaded returns the loaded plugin.
    pub fn load(path: impl AsRef<Path>) -> Result<Plugin> {
        let path = path.as_ref();
        let err = |m: String| RuntimeError::Plugin(format!("PJRT plugin {}: {m}", path.display()));
        if !path.is_file() {
            return Err(err("no such file; `make pjrt` installs the XLA CPU plugin into .deps/pjrt".into()));
        }
        let canonical = path.canonicalize().map_err(|e| err(e.to_string()))?;
        let mut loaded = LOADED.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(l) = loaded.iter().find(|l| l.path == canonical) {
            return Ok(Plugin { inner: l });
        }
        // SAFETY: loading runs the library's initializers; a PJRT plugin is built to be
        // loaded this way. The handle is never closed (see the module comment).
        let lib = unsafe { libloading::Library::new(&canonical) }.map_err(|e| err(format!("cannot be loaded: {e}")))?;
        let lib: &'static libloading::Library = Box::leak(Box::new(lib));
        // SAFETY: `GetPjrtApi` has this signature in every PJRT plugin.
        let get: libloading::Symbol<ffi::GetPjrtApi> = unsafe { lib.get(b"GetPjrtApi\0") }
            .map_err(|_| err("not a PJRT plugin: it exports no `GetPjrtApi`".into()))?;
        // SAFETY: as above; the table is static in the plugin.
        let api_ptr = unsafe { get() };
        if api_ptr.is_null() {
            return Err(err("`GetPjrtApi` returned null".into()));
        }
        // Read the size and version before anything else: they sit at the same offsets in
        // every version of the table, and the size says how much more may be read.
        // SAFETY: every PJRT_Api starts with struct_size, extension_start, pjrt_api_version.
        let (size, major, minor) = unsafe {
            let size = std::ptr::addr_of!((*api_ptr).struct_size).read();
            let v = std::ptr::addr_of!((*api_ptr).pjrt_api_version).read();
            (size, v.major_version, v.minor_version)
        };
        check_api_version(major, minor, size).map_err(err)?;
        // SAFETY: the checks above show the table is at least as long as what kc reads.
        let api: &'static PJRT_Api = unsafe { &*api_ptr };
        let mut args = ffi::PJRT_Plugin_Initialize_Args::new();
        call!(api, PJRT_Plugin_Initialize, &mut args).map_err(|e| err(format!("initialization failed: {e}")))?;
        let l: &'static Loaded = Box::leak(Box::new(Loaded { path: canonical, api, version: (major, minor) }));
        loaded.push(l);
        Ok(Plugin { inner: l })
    }

    /// The plugin file (canonical path).
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The PJRT C API version the plugin implements, `(major, minor)`.
    pub fn api_version(&self) -> (i32, i32) {
        self.inner.version
    }

    /// The plugin's attributes, e.g. `xla_version`, `stablehlo_current_version`,
    /// `stablehlo_minimum_version` (the StableHLO versions its parser accepts).
    pub fn attributes(&self) -> Result<Vec<(String, NamedValue)>> {
        let mut a = ffi::PJRT_Plugin_Attributes_Args::new();
        call!(self.api(), PJRT_Plugin_Attributes, &mut a)?;
        let mut out = Vec::with_capacity(a.num_attributes);
        for i in 0..a.num_attributes {
            // SAFETY: the plugin returned `num_attributes` values that live for the process.
            let nv = unsafe { &*a.attributes.add(i) };
            let name = unsafe { lossy_string(nv.name, nv.name_size) };
            // SAFETY: `type_` says which member of the union is set.
            let value = unsafe {
                match nv.type_ {
                    ffi::PJRT_NamedValue_kString => NamedValue::String(lossy_string(nv.value.string_value, nv.value_size)),
                    ffi::PJRT_NamedValue_kInt64 => NamedValue::Int64(nv.value.int64_value),
                    ffi::PJRT_NamedValue_kInt64List => NamedValue::Int64List(if nv.value_size == 0 {
                        Vec::new()
                    } else {
                        std::slice::from_raw_parts(nv.value.int64_array_value, nv.value_size).to_vec()
                    }),
                    ffi::PJRT_NamedValue_kFloat => NamedValue::Float(nv.value.float_value),
                    ffi::PJRT_NamedValue_kBool => NamedValue::Bool(nv.value.bool_value),
                    // An attribute of a kind newer than kc is skipped, not misread.
                    _ => continue,
                }
            };
            out.push((name, value));
        }
        Ok(out)
    }

    pub(crate) fn api(&self) -> &'static PJRT_Api {
        self.inner.api
    }
}

impl fmt::Debug for Plugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (major, minor) = self.api_version();
        write!(f, "Plugin({}, PJRT C API {major}.{minor})", self.path().display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_check() {
        assert!(check_api_version(0, 81, ffi::PJRT_API_STRUCT_SIZE).is_ok());
        // A newer minor with a longer table is fine: kc reads only its prefix.
        assert!(check_api_version(0, 95, ffi::PJRT_API_STRUCT_SIZE + 64).is_ok());
        let e = check_api_version(1, 2, ffi::PJRT_API_STRUCT_SIZE).unwrap_err();
        assert!(e.contains("1.2") && e.contains("0.81") && e.contains("major"), "{e}");
        let e = check_api_version(0, 54, ffi::PJRT_API_STRUCT_SIZE).unwrap_err();
        assert!(e.contains("0.54") && e.contains("0.81") && e.contains("0.57 or newer"), "{e}");
        let e = check_api_version(0, 81, 100).unwrap_err();
        assert!(e.contains("100 bytes"), "{e}");
    }

    #[test]
    fn location_order() {
        let here = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        let absent = PathBuf::from("/nonexistent/xla_cpu_pjrt.so");
        assert_eq!(locate_in(None, &[absent.clone(), here.clone()]).unwrap(), here);
        assert_eq!(locate_in(Some(here.clone()), &[absent.clone()]).unwrap(), here);
        let e = locate_in(Some(absent.clone()), &[here.clone()]).unwrap_err().to_string();
        assert!(e.contains(PLUGIN_ENV) && e.contains("/nonexistent/xla_cpu_pjrt.so"), "{e}");
        let e = locate_in(None, &[absent]).unwrap_err().to_string();
        assert!(e.contains("not installed") && e.contains("/nonexistent/xla_cpu_pjrt.so") && e.contains("make pjrt"), "{e}");
    }

    #[test]
    fn a_missing_file_is_named() {
        let e = Plugin::load("/nonexistent/dir/libfoo_pjrt.so").unwrap_err().to_string();
        assert!(e.contains("/nonexistent/dir/libfoo_pjrt.so") && e.contains("make pjrt"), "{e}");
    }
}
