//! `.npy` and IDX files on disk.
use crate::*;
use half::f16;
use kc_runtime::{idx, npy};
use std::path::PathBuf;

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kc-runtime-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn npy_round_trip_every_dtype_through_files() {
    let dir = scratch("npy");
    let tensors = vec![
        t(&[2, 3], vec![1.5f32, -2.0, 0.0, f32::MAX, f32::MIN_POSITIVE, -0.0]),
        t(&[2], vec![std::f64::consts::PI, -1e-300]),
        t(&[3], vec![f16::from_f32(0.5), f16::MIN, f16::from_f32(-3.0)]),
        t(&[1, 2], vec![-128i8, 5]),
        t(&[2, 2], vec![i32::MIN, -1, 0, i32::MAX]),
        t(&[2], vec![i64::MIN, i64::MAX]),
        t(&[2, 1, 2], vec![0u8, 255, 7, 8]),
        t(&[1], vec![u32::MAX]),
        t(&[2], vec![false, true]),
        s(2.5f64),
        t(&[3, 0], Vec::<i32>::new()),
    ];
    for (i, x) in tensors.iter().enumerate() {
        let path = dir.join(format!("t{i}.npy"));
        npy::write(&path, x).unwrap();
        let back = npy::read(&path).unwrap();
        assert_eq!(&back, x, "{}", path.display());
    }
    let e = npy::write(dir.join("b.npy"), &s(half::bf16::ONE)).unwrap_err().to_string();
    assert!(e.contains("b.npy") && e.contains("bf16"), "{e}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn idx_file_and_truncation() {
    let dir = scratch("idx");
    // 2 images of 2x3: magic 0x00000803, dims (2, 2, 3), pixels 0..12.
    let mut bytes = vec![0u8, 0, 8, 3];
    for d in [2u32, 2, 3] {
        bytes.extend_from_slice(&d.to_be_bytes());
    }
    bytes.extend(0u8..12);
    let path = dir.join("images-idx3-ubyte");
    std::fs::write(&path, &bytes).unwrap();
    let x = idx::read(&path).unwrap();
    assert_eq!(x.shape(), &[2, 2, 3]);
    assert_eq!(x.as_slice::<u8>().unwrap(), &(0u8..12).collect::<Vec<_>>()[..]);
    std::fs::write(&path, &bytes[..bytes.len() - 5]).unwrap();
    let e = idx::read(&path).unwrap_err().to_string();
    assert_eq!(e, format!("{}: truncated: u8[2, 2, 3] needs 12 data bytes, the file has 7", path.display()));
    std::fs::remove_dir_all(dir).ok();
}
