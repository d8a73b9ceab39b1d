//! `canonicalize`: local rewrites to a fixpoint.
//!
//! The rules are data: each is a [`Rule`] (a name, the ops it looks at, a one-line
//! summary, and a small match-and-rewrite function), grouped by topic, one file per topic:
//!
//! - [`algebra`]: arithmetic identities that hold bit for bit (IEEE floats included);
//! - [`movement`]: transposes, reshapes, broadcasts, slices, pads ... that do nothing or
//!   that compose into one;
//! - [`shape`]: ops whose result is statically empty;
//! - [`fold`]: an op whose operands are all constants becomes a constant, through the
//!   pipeline's [`crate::ConstEvaluator`] (none installed: nothing is folded).
//!
//! The [`driver`] visits every op of every region with a worklist; when a rule fires, the
//! op's uses move to the replacement, the op (and whatever only it used) is erased, and
//! the users are visited again. Each firing is counted as `canonicalize.<rule>`.
//!
//! Options: `fold-limit=N` (default 65536): fold only ops whose operands and results each
//! have at most N elements; `fold-limit=0` turns folding off.
mod algebra;
mod driver;
mod fold;
mod movement;
mod shape;
mod site;

use crate::evaluator::ConstEvaluator;
use crate::pass::{Changed, Pass, PassContext, PassOptions};
use kc_ir::{Module, OpKind, Result, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

pub use site::Site;

/// What a rule returns when it fires: one value per result of the matched op, each of
/// exactly that result's type.
pub type Replacement = Option<Vec<Value>>;

/// The ops a rule looks at.
pub enum Ops {
    These(&'static [OpKind]),
    /// Every op but parameters and `return` (folding).
    Any,
}

/// One rewrite rule.
pub struct Rule {
    /// Used in statistics (`canonicalize.add-zero`), docs and filetest names.
    pub name: &'static str,
    pub ops: Ops,
    pub summary: &'static str,
    /// Decide whether the op at `site` matches; if so build what replaces it and return
    /// it. A rule must not add nodes unless it returns `Some`.
    pub apply: fn(&mut Site<'_>) -> Result<Replacement>,
}

impl Rule {
    pub fn matches(&self, op: OpKind) -> bool {
        match self.ops {
            Ops::These(ops) => ops.contains(&op),
            Ops::Any => !matches!(op, OpKind::Parameter | OpKind::Return),
        }
    }
}

/// A group of rules; topics are tried in this order, rules in table order, and the first
/// rule that fires wins. Folding is last: the cheaper rules often make it unnecessary.
pub struct Topic {
    pub name: &'static str,
    pub rules: &'static [Rule],
}

pub static TOPICS: &[Topic] = &[
    Topic { name: "algebra", rules: algebra::RULES },
    Topic { name: "movement", rules: movement::RULES },
    Topic { name: "shape", rules: shape::RULES },
    Topic { name: "fold", rules: fold::RULES },
];

/// Every rule, in the order they are tried.
pub fn rules() -> impl Iterator<Item = &'static Rule> {
    TOPICS.iter().flat_map(|t| t.rules.iter())
}

/// The default of `fold-limit`: the most elements an operand or result of a folded op has.
pub const DEFAULT_FOLD_LIMIT: u64 = 65536;

/// What every rule application can read besides the graph.
pub struct Config {
    pub fold_limit: u64,
    pub evaluator: Option<Arc<dyn ConstEvaluator>>,
}

pub struct Canonicalize {
    fold_limit: u64,
}

pub fn make(o: &PassOptions) -> Result<Box<dyn Pass>> {
    let fold_limit = o.u64_or("fold-limit", DEFAULT_FOLD_LIMIT)?;
    o.finish()?;
    Ok(Box::new(Canonicalize { fold_limit }))
}

impl Pass for Canonicalize {
    fn name(&self) -> &'static str {
        "canonicalize"
    }
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed> {
        let cfg = Config { fold_limit: self.fold_limit, evaluator: cx.evaluator.clone() };
        let mut fired: BTreeMap<&'static str, u64> = BTreeMap::new();
        let changed = super::try_for_each_region(m, &mut |r| driver::run_region(r, &cfg, &mut fired))?;
        for (rule, n) in fired {
            cx.stat(&format!("canonicalize.{rule}"), n);
        }
        Ok(Changed::from_bool(changed))
    }
}
