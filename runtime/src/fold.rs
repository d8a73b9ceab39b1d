//! The reference interpreter as the compiler's constant evaluator.
//!
//! `kc-compiler` folds constants through the [`ConstEvaluator`] trait because it sits below
//! the runtime and cannot call the interpreter itself. This is the implementation: the op
//! is put in a one-op function whose operands are `constant` ops, the function is run, and
//! the results are turned back into constant data. So a folded constant is, by
//! construction, what the interpreter would have computed at run time.
use crate::interp::run_func;
use kc_compiler::{ConstEvaluator, ConstOperand};
use kc_ir::{attrs, Attr, Attrs, Error, ErrorKind, Func, LiteralData, Node, OpKind, Region, Result, TensorType, Value};
use std::sync::Arc;

/// Evaluates ops with [`crate::interp`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Interpreter;

/// The evaluator to install on a pipeline: `Pipeline::parse(..)?.with_evaluator(kc_runtime::fold::evaluator())`.
pub fn evaluator() -> Arc<dyn ConstEvaluator> {
    Arc::new(Interpreter)
}

impl ConstEvaluator for Interpreter {
    fn eval(
        &self,
        op: OpKind,
        attrs: &Attrs,
        regions: &[Region],
        operands: &[ConstOperand<'_>],
        results: &[TensorType],
    ) -> Result<Vec<LiteralData>> {
        let mut body = Region::new();
        let args: Vec<Value> = operands
            .iter()
            .map(|c| {
                let value = self::attrs(&[("value", Attr::Literal(c.data.clone()))]);
                Value::of(body.add_node(Node::new(OpKind::Constant, value, vec![c.ty.clone()]), &[]))
            })
            .collect();
        let mut node = Node::new(op, attrs.clone(), results.to_vec());
        node.regions = regions.to_vec();
        let n = body.add_node(node, &args);
        let outs: Vec<Value> = (0..results.len() as u32).map(|result| Value { node: n, result }).collect();
        body.ret(&outs);
        let f = Func { name: "fold".into(), body };
        let tensors = run_func(&f, &[]).map_err(|e| Error::new(ErrorKind::Pass, format!("cannot evaluate `{op}`: {e}")))?;
        Ok(tensors.iter().map(|t| t.to_literal()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kc_ir::DType;

    fn eval(op: OpKind, attrs: Attrs, operands: &[(LiteralData, TensorType)], results: &[TensorType]) -> Result<Vec<LiteralData>> {
        let args: Vec<ConstOperand<'_>> = operands.iter().map(|(data, ty)| ConstOperand { data, ty }).collect();
        Interpreter.eval(op, &attrs, &[], &args, results)
    }

    #[test]
    fn evaluates_ops_as_the_interpreter_does() {
        let v = TensorType::known(DType::I32, &[3]);
        let out = eval(
            OpKind::Add,
            Attrs::new(),
            &[(LiteralData::Int(vec![1, 2, i32::MAX as i64]), v.clone()), (LiteralData::Int(vec![1]), v.clone())],
            std::slice::from_ref(&v),
        )
        .unwrap();
        // Integers wrap, and the splat operand is expanded.
        assert_eq!(out, vec![LiteralData::Int(vec![2, 3, i32::MIN as i64])]);
        let h = TensorType::known(DType::F16, &[2]);
        let out = eval(OpKind::Div, Attrs::new(), &[(LiteralData::Float(vec![1.0, -1.0]), h.clone()), (LiteralData::Float(vec![3.0, 0.0]), h.clone())], std::slice::from_ref(&h)).unwrap();
        // 1/3 rounded to f16 (0x3555), and -1/0 = -inf.
        assert_eq!(out, vec![LiteralData::Float(vec![0.333251953125, f64::NEG_INFINITY])]);
        let s = TensorType::known(DType::F32, &[2, 2]);
        let out = eval(
            OpKind::Sort,
            attrs(&[("dimension", Attr::Int(1)), ("descending", Attr::Bool(false))]),
            &[(LiteralData::Float(vec![2.0, 1.0, -0.0, -1.0]), s.clone()), (LiteralData::Float(vec![0.0, 1.0, 2.0, 3.0]), s.clone())],
            &[s.clone(), s.clone()],
        )
        .unwrap();
        assert_eq!(out, vec![LiteralData::Float(vec![1.0, 2.0, -1.0, -0.0]), LiteralData::Float(vec![1.0, 0.0, 3.0, 2.0])]);
    }

    #[test]
    fn failures_are_errors_not_panics() {
        let v = TensorType::known(DType::I32, &[3]);
        // A result type that does not match what the op computes.
        let e = eval(OpKind::Neg, Attrs::new(), &[(LiteralData::Int(vec![1]), v.clone())], &[TensorType::known(DType::I32, &[4])]).unwrap_err();
        assert!(e.message.contains("cannot evaluate `neg`"), "{e}");
        // Missing operands.
        assert!(eval(OpKind::Add, Attrs::new(), &[], &[v]).is_err());
    }
}
