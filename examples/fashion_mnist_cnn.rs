//! A small CNN on Fashion-MNIST: `make demo-cnn`, or
//! `cargo run --release --example fashion_mnist_cnn`.
//!
//! On XLA (the default when the PJRT plugin is installed) it trains 3 epochs on all
//! 60,000 training images and tests on all 10,000 (test accuracy about 0.89, about 15 s
//! per epoch on two cores).
//! Without the plugin it runs on the reference interpreter, which is slow for
//! convolutions, so it trains on a subset: 2 epochs over the first 6,000 images, tested
//! on the first 2,000 (accuracy about 0.82, about 30 s). `KC_CNN_TRAIN`, `KC_CNN_TEST`
//! and `KC_CNN_EPOCHS` change the amounts.
use kc::prelude::*;
use kc::{datasets::fashion_mnist, ops};

/// A positive integer from the environment, or `default`.
fn setting(name: &str, default: usize) -> kc::frontend::Result<usize> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(v) => match v.parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(kc::frontend::Error::msg(format!("{name} must be a positive integer, got `{v}`"))),
        },
    }
}

/// The first `n` images as floats in [0, 1] with a channel axis, `(n, 28, 28, 1)`.
fn images(x: &Tensor, n: usize) -> kc::frontend::Result<Tensor> {
    let first = ops::slice(x, &[0], &[n as i64])?;
    let scaled = ops::divide(&ops::cast(&first, DType::F32)?, 255.0)?;
    ops::reshape(&scaled, &[n as i64, 28, 28, 1])
}

fn main() -> kc::frontend::Result<()> {
    set_random_seed(42);
    let ((x_train, y_train), (x_test, y_test)) = fashion_mnist::load_data()?;
    let xla = kc::runtime::xla::availability().is_ok();
    let n_train = setting("KC_CNN_TRAIN", if xla { 60000 } else { 6000 })?.min(60000);
    let n_test = setting("KC_CNN_TEST", if xla { 10000 } else { 2000 })?.min(10000);
    let epochs = setting("KC_CNN_EPOCHS", if xla { 3 } else { 2 })?;
    let (x_train, y_train) = (images(&x_train, n_train)?, ops::slice(&y_train, &[0], &[n_train as i64])?);
    let (x_test, y_test) = (images(&x_test, n_test)?, ops::slice(&y_test, &[0], &[n_test as i64])?);

    let mut model = Model::sequential(vec![
        Box::new(Input::new(&[28, 28, 1])),
        Box::new(Conv2D::new(16, 3).activation("relu")),
        // a faster-moving average than Keras's default 0.99: the short default run has
        // fewer than 200 steps, too few for 0.99 to forget its initial statistics
        Box::new(BatchNormalization::new().momentum(0.9)),
        Box::new(MaxPooling2D::default()),
        Box::new(Conv2D::new(32, 3).activation("relu")),
        Box::new(MaxPooling2D::default()),
        Box::new(Flatten::new()),
        Box::new(Dropout::new(0.25)),
        Box::new(Dense::new(10)),
    ]);
    println!("{}", model.summary()?);
    println!("training on {n_train} images for {epochs} epoch(s)");
    let loss = Loss::from_name("sparse_categorical_crossentropy")?.from_logits(true);
    model.compile(Compile::new().optimizer(Adam::new(1e-3)).loss(loss).metrics(&["accuracy"]))?;
    model.fit(&x_train, &y_train, Fit::new().epochs(epochs).batch_size(64).validation_split(0.1))?;
    println!("test ({n_test} images): {:?}", model.evaluate(&x_test, &y_test, 500)?);
    Ok(())
}
