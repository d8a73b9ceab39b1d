//! `keras.datasets.fashion_mnist.load_data()`, over the files of Debian's
//! `dataset-fashion-mnist` package (Zalando's Fashion-MNIST, MIT licence): 60,000
//! training and 10,000 test images of 28x28 `u8` pixels, labels 0-9.
//!
//! Looked for, in order: `$KC_DATA_DIR/fashion-mnist/`, `.deps/fashion-mnist/` in the
//! current directory or a parent (uncompressed, as `make data` leaves them), and
//! `/usr/share/datasets/fashion-mnist/` (gzipped, as Debian installs them).
use crate::error::{Error, Result};
use crate::tensor::Tensor;
use std::io::Read;
use std::path::{Path, PathBuf};

pub const CLASS_NAMES: [&str; 10] = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

const DEBIAN: &str = "/usr/share/datasets/fashion-mnist";

fn candidates() -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Ok(d) = std::env::var("KC_DATA_DIR") {
        v.push(Path::new(&d).join("fashion-mnist"));
    }
    if let Ok(mut dir) = std::env::current_dir() {
        loop {
            v.push(dir.join(".deps/fashion-mnist"));
            if !dir.pop() {
                break;
            }
        }
    }
    v.push(PathBuf::from(DEBIAN));
    v
}

fn read(name: &str) -> Result<Tensor> {
    for dir in candidates() {
        let plain = dir.join(name);
        if plain.is_file() {
            return Ok(Tensor::from_host(kc_runtime::idx::read(&plain)?));
        }
        let gz = dir.join(format!("{name}.gz"));
        if gz.is_file() {
            let mut bytes = Vec::new();
            let f = std::fs::File::open(&gz).map_err(|e| Error::msg(format!("{}: {e}", gz.display())))?;
            flate2::read::GzDecoder::new(f).read_to_end(&mut bytes).map_err(|e| Error::msg(format!("{}: {e}", gz.display())))?;
            return Ok(Tensor::from_host(kc_runtime::idx::from_bytes(&bytes, &gz.display().to_string())?));
        }
    }
    Err(Error::msg(format!(
        "Fashion-MNIST file {name} not found (looked in $KC_DATA_DIR/fashion-mnist, .deps/fashion-mnist and {DEBIAN}); \
         install it with `sudo apt-get install dataset-fashion-mnist` or run `make data`"
    )))
}

/// `((x_train, y_train), (x_test, y_test))`: images `u8[n, 28, 28]`, labels `u8[n]`.
pub fn load_data() -> Result<((Tensor, Tensor), (Tensor, Tensor))> {
    Ok((
        (read("train-images-idx3-ubyte")?, read("train-labels-idx1-ubyte")?),
        (read("t10k-images-idx3-ubyte")?, read("t10k-labels-idx1-ubyte")?),
    ))
}
