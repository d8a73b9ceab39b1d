//! A PJRT client: the plugin's handle on its devices. Buffers and executables keep their
//! client alive (they hold an `Arc` of it), because destroying a client under live buffers
//! is undefined in PJRT.
use super::ffi::{self, Args, PJRT_Client, PJRT_Device};
use super::plugin::{NamedValue, Plugin};
use super::util::{call, lossy_string};
use crate::error::{Result, RuntimeError};
use std::ffi::c_char;
use std::fmt;
use std::sync::Arc;

/// Options for `PJRT_Client_Create`: named values the plugin interprets.
///
/// The CPU plugin reads `cpu_device_count` (an int64; it defaults to 4 devices). Options a
/// plugin does not know are ignored by it. The types of the options kc knows are checked
/// here, because the plugin reads a value of the wrong type by aborting the process.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClientOptions {
    values: Vec<(String, NamedValue)>,
}

impl ClientOptions {
    pub fn new() -> ClientOptions {
        ClientOptions::default()
    }

    /// How many CPU devices the CPU plugin creates (at least 1).
    pub fn cpu_device_count(self, n: usize) -> ClientOptions {
        self.set("cpu_device_count", NamedValue::Int64(n as i64))
    }

    /// Any named option, for plugins whose options kc has no method for.
    pub fn set(mut self, name: &str, value: NamedValue) -> ClientOptions {
        self.values.retain(|(n, _)| n != name);
        self.values.push((name.to_string(), value));
        self
    }

    pub fn values(&self) -> &[(String, NamedValue)] {
        &self.values
    }

    fn validate(&self) -> Result<()> {
        for (name, value) in &self.values {
            if name == "cpu_device_count" && !matches!(value, NamedValue::Int64(n) if *n >= 1) {
                return Err(RuntimeError::Input(format!(
                    "client option cpu_device_count must be an Int64 of at least 1, got {value:?}"
                )));
            }
        }
        Ok(())
    }
}

/// A device of a client, as the plugin describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    /// The plugin's device id.
    pub id: i32,
    /// The kind of device, e.g. `cpu`.
    pub kind: String,
    /// A short description, e.g. `TFRT_CPU_0`.
    pub description: String,
}

/// A PJRT client. Cheap to clone (clones share the client).
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    pub(crate) plugin: Plugin,
    pub(crate) raw: *mut PJRT_Client,
    /// Addressable devices; index 0 is where buffers go and programs run.
    pub(crate) device_ptrs: Vec<*mut PJRT_Device>,
    devices: Vec<Device>,
    platform_name: String,
    platform_version: String,
}

// SAFETY: a PJRT client may be used from any thread; the pointers are only passed to the
// plugin's functions, never dereferenced here.
unsafe impl Send for ClientInner {}
unsafe impl Sync for ClientInner {}

impl Drop for ClientInner {
    fn drop(&mut self) {
        let mut a = ffi::PJRT_Client_Destroy_Args::new();
        a.client = self.raw;
        // A failure to destroy cannot be reported from drop; the error itself is freed.
        let _ = call!(self.plugin.api(), PJRT_Client_Destroy, &mut a);
    }
}

impl Client {
    /// Create a client of `plugin`.
    pub fn new(plugin: &Plugin, options: &ClientOptions) -> Result<Client> {
        options.validate()?;
        let api = plugin.api();
        // The C strings and lists live in these vectors until the call returns.
        let names: Vec<Vec<u8>> = options.values.iter().map(|(n, _)| n.as_bytes().to_vec()).collect();
        let strings: Vec<Vec<u8>> = options
            .values
            .iter()
            .map(|(_, v)| match v {
                NamedValue::String(s) => s.as_bytes().to_vec(),
                _ => Vec::new(),
            })
            .collect();
        let values: Vec<ffi::PJRT_NamedValue> = options
            .values
            .iter()
            .enumerate()
            .map(|(i, (_, v))| {
                let mut nv = ffi::PJRT_NamedValue::new();
                nv.name = names[i].as_ptr() as *const c_char;
                nv.name_size = names[i].len();
                nv.value_size = 1;
                match v {
                    NamedValue::String(_) => {
                        nv.type_ = ffi::PJRT_NamedValue_kString;
                        nv.value.string_value = strings[i].as_ptr() as *const c_char;
                        nv.value_size = strings[i].len();
                    }
                    NamedValue::Int64(x) => {
                        nv.type_ = ffi::PJRT_NamedValue_kInt64;
                        nv.value.int64_value = *x;
                    }
                    NamedValue::Int64List(xs) => {
                        nv.type_ = ffi::PJRT_NamedValue_kInt64List;
                        nv.value.int64_array_value = xs.as_ptr();
                        nv.value_size = xs.len();
                    }
                    NamedValue::Float(x) => {
                        nv.type_ = ffi::PJRT_NamedValue_kFloat;
                        nv.value.float_value = *x;
                    }
                    NamedValue::Bool(x) => {
                        nv.type_ = ffi::PJRT_NamedValue_kBool;
                        nv.value.bool_value = *x;
                    }
                }
                nv
            })
            .collect();
        let mut a = ffi::PJRT_Client_Create_Args::new();
        a.create_options = values.as_ptr();
        a.num_options = values.len();
        call!(api, PJRT_Client_Create, &mut a)?;
        // Owned from here on: an error below destroys the client through drop.
        let mut inner = ClientInner {
            plugin: *plugin,
            raw: a.client,
            device_ptrs: Vec::new(),
            devices: Vec::new(),
            platform_name: String::new(),
            platform_version: String::new(),
        };

        let mut a = ffi::PJRT_Client_PlatformName_Args::new();
        a.client = inner.raw;
        call!(api, PJRT_Client_PlatformName, &mut a)?;
        // SAFETY: the string is owned by the client, which is alive.
        inner.platform_name = unsafe { lossy_string(a.platform_name, a.platform_name_size) };

        let mut a = ffi::PJRT_Client_PlatformVersion_Args::new();
        a.client = inner.raw;
        call!(api, PJRT_Client_PlatformVersion, &mut a)?;
        inner.platform_version = unsafe { lossy_string(a.platform_version, a.platform_version_size) };

        let mut a = ffi::PJRT_Client_AddressableDevices_Args::new();
        a.client = inner.raw;
        call!(api, PJRT_Client_AddressableDevices, &mut a)?;
        if a.num_addressable_devices > 0 {
            // SAFETY: the plugin returned this many device pointers, owned by the client.
            inner.device_ptrs =
                unsafe { std::slice::from_raw_parts(a.addressable_devices, a.num_addressable_devices) }.to_vec();
        }
        if inner.device_ptrs.is_empty() {
            return Err(RuntimeError::Plugin(format!(
                "PJRT plugin {}: the client has no addressable device",
                plugin.path().display()
            )));
        }
        inner.devices = inner.device_ptrs.iter().map(|&d| describe(plugin, d)).collect::<Result<_>>()?;
        Ok(Client { inner: Arc::new(inner) })
    }

    /// A client of the plugin [`Plugin::find`] finds, with default options.
    pub fn cpu() -> Result<Client> {
        Client::new(&Plugin::find()?, &ClientOptions::new())
    }

    pub fn plugin(&self) -> &Plugin {
        &self.inner.plugin
    }

    /// The platform, e.g. `cpu`.
    pub fn platform_name(&self) -> &str {
        &self.inner.platform_name
    }

    /// The platform's version string (plugin-specific).
    pub fn platform_version(&self) -> &str {
        &self.inner.platform_version
    }

    /// The devices this client can use; buffers are placed on, and programs run on, the first.
    pub fn devices(&self) -> &[Device] {
        &self.inner.devices
    }
}

fn describe(plugin: &Plugin, device: *mut PJRT_Device) -> Result<Device> {
    let api = plugin.api();
    let mut a = ffi::PJRT_Device_GetDescription_Args::new();
    a.device = device;
    call!(api, PJRT_Device_GetDescription, &mut a)?;
    let desc = a.device_description;

    let mut a = ffi::PJRT_DeviceDescription_Id_Args::new();
    a.device_description = desc;
    call!(api, PJRT_DeviceDescription_Id, &mut a)?;
    let id = a.id;

    let mut a = ffi::PJRT_DeviceDescription_Kind_Args::new();
    a.device_description = desc;
    call!(api, PJRT_DeviceDescription_Kind, &mut a)?;
    // SAFETY: the strings are owned by the device description, alive with the client.
    let kind = unsafe { lossy_string(a.device_kind, a.device_kind_size) };

    let mut a = ffi::PJRT_DeviceDescription_ToString_Args::new();
    a.device_description = desc;
    call!(api, PJRT_DeviceDescription_ToString, &mut a)?;
    let description = unsafe { lossy_string(a.to_string, a.to_string_size) };
    Ok(Device { id, kind, description })
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("platform", &self.inner.platform_name)
            .field("version", &self.inner.platform_version)
            .field("devices", &self.inner.devices.len())
            .finish()
    }
}
