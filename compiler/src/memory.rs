//! Memory planning: where each value of a function lives in one arena.
//!
//! 1. Liveness ([`liveness`]): each op is a step in program order; a value is live from
//!    its definition to its last use, and a returned value to the end. Parameters belong
//!    to the caller and are counted apart (`param_bytes`).
//! 2. Aliasing: a `reshape` or `bitcast_convert` that reads its operand for the last time
//!    takes over the operand's buffer instead of getting one ([`ALIASING_OPS`]).
//! 3. Assignment ([`assign`]): buffers whose lifetimes are disjoint share bytes; greedy
//!    best fit, largest first, every offset a multiple of [`ALIGNMENT`].
//!
//! Sizes are exact once symbolic dims are bound; planning a function with an unbound
//! symbol is an error naming it. Ops with regions (`while`, `fusion`) are one step each:
//! their inner values are the op's own (a fusion keeps them in registers) and are not
//! planned here.
//!
//! ```
//! use kc_compiler::memory;
//! let m = kc_ir::parse_module("func @f(%x: f32[N]) -> (f32[N]) {
//!   %0 = exp %x : f32[N]
//!   %1 = neg %0 : f32[N]
//!   return %1
//! }", "f.kir").unwrap();
//! let bind = [("N".to_string(), 1024)].into_iter().collect();
//! let plan = memory::plan(&m.funcs[0], &bind).unwrap();
//! assert_eq!(plan.peak_bytes, 8192); // %0 and %1 are both live while neg runs
//! ```
pub mod assign;
pub mod liveness;

pub use liveness::ALIASING_OPS;

use kc_ir::{Func, OpKind, Result, TensorType, Value};
use std::collections::BTreeMap;

/// Every buffer starts at a multiple of this many bytes (a cache line; enough for any
/// vector load), and every size is rounded up to it.
pub const ALIGNMENT: u64 = 64;

/// One value an op of the function defines.
#[derive(Clone, Debug)]
pub struct ValuePlan {
    pub value: Value,
    /// The value as `kc dump-ir` prints it (`%3`, `%3#1`).
    pub name: String,
    pub op: OpKind,
    pub ty: TensorType,
    /// Exact size.
    pub bytes: u64,
    /// Index into [`MemoryPlan::buffers`].
    pub buffer: usize,
    /// Where the buffer starts in the arena.
    pub offset: u64,
    /// First and last step it is live (inclusive).
    pub first: usize,
    pub last: usize,
    /// The value (index into [`MemoryPlan::values`]) whose buffer this one took over.
    pub alias_of: Option<usize>,
}

/// A range of the arena and the values that use it, one after the other.
#[derive(Clone, Debug)]
pub struct Buffer {
    pub offset: u64,
    /// Aligned size.
    pub size: u64,
    pub first: usize,
    pub last: usize,
    /// Indices into [`MemoryPlan::values`], in program order.
    pub values: Vec<usize>,
}

#[derive(Clone, Debug)]
pub struct MemoryPlan {
    /// Values defined by ops (not parameters), in program order.
    pub values: Vec<ValuePlan>,
    pub buffers: Vec<Buffer>,
    /// Number of steps: the ops of the body, `return` included (it is the last).
    pub steps: usize,
    /// The most bytes live at one step: the least any assignment can use.
    pub peak_bytes: u64,
    /// The size of the arena this assignment uses (>= `peak_bytes`).
    pub arena_bytes: u64,
    /// Every value in its own buffer, no reuse, no aliasing.
    pub naive_bytes: u64,
    /// The parameters' bytes (caller-owned, not in the arena).
    pub param_bytes: u64,
}

fn aligned(n: u64) -> u64 {
    n.div_ceil(ALIGNMENT).saturating_mul(ALIGNMENT)
}

/// Plan the memory of `f`'s body with its symbolic dims bound by `bindings`.
pub fn plan(f: &Func, bindings: &BTreeMap<String, i64>) -> Result<MemoryPlan> {
    let names = kc_ir::value_names(f);
    let name = |v: Value| names.get(&v).cloned().unwrap_or_else(|| format!("node {}#{}", v.node.index(), v.result));
    let live = liveness::analyse(&f.body, bindings, &name).map_err(|e| e.context(format!("memory plan of @{}", f.name)))?;

    // Buffers: each value opens one unless it takes over its aliased operand's.
    let mut buffer_of: Vec<usize> = Vec::with_capacity(live.values.len());
    let mut buffers: Vec<Buffer> = Vec::new();
    for (i, v) in live.values.iter().enumerate() {
        match v.alias_of {
            Some(a) => {
                let b = buffer_of[a];
                buffers[b].last = buffers[b].last.max(v.last);
                buffers[b].size = buffers[b].size.max(aligned(v.bytes));
                buffers[b].values.push(i);
                buffer_of.push(b);
            }
            None => {
                buffer_of.push(buffers.len());
                buffers.push(Buffer { offset: 0, size: aligned(v.bytes), first: v.first, last: v.last, values: vec![i] });
            }
        }
    }
    let requests: Vec<assign::Request> =
        buffers.iter().map(|b| assign::Request { size: b.size, first: b.first, last: b.last }).collect();
    for (b, offset) in buffers.iter_mut().zip(assign::best_fit(&requests)) {
        b.offset = offset;
    }

    // Peak: bytes of the buffers live at each step, from a difference array over steps.
    let mut delta = vec![0i128; live.steps + 1];
    for b in &buffers {
        delta[b.first] += b.size as i128;
        delta[b.last + 1] -= b.size as i128;
    }
    let (mut now, mut peak) = (0i128, 0i128);
    for d in &delta {
        now += d;
        peak = peak.max(now);
    }

    let values = live
        .values
        .iter()
        .enumerate()
        .map(|(i, v)| ValuePlan {
            value: v.value,
            name: name(v.value),
            op: f.body.node(v.value.node).op,
            ty: f.body.value_type(v.value).clone(),
            bytes: v.bytes,
            buffer: buffer_of[i],
            offset: buffers[buffer_of[i]].offset,
            first: v.first,
            last: v.last,
            alias_of: v.alias_of,
        })
        .collect();
    Ok(MemoryPlan {
        values,
        // Saturating: absurd bindings give absurd totals, never an overflow.
        arena_bytes: buffers.iter().map(|b| b.offset.saturating_add(b.size)).max().unwrap_or(0),
        peak_bytes: u64::try_from(peak).unwrap_or(u64::MAX),
        naive_bytes: live.values.iter().fold(0u64, |s, v| s.saturating_add(aligned(v.bytes))),
        param_bytes: live.param_bytes.iter().fold(0u64, |s, &b| s.saturating_add(aligned(b))),
        buffers,
        steps: live.steps,
    })
}
