//! Type rules and the verifier, checked through the builder: each case builds one op and
//! asserts either the inferred result type or the exact reason it is rejected.
use kc_ir::{attrs, Attr, DType, Dim, LiteralData, OpKind, Region, Shape, TensorType};

fn t(s: &str) -> TensorType {
    // "f32[N,3]" -> TensorType; a tiny helper so cases read like .kir.
    let (dt, rest) = s.split_once('[').unwrap();
    let dims = rest.trim_end_matches(']');
    let shape = if dims.is_empty() {
        Shape::scalar()
    } else {
        Shape(
            dims.split(',')
                .map(|d| d.trim())
                .map(|d| d.parse::<u64>().map(Dim::Known).unwrap_or_else(|_| Dim::sym(d)))
                .collect(),
        )
    };
    TensorType::new(DType::from_name(dt).unwrap(), shape)
}

fn ints(v: &[i64]) -> Attr {
    Attr::Ints(v.to_vec())
}

/// Build `op` on parameters of the given types; Ok(result types) or Err(message).
fn apply(op: OpKind, params: &[&str], a: &[(&str, Attr)], declared: &[&str]) -> Result<Vec<String>, String> {
    let mut r = Region::new();
    let vals: Vec<_> = params.iter().enumerate().map(|(i, p)| r.param(&format!("p{i}"), t(p))).collect();
    let declared = declared.iter().map(|d| t(d)).collect();
    r.build(op, &vals, attrs(a), declared, Vec::new())
        .map(|vs| vs.iter().map(|v| r.value_type(*v).to_string()).collect())
        .map_err(|e| e.to_string())
}

fn ok(op: OpKind, params: &[&str], a: &[(&str, Attr)], declared: &[&str], want: &str) {
    assert_eq!(apply(op, params, a, declared), Ok(vec![want.to_string()]), "{op}");
}

fn rejects(op: OpKind, params: &[&str], a: &[(&str, Attr)], declared: &[&str], needle: &str) {
    match apply(op, params, a, declared) {
        Ok(ts) => panic!("{op} should be rejected ({needle}) but produced {ts:?}"),
        Err(e) => assert!(e.contains(needle), "{op}: error `{e}` does not mention `{needle}`"),
    }
}

#[test]
fn elementwise_rules() {
    ok(OpKind::Add, &["f32[N,3]", "f32[N,3]"], &[], &[], "f32[N, 3]");
    rejects(OpKind::Add, &["f32[N,3]", "f32[M,3]"], &[], &[], "lhs and rhs types differ: f32[N, 3] vs f32[M, 3]");
    rejects(OpKind::Add, &["bool[2]", "bool[2]"], &[], &[], "must be a number type");
    rejects(OpKind::Exp, &["i32[2]"], &[], &[], "operand must be a float type, got i32[2]");
    ok(OpKind::IsFinite, &["bf16[2]"], &[], &[], "bool[2]");
    ok(OpKind::Compare, &["i8[4]", "i8[4]"], &[("direction", Attr::Sym("lt".into()))], &[], "bool[4]");
    rejects(OpKind::Compare, &["i8[4]", "i8[4]"], &[("direction", Attr::Sym("less".into()))], &[], "one of eq, ne, lt, le, gt, ge");
    ok(OpKind::ShiftLeft, &["u32[4]", "u32[4]"], &[], &[], "u32[4]");
    rejects(OpKind::ShiftLeft, &["f32[4]", "f32[4]"], &[], &[], "integer type");
    ok(OpKind::Select, &["bool[]", "f32[2]", "f32[2]"], &[], &[], "f32[2]");
    rejects(OpKind::Select, &["bool[3]", "f32[2]", "f32[2]"], &[], &[], "pred shape [3] differs");
    ok(OpKind::Clamp, &["f32[]", "f32[5]", "f32[5]"], &[], &[], "f32[5]");
    ok(OpKind::Convert, &["f32[N]"], &[], &["i8[N]"], "i8[N]");
    rejects(OpKind::BitcastConvert, &["f32[2]"], &[], &["i64[2]"], "widths differ");
    ok(OpKind::BitcastConvert, &["f32[2]"], &[], &["u32[2]"], "u32[2]");
    rejects(OpKind::Add, &["f32[2]"], &[], &[], "expects 2 operands, got 1");
    rejects(OpKind::Neg, &["f32[2]"], &[("bogus", Attr::Int(1))], &[], "unknown attribute `bogus`");
}

#[test]
fn movement_rules() {
    ok(OpKind::Transpose, &["f32[N,3,5]"], &[("permutation", ints(&[2, 0, 1]))], &[], "f32[5, N, 3]");
    rejects(OpKind::Transpose, &["f32[2,3]"], &[("permutation", ints(&[0, 0]))], &[], "repeats dim 0");
    ok(OpKind::Reshape, &["f32[N,28,28]"], &[], &["f32[N,784]"], "f32[N, 784]");
    rejects(OpKind::Reshape, &["f32[N,28,28]"], &[], &["f32[N,785]"], "element counts differ");
    ok(OpKind::BroadcastInDim, &["f32[3]"], &[("dims", ints(&[1]))], &["f32[N,3]"], "f32[N, 3]");
    rejects(OpKind::BroadcastInDim, &["f32[3]"], &[("dims", ints(&[0]))], &["f32[N,3]"], "operand dim 0 (3) cannot broadcast to result dim 0 (N)");
    ok(OpKind::Slice, &["f32[10,N]"], &[("start", ints(&[2, 0])), ("limit", ints(&[9, -1])), ("strides", ints(&[3, 1]))], &[], "f32[3, N]");
    rejects(OpKind::Slice, &["f32[10]"], &[("start", ints(&[2])), ("limit", ints(&[11]))], &[], "limit (11) <= 10");
    ok(OpKind::Pad, &["f32[3]", "f32[]"], &[("low", ints(&[-1])), ("high", ints(&[2])), ("interior", ints(&[1]))], &[], "f32[6]");
    ok(OpKind::Concatenate, &["f32[2,N]", "f32[3,N]"], &[("dimension", Attr::Int(0))], &[], "f32[5, N]");
    rejects(OpKind::Concatenate, &["f32[2,3]", "f32[2,4]"], &[("dimension", Attr::Int(0))], &[], "differs from operand 0 (f32[2, 3]) in dim 1");
    ok(OpKind::DynamicSlice, &["f32[5,4]", "i32[]", "i32[]"], &[("sizes", ints(&[2, 4]))], &[], "f32[2, 4]");
    rejects(OpKind::DynamicSlice, &["f32[5,4]", "i32[]"], &[("sizes", ints(&[2, 4]))], &[], "one start index per dim");
    ok(OpKind::DynamicUpdateSlice, &["f32[5,4]", "f32[1,4]", "i64[]", "i64[]"], &[], &[], "f32[5, 4]");
    // Embedding lookup: table [V, D], ids [N] -> [N, D].
    let g = [
        ("offset_dims", ints(&[1])),
        ("collapsed_slice_dims", ints(&[0])),
        ("start_index_map", ints(&[0])),
        ("index_vector_dim", Attr::Int(1)),
        ("slice_sizes", ints(&[1, 8])),
    ];
    ok(OpKind::Gather, &["f32[100,8]", "i32[N]"], &g, &[], "f32[N, 8]");
    let s = [
        ("update_window_dims", ints(&[1])),
        ("inserted_window_dims", ints(&[0])),
        ("scatter_dims_to_operand_dims", ints(&[0])),
        ("index_vector_dim", Attr::Int(1)),
        ("kind", Attr::Sym("add".into())),
    ];
    ok(OpKind::Scatter, &["f32[100,8]", "i32[N]", "f32[N,8]"], &s, &[], "f32[100, 8]");
    rejects(OpKind::Scatter, &["f32[100,8]", "i32[N]", "f32[M,8]"], &s, &[], "must equal the index batch dims");
    rejects(OpKind::Scatter, &["bool[100,8]", "i32[N]", "bool[N,8]"], &s, &[], "scatter kind add does not apply to bool");
}

#[test]
fn reduction_rules() {
    let mm = [("lhs_contracting", ints(&[1])), ("rhs_contracting", ints(&[0]))];
    ok(OpKind::DotGeneral, &["f32[N,784]", "f32[784,10]"], &mm, &[], "f32[N, 10]");
    rejects(OpKind::DotGeneral, &["f32[N,784]", "f32[783,10]"], &mm, &[], "contracting dims differ: lhs dim 1 is 784, rhs dim 0 is 783");
    let bmm = [("lhs_batch", ints(&[0])), ("rhs_batch", ints(&[0])), ("lhs_contracting", ints(&[2])), ("rhs_contracting", ints(&[1]))];
    ok(OpKind::DotGeneral, &["f64[B,4,5]", "f64[B,5,6]"], &bmm, &[], "f64[B, 4, 6]");
    ok(OpKind::Reduce, &["f32[N,3,4]"], &[("dimensions", ints(&[1, 2])), ("kind", Attr::Sym("max".into()))], &[], "f32[N]");
    rejects(OpKind::Reduce, &["f32[4]"], &[("dimensions", ints(&[0])), ("kind", Attr::Sym("and".into()))], &[], "does not apply to f32");
    ok(OpKind::ArgMax, &["f32[N,10]"], &[("dimension", Attr::Int(1))], &["i32[N]"], "i32[N]");
    rejects(OpKind::ArgMax, &["f32[N,10]"], &[("dimension", Attr::Int(1))], &["f32[N]"], "i32 or i64");
    // 2x2 max pool, stride 2, on NHWC.
    let pool = [("kind", Attr::Sym("max".into())), ("window", ints(&[1, 2, 2, 1])), ("strides", ints(&[1, 2, 2, 1]))];
    ok(OpKind::ReduceWindow, &["f32[N,28,28,3]"], &pool, &[], "f32[N, 14, 14, 3]");
    // NHWC input, HWIO kernel, SAME padding, stride 2, 2 groups.
    let conv = [
        ("input_dims", ints(&[0, 3, 1, 2])),
        ("kernel_dims", ints(&[2, 3, 0, 1])),
        ("output_dims", ints(&[0, 3, 1, 2])),
        ("window_strides", ints(&[2, 2])),
        ("padding_low", ints(&[1, 1])),
        ("padding_high", ints(&[1, 1])),
        ("feature_group_count", Attr::Int(2)),
    ];
    ok(OpKind::Convolution, &["f32[N,28,28,4]", "f32[3,3,2,6]"], &conv, &[], "f32[N, 14, 14, 6]");
    rejects(OpKind::Convolution, &["f32[N,28,28,4]", "f32[3,3,4,6]"], &conv, &[], "input features 4 must equal kernel input features 4 × feature_group_count 2");
    // Default layout (NCHW / OIHW) with dilation.
    ok(OpKind::Convolution, &["f32[1,1,7,7]", "f32[2,1,3,3]"], &[("rhs_dilation", ints(&[2, 2]))], &[], "f32[1, 2, 3, 3]");
    ok(OpKind::CumSum, &["i32[4,5]"], &[("dimension", Attr::Int(1))], &[], "i32[4, 5]");
    assert_eq!(
        apply(OpKind::TopK, &["f32[N,10]"], &[("k", Attr::Int(3))], &[]),
        Ok(vec!["f32[N, 3]".into(), "i32[N, 3]".into()])
    );
    assert_eq!(
        apply(OpKind::Sort, &["f32[6]", "i32[6]"], &[("dimension", Attr::Int(0))], &[]),
        Ok(vec!["f32[6]".into(), "i32[6]".into()])
    );
}

#[test]
fn constants_and_iota() {
    let lit = |v: Vec<f64>| [("value", Attr::Literal(LiteralData::Float(v)))];
    ok(OpKind::Constant, &[], &lit(vec![1.0, 2.0]), &["f32[2]"], "f32[2]");
    ok(OpKind::Constant, &[], &lit(vec![0.5]), &["f32[3,3]"], "f32[3, 3]");
    rejects(OpKind::Constant, &[], &lit(vec![1.0, 2.0]), &["f32[3]"], "value has 2 elements but f32[3] holds 3");
    rejects(OpKind::Constant, &[], &[("value", Attr::Literal(LiteralData::Int(vec![300])))], &["u8[]"], "value 300 does not fit u8");
    rejects(OpKind::Constant, &[], &lit(vec![0.0]), &["f32[N]"], "static shape");
    ok(OpKind::Iota, &[], &[("dimension", Attr::Int(1))], &["i32[2,3]"], "i32[2, 3]");
    rejects(OpKind::Iota, &[], &[("dimension", Attr::Int(2))], &["i32[2,3]"], "dimension = 2 is out of range for rank 2");
}

#[test]
fn while_checks_its_regions_and_verifier_catches_bad_nodes() {
    let i32s = t("i32[]");
    let mut cond = Region::new();
    let ci = cond.param("i", i32s.clone());
    let c = cond.push1(OpKind::Compare, &[ci, ci], attrs(&[("direction", Attr::Sym("lt".into()))])).unwrap();
    cond.ret(&[c]);
    let mut body = Region::new();
    let bi = body.param("i", i32s.clone());
    body.ret(&[bi]);
    let mut f = Region::new();
    let x = f.param("x", i32s.clone());
    let out = f.build(OpKind::While, &[x], attrs(&[]), vec![], vec![cond.clone(), body.clone()]).unwrap();
    f.ret(&out);
    let mut m = kc_ir::Module::new();
    m.funcs.push(kc_ir::Func { name: "loop".into(), body: f });
    kc_ir::verify_module(&m).unwrap();

    // A body that returns the wrong type is rejected by the type rule.
    let mut bad_body = Region::new();
    let bi = bad_body.param("i", i32s.clone());
    let b = bad_body.push_typed(OpKind::Convert, &[bi], attrs(&[]), t("f32[]")).unwrap();
    bad_body.ret(&[b]);
    let mut g = Region::new();
    let x = g.param("x", i32s);
    let e = g.build(OpKind::While, &[x], attrs(&[]), vec![], vec![cond, bad_body]).unwrap_err();
    assert!(e.to_string().contains("body returns (f32[]) but carries (i32[])"), "{e}");

    // A node whose declared type disagrees with its rule fails verification.
    let body = &mut m.funcs[0].body;
    let p = body.params()[0];
    body.node_mut(p).types[0] = t("i32[M]");
    let e = kc_ir::verify_module(&m).unwrap_err().to_string();
    assert!(e.contains("in @loop"), "{e}");
}

#[test]
fn verifier_rejects_unbound_symbols_and_duplicate_functions() {
    let mut r = Region::new();
    let x = r.param("x", t("f32[3]"));
    let b = r.push_typed(OpKind::BroadcastInDim, &[x], attrs(&[("dims", ints(&[1]))]), t("f32[M,3]")).unwrap();
    r.ret(&[b]);
    let mut m = kc_ir::Module::new();
    m.funcs.push(kc_ir::Func { name: "f".into(), body: r });
    let e = kc_ir::verify_module(&m).unwrap_err().to_string();
    assert!(e.contains("symbolic dim M in result type f32[M, 3] is not bound"), "{e}");
    m.funcs[0].body = Region::new();
    let x = m.funcs[0].body.param("x", t("f32[3]"));
    m.funcs[0].body.ret(&[x]);
    m.funcs.push(m.funcs[0].clone());
    let e = kc_ir::verify_module(&m).unwrap_err().to_string();
    assert!(e.contains("function @f is defined twice"), "{e}");
}

#[test]
fn whole_dim_dynamic_slices_and_symbolic_convolution_features() {
    ok(OpKind::DynamicSlice, &["f32[4,N]", "i32[]", "i32[]"], &[("sizes", ints(&[1, -1]))], &[], "f32[1, N]");
    ok(OpKind::DynamicSlice, &["f32[4,N]", "i32[]", "i32[]"], &[("sizes", ints(&[1, 2]))], &[], "f32[1, 2]");
    rejects(OpKind::DynamicSlice, &["f32[4,3]", "i32[]", "i32[]"], &[("sizes", ints(&[1, -2]))], &[], "sizes[1] = -2");
    ok(OpKind::GetDimensionSize, &["f32[4,N]"], &[("dimension", Attr::Int(1))], &[], "i32[]");
    ok(OpKind::GetDimensionSize, &["bool[N]"], &[("dimension", Attr::Int(0))], &[], "i32[]");
    rejects(OpKind::GetDimensionSize, &["f32[4,N]"], &[("dimension", Attr::Int(2))], &[], "dimension = 2 is out of range for rank 2");
    // A kernel gradient: the batch N is contracted as the feature dim on both sides.
    let dims = [("input_dims", ints(&[1, 0, 2])), ("kernel_dims", ints(&[0, 1, 2])), ("output_dims", ints(&[0, 1, 2]))];
    ok(OpKind::Convolution, &["f32[N,3,8]", "f32[N,4,6]"], &dims, &[], "f32[3, 4, 3]");
    ok(OpKind::Convolution, &["f32[2,3,8]", "f32[3,M,2]"], &dims[1..], &[], "f32[2, M, 7]");
    let grouped = [dims[0].clone(), dims[1].clone(), dims[2].clone(), ("feature_group_count", Attr::Int(2))];
    rejects(OpKind::Convolution, &["f32[N,3,8]", "f32[N,4,6]"], &grouped, &[], "needs a known size");
    rejects(OpKind::Convolution, &["f32[N,3,8]", "f32[M,4,6]"], &dims, &[], "needs a known size");
}

/// A fusion of `x` whose body applies `make` to its parameter and returns what it gives.
fn fusion(kind: &str, x: &str, body_param: &str, make: impl FnOnce(&mut Region, kc_ir::Value) -> Vec<kc_ir::Value>) -> Result<Vec<String>, String> {
    let mut body = Region::new();
    let p = body.param("p", t(body_param));
    let results = make(&mut body, p);
    body.ret(&results);
    let mut r = Region::new();
    let v = r.param("x", t(x));
    r.build(OpKind::Fusion, &[v], attrs(&[("kind", Attr::Sym(kind.into()))]), vec![], vec![body])
        .map(|vs| vs.iter().map(|v| r.value_type(*v).to_string()).collect())
        .map_err(|e| e.to_string())
}

#[test]
fn fusion_results_are_what_its_body_returns() {
    let sum = |b: &mut Region, p| {
        let e = b.push1(OpKind::Exp, &[p], attrs(&[])).unwrap();
        let s = b.push1(OpKind::Reduce, &[e], attrs(&[("dimensions", ints(&[1])), ("kind", Attr::Sym("sum".into()))])).unwrap();
        vec![s, e]
    };
    assert_eq!(fusion("input", "f32[N,3]", "f32[N,3]", sum), Ok(vec!["f32[N]".to_string(), "f32[N, 3]".to_string()]));
    assert_eq!(fusion("loop", "i32[2]", "i32[2]", |b, p| vec![b.push1(OpKind::Neg, &[p], attrs(&[])).unwrap()]), Ok(vec!["i32[2]".to_string()]));

    let neg = |b: &mut Region, p| vec![b.push1(OpKind::Neg, &[p], attrs(&[])).unwrap()];
    let e = fusion("loop", "f32[4]", "f32[3]", neg).unwrap_err();
    assert!(e.contains("body parameters (f32[3]) must match the operands (f32[4])"), "{e}");
    let e = fusion("input", "f32[4]", "f32[4]", neg).unwrap_err();
    assert!(e.contains("an `input` fusion must return the result of a `reduce`"), "{e}");
    let e = fusion("loop", "f32[4]", "f32[4]", |_, _| vec![]).unwrap_err();
    assert!(e.contains("a fusion must return at least one value"), "{e}");
    let e = fusion("loop", "f32[4]", "f32[4]", |b, p| {
        let mut inner = Region::new();
        let q = inner.param("q", t("f32[4]"));
        inner.ret(&[q]);
        b.build(OpKind::Fusion, &[p], attrs(&[("kind", Attr::Sym("loop".into()))]), vec![], vec![inner]).unwrap()
    })
    .unwrap_err();
    assert!(e.contains("nested fusions are not allowed"), "{e}");
    let e = fusion("fast", "f32[4]", "f32[4]", neg).unwrap_err();
    assert!(e.contains("must be one of loop, input"), "{e}");
}
