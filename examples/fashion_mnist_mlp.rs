//! The README's example: an MLP on Fashion-MNIST (`make demo`, or
//! `cargo run --release --example fashion_mnist_mlp`). A test keeps the two identical.
use kc::prelude::*;
use kc::{datasets::fashion_mnist, ops};

fn main() -> kc::frontend::Result<()> {
    set_random_seed(42);
    let ((x_train, y_train), (x_test, y_test)) = fashion_mnist::load_data()?;
    let x_train = ops::divide(&ops::cast(&x_train, DType::F32)?, 255.0)?;
    let x_test = ops::divide(&ops::cast(&x_test, DType::F32)?, 255.0)?;
    let mut model = Model::sequential(vec![
        Box::new(Input::new(&[28, 28])),
        Box::new(Flatten::new()),
        Box::new(Dense::new(128).activation("relu")),
        Box::new(Dense::new(10)),
    ]);
    println!("{}", model.summary()?);
    let loss = Loss::from_name("sparse_categorical_crossentropy")?.from_logits(true);
    model.compile(Compile::new().optimizer(Adam::new(1e-3)).loss(loss).metrics(&["accuracy"]))?;
    model.fit(&x_train, &y_train, Fit::new().epochs(5).batch_size(128).validation_split(0.1))?;
    println!("{:?}", model.evaluate(&x_test, &y_test, 512)?); // {"accuracy": 0.86.., "loss": 0.39..}
    Ok(())
}
