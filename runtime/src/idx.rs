//! IDX files, the format of MNIST and Fashion-MNIST (`train-images-idx3-ubyte`, ...).
//!
//! Layout: two zero bytes, a type byte, the number of dims, one big-endian u32 per dim,
//! then the elements in row-major order, big-endian. Type 0x08 (unsigned byte, the only
//! one the datasets use) reads as u8; 0x09 (i8), 0x0C (i32), 0x0D (f32) and 0x0E (f64)
//! are read too; 0x0B (i16) has no kc dtype and is an error.
//!
//! The files ship gzipped; kc does not decompress (the Makefile gunzips them), and a
//! gzipped file is reported as such.
use crate::error::{Result, RuntimeError};
use crate::tensor::{Data, HostTensor};
use kc_ir::DType;
use std::path::Path;

/// Read an (uncompressed) IDX file.
pub fn read(path: impl AsRef<Path>) -> Result<HostTensor> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| RuntimeError::Io { path: name.clone(), source })?;
    from_bytes(&bytes, &name)
}

/// Parse IDX bytes; `name` is the file name for errors.
pub fn from_bytes(bytes: &[u8], name: &str) -> Result<HostTensor> {
    let err = |m: String| RuntimeError::format(name, m);
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Err(err("this is a gzip file; decompress it first (gunzip -k FILE)".into()));
    }
    if bytes.len() < 4 || bytes[0] != 0 || bytes[1] != 0 {
        return Err(err("not an IDX file (it must start with two zero bytes, a type byte and a rank)".into()));
    }
    let (ty, rank) = (bytes[2], bytes[3] as usize);
    let dtype = match ty {
        0x08 => DType::U8,
        0x09 => DType::I8,
        0x0C => DType::I32,
        0x0D => DType::F32,
        0x0E => DType::F64,
        0x0B => return Err(err("IDX type 0x0B (i16) has no kc dtype".into())),
        t => return Err(err(format!("unknown IDX type byte 0x{t:02X}"))),
    };
    let header = 4 + 4 * rank;
    if bytes.len() < header {
        return Err(err(format!("truncated header: {rank} dims need {header} bytes, the file has {}", bytes.len())));
    }
    let shape: Vec<usize> = bytes[4..header]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes(c.try_into().unwrap()) as usize)
        .collect();
    // Check the claimed size against the bytes actually present before allocating.
    let data = &bytes[header..];
    crate::tensor::check_data_len(dtype, &shape, data.len()).map_err(err)?;
    let chunks = |k: usize| data.chunks_exact(k);
    let d = match dtype {
        DType::U8 => Data::U8(data.to_vec()),
        DType::I8 => Data::I8(data.iter().map(|&b| b as i8).collect()),
        DType::I32 => Data::I32(chunks(4).map(|c| i32::from_be_bytes(c.try_into().unwrap())).collect()),
        DType::F32 => Data::F32(chunks(4).map(|c| f32::from_be_bytes(c.try_into().unwrap())).collect()),
        DType::F64 => Data::F64(chunks(8).map(|c| f64::from_be_bytes(c.try_into().unwrap())).collect()),
        _ => unreachable!("only the types above are accepted"),
    };
    HostTensor::new(shape, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2x2x3 "images" file: magic 0x00000803, dims 2, 2, 3, then bytes 0..12.
    fn images() -> Vec<u8> {
        let mut b = vec![0, 0, 0x08, 3];
        for d in [2u32, 2, 3] {
            b.extend_from_slice(&d.to_be_bytes());
        }
        b.extend(0u8..12);
        b
    }

    #[test]
    fn reads_images_and_labels() {
        let t = from_bytes(&images(), "imgs").unwrap();
        assert_eq!(t.shape(), &[2, 2, 3]);
        assert_eq!(t.as_slice::<u8>().unwrap(), &(0u8..12).collect::<Vec<_>>()[..]);
        // Labels: magic 0x00000801, one dim of 3.
        let labels = [0, 0, 8, 1, 0, 0, 0, 3, 9, 0, 4];
        let t = from_bytes(&labels, "labels").unwrap();
        assert_eq!(t.shape(), &[3]);
        assert_eq!(t.as_slice::<u8>().unwrap(), &[9, 0, 4]);
        // Big-endian f32.
        let mut f = vec![0, 0, 0x0D, 1, 0, 0, 0, 1];
        f.extend_from_slice(&1.5f32.to_be_bytes());
        assert_eq!(from_bytes(&f, "f").unwrap().as_slice::<f32>().unwrap(), &[1.5]);
    }

    #[test]
    fn truncation_and_format_errors() {
        let mut b = images();
        b.truncate(b.len() - 2);
        let e = from_bytes(&b, "train-images-idx3-ubyte").unwrap_err().to_string();
        assert_eq!(e, "train-images-idx3-ubyte: truncated: u8[2, 2, 3] needs 12 data bytes, the file has 10");
        let e = from_bytes(&images()[..9], "f").unwrap_err().to_string();
        assert!(e.contains("truncated header") && e.contains("16") && e.contains('9'), "{e}");
        let e = from_bytes(&[0x1f, 0x8b, 8, 0], "f.gz").unwrap_err().to_string();
        assert!(e.contains("gzip"), "{e}");
        // A header claiming 2^32-1 cubed elements must not allocate.
        let mut huge = vec![0, 0, 8, 3];
        for _ in 0..3 {
            huge.extend_from_slice(&u32::MAX.to_be_bytes());
        }
        assert!(from_bytes(&huge, "huge").is_err());
        let mut big = vec![0, 0, 8, 1];
        big.extend_from_slice(&u32::MAX.to_be_bytes());
        let e = from_bytes(&big, "big").unwrap_err().to_string();
        assert!(e.contains("needs 4294967295 data bytes, the file has 0"), "{e}");
    }
}
