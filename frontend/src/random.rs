//! Seeded host-side randomness for initializers and shuffling (SplitMix64). Like
//! `keras.utils.set_random_seed`, one global seed makes runs repeatable; each draw
//! advances a thread-local stream.
use std::cell::Cell;

thread_local! {
    static STATE: Cell<u64> = const { Cell::new(0x853C_49E6_748F_EA9B) };
}

/// Make every later initializer and shuffle repeatable.
pub fn set_random_seed(seed: u64) {
    STATE.with(|s| s.set(seed ^ 0x853C_49E6_748F_EA9B));
}

/// A seed for one initializer or one shuffle, from the global stream.
pub fn next_seed() -> u64 {
    STATE.with(|s| {
        let mut r = Rng::new(s.get());
        let out = r.next_u64();
        s.set(r.0);
        out
    })
}

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(f64::MIN_POSITIVE);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
    /// A permutation of 0..n (Fisher–Yates).
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            p.swap(i, j);
        }
        p
    }
}
