//! gather and scatter: embedding lookups, element gathers, windows, clamping,
//! scatter-add with duplicates and out-of-bounds updates.
use crate::*;
use kc_ir::{Attr, DType::*, OpKind::*};

fn table() -> HostTensor {
    // 5 rows of 3: row r is [10r, 10r + 1, 10r + 2].
    t(&[5, 3], (0..5).flat_map(|r| (0..3).map(move |c| (10 * r + c) as f32)).collect())
}

fn row(r: i64) -> Vec<f64> {
    (0..3).map(|c| (10 * r + c) as f64).collect()
}

fn embedding_attrs(ivd: i64, offset_dim: i64) -> Vec<(&'static str, Attr)> {
    vec![
        ("offset_dims", ints(&[offset_dim])),
        ("collapsed_slice_dims", ints(&[0])),
        ("start_index_map", ints(&[0])),
        ("index_vector_dim", Attr::Int(ivd)),
        ("slice_sizes", ints(&[1, 3])),
    ]
}

#[test]
fn embedding_lookup() {
    let ids = t(&[4], vec![2i32, 0, 4, 0]);
    let r = eval1(Gather, &[table(), ids], &embedding_attrs(1, 1), ty(F32, &[4, 3]));
    let want: Vec<f64> = [2, 0, 4, 0].iter().flat_map(|&i| row(i)).collect();
    assert_eq!(r.to_f64_vec(), want);
    // A [2, 2] batch of ids (index_vector_dim = 2: each id is a scalar) -> [2, 2, 3].
    let ids = t(&[2, 2], vec![1i64, 3, 3, 2]);
    let r = eval1(Gather, &[table(), ids], &embedding_attrs(2, 2), ty(F32, &[2, 2, 3]));
    let want: Vec<f64> = [1, 3, 3, 2].iter().flat_map(|&i| row(i)).collect();
    assert_eq!(r.to_f64_vec(), want);
    // The same ids with an explicit vector dim of size 1 at the end.
    let ids = t(&[2, 2, 1], vec![1u32, 3, 3, 2]);
    let r = eval1(Gather, &[table(), ids], &embedding_attrs(2, 2), ty(F32, &[2, 2, 3]));
    assert_eq!(r.to_f64_vec(), want);
    // Offset dim first: result [3, 4] is the transpose of the lookup.
    let ids = t(&[4], vec![2i32, 0, 4, 0]);
    let r = eval1(Gather, &[table(), ids], &embedding_attrs(1, 0), ty(F32, &[3, 4]));
    let want: Vec<f64> = (0..3).flat_map(|c| [2, 0, 4, 0].map(|i| (10 * i + c) as f64)).collect();
    assert_eq!(r.to_f64_vec(), want);
}

#[test]
fn gather_clamps_starts() {
    let ids = t(&[3], vec![7i32, -2, 4]);
    let r = eval1(Gather, &[table(), ids], &embedding_attrs(1, 1), ty(F32, &[3, 3]));
    let want: Vec<f64> = [4, 0, 4].iter().flat_map(|&i| row(i)).collect();
    assert_eq!(r.to_f64_vec(), want);
}

#[test]
fn gather_elements_by_index_pairs() {
    // x[i, j] = 10 i + j for a [3, 4] matrix; gather x[0, 1], x[2, 0], x[1, 3].
    let x = t(&[3, 4], (0..3).flat_map(|i| (0..4).map(move |j| 10 * i + j)).collect::<Vec<i32>>());
    let idx = t(&[3, 2], vec![0i32, 1, 2, 0, 1, 3]);
    let r = eval1(
        Gather,
        &[x.clone(), idx],
        &[
            ("offset_dims", ints(&[])),
            ("collapsed_slice_dims", ints(&[0, 1])),
            ("start_index_map", ints(&[0, 1])),
            ("index_vector_dim", Attr::Int(1)),
            ("slice_sizes", ints(&[1, 1])),
        ],
        ty(I32, &[3]),
    );
    assert_eq!(r.as_slice::<i32>().unwrap(), &[1, 20, 13]);
    // start_index_map reversed: the vector's first component indexes dim 1.
    let idx = t(&[2, 2], vec![1i32, 0, 3, 2]);
    let r = eval1(
        Gather,
        &[x.clone(), idx],
        &[
            ("offset_dims", ints(&[])),
            ("collapsed_slice_dims", ints(&[0, 1])),
            ("start_index_map", ints(&[1, 0])),
            ("index_vector_dim", Attr::Int(1)),
            ("slice_sizes", ints(&[1, 1])),
        ],
        ty(I32, &[2]),
    );
    assert_eq!(r.as_slice::<i32>().unwrap(), &[1, 23]);
    // 2x2 windows (nothing collapsed) at starts (0, 0) and (2, 3) -> clamped to (1, 2).
    let idx = t(&[2, 2], vec![0i32, 0, 2, 3]);
    let r = eval1(
        Gather,
        &[x, idx],
        &[
            ("offset_dims", ints(&[1, 2])),
            ("collapsed_slice_dims", ints(&[])),
            ("start_index_map", ints(&[0, 1])),
            ("index_vector_dim", Attr::Int(1)),
            ("slice_sizes", ints(&[2, 2])),
        ],
        ty(I32, &[2, 2, 2]),
    );
    assert_eq!(r.as_slice::<i32>().unwrap(), &[0, 1, 10, 11, 12, 13, 22, 23]);
}

fn row_scatter_attrs(kind: &str) -> Vec<(&'static str, Attr)> {
    vec![
        ("update_window_dims", ints(&[1])),
        ("inserted_window_dims", ints(&[0])),
        ("scatter_dims_to_operand_dims", ints(&[0])),
        ("index_vector_dim", Attr::Int(1)),
        ("kind", Attr::Sym(kind.into())),
    ]
}

#[test]
fn scatter_add_with_duplicate_indices() {
    // The gradient of an embedding lookup: rows of `updates` added into their ids' rows.
    let zeros = t(&[5, 3], vec![0f32; 15]);
    let ids = t(&[3], vec![1i32, 3, 1]);
    let upd = t(&[3, 3], vec![1f32, 2.0, 3.0, 10.0, 20.0, 30.0, 100.0, 200.0, 300.0]);
    let r = eval1(Scatter, &[zeros, ids, upd], &row_scatter_attrs("add"), ty(F32, &[5, 3]));
    let mut want = vec![0.0; 15];
    for (k, id) in [1usize, 3, 1].into_iter().enumerate() {
        for c in 0..3 {
            want[id * 3 + c] += [[1.0, 2.0, 3.0], [10.0, 20.0, 30.0], [100.0, 200.0, 300.0]][k][c];
        }
    }
    assert_eq!(r.to_f64_vec(), want);
}

#[test]
fn scatter_kinds() {
    let x = t(&[4], vec![5i32, 5, 5, 5]);
    let ids = t(&[3, 1], vec![0i32, 2, 0]);
    let upd = t(&[3], vec![3i32, 7, 2]);
    let attrs = |k: &str| {
        vec![
            ("update_window_dims", ints(&[])),
            ("inserted_window_dims", ints(&[0])),
            ("scatter_dims_to_operand_dims", ints(&[0])),
            ("index_vector_dim", Attr::Int(1)),
            ("kind", Attr::Sym(k.into())),
        ]
    };
    let run = |k: &str| eval1(Scatter, &[x.clone(), ids.clone(), upd.clone()], &attrs(k), ty(I32, &[4])).as_slice::<i32>().unwrap().to_vec();
    // Updates apply in order: index 0 gets 3 then 2.
    assert_eq!(run("replace"), vec![2, 5, 7, 5]);
    assert_eq!(run("add"), vec![10, 5, 12, 5]);
    assert_eq!(run("mul"), vec![30, 5, 35, 5]);
    assert_eq!(run("max"), vec![5, 5, 7, 5]);
    assert_eq!(run("min"), vec![2, 5, 5, 5]);
}

#[test]
fn scatter_skips_out_of_bounds_windows() {
    let zeros = t(&[5, 3], vec![0f32; 15]);
    let ids = t(&[4], vec![5i32, -1, 2, 100]);
    let upd = t(&[4, 3], vec![1f32; 12]);
    let r = eval1(Scatter, &[zeros, ids, upd], &row_scatter_attrs("add"), ty(F32, &[5, 3]));
    let mut want = vec![0.0; 15];
    want[6..9].copy_from_slice(&[1.0; 3]);
    assert_eq!(r.to_f64_vec(), want);
    // A 2-long window starting at 3 of a 4-long dim would stick out: skipped whole.
    let x = t(&[4], vec![0i32; 4]);
    let attrs = vec![
        ("update_window_dims", ints(&[1])),
        ("inserted_window_dims", ints(&[])),
        ("scatter_dims_to_operand_dims", ints(&[0])),
        ("index_vector_dim", Attr::Int(1)),
        ("kind", Attr::Sym("add".into())),
    ];
    let ids = t(&[2, 1], vec![3i32, 1]);
    let upd = t(&[2, 2], vec![1i32, 1, 5, 6]);
    let r = eval1(Scatter, &[x, ids, upd], &attrs, ty(I32, &[4]));
    assert_eq!(r.as_slice::<i32>().unwrap(), &[0, 5, 6, 0]);
}

#[test]
fn scatter_into_columns_with_window() {
    // Write 2-row column windows into a [3, 4] matrix at column ids: update_window_dims
    // [0] covers operand dim 0 (rows), inserted dim 1 (the column).
    let x = t(&[3, 4], vec![0i32; 12]);
    let ids = t(&[2], vec![3i32, 0]);
    let upd = t(&[2, 2], vec![1i32, 3, 2, 4]); // [window row, scatter index]
    let attrs = vec![
        ("update_window_dims", ints(&[0])),
        ("inserted_window_dims", ints(&[1])),
        ("scatter_dims_to_operand_dims", ints(&[1])),
        ("index_vector_dim", Attr::Int(1)),
        ("kind", Attr::Sym("replace".into())),
    ];
    let r = eval1(Scatter, &[x, ids, upd], &attrs, ty(I32, &[3, 4]));
    // Column 3 gets [1, 2] in rows 0-1; column 0 gets [3, 4].
    assert_eq!(r.as_slice::<i32>().unwrap(), &[3, 0, 0, 1, 4, 0, 0, 2, 0, 0, 0, 0]);
}
