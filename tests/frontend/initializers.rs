//! Initializers against Keras 3: seeded draws value for value (kc draws with Keras's
//! key and JAX's recipes), configs, names, and — independently of the random streams —
//! the statistics of large unseeded samples against Keras's.
use crate::golden::{close_vec, floats, load, same_json, shape};
use kc::frontend::initializers::{fans, Initializer};
use kc::prelude::*;

#[test]
fn seeded_initializers_draw_keras_values() {
    let data = load("initializers.json");
    for c in data["cases"].as_array().unwrap() {
        let what = format!("{} {}", c["class_name"], c["kwargs"]);
        let init = Initializer::from_config(&c["config"]).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(same_json(&init.to_config(), &c["config"]), "{what}: config {} vs Keras {}", init.to_config(), c["config"]);
        for s in c["samples"].as_array().unwrap() {
            let got = init.sample(&shape(&s["values"]), DType::F32).unwrap().to_f64_vec();
            // normal draws: erfinv in f32 on both sides; orthogonal: a Gram-Schmidt QR
            // against LAPACK's, both in floating point
            close_vec(&format!("{what} {:?}", shape(&s["values"])), &got, &floats(&s["values"]), 1e-5, 2e-6);
        }
    }
}

#[test]
fn large_samples_have_keras_statistics() {
    let data = load("initializers.json");
    set_random_seed(99);
    for c in data["cases"].as_array().unwrap() {
        let Some(st) = c.get("stats") else { continue };
        let class = c["class_name"].as_str().unwrap();
        let cfg = {
            // the same initializer without its seed: kc's own stream
            let mut v = c["config"].clone();
            v["config"]["seed"] = serde_json::Value::Null;
            v
        };
        let init = Initializer::from_config(&cfg).unwrap();
        let dims = shape(&serde_json::json!({"shape": st["shape"]}));
        let v = init.sample(&dims, DType::F32).unwrap().to_f64_vec();
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let std = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
        let (lo, hi) = v.iter().fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
        let (k_mean, k_std, k_min, k_max) = (st["mean"].as_f64().unwrap(), st["std"].as_f64().unwrap(), st["min"].as_f64().unwrap(), st["max"].as_f64().unwrap());
        let what = format!("{class} {}", c["kwargs"]);
        // two independent samples of n: their means differ by < 6 standard errors, their
        // standard deviations by < 2% (orthogonal matrices are not i.i.d. but close)
        assert!((mean - k_mean).abs() < 6.0 * k_std * (2.0 / n).sqrt() + 1e-9, "{what}: mean {mean} vs Keras {k_mean}");
        assert!((std - k_std).abs() < 0.02 * k_std, "{what}: std {std} vs Keras {k_std}");
        let kind = match c["kwargs"].get("distribution").and_then(|d| d.as_str()) {
            Some(d) => d,
            None if class.ends_with("Uniform") => "uniform",
            None if class == "TruncatedNormal" || class == "VarianceScaling" || (class.ends_with("Normal") && class != "RandomNormal") => "truncated_normal",
            None => "other",
        };
        let (uniform, truncated) = (kind == "uniform", kind == "truncated_normal");
        if uniform {
            // ~10^5 draws reach within 0.1% of each end
            let range = k_max - k_min;
            assert!((lo - k_min).abs() < 1e-3 * range && (hi - k_max).abs() < 1e-3 * range, "{what}: [{lo}, {hi}] vs Keras [{k_min}, {k_max}]");
        } else if truncated {
            // the cut at two standard deviations: never beyond Keras's extremes by more
            // than rounding, and reached to within a few percent
            let range = k_max - k_min;
            assert!(lo >= k_min - 1e-3 * range && hi <= k_max + 1e-3 * range, "{what}: [{lo}, {hi}] beyond Keras's [{k_min}, {k_max}]");
            assert!(lo < k_min + 0.03 * range && hi > k_max - 0.03 * range, "{what}: [{lo}, {hi}] does not reach Keras's [{k_min}, {k_max}]");
        }
    }
}

#[test]
fn names_defaults_and_errors() {
    let data = load("initializers.json");
    for (name, class) in data["names"].as_object().unwrap() {
        let init = Initializer::from_name(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        match class.as_str() {
            Some(c) => assert_eq!(init.to_config()["class_name"], c, "{name}"),
            // Keras cannot build `constant` without a value; kc gives Constant(0)
            None => assert_eq!(init, Initializer::Constant(0.0), "{name}"),
        }
    }
    let e = Initializer::from_name("glorot_unifrom").unwrap_err().to_string();
    assert!(e.contains("unknown initializer `glorot_unifrom`") && e.contains("glorot_uniform") && e.contains("he_normal"), "{e}");
    let e = Initializer::variance_scaling(0.0, "fan_in", "uniform").unwrap_err().to_string();
    assert!(e.contains("scale"), "{e}");
    let e = Initializer::variance_scaling(1.0, "fan_io", "uniform").unwrap_err().to_string();
    assert!(e.contains("fan_io") && e.contains("fan_avg"), "{e}");
    let e = Initializer::variance_scaling(1.0, "fan_in", "gaussian").unwrap_err().to_string();
    assert!(e.contains("gaussian") && e.contains("untruncated_normal"), "{e}");
    // Keras reads `normal` as truncated
    assert_eq!(Initializer::variance_scaling(1.0, "fan_in", "Normal").unwrap(), Initializer::from_name("variance_scaling").unwrap());
    let e = Initializer::from_name("identity").unwrap().sample(&[2, 3, 4], DType::F32).unwrap_err().to_string();
    assert!(e.contains("2-D"), "{e}");
    let e = Initializer::from_name("orthogonal").unwrap().sample(&[5], DType::F32).unwrap_err().to_string();
    assert!(e.contains("rank 2"), "{e}");
    let e = Initializer::from_name("ones").unwrap().sample(&[2], DType::I32).unwrap_err().to_string();
    assert!(e.contains("float"), "{e}");
    // Keras's fans: a conv kernel (3, 3, 4, 8) has fan_in 36 and fan_out 72
    assert_eq!(fans(&[3, 3, 4, 8]), (36.0, 72.0));
    assert_eq!(fans(&[7]), (7.0, 7.0));
    assert_eq!(fans(&[]), (1.0, 1.0));
}

#[test]
fn unseeded_draws_follow_the_global_seed() {
    set_random_seed(5);
    let a = Initializer::from_name("he_normal").unwrap().sample(&[4, 4], DType::F32).unwrap().to_f64_vec();
    let b = Initializer::from_name("he_normal").unwrap().sample(&[4, 4], DType::F32).unwrap().to_f64_vec();
    set_random_seed(5);
    let a2 = Initializer::from_name("he_normal").unwrap().sample(&[4, 4], DType::F32).unwrap().to_f64_vec();
    assert_eq!(a, a2, "set_random_seed makes draws repeatable");
    assert_ne!(a, b, "successive unseeded draws differ");
    // a seeded initializer draws the same values every time, as in Keras
    let s = Initializer::from_name("random_normal").unwrap().seed(4);
    assert_eq!(s.sample(&[3], DType::F32).unwrap().to_f64_vec(), s.sample(&[3], DType::F32).unwrap().to_f64_vec());
}
