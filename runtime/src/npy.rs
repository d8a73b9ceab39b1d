//! NumPy `.npy` files: read (format versions 1.0, 2.0 and 3.0) and write (1.0) a single
//! C-order, little-endian array.
//!
//! File layout: the magic `\x93NUMPY`, major and minor version bytes, the header length
//! (u16 LE in 1.0, u32 LE in 2.0/3.0), then the header, a Python dict literal such as
//! `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`, then the raw data.
//!
//! Element types: `<f4 <f8 <f2 <i1 |i1 <i4 <i8 |u1 <u1 <u4 |b1` (and `<b1`). bf16 has no
//! NumPy type string; writing a bf16 tensor is an error (convert it to f32 first) rather
//! than a file other tools would misread. Fortran-order and big-endian files are errors.
use crate::error::{Result, RuntimeError};
use crate::tensor::{Data, HostTensor};
use half::f16;
use kc_ir::DType;
use std::path::Path;

const MAGIC: &[u8] = b"\x93NUMPY";

/// Read a `.npy` file.
pub fn read(path: impl AsRef<Path>) -> Result<HostTensor> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| RuntimeError::Io { path: name.clone(), source })?;
    from_bytes(&bytes, &name)
}

/// Write a tensor as a `.npy` file.
pub fn write(path: impl AsRef<Path>, t: &HostTensor) -> Result<()> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let bytes = to_bytes(t).map_err(|m| RuntimeError::format(&name, m))?;
    std::fs::write(path, bytes).map_err(|source| RuntimeError::Io { path: name, source })
}

fn descr(dtype: DType) -> std::result::Result<&'static str, String> {
    Ok(match dtype {
        DType::F32 => "<f4",
        DType::F64 => "<f8",
        DType::F16 => "<f2",
        DType::I8 => "|i1",
        DType::I32 => "<i4",
        DType::I64 => "<i8",
        DType::U8 => "|u1",
        DType::U32 => "<u4",
        DType::Bool => "|b1",
        DType::BF16 => return Err("bf16 has no .npy type; convert the tensor to f32 before saving it".into()),
    })
}

fn dtype_of(descr: &str) -> std::result::Result<DType, String> {
    Ok(match descr {
        "<f4" => DType::F32,
        "<f8" => DType::F64,
        "<f2" => DType::F16,
        "|i1" | "<i1" => DType::I8,
        "<i4" => DType::I32,
        "<i8" => DType::I64,
        "|u1" | "<u1" => DType::U8,
        "<u4" => DType::U32,
        "|b1" | "<b1" => DType::Bool,
        d if d.starts_with('>') => return Err(format!("big-endian data ('{d}') is not supported; save it little-endian")),
        d => return Err(format!("unsupported element type '{d}' (kc reads <f4 <f8 <f2 |i1 <i4 <i8 |u1 <u4 |b1)")),
    })
}

/// The bytes of a `.npy` file holding `t` (format 1.0, or 2.0 if the header is huge).
pub fn to_bytes(t: &HostTensor) -> std::result::Result<Vec<u8>, String> {
    let d = descr(t.dtype())?;
    let shape = match t.shape() {
        [] => "()".to_string(),
        [n] => format!("({n},)"),
        dims => format!("({})", dims.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", ")),
    };
    let mut header = format!("{{'descr': '{d}', 'fortran_order': False, 'shape': {shape}, }}");
    // Pad with spaces so the data starts at a multiple of 64 bytes; end with a newline.
    let (version, len_bytes) = if header.len() + 11 < 65536 { (1u8, 2) } else { (2u8, 4) };
    let prefix = MAGIC.len() + 2 + len_bytes;
    let total = (prefix + header.len() + 1).div_ceil(64) * 64;
    header.push_str(&" ".repeat(total - prefix - header.len() - 1));
    header.push('\n');
    let mut out = Vec::with_capacity(total + t.nbytes());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[version, 0]);
    if version == 1 {
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(header.as_bytes());
    match t.data() {
        Data::F32(v) => v.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        Data::F64(v) => v.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        Data::F16(v) => v.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        Data::I8(v) => v.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        Data::I32(v) => v.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        Data::I64(v) => v.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        Data::U8(v) => out.extend_from_slice(v),
        Data::U32(v) => v.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        Data::Bool(v) => v.iter().for_each(|&x| out.push(x as u8)),
        Data::BF16(_) => unreachable!("descr rejected bf16"),
    }
    Ok(out)
}

/// The value of `'key': ...` in the header dict, up to the next top-level comma or brace.
fn field<'h>(header: &'h str, key: &str) -> std::result::Result<&'h str, String> {
    let missing = || format!("the header has no '{key}': {header}");
    let at = header.find(&format!("'{key}'")).or_else(|| header.find(&format!("\"{key}\""))).ok_or_else(missing)?;
    let rest = &header[at + key.len() + 2..];
    let rest = rest.trim_start().strip_prefix(':').ok_or_else(missing)?.trim_start();
    // A tuple runs to its closing parenthesis; anything else to the next ',' or '}'.
    let end = if rest.starts_with('(') {
        rest.find(')').map(|i| i + 1)
    } else {
        rest.find([',', '}'])
    };
    Ok(rest[..end.ok_or_else(missing)?].trim())
}

fn parse_header(header: &str) -> std::result::Result<(DType, Vec<usize>), String> {
    let d = field(header, "descr")?;
    let d = d.trim_matches(|c| c == '\'' || c == '"');
    let dtype = dtype_of(d)?;
    match field(header, "fortran_order")? {
        "False" => {}
        "True" => return Err("Fortran-order arrays are not supported; save with np.ascontiguousarray".into()),
        other => return Err(format!("bad fortran_order value `{other}`")),
    }
    let s = field(header, "shape")?;
    let inner = s.strip_prefix('(').and_then(|s| s.strip_suffix(')')).ok_or_else(|| format!("bad shape `{s}`"))?;
    let shape = inner
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| p.trim_end_matches('L').parse::<usize>().map_err(|_| format!("bad shape `{s}`")))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok((dtype, shape))
}

/// Parse `.npy` bytes; `name` is the file name for errors.
pub fn from_bytes(bytes: &[u8], name: &str) -> Result<HostTensor> {
    let err = |m: String| RuntimeError::format(name, m);
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err(err("not a .npy file (no \\x93NUMPY magic)".into()));
    }
    let (major, minor) = (bytes[6], bytes[7]);
    let (header_len, start) = match major {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10usize),
        2 | 3 if bytes.len() >= 12 => (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12),
        2 | 3 => return Err(err("truncated header".into())),
        _ => return Err(err(format!("unsupported .npy version {major}.{minor}"))),
    };
    let header_end = start.checked_add(header_len).filter(|&e| e <= bytes.len()).ok_or_else(|| {
        err(format!("truncated header: it claims {header_len} bytes, the file has {} after the prefix", bytes.len() - start))
    })?;
    let header = std::str::from_utf8(&bytes[start..header_end]).map_err(|_| err("the header is not text".into()))?;
    let (dtype, shape) = parse_header(header).map_err(err)?;
    let data = &bytes[header_end..];
    // Check the claimed size against the bytes actually present before allocating.
    crate::tensor::check_data_len(dtype, &shape, data.len()).map_err(err)?;
    let chunks = |k: usize| data.chunks_exact(k);
    let d = match dtype {
        DType::F32 => Data::F32(chunks(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect()),
        DType::F64 => Data::F64(chunks(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect()),
        DType::F16 => Data::F16(chunks(2).map(|c| f16::from_le_bytes(c.try_into().unwrap())).collect()),
        DType::I8 => Data::I8(data.iter().map(|&b| b as i8).collect()),
        DType::I32 => Data::I32(chunks(4).map(|c| i32::from_le_bytes(c.try_into().unwrap())).collect()),
        DType::I64 => Data::I64(chunks(8).map(|c| i64::from_le_bytes(c.try_into().unwrap())).collect()),
        DType::U8 => Data::U8(data.to_vec()),
        DType::U32 => Data::U32(chunks(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect()),
        // NumPy writes bools as 0/1 bytes; any nonzero byte reads as true.
        DType::Bool => Data::Bool(data.iter().map(|&b| b != 0).collect()),
        DType::BF16 => unreachable!("no descr maps to bf16"),
    };
    HostTensor::new(shape, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use half::bf16;

    fn every_dtype() -> Vec<HostTensor> {
        vec![
            HostTensor::from_vec(vec![2, 2], vec![1.5f32, -0.0, f32::INFINITY, 3.25]).unwrap(),
            HostTensor::from_vec(vec![3], vec![1e300f64, -2.5, f64::MIN_POSITIVE]).unwrap(),
            HostTensor::from_vec(vec![2], vec![f16::from_f32(0.1), f16::MAX]).unwrap(),
            HostTensor::from_vec(vec![2, 1], vec![-128i8, 127]).unwrap(),
            HostTensor::from_vec(vec![3], vec![i32::MIN, 0, i32::MAX]).unwrap(),
            HostTensor::from_vec(vec![1, 2], vec![i64::MIN, i64::MAX]).unwrap(),
            HostTensor::from_vec(vec![4], vec![0u8, 1, 128, 255]).unwrap(),
            HostTensor::from_vec(vec![2], vec![0u32, u32::MAX]).unwrap(),
            HostTensor::from_vec(vec![3], vec![true, false, true]).unwrap(),
            HostTensor::scalar(7i32),
            HostTensor::from_vec(vec![0, 3], Vec::<f32>::new()).unwrap(),
        ]
    }

    #[test]
    fn round_trip_every_dtype() {
        for t in every_dtype() {
            let bytes = to_bytes(&t).unwrap();
            assert_eq!(bytes.len() % 64, t.nbytes() % 64, "data starts at a multiple of 64");
            let back = from_bytes(&bytes, "mem.npy").unwrap();
            assert_eq!(back, t);
        }
        let e = to_bytes(&HostTensor::scalar(bf16::ONE)).unwrap_err();
        assert!(e.contains("bf16"), "{e}");
    }

    #[test]
    fn exact_header_bytes() {
        // np.array([1, 2], dtype='<i4'): 10 prefix bytes + 57 header characters + newline
        // need 68 bytes, padded to 128.
        let t = HostTensor::from_vec(vec![2], vec![1i32, 2]).unwrap();
        let b = to_bytes(&t).unwrap();
        let header = "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }";
        assert_eq!(header.len(), 57);
        assert_eq!(&b[..8], b"\x93NUMPY\x01\x00");
        assert_eq!(u16::from_le_bytes([b[8], b[9]]) as usize + 10, 128);
        let text = std::str::from_utf8(&b[10..128]).unwrap();
        assert!(text.starts_with(header) && text[57..117].bytes().all(|c| c == b' '), "{text:?}");
        assert_eq!(b[127], b'\n');
        assert_eq!(&b[128..], &[1, 0, 0, 0, 2, 0, 0, 0]);
    }

    fn file(descr: &str, fortran: &str, shape: &str, version: u8, data: &[u8]) -> Vec<u8> {
        let header = format!("{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape}, }}\n");
        let mut b = MAGIC.to_vec();
        b.extend_from_slice(&[version, 0]);
        if version == 1 {
            b.extend_from_slice(&(header.len() as u16).to_le_bytes());
        } else {
            b.extend_from_slice(&(header.len() as u32).to_le_bytes());
        }
        b.extend_from_slice(header.as_bytes());
        b.extend_from_slice(data);
        b
    }

    #[test]
    fn versions_and_alternative_descrs() {
        let t = from_bytes(&file("<u1", "False", "(2,)", 3, &[5, 6]), "a.npy").unwrap();
        assert_eq!(t.as_slice::<u8>().unwrap(), &[5, 6]);
        let t = from_bytes(&file("<i1", "False", "(1, 1)", 2, &[0xff]), "a.npy").unwrap();
        assert_eq!(t.as_slice::<i8>().unwrap(), &[-1]);
        let t = from_bytes(&file("|b1", "False", "()", 1, &[2]), "a.npy").unwrap();
        assert_eq!(t.as_slice::<bool>().unwrap(), &[true]);
    }

    #[test]
    fn errors_name_the_file_and_sizes() {
        let e = from_bytes(&file("<f4", "False", "(3,)", 1, &[0; 8]), "x.npy").unwrap_err().to_string();
        assert!(e.starts_with("x.npy: truncated") && e.contains("12") && e.contains('8'), "{e}");
        let e = from_bytes(&file("<f4", "True", "(2,)", 1, &[0; 8]), "x.npy").unwrap_err().to_string();
        assert!(e.contains("Fortran"), "{e}");
        let e = from_bytes(&file(">f4", "False", "(2,)", 1, &[0; 8]), "x.npy").unwrap_err().to_string();
        assert!(e.contains("big-endian"), "{e}");
        let e = from_bytes(&file("<c8", "False", "(2,)", 1, &[0; 16]), "x.npy").unwrap_err().to_string();
        assert!(e.contains("<c8"), "{e}");
        // A header claiming an absurd shape is rejected without allocating it.
        let e = from_bytes(&file("<f8", "False", "(100000000000, 100000000000)", 1, &[0; 8]), "x.npy").unwrap_err().to_string();
        assert!(e.starts_with("x.npy:"), "{e}");
        let e = from_bytes(b"PK\x03\x04 not npy", "x.npy").unwrap_err().to_string();
        assert!(e.contains("magic"), "{e}");
        let e = read("/nonexistent/dir/y.npy").unwrap_err().to_string();
        assert!(e.starts_with("/nonexistent/dir/y.npy:"), "{e}");
    }
}
