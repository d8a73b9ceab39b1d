//! Compiling StableHLO text into an executable, running it, and (de)serializing it.
use super::buffer::Buffer;
use super::client::{Client, ClientInner};
use super::compile_options::CompileOptions;
use super::ffi::{self, Args, PJRT_Buffer, PJRT_Executable, PJRT_LoadedExecutable};
use super::signature::entry_params;
use super::types::{ElementType, TensorSpec};
use super::util::{await_and_destroy, call, lossy_string};
use crate::error::{Result, RuntimeError};
use crate::tensor::HostTensor;
use std::ffi::c_char;
use std::fmt;
use std::sync::Arc;

/// A compiled program, loaded on its client's first device.
pub struct Executable {
    client: Arc<ClientInner>,
    raw: *mut PJRT_LoadedExecutable,
    name: String,
    inputs: Vec<TensorSpec>,
    outputs: Vec<TensorSpec>,
}

// SAFETY: PJRT executables may be executed and destroyed from any thread.
unsafe impl Send for Executable {}
unsafe impl Sync for Executable {}

impl Drop for Executable {
    fn drop(&mut self) {
        let mut a = ffi::PJRT_LoadedExecutable_Destroy_Args::new();
        a.executable = self.raw;
        let _ = call!(self.client.plugin.api(), PJRT_LoadedExecutable_Destroy, &mut a);
    }
}

/// An argument of [`Executable::execute_donating`].
pub enum Arg<'a> {
    /// Read the buffer; it stays valid.
    Keep(&'a Buffer),
    /// Give the buffer to the execution: where the program aliases this parameter to an
    /// output (`tf.aliasing_output` or `jax.buffer_donor` on the parameter), the output is
    /// written in its memory; in any case the buffer is consumed.
    Donate(Buffer),
}

impl Arg<'_> {
    fn buffer(&self) -> &Buffer {
        match self {
            Arg::Keep(b) => b,
            Arg::Donate(b) => b,
        }
    }
}

/// The non-loaded view of an executable, destroyed when dropped.
struct ExecutableView<'a> {
    client: &'a ClientInner,
    raw: *mut PJRT_Executable,
}

impl<'a> ExecutableView<'a> {
    fn of(client: &'a ClientInner, loaded: *mut PJRT_LoadedExecutable) -> Result<ExecutableView<'a>> {
        let mut a = ffi::PJRT_LoadedExecutable_GetExecutable_Args::new();
        a.loaded_executable = loaded;
        call!(client.plugin.api(), PJRT_LoadedExecutable_GetExecutable, &mut a)?;
        Ok(ExecutableView { client, raw: a.executable })
    }
}

impl Drop for ExecutableView<'_> {
    fn drop(&mut self) {
        let mut a = ffi::PJRT_Executable_Destroy_Args::new();
        a.executable = self.raw;
        let _ = call!(self.client.plugin.api(), PJRT_Executable_Destroy, &mut a);
    }
}

/// Magic and version line of kc's serialized executables (see [`Executable::serialize`]).
const SERIAL_MAGIC: &[u8] = b"kc-pjrt-executable 1\n";

impl Client {
    /// Compile a StableHLO (MLIR text) program whose entry is `func.func @main`, with
    /// default options (one replica, one partition).
    pub fn compile(&self, stablehlo: &str) -> Result<Executable> {
        self.compile_with(stablehlo, &CompileOptions::default())
    }

    /// [`Client::compile`] with explicit options. Errors in the program come back as the
    /// plugin wrote them (`PJRT_Client_Compile failed: INVALID_ARGUMENT: ... line:col ...`).
    pub fn compile_with(&self, stablehlo: &str, options: &CompileOptions) -> Result<Executable> {
        let encoded = options.encode()?;
        let api = self.inner.plugin.api();
        let format = b"mlir";
        let mut program = ffi::PJRT_Program::new();
        // The plugin only reads the code; the C type is `char*` for its other uses.
        program.code = stablehlo.as_ptr() as *mut c_char;
        program.code_size = stablehlo.len();
        program.format = format.as_ptr() as *const c_char;
        program.format_size = format.len();
        let mut a = ffi::PJRT_Client_Compile_Args::new();
        a.client = self.inner.raw;
        a.program = &program;
        a.compile_options = encoded.as_ptr() as *const c_char;
        a.compile_options_size = encoded.len();
        call!(api, PJRT_Client_Compile, &mut a)?;
        let mut exe = Executable::wrap(&self.inner, a.executable)?;
        exe.inputs = entry_params(stablehlo).map_err(|e| {
            RuntimeError::Input(format!("the program compiled, but kc cannot check calls to it: {e}"))
        })?;
        Ok(exe)
    }

    /// Load an executable that [`Executable::serialize`] wrote, on this client. The plugin
    /// must be the same build as the one that compiled it.
    pub fn deserialize(&self, bytes: &[u8]) -> Result<Executable> {
        let bad = |m: &str| RuntimeError::Input(format!("not a serialized kc executable: {m}"));
        let rest = bytes.strip_prefix(SERIAL_MAGIC).ok_or_else(|| bad("wrong header"))?;
        let nl = rest.iter().position(|&b| b == b'\n').ok_or_else(|| bad("no parameter line"))?;
        let inputs = decode_specs(&rest[..nl]).ok_or_else(|| bad("unreadable parameter line"))?;
        let payload = &rest[nl + 1..];
        let mut a = ffi::PJRT_Executable_DeserializeAndLoad_Args::new();
        a.client = self.inner.raw;
        a.serialized_executable = payload.as_ptr() as *const c_char;
        a.serialized_executable_size = payload.len();
        call!(self.inner.plugin.api(), PJRT_Executable_DeserializeAndLoad, &mut a)?;
        let mut exe = Executable::wrap(&self.inner, a.loaded_executable)?;
        exe.inputs = inputs;
        Ok(exe)
    }
}

/// `raw_type:d0,d1;raw_type:` — the parameter types, one line of the serialized form.
fn encode_specs(specs: &[TensorSpec]) -> String {
    let one = |s: &TensorSpec| {
        let dims: Vec<String> = s.dims.iter().map(usize::to_string).collect();
        format!("{}:{}", s.element_type.to_raw(), dims.join(","))
    };
    specs.iter().map(one).collect::<Vec<_>>().join(";")
}

fn decode_specs(line: &[u8]) -> Option<Vec<TensorSpec>> {
    let line = std::str::from_utf8(line).ok()?;
    if line.is_empty() {
        return Some(Vec::new());
    }
    line.split(';')
        .map(|s| {
            let (t, dims) = s.split_once(':')?;
            let dims = if dims.is_empty() { Vec::new() } else { dims.split(',').map(|d| d.parse().ok()).collect::<Option<_>>()? };
            Some(TensorSpec::new(ElementType::from_raw(t.parse().ok()?), dims))
        })
        .collect()
}

impl Executable {
    /// Own a loaded executable the plugin returned and read its name and outputs.
    fn wrap(client: &Arc<ClientInner>, raw: *mut PJRT_LoadedExecutable) -> Result<Executable> {
        let mut exe = Executable { client: client.clone(), raw, name: String::new(), inputs: Vec::new(), outputs: Vec::new() };
        let view = ExecutableView::of(client, raw)?;
        let api = client.plugin.api();

        let mut a = ffi::PJRT_Executable_Name_Args::new();
        a.executable = view.raw;
        call!(api, PJRT_Executable_Name, &mut a)?;
        // SAFETY: owned by the executable view, alive here.
        exe.name = unsafe { lossy_string(a.executable_name, a.executable_name_size) };

        let mut a = ffi::PJRT_Executable_NumOutputs_Args::new();
        a.executable = view.raw;
        call!(api, PJRT_Executable_NumOutputs, &mut a)?;
        let n = a.num_outputs;

        let mut t = ffi::PJRT_Executable_OutputElementTypes_Args::new();
        t.executable = view.raw;
        call!(api, PJRT_Executable_OutputElementTypes, &mut t)?;
        let mut d = ffi::PJRT_Executable_OutputDimensions_Args::new();
        d.executable = view.raw;
        d.num_outputs = n;
        call!(api, PJRT_Executable_OutputDimensions, &mut d)?;
        if t.num_output_types != n || d.num_outputs != n {
            return Err(RuntimeError::Plugin(format!(
                "the plugin reports {n} outputs but {} output types and {} output shapes",
                t.num_output_types, d.num_outputs
            )));
        }
        // SAFETY: the plugin returned `n` types, `n` ranks and the concatenated extents,
        // all owned by the view.
        let (types, ranks) = unsafe {
            if n == 0 {
                (&[][..], &[][..])
            } else {
                (std::slice::from_raw_parts(t.output_types, n), std::slice::from_raw_parts(d.dim_sizes, n))
            }
        };
        let total: usize = ranks.iter().sum();
        let dims: &[i64] = if total == 0 { &[] } else { unsafe { std::slice::from_raw_parts(d.dims, total) } };
        let mut at = 0;
        for (&ty, &rank) in types.iter().zip(ranks) {
            let extents = dims[at..at + rank]
                .iter()
                .map(|&e| usize::try_from(e).map_err(|_| RuntimeError::Plugin(format!("the plugin reports an output extent of {e}"))))
                .collect::<Result<_>>()?;
            at += rank;
            exe.outputs.push(TensorSpec::new(ElementType::from_raw(ty), extents));
        }
        drop(view);
        Ok(exe)
    }

    /// The name XLA gave the program (from the module's name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The parameter types of `@main`, which every call is checked against.
    pub fn input_specs(&self) -> &[TensorSpec] {
        &self.inputs
    }

    /// The result types, as the compiler reports them.
    pub fn output_specs(&self) -> &[TensorSpec] {
        &self.outputs
    }

    pub fn num_outputs(&self) -> usize {
        self.outputs.len()
    }

    /// Run the program on `args`, which stay valid (none is donated, even where the
    /// program aliases a parameter to an output). Returns one buffer per output.
    pub fn execute(&self, args: &[&Buffer]) -> Result<Vec<Buffer>> {
        let args: Vec<Arg<'_>> = args.iter().map(|&b| Arg::Keep(b)).collect();
        self.execute_donating(args)
    }

    /// Copy `args` to the device, run, and copy the results back: for tests and one-off
    /// calls (a training loop keeps its buffers on the device instead).
    pub fn execute_host(&self, args: &[HostTensor]) -> Result<Vec<HostTensor>> {
        let client = Client { inner: self.client.clone() };
        let bufs = args.iter().map(|a| client.to_device(a)).collect::<Result<Vec<_>>>()?;
        let refs: Vec<&Buffer> = bufs.iter().collect();
        self.execute(&refs)?.iter().map(Buffer::to_host).collect()
    }

    /// Run the program, donating the [`Arg::Donate`] arguments: state such as weights can
    /// be updated in place by a program that aliases its parameter to its output. Donated
    /// buffers are consumed, also when the call fails.
    pub fn execute_donating(&self, args: Vec<Arg<'_>>) -> Result<Vec<Buffer>> {
        self.check_args(&args)?;
        let api = self.client.plugin.api();
        let arg_ptrs: Vec<*mut PJRT_Buffer> = args.iter().map(|a| a.buffer().raw).collect();
        let non_donatable: Vec<i64> =
            args.iter().enumerate().filter(|(_, a)| matches!(a, Arg::Keep(_))).map(|(i, _)| i as i64).collect();
        let mut options = ffi::PJRT_ExecuteOptions::new();
        options.non_donatable_input_indices = non_donatable.as_ptr();
        options.num_non_donatable_input_indices = non_donatable.len();

        let argument_lists = [arg_ptrs.as_ptr()];
        let mut outputs: Vec<*mut PJRT_Buffer> = vec![std::ptr::null_mut(); self.outputs.len()];
        let output_lists = [outputs.as_mut_ptr()];
        let mut done = [std::ptr::null_mut::<ffi::PJRT_Event>()];
        let mut a = ffi::PJRT_LoadedExecutable_Execute_Args::new();
        a.executable = self.raw;
        a.options = &mut options;
        a.argument_lists = argument_lists.as_ptr();
        a.num_devices = 1;
        a.num_args = arg_ptrs.len();
        a.output_lists = output_lists.as_ptr();
        a.device_complete_events = done.as_mut_ptr();
        let result = call!(api, PJRT_LoadedExecutable_Execute, &mut a);
        // Own every output the plugin produced before looking at errors, so none leaks.
        let mut owned = Vec::with_capacity(outputs.len());
        let mut first_err = result.err();
        for &raw in outputs.iter().filter(|p| !p.is_null()) {
            match Buffer::from_raw(&self.client, raw) {
                Ok(b) => owned.push(b),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        if let Err(e) = await_and_destroy(api, done[0], "PJRT_LoadedExecutable_Execute") {
            first_err.get_or_insert(e);
        }
        drop(args);
        if let Some(e) = first_err {
            return Err(e);
        }
        if owned.len() != self.outputs.len() {
            return Err(RuntimeError::Plugin(format!(
                "execution of {} returned {} outputs, expected {}",
                self.name,
                owned.len(),
                self.outputs.len()
            )));
        }
        Ok(owned)
    }

    /// Count, client, element type and shape of every argument, before the plugin sees
    /// them; the error names the argument.
    fn check_args(&self, args: &[Arg<'_>]) -> Result<()> {
        if args.len() != self.inputs.len() {
            return Err(RuntimeError::Input(format!(
                "{} takes {} arguments ({}), got {}",
                self.name,
                self.inputs.len(),
                self.inputs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
                args.len()
            )));
        }
        for (i, (arg, want)) in args.iter().zip(&self.inputs).enumerate() {
            let b = arg.buffer();
            if !Arc::ptr_eq(&b.client, &self.client) {
                return Err(RuntimeError::Input(format!(
                    "argument {i} of {}: the buffer belongs to another PJRT client",
                    self.name
                )));
            }
            if b.spec() != want {
                return Err(RuntimeError::Input(format!(
                    "argument {i} of {}: expected {want}, got {}",
                    self.name,
                    b.spec()
                )));
            }
        }
        Ok(())
    }

    /// The executable in a form [`Client::deserialize`] loads back, for an on-disk cache:
    /// a header line, the parameter types, then the plugin's own serialization. Valid only
    /// for the same plugin build.
    pub fn serialize(&self) -> Result<Vec<u8>> {
        let view = ExecutableView::of(&self.client, self.raw)?;
        let mut a = ffi::PJRT_Executable_Serialize_Args::new();
        a.executable = view.raw;
        call!(self.client.plugin.api(), PJRT_Executable_Serialize, &mut a)?;
        let mut out = SERIAL_MAGIC.to_vec();
        out.extend_from_slice(encode_specs(&self.inputs).as_bytes());
        out.push(b'\n');
        if a.serialized_bytes_size > 0 {
            // SAFETY: the bytes live until the deleter runs, below.
            out.extend_from_slice(unsafe {
                std::slice::from_raw_parts(a.serialized_bytes as *const u8, a.serialized_bytes_size)
            });
        }
        if let Some(deleter) = a.serialized_executable_deleter {
            // SAFETY: called once, on the object the plugin returned.
            unsafe { deleter(a.serialized_executable) };
        }
        Ok(out)
    }
}

impl fmt::Debug for Executable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |s: &[TensorSpec]| s.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        write!(f, "Executable({}: ({}) -> ({}))", self.name, list(&self.inputs), list(&self.outputs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_lines_round_trip() {
        let specs = vec![
            TensorSpec::new(ElementType::F32, vec![2, 3]),
            TensorSpec::new(ElementType::Pred, vec![]),
            TensorSpec::new(ElementType::S64, vec![0]),
        ];
        let line = encode_specs(&specs);
        assert_eq!(line, "11:2,3;1:;5:0");
        assert_eq!(decode_specs(line.as_bytes()), Some(specs));
        assert_eq!(decode_specs(b""), Some(vec![]));
        assert_eq!(decode_specs(b"11:x"), None);
    }
}
