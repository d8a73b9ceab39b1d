//! End to end on the real dataset (Debian's `dataset-fashion-mnist`, installed by
//! `make test`): the README's MLP reaches at least 85% test accuracy. Kept fast for CI:
//! three epochs instead of the demo's five.
use kc::prelude::*;
use kc::{datasets::fashion_mnist, ops};

#[test]
fn the_mlp_reaches_85_percent_on_fashion_mnist() {
    set_random_seed(42);
    let ((x_train, y_train), (x_test, y_test)) = fashion_mnist::load_data().expect("run `make data` (or make test) to install Fashion-MNIST");
    assert_eq!(x_train.shape(), Some(vec![60000, 28, 28]));
    assert_eq!(y_test.shape(), Some(vec![10000]));
    let x_train = ops::divide(&ops::cast(&x_train, DType::F32).unwrap(), 255.0).unwrap();
    let x_test = ops::divide(&ops::cast(&x_test, DType::F32).unwrap(), 255.0).unwrap();
    let mut model = Model::sequential(vec![
        Box::new(Input::new(&[28, 28])),
        Box::new(Flatten::new()),
        Box::new(Dense::new(128).activation("relu")),
        Box::new(Dense::new(10)),
    ]);
    let loss = Loss::from_name("sparse_categorical_crossentropy").unwrap().from_logits(true);
    model.compile(Compile::new().optimizer(Adam::new(1e-3)).loss(loss).metrics(&["accuracy"])).unwrap();
    let h = model.fit(&x_train, &y_train, Fit::new().epochs(3).batch_size(128).verbose(0)).unwrap();
    let acc = h.get("accuracy").unwrap();
    assert!(acc[2] > acc[0], "{acc:?}");
    let test = model.evaluate(&x_test, &y_test, 1000).unwrap();
    assert!(test["accuracy"] >= 0.85, "test accuracy {}", test["accuracy"]);
}
