//! Optimizers and learning-rate schedules against real Keras 3
//! (`tests/golden/keras/data/optimizers.json`, written by `tests/golden/keras/optimizers.py`).
//!
//! Each optimizer case starts from the same two weights, applies the same three steps of
//! gradients, and must give Keras's weights after every step and Keras's optimizer
//! variables (same paths, same order, same values) after the last — once eagerly
//! (`apply_gradients`) and once with the update traced into a step function that goes
//! through the compiler's default pipeline, as `fit` runs it. Tolerance: float32,
//! `|kc - keras| <= 1e-5 * |keras| + 1e-6` (golden::REL / golden::ABS); the formulas are
//! evaluated in the same order as Keras's, so in practice the difference is a few ulps.
use super::golden::{self, close, REL};
use kc::frontend::optimizers::schedules::{CosineDecay, ExponentialDecay, InverseTimeDecay, LearningRateSchedule, PiecewiseConstantDecay, PolynomialDecay};
use kc::frontend::optimizers::{self, LearningRate, NAMES};
use kc::frontend::training::Step;
use kc::frontend::{ops, Adadelta, Adagrad, Adamax, Ftrl, Graph, Lion, Nadam, Result};
use kc::prelude::*;
use serde_json::Value;

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// A schedule from its Keras class name and arguments.
fn schedule_of(class: &str, a: &Value) -> Box<dyn LearningRateSchedule> {
    let f = |k: &str| num(&a[k]);
    let has = |k: &str| a.get(k).is_some_and(|v| !v.is_null());
    let floats = |k: &str| a[k].as_array().unwrap().iter().map(num).collect::<Vec<_>>();
    match class {
        "ExponentialDecay" => Box::new(ExponentialDecay::new(f("initial_learning_rate"), f("decay_steps"), f("decay_rate")).staircase(a["staircase"].as_bool().unwrap_or(false))),
        "InverseTimeDecay" => Box::new(InverseTimeDecay::new(f("initial_learning_rate"), f("decay_steps"), f("decay_rate")).staircase(a["staircase"].as_bool().unwrap_or(false))),
        "PiecewiseConstantDecay" => Box::new(PiecewiseConstantDecay::new(&floats("boundaries"), &floats("values"))),
        "PolynomialDecay" => {
            let mut s = PolynomialDecay::new(f("initial_learning_rate"), f("decay_steps"));
            if has("end_learning_rate") {
                s = s.end_learning_rate(f("end_learning_rate"));
            }
            if has("power") {
                s = s.power(f("power"));
            }
            Box::new(s.cycle(a["cycle"].as_bool().unwrap_or(false)))
        }
        "CosineDecay" => {
            let mut s = CosineDecay::new(f("initial_learning_rate"), f("decay_steps"));
            if has("alpha") {
                s = s.alpha(f("alpha"));
            }
            if has("warmup_target") {
                s = s.warmup_target(f("warmup_target"));
            }
            if has("warmup_steps") {
                s = s.warmup_steps(f("warmup_steps"));
            }
            Box::new(s)
        }
        other => panic!("schedule {other} unknown to this test"),
    }
}

/// The `LearningRate` a case gives: its schedule, its `learning_rate`, or Keras's default.
fn learning_rate(case: &Value, default: f64) -> LearningRate {
    match case.get("schedule").filter(|s| !s.is_null()) {
        Some(s) => {
            let b = schedule_of(s["class"].as_str().unwrap(), &s["args"]);
            LearningRate::Schedule(std::rc::Rc::from(b))
        }
        None => case["args"].get("learning_rate").map(num).unwrap_or(default).into(),
    }
}

/// Apply an argument every optimizer takes (`Ok`), or hand the optimizer back (`Err`).
macro_rules! common {
    ($o:expr, $k:expr, $v:expr) => {
        match $k {
            "learning_rate" => Ok($o),
            "weight_decay" => Ok($o.weight_decay(num($v))),
            "clipnorm" => Ok($o.clipnorm(num($v))),
            "clipvalue" => Ok($o.clipvalue(num($v))),
            "global_clipnorm" => Ok($o.global_clipnorm(num($v))),
            "use_ema" => Ok($o.use_ema($v.as_bool().unwrap())),
            "ema_momentum" => Ok($o.ema_momentum(num($v))),
            "ema_overwrite_frequency" => Ok($o.ema_overwrite_frequency(num($v) as usize)),
            "exclude" => {
                let names: Vec<&str> = $v.as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
                Ok($o.exclude_from_weight_decay(&names))
            }
            _ => Err($o),
        }
    };
}

/// The kc optimizer a case describes (Keras class name and constructor arguments).
fn optimizer_of(case: &Value) -> Box<dyn Optimizer> {
    let class = case["class"].as_str().unwrap();
    let args = case["args"].as_object().unwrap();
    macro_rules! build {
        ($o:expr, |$opt:ident, $k:ident, $v:ident| $own:expr) => {{
            let mut $opt = $o;
            for ($k, $v) in args {
                $opt = match common!($opt, $k.as_str(), $v) {
                    Ok(o) => o,
                    Err($opt) => $own,
                };
            }
            Box::new($opt) as Box<dyn Optimizer>
        }};
    }
    match class {
        "SGD" => build!(Sgd::new(learning_rate(case, 0.01)), |o, k, v| match k.as_str() {
            "momentum" => o.momentum(num(v)),
            "nesterov" => o.nesterov(v.as_bool().unwrap()),
            _ => panic!("SGD argument {k}"),
        }),
        "RMSprop" => build!(RmsProp::new(learning_rate(case, 0.001)), |o, k, v| match k.as_str() {
            "rho" => o.rho(num(v)),
            "momentum" => o.momentum(num(v)),
            "epsilon" => o.epsilon(num(v)),
            "centered" => o.centered(v.as_bool().unwrap()),
            _ => panic!("RMSprop argument {k}"),
        }),
        "Adam" | "AdamW" => {
            let lr = learning_rate(case, 0.001);
            let o = if class == "Adam" { Adam::new(lr) } else { AdamW::new(lr) };
            build!(o, |o, k, v| match k.as_str() {
                "beta_1" => o.beta_1(num(v)),
                "beta_2" => o.beta_2(num(v)),
                "epsilon" => o.epsilon(num(v)),
                "amsgrad" => o.amsgrad(v.as_bool().unwrap()),
                _ => panic!("Adam argument {k}"),
            })
        }
        "Adagrad" => build!(Adagrad::new(learning_rate(case, 0.001)), |o, k, v| match k.as_str() {
            "initial_accumulator_value" => o.initial_accumulator_value(num(v)),
            "epsilon" => o.epsilon(num(v)),
            _ => panic!("Adagrad argument {k}"),
        }),
        "Adadelta" => build!(Adadelta::new(learning_rate(case, 0.001)), |o, k, v| match k.as_str() {
            "rho" => o.rho(num(v)),
            "epsilon" => o.epsilon(num(v)),
            _ => panic!("Adadelta argument {k}"),
        }),
        "Adamax" => build!(Adamax::new(learning_rate(case, 0.001)), |o, k, v| match k.as_str() {
            "beta_1" => o.beta_1(num(v)),
            "beta_2" => o.beta_2(num(v)),
            "epsilon" => o.epsilon(num(v)),
            _ => panic!("Adamax argument {k}"),
        }),
        "Nadam" => build!(Nadam::new(learning_rate(case, 0.001)), |o, k, v| match k.as_str() {
            "beta_1" => o.beta_1(num(v)),
            "beta_2" => o.beta_2(num(v)),
            "epsilon" => o.epsilon(num(v)),
            _ => panic!("Nadam argument {k}"),
        }),
        "Ftrl" => build!(Ftrl::new(learning_rate(case, 0.001)), |o, k, v| match k.as_str() {
            "learning_rate_power" => o.learning_rate_power(num(v)),
            "initial_accumulator_value" => o.initial_accumulator_value(num(v)),
            "l1_regularization_strength" => o.l1_regularization_strength(num(v)),
            "l2_regularization_strength" => o.l2_regularization_strength(num(v)),
            "l2_shrinkage_regularization_strength" => o.l2_shrinkage_regularization_strength(num(v)),
            "beta" => o.beta(num(v)),
            _ => panic!("Ftrl argument {k}"),
        }),
        "Lion" => build!(Lion::new(learning_rate(case, 0.001)), |o, k, v| match k.as_str() {
            "beta_1" => o.beta_1(num(v)),
            "beta_2" => o.beta_2(num(v)),
            _ => panic!("Lion argument {k}"),
        }),
        other => panic!("optimizer {other} unknown to this test"),
    }
}

/// The golden weights as fresh trainable variables with Keras's paths.
fn variables(doc: &Value) -> Vec<Variable> {
    doc["variables"].as_array().unwrap().iter().map(|v| Variable::new(v["path"].as_str().unwrap(), golden::host(&v["value"]), true)).collect()
}

fn gradients(doc: &Value, step: usize) -> Vec<Tensor> {
    doc["gradients"][step].as_array().unwrap().iter().map(|g| Tensor::from_host(golden::host(g))).collect()
}

fn describe(case: &Value) -> String {
    format!("{}({}) schedule={}", case["class"].as_str().unwrap(), case["args"], case["schedule"])
}

/// Three steps with the update traced into one step function (symbolic gradients),
/// compiled once and run three times, as `fit` does.
fn run_traced(opt: &mut dyn Optimizer, vars: &[Variable], doc: &Value) -> Result<Vec<Vec<Vec<f64>>>> {
    opt.build(vars)?;
    let g = Graph::new();
    let _active = g.activate();
    let syms: Vec<Tensor> = vars.iter().enumerate().map(|(i, v)| g.input(&format!("g{i}"), TensorType::known(DType::F32, &v.shape().iter().map(|&d| d as u64).collect::<Vec<_>>()))).collect();
    let assigns = opt.apply(&syms, vars)?;
    let step = Step::build(&g, "optimizer_step", &[], assigns, kc::frontend::JitCompile::Auto.resolve()?.0)?;
    let mut after = Vec::new();
    for s in 0..3 {
        let grads: Vec<HostTensor> = gradients(doc, s).iter().map(|t| t.host().unwrap()).collect();
        let names: Vec<String> = (0..vars.len()).map(|i| format!("g{i}")).collect();
        let inputs: Vec<(&str, &HostTensor)> = names.iter().map(|n| n.as_str()).zip(&grads).collect();
        step.run(&inputs)?;
        after.push(vars.iter().map(|v| v.value().to_f64_vec()).collect());
    }
    Ok(after)
}

fn run_eager(opt: &mut dyn Optimizer, vars: &[Variable], doc: &Value) -> Result<Vec<Vec<Vec<f64>>>> {
    let mut after = Vec::new();
    for s in 0..3 {
        opt.apply_gradients(&gradients(doc, s), vars)?;
        after.push(vars.iter().map(|v| v.value().to_f64_vec()).collect());
    }
    Ok(after)
}

/// The weights after each step, then the optimizer's variables, against Keras's.
fn check_case(case: &Value, how: &str, after: &[Vec<Vec<f64>>], opt: &dyn Optimizer) -> Vec<String> {
    let mut bad = Vec::new();
    for (s, want_step) in case["steps"].as_array().unwrap().iter().enumerate() {
        for (i, want) in want_step.as_array().unwrap().iter().enumerate() {
            if let Err(e) = close(&after[s][i], &golden::data(want), REL) {
                bad.push(format!("{} [{how}] step {} weight {i}: {e}", describe(case), s + 1));
            }
        }
    }
    let want_vars = case["optimizer_variables"].as_array().unwrap();
    let got_vars = opt.variables();
    let want_paths: Vec<&str> = want_vars.iter().map(|v| v["path"].as_str().unwrap()).collect();
    let got_paths: Vec<String> = got_vars.iter().map(|v| v.path()).collect();
    if want_paths != got_paths {
        bad.push(format!("{} [{how}] optimizer variables: kc {got_paths:?}, Keras {want_paths:?}", describe(case)));
        return bad;
    }
    for (v, w) in got_vars.iter().zip(want_vars) {
        if let Err(e) = close(&v.value().to_f64_vec(), &golden::data(&w["value"]), REL) {
            bad.push(format!("{} [{how}] variable {}: {e}", describe(case), v.path()));
        }
    }
    if opt.name() != case["name"].as_str().unwrap() {
        bad.push(format!("{} name: kc {}, Keras {}", describe(case), opt.name(), case["name"]));
    }
    bad
}

#[test]
fn every_optimizer_matches_keras_eagerly_and_traced() {
    let doc = golden::load("optimizers.json");
    let cases = doc["optimizers"].as_array().unwrap();
    assert!(cases.len() >= 40, "the golden file lists every optimizer with several argument sets");
    let mut bad = Vec::new();
    for case in cases {
        for how in ["eager", "traced"] {
            kc::layers::clear_session(); // default optimizer names, as after Keras's clear_session
            let vars = variables(&doc);
            let mut opt = optimizer_of(case);
            let run = if how == "eager" { run_eager(opt.as_mut(), &vars, &doc) } else { run_traced(opt.as_mut(), &vars, &doc) };
            match run {
                Ok(after) => bad.extend(check_case(case, how, &after, opt.as_ref())),
                Err(e) => bad.push(format!("{} [{how}]: {e}", describe(case))),
            }
        }
    }
    assert!(bad.is_empty(), "{} mismatches with Keras:\n{}", bad.len(), bad.join("\n"));
}

#[test]
fn every_schedule_matches_keras() {
    let doc = golden::load("optimizers.json");
    let mut bad = Vec::new();
    for case in doc["schedules"].as_array().unwrap() {
        let s = schedule_of(case["class"].as_str().unwrap(), &case["args"]);
        let steps: Vec<i64> = case["steps"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
        let got: Vec<f64> = steps.iter().map(|&t| s.value_at(t).unwrap()).collect();
        if let Err(e) = close(&got, &golden::data(&serde_json::json!({"data": case["values"]})), REL) {
            bad.push(format!("{}({}) at steps {steps:?}: {e}", case["class"], case["args"]));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn arguments_keras_refuses_are_errors_naming_the_optimizer_and_argument() {
    let doc = golden::load("optimizers.json");
    for case in doc["errors"].as_array().unwrap() {
        let class = case["class"].as_str().unwrap();
        let err = optimizer_of(case).check().expect_err(&format!("{} must be refused ({})", describe(case), case["keras_error"]));
        let msg = err.to_string();
        assert!(msg.contains(class), "{msg} should name {class}");
        for k in case["args"].as_object().unwrap().keys().filter(|k| *k != "use_ema") {
            assert!(msg.contains(&format!("`{k}`")), "{msg} should name the argument `{k}`");
        }
    }
    for case in doc["schedule_errors"].as_array().unwrap() {
        let class = case["class"].as_str().unwrap();
        let err = schedule_of(class, &case["args"]).check().expect_err(&format!("{class}({}) must be refused", case["args"]));
        assert!(err.to_string().contains(class), "{err}");
        // the schedule's error also stops the optimizer that uses it
        let opt_err = Sgd::new(schedule_of_rc(class, &case["args"])).check().unwrap_err().to_string();
        assert!(opt_err.contains("SGD") && opt_err.contains("learning_rate") && opt_err.contains(class), "{opt_err}");
    }
}

fn schedule_of_rc(class: &str, args: &Value) -> LearningRate {
    LearningRate::Schedule(std::rc::Rc::from(schedule_of(class, args)))
}

#[test]
fn nonsense_values_are_errors_too_and_compile_reports_them() {
    let cases: Vec<(Box<dyn Optimizer>, &str, &str)> = vec![
        (Box::new(Sgd::new(-0.1)), "SGD", "learning_rate"),
        (Box::new(Adam::new(f64::NAN)), "Adam", "learning_rate"),
        (Box::new(Adam::default().beta_1(1.2)), "Adam", "beta_1"),
        (Box::new(Adam::default().beta_2(-0.5)), "Adam", "beta_2"),
        (Box::new(RmsProp::default().rho(2.0)), "RMSprop", "rho"),
        (Box::new(RmsProp::default().momentum(-1.0)), "RMSprop", "momentum"),
        (Box::new(Adagrad::default().initial_accumulator_value(-0.1)), "Adagrad", "initial_accumulator_value"),
        (Box::new(Adadelta::default().rho(-0.1)), "Adadelta", "rho"),
        (Box::new(Nadam::default().epsilon(-1.0)), "Nadam", "epsilon"),
        (Box::new(AdamW::new(0.001).weight_decay(-0.1)), "AdamW", "weight_decay"),
        (Box::new(Lion::default().clipnorm(-1.0)), "Lion", "clipnorm"),
        (Box::new(Sgd::default().use_ema(true).ema_overwrite_frequency(0)), "SGD", "ema_overwrite_frequency"),
    ];
    for (opt, class, arg) in cases {
        let msg = opt.check().unwrap_err().to_string();
        assert!(msg.contains(class) && msg.contains(&format!("`{arg}`")), "{msg} should name {class} and `{arg}`");
    }
    // compile fails at once, as Keras's constructor would
    let mut m = Model::sequential(vec![Box::new(Input::new(&[2])), Box::new(Dense::new(1))]);
    let e = m.compile(Compile::new().optimizer(Sgd::new(0.1).momentum(1.5)).loss("mse")).unwrap_err().to_string();
    assert!(e.contains("SGD") && e.contains("`momentum`"), "{e}");
    // a learning rate that a schedule gives cannot be set
    let o = Adam::new(ExponentialDecay::new(0.1, 10.0, 0.5));
    let e = o.set_learning_rate(0.5).unwrap_err().to_string();
    assert!(e.contains("LearningRateSchedule") && e.contains("not settable"), "{e}");
}

#[test]
fn string_identifiers_ignore_case_and_a_typo_lists_the_valid_names() {
    kc::layers::clear_session();
    let want = [
        ("sgd", "SGD", "sgd"),
        ("rmsprop", "RMSprop", "rm_sprop"),
        ("Adam", "Adam", "adam"),
        ("ADAMW", "AdamW", "adam_w"),
        ("adagrad", "Adagrad", "adagrad"),
        ("adadelta", "Adadelta", "adadelta"),
        ("adamax", "Adamax", "adamax"),
        ("nadam", "Nadam", "nadam"),
        ("ftrl", "Ftrl", "ftrl"),
        ("lion", "Lion", "lion"),
    ];
    for (id, class, name) in want {
        let o = optimizers::get(id).unwrap();
        assert_eq!((o.class_name(), o.name()), (class, name), "{id}");
    }
    // a second instance gets a numbered name, as Keras's auto_name gives
    assert_eq!(optimizers::get("adam").unwrap().name(), "adam_1");
    let e = optimizers::get("adamm").err().unwrap().to_string();
    for n in NAMES {
        assert!(e.contains(n), "{e} should list {n}");
    }
    assert!(e.contains("`adamm`"), "{e}");
    let mut m = Model::sequential(vec![Box::new(Input::new(&[2])), Box::new(Dense::new(1))]);
    let e = m.compile(Compile::new().optimizer("rmsporp").loss("mse")).unwrap_err().to_string();
    assert!(e.contains("unknown optimizer `rmsporp`") && e.contains("rmsprop"), "{e}");
}

/// A tiny regression problem.
fn data() -> (Tensor, Tensor) {
    let x: Vec<f32> = (0..64).map(|i| ((i * 37 % 17) as f32 / 8.0) - 1.0).collect();
    let y: Vec<f32> = x.chunks(2).map(|p| 0.7 * p[0] - 0.4 * p[1] + 0.1).collect();
    (Tensor::from_f32(&[32, 2], x).unwrap(), Tensor::from_f32(&[32, 1], y).unwrap())
}

#[test]
fn every_optimizer_trains_by_name_with_its_state_in_the_step() {
    let (x, y) = data();
    for name in NAMES {
        let mut m = Model::sequential(vec![Box::new(Input::new(&[2])), Box::new(Dense::new(1))]);
        m.compile(Compile::new().optimizer(*name).loss("mse")).unwrap();
        let before: Vec<Vec<f64>> = m.weights().iter().map(|w| w.value().to_f64_vec()).collect();
        m.fit(&x, &y, Fit::new().epochs(2).batch_size(8).verbose(0)).unwrap();
        let opt = m.optimizer().unwrap();
        assert_eq!(opt.iterations(), 8, "{name}: 2 epochs of 4 batches");
        let after: Vec<Vec<f64>> = m.weights().iter().map(|w| w.value().to_f64_vec()).collect();
        assert_ne!(before, after, "{name} moved no weight");
        // every optimizer variable is a parameter of the one traced step: the update
        // runs inside it, not in a loop on the host
        let text = kc::ir::print_func(m.train_function().unwrap());
        for v in opt.variables() {
            let param = v.path().replace('/', "_");
            assert!(text.contains(&param), "{name}: {param} is not a parameter of the train step");
        }
    }
}

#[test]
fn a_schedule_is_evaluated_on_the_traced_iteration_count() {
    let (x, y) = data();
    let sched = PiecewiseConstantDecay::new(&[3.0, 5.0], &[0.1, 0.01, 0.0]);
    let mut m = Model::sequential(vec![Box::new(Input::new(&[2])), Box::new(Dense::new(1))]);
    m.compile(Compile::new().optimizer(Sgd::new(sched.clone())).loss("mse")).unwrap();
    assert_eq!(m.optimizer().unwrap().learning_rate(), 0.1f32 as f64);
    let mut snapshots = Vec::new();
    for _ in 0..7 {
        m.train_on_batch(&x, &y).unwrap();
        snapshots.push(m.weights()[0].value().to_f64_vec());
    }
    // steps 0..=3 use 0.1, steps 4 and 5 use 0.01, from step 6 on the rate is 0: the
    // weights stop moving exactly when the schedule says so
    assert_ne!(snapshots[4], snapshots[5]);
    assert_eq!(snapshots[5], snapshots[6], "the schedule's 0 from step 6 on must freeze the weights");
    let opt = m.optimizer().unwrap();
    assert_eq!(opt.iterations(), 7);
    assert_eq!(opt.learning_rate(), sched.value_at(7).unwrap());
    // the schedule is traced (no learning-rate variable to read)
    assert!(!opt.variables().iter().any(|v| v.path().ends_with("learning_rate")));
}

#[test]
fn ema_weights_replace_the_trained_ones_when_fit_ends() {
    let (x, y) = data();
    let mut m = Model::sequential(vec![Box::new(Input::new(&[2])), Box::new(Dense::new(1))]);
    m.compile(Compile::new().optimizer(Adam::new(0.05).use_ema(true).ema_momentum(0.9)).loss("mse")).unwrap();
    m.fit(&x, &y, Fit::new().epochs(3).batch_size(8).verbose(0)).unwrap();
    let opt = m.optimizer().unwrap();
    let averages: Vec<Vec<f64>> = opt.variables().iter().filter(|v| v.path().ends_with("_average")).map(|v| v.value().to_f64_vec()).collect();
    let weights: Vec<Vec<f64>> = m.trainable_weights().iter().map(|w| w.value().to_f64_vec()).collect();
    assert_eq!(averages.len(), 2);
    assert_eq!(weights, averages, "fit ends with finalize_variable_values");
}

#[test]
fn slots_follow_variables_whatever_order_gradients_come_in() {
    // Keras finds a variable's slots by the variable, not by position
    let a = Variable::new("a", HostTensor::from_vec(vec![2], vec![1.0f32, 2.0]).unwrap(), true);
    let b = Variable::new("b", HostTensor::from_vec(vec![3], vec![1.0f32, 2.0, 3.0]).unwrap(), true);
    let mut o1 = Adam::new(0.1);
    let mut o2 = Adam::new(0.1);
    let (a2, b2) = (Variable::new("a", a.value(), true), Variable::new("b", b.value(), true));
    o1.build(&[a.clone(), b.clone()]).unwrap();
    o2.build(&[a2.clone(), b2.clone()]).unwrap();
    let ga = Tensor::from_f32(&[2], vec![0.5, -1.0]).unwrap();
    let gb = Tensor::from_f32(&[3], vec![1.0, 0.0, -2.0]).unwrap();
    for _ in 0..2 {
        o1.apply_gradients(&[ga.clone(), gb.clone()], &[a.clone(), b.clone()]).unwrap();
        o2.apply_gradients(&[gb.clone(), ga.clone()], &[b2.clone(), a2.clone()]).unwrap();
    }
    assert_eq!(a.value().to_f64_vec(), a2.value().to_f64_vec());
    assert_eq!(b.value().to_f64_vec(), b2.value().to_f64_vec());
    // and a variable it was not built with is refused, by name
    let c = Variable::new("c", a.value(), true);
    let e = o1.apply(&[ga.clone()], &[c]).unwrap_err().to_string();
    assert!(e.contains("unknown variable `c`"), "{e}");
    // sanity: the slots really moved
    assert!(ops::sum(&o1.variables()[2].tensor(), None, false).unwrap().item().unwrap() != 0.0);
}
