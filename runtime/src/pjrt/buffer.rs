//! Device buffers: host tensors copied to the device, results of executions, and the copy
//! back. A `Buffer` owns its `PJRT_Buffer` and destroys it on drop.
use super::client::{Client, ClientInner};
use super::ffi::{self, Args, PJRT_Buffer};
use super::types::{ElementType, TensorSpec};
use super::util::{await_and_destroy, call};
use crate::error::{Result, RuntimeError};
use crate::tensor::{element_count, Data, HostTensor};
use half::{bf16, f16};
use kc_ir::DType;
use std::ffi::c_void;
use std::fmt;
use std::sync::Arc;

/// An array in a device's memory.
pub struct Buffer {
    pub(crate) client: Arc<ClientInner>,
    pub(crate) raw: *mut PJRT_Buffer,
    spec: TensorSpec,
}

// SAFETY: PJRT buffers may be used and destroyed from any thread.
unsafe impl Send for Buffer {}
unsafe impl Sync for Buffer {}

impl Drop for Buffer {
    fn drop(&mut self) {
        let mut a = ffi::PJRT_Buffer_Destroy_Args::new();
        a.buffer = self.raw;
        // Nothing can be reported from drop; the error, if any, is freed.
        let _ = call!(self.client.plugin.api(), PJRT_Buffer_Destroy, &mut a);
    }
}

/// The bytes of a host tensor, in row-major order, as the device type reads them: every
/// kc element type has the layout of its PJRT type (bool is one byte, 0 or 1, as PRED).
fn host_bytes(data: &Data) -> (*const c_void, usize) {
    fn raw<T>(v: &[T]) -> (*const c_void, usize) {
        (v.as_ptr() as *const c_void, std::mem::size_of_val(v))
    }
    match data {
        Data::F32(v) => raw(v),
        Data::F64(v) => raw(v),
        Data::F16(v) => raw(v),
        Data::BF16(v) => raw(v),
        Data::I8(v) => raw(v),
        Data::I32(v) => raw(v),
        Data::I64(v) => raw(v),
        Data::U8(v) => raw(v),
        Data::U32(v) => raw(v),
        Data::Bool(v) => raw(v),
    }
}

impl Client {
    /// Copy a host tensor to the client's first device.
    pub fn to_device(&self, t: &HostTensor) -> Result<Buffer> {
        let api = self.inner.plugin.api();
        let dims: Vec<i64> = t.shape().iter().map(|&d| d as i64).collect();
        let (data, _) = host_bytes(t.data());
        let element_type = ElementType::from_dtype(t.dtype());
        let mut a = ffi::PJRT_Client_BufferFromHostBuffer_Args::new();
        a.client = self.inner.raw;
        a.data = data;
        a.type_ = element_type.to_raw();
        a.dims = dims.as_ptr();
        a.num_dims = dims.len();
        // No strides: dense and row-major. The plugin copies during the call, so `t` may
        // change or go as soon as this returns.
        a.host_buffer_semantics = ffi::PJRT_HostBufferSemantics_kImmutableOnlyDuringCall;
        a.device = self.inner.device_ptrs[0];
        call!(api, PJRT_Client_BufferFromHostBuffer, &mut a)?;
        let buffer = Buffer { client: self.inner.clone(), raw: a.buffer, spec: TensorSpec::new(element_type, t.shape().to_vec()) };
        await_and_destroy(api, a.done_with_host_buffer, "PJRT_Client_BufferFromHostBuffer")?;
        Ok(buffer)
    }
}

impl Buffer {
    /// Take ownership of a buffer the plugin returned, reading its type and shape.
    pub(crate) fn from_raw(client: &Arc<ClientInner>, raw: *mut PJRT_Buffer) -> Result<Buffer> {
        let api = client.plugin.api();
        // Owned from the start, so an error below still destroys it.
        let mut b = Buffer { client: client.clone(), raw, spec: TensorSpec::new(ElementType::Other(0), Vec::new()) };
        let mut a = ffi::PJRT_Buffer_ElementType_Args::new();
        a.buffer = raw;
        call!(api, PJRT_Buffer_ElementType, &mut a)?;
        b.spec.element_type = ElementType::from_raw(a.type_);
        let mut a = ffi::PJRT_Buffer_Dimensions_Args::new();
        a.buffer = raw;
        call!(api, PJRT_Buffer_Dimensions, &mut a)?;
        let dims: &[i64] = if a.num_dims == 0 {
            &[]
        } else {
            // SAFETY: `num_dims` extents, owned by the buffer, which is alive.
            unsafe { std::slice::from_raw_parts(a.dims, a.num_dims) }
        };
        b.spec.dims = dims
            .iter()
            .map(|&d| usize::try_from(d).map_err(|_| RuntimeError::Tensor(format!("the plugin returned a buffer with extent {d}"))))
            .collect::<Result<_>>()?;
        Ok(b)
    }

    /// Element type and extents.
    pub fn spec(&self) -> &TensorSpec {
        &self.spec
    }

    pub fn dims(&self) -> &[usize] {
        &self.spec.dims
    }

    pub fn element_type(&self) -> ElementType {
        self.spec.element_type
    }

    /// The kc dtype of the elements; an error for element types kc does not have.
    pub fn dtype(&self) -> Result<DType> {
        self.spec
            .element_type
            .to_dtype()
            .ok_or_else(|| RuntimeError::Tensor(format!("buffer {} has an element type kc has no dtype for", self.spec)))
    }

    /// Copy the buffer to a host tensor (waits for the buffer to be computed).
    pub fn to_host(&self) -> Result<HostTensor> {
        let dtype = self.dtype()?;
        let n = element_count(&self.spec.dims)?;
        let data = match dtype {
            DType::F32 => Data::F32(self.read(n)?),
            DType::F64 => Data::F64(self.read(n)?),
            DType::F16 => Data::F16(self.read::<f16>(n)?),
            DType::BF16 => Data::BF16(self.read::<bf16>(n)?),
            DType::I8 => Data::I8(self.read(n)?),
            DType::I32 => Data::I32(self.read(n)?),
            DType::I64 => Data::I64(self.read(n)?),
            DType::U8 => Data::U8(self.read(n)?),
            DType::U32 => Data::U32(self.read(n)?),
            // Read as bytes: a Rust bool must be 0 or 1, and that is the plugin's promise,
            // not something to build on.
            DType::Bool => Data::Bool(self.read::<u8>(n)?.into_iter().map(|b| b != 0).collect()),
        };
        HostTensor::new(self.spec.dims.clone(), data)
    }

    /// Copy `n` elements of type `T` (whose size is the element size) out, row-major.
    fn read<T: Copy + Default>(&self, n: usize) -> Result<Vec<T>> {
        let api = self.client.plugin.api();
        let mut out = vec![T::default(); n];
        // Ask for row-major explicitly: a device buffer may use another layout, and the
        // copy converts. minor_to_major [rank-1, ..., 0] is row-major.
        let minor_to_major: Vec<i64> = (0..self.spec.dims.len() as i64).rev().collect();
        let mut tiled = ffi::PJRT_Buffer_MemoryLayout_Tiled::new();
        tiled.minor_to_major = minor_to_major.as_ptr();
        tiled.minor_to_major_size = minor_to_major.len();
        let mut layout = ffi::PJRT_Buffer_MemoryLayout::new();
        layout.layout.tiled = std::mem::ManuallyDrop::new(tiled);
        layout.type_ = ffi::PJRT_Buffer_MemoryLayout_Type_Tiled;

        let mut a = ffi::PJRT_Buffer_ToHostBuffer_Args::new();
        a.src = self.raw;
        a.host_layout = &mut layout;
        a.dst = out.as_mut_ptr() as *mut c_void;
        a.dst_size = std::mem::size_of_val(out.as_slice());
        call!(api, PJRT_Buffer_ToHostBuffer, &mut a)?;
        await_and_destroy(api, a.event, "PJRT_Buffer_ToHostBuffer")?;
        Ok(out)
    }

    /// The address of the buffer's memory as the plugin reports it. For diagnostics: two
    /// buffers with the same pointer share memory (as a donated input and its output do).
    pub fn device_pointer(&self) -> Result<usize> {
        let mut a = ffi::PJRT_Buffer_UnsafePointer_Args::new();
        a.buffer = self.raw;
        call!(self.client.plugin.api(), PJRT_Buffer_UnsafePointer, &mut a)?;
        Ok(a.buffer_pointer)
    }
}

impl fmt::Debug for Buffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Buffer({})", self.spec)
    }
}
