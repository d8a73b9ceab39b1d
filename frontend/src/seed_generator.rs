//! `keras.random.SeedGenerator`: a random key held in a variable, `[seed, counter]`
//! (`u32[2]`), advanced by one on the counter word at every draw.
//!
//! Inside a trace the key is a parameter of the traced step and its advanced value is a
//! state update ([`CallCtx::update`]), so each run of a compiled training step draws new
//! bits without retracing. Eagerly the variable is advanced at once. Either way the n-th
//! draw uses key `[seed, n]`, as Keras's JAX backend does.
use crate::error::Result;
use crate::layers::CallCtx;
use crate::ops;
use crate::random::next_seed;
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_runtime::HostTensor;

#[derive(Clone)]
pub struct SeedGenerator {
    state: Variable,
    seed: Option<u32>,
}

impl SeedGenerator {
    /// A generator starting at `[seed, 0]`; `None` takes a seed from the global stream
    /// (`set_random_seed` makes it repeatable). `path` names the state variable.
    pub fn new(seed: Option<u32>, path: impl Into<String>) -> SeedGenerator {
        let s = seed.unwrap_or_else(|| (next_seed() >> 32) as u32);
        let state = HostTensor::from_vec(vec![2], vec![s, 0u32]).expect("two elements for shape [2]");
        SeedGenerator { state: Variable::new(path, state, false), seed }
    }
    /// The seed given at construction (`None`: drawn from the global stream).
    pub fn seed(&self) -> Option<u32> {
        self.seed
    }
    /// The state variable (`u32[2]`, not trainable).
    pub fn state(&self) -> &Variable {
        &self.state
    }

    /// The key for one draw, advancing the state. `like` says where the draw happens: in
    /// its trace when it is symbolic (the update then goes to `cx`), else now.
    pub fn next(&self, like: &Tensor, cx: &CallCtx) -> Result<Tensor> {
        let step = Tensor::from_host(HostTensor::from_vec(vec![2], vec![0u32, 1]).expect("two elements for shape [2]"));
        if like.is_symbolic() {
            let key = match cx.pending(&self.state) {
                Some(k) => k,
                None => ops::lift(&self.state.tensor(), like)?,
            };
            cx.update(&self.state, ops::add(&key, &step)?);
            Ok(key)
        } else {
            // a snapshot, not a read of the variable: the variable moves on below
            let key = Tensor::from_host(self.state.value());
            self.state.assign(ops::add(&key, &step)?.host()?)?;
            Ok(key)
        }
    }
}

impl std::fmt::Debug for SeedGenerator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<SeedGenerator seed={:?} state={:?}>", self.seed, self.state.value().to_f64_vec())
    }
}
