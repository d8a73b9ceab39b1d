//! `xla.CompileOptionsProto`, hand-encoded.
//!
//! `PJRT_Client_Compile` takes the options as serialized protobuf. An empty message is not
//! accepted (the CPU plugin aborts the process on it), so kc always writes at least
//! `executable_build_options { num_replicas, num_partitions }`. The fields are few and
//! fixed, so they are written with the protobuf wire format directly instead of pulling in
//! a protobuf crate and XLA's .proto files. Field numbers, from openxla/xla
//! `xla/pjrt/proto/compile_options.proto`:
//!
//! ```text
//! message CompileOptionsProto { ExecutableBuildOptionsProto executable_build_options = 3; ... }
//! message ExecutableBuildOptionsProto { int64 num_replicas = 4; int64 num_partitions = 5; ... }
//! ```
use crate::error::{Result, RuntimeError};

/// What kc asks of the XLA compiler. One replica and one partition run a program on one
/// device, which is what [`crate::pjrt::Executable::execute`] does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileOptions {
    pub num_replicas: u32,
    pub num_partitions: u32,
}

impl Default for CompileOptions {
    fn default() -> CompileOptions {
        CompileOptions { num_replicas: 1, num_partitions: 1 }
    }
}

const WIRE_VARINT: u32 = 0;
const WIRE_LEN: u32 = 2;

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn tag(out: &mut Vec<u8>, field: u32, wire: u32) {
    varint(out, u64::from(field << 3 | wire));
}

impl CompileOptions {
    /// The serialized `CompileOptionsProto`; never empty. Zero replicas or partitions are
    /// refused: XLA has no meaning for them.
    pub fn encode(&self) -> Result<Vec<u8>> {
        if self.num_replicas == 0 || self.num_partitions == 0 {
            return Err(RuntimeError::Input(format!(
                "compile options need at least one replica and one partition, got {} and {}",
                self.num_replicas, self.num_partitions
            )));
        }
        // Both fields are written even at their proto3 default so that the message says
        // what kc meant rather than relying on XLA's reading of absent fields.
        let mut build = Vec::new();
        tag(&mut build, 4, WIRE_VARINT);
        varint(&mut build, u64::from(self.num_replicas));
        tag(&mut build, 5, WIRE_VARINT);
        varint(&mut build, u64::from(self.num_partitions));

        let mut out = Vec::new();
        tag(&mut out, 3, WIRE_LEN);
        varint(&mut out, build.len() as u64);
        out.extend_from_slice(&build);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_options_bytes() {
        // 0x1a = field 3, length-delimited; 4 bytes follow: 0x20 = field 4 varint, 1;
        // 0x28 = field 5 varint, 1.
        assert_eq!(CompileOptions::default().encode().unwrap(), vec![0x1a, 0x04, 0x20, 0x01, 0x28, 0x01]);
    }

    #[test]
    fn multi_byte_varints() {
        let o = CompileOptions { num_replicas: 300, num_partitions: 2 };
        // 300 = 0b1_0010_1100 -> 0xac 0x02.
        assert_eq!(o.encode().unwrap(), vec![0x1a, 0x05, 0x20, 0xac, 0x02, 0x28, 0x02]);
        let mut v = Vec::new();
        varint(&mut v, u64::MAX);
        assert_eq!(v.len(), 10);
        assert_eq!(v[9], 0x01);
    }

    #[test]
    fn zero_replicas_is_an_error() {
        let e = CompileOptions { num_replicas: 0, num_partitions: 1 }.encode().unwrap_err().to_string();
        assert!(e.contains("replica"), "{e}");
    }
}
