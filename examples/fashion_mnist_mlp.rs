//! Train an MLP on Fashion-MNIST, as in Keras's getting-started guide:
//! `cargo run --release --example fashion_mnist_mlp` (`make demo` runs it).
use kc::prelude::*;
use kc::{datasets::fashion_mnist, ops};

fn main() -> kc::frontend::Result<()> {
    set_random_seed(42);
    let ((x_train, y_train), (x_test, y_test)) = fashion_mnist::load_data()?;
    // Pixels to [0, 1] floats; the labels stay integer class ids.
    let x_train = ops::divide(&ops::cast(&x_train, DType::F32)?, 255.0)?;
    let x_test = ops::divide(&ops::cast(&x_test, DType::F32)?, 255.0)?;

    let mut model = Model::sequential(vec![
        Box::new(Input::new(&[28, 28])),
        Box::new(Flatten::new()),
        Box::new(Dense::new(128).activation("relu")),
        Box::new(Dense::new(10)),
    ]);
    println!("{}", model.summary()?);
    model.compile(
        Compile::new()
            .optimizer(Adam::new(1e-3))
            .loss(Loss::from_name("sparse_categorical_crossentropy")?.from_logits(true))
            .metrics(&["accuracy"]),
    )?;
    let epochs = std::env::var("EPOCHS").ok().and_then(|e| e.parse().ok()).unwrap_or(5);
    let history = model.fit(&x_train, &y_train, Fit::new().epochs(epochs).batch_size(128).validation_split(0.1))?;
    let test = model.evaluate(&x_test, &y_test, 512)?;
    println!(
        "final train accuracy {:.4}, val accuracy {:.4}; test loss {:.4}, test accuracy {:.4}",
        history.last("accuracy").unwrap_or(0.0),
        history.last("val_accuracy").unwrap_or(0.0),
        test["loss"],
        test["accuracy"]
    );
    Ok(())
}
