//! Data movement: each kc op is the StableHLO op of the same name (kc's movement ops
//! were defined after them), with kc's attribute names translated and defaults filled.
use super::text::{i64_array, list, Ty, Writer, V};
use super::{Error, Result};
use kc_ir::{AttrsExt, DType, Node, OpKind};

pub fn lower(w: &mut Writer, node: &Node, ops: &[V], ty: &Ty) -> Result<V> {
    let a = &node.attrs;
    let x = &ops[0];
    let rank = x.ty.rank();
    let out = ty.clone();
    Ok(match node.op {
        OpKind::BroadcastInDim => w.broadcast(x, a.ints("dims")?, &out),
        OpKind::Reshape => w.op("stablehlo.reshape", &[x], &[], out),
        OpKind::Transpose => w.op("stablehlo.transpose", &[x], &[("permutation", i64_array(a.ints("permutation")?))], out),
        OpKind::Slice => {
            let strides = a.ints_or("strides", rank, 1)?;
            let attrs = [("start_indices", i64_array(a.ints("start")?)), ("limit_indices", i64_array(a.ints("limit")?)), ("strides", i64_array(&strides))];
            w.op("stablehlo.slice", &[x], &attrs, out)
        }
        OpKind::DynamicSlice => {
            // sizes of -1 (whole dim) are already resolved in the result type
            let starts = same_index_type(w, &ops[1..]);
            let mut args = vec![x];
            args.extend(starts.iter());
            let sizes: Vec<i64> = out.dims.iter().map(|&d| d as i64).collect();
            w.op("stablehlo.dynamic_slice", &args, &[("slice_sizes", i64_array(&sizes))], out)
        }
        OpKind::DynamicUpdateSlice => {
            let starts = same_index_type(w, &ops[2..]);
            let mut args = vec![x, &ops[1]];
            args.extend(starts.iter());
            w.op("stablehlo.dynamic_update_slice", &args, &[], out)
        }
        OpKind::Pad => {
            let attrs = [
                ("edge_padding_low", i64_array(a.ints("low")?)),
                ("edge_padding_high", i64_array(a.ints("high")?)),
                ("interior_padding", i64_array(&a.ints_or("interior", rank, 0)?)),
            ];
            w.op("stablehlo.pad", &[x, &ops[1]], &attrs, out)
        }
        OpKind::Concatenate => {
            let refs: Vec<&V> = ops.iter().collect();
            w.op("stablehlo.concatenate", &refs, &[("dimension", format!("{} : i64", a.int("dimension")?))], out)
        }
        OpKind::Reverse => w.op("stablehlo.reverse", &[x], &[("dimensions", i64_array(a.ints("dimensions")?))], out),
        OpKind::Gather => {
            let dn = dims_attr(
                "gather",
                &[("offset_dims", a.ints("offset_dims")?), ("collapsed_slice_dims", a.ints("collapsed_slice_dims")?), ("start_index_map", a.ints("start_index_map")?)],
                a.int("index_vector_dim")?,
            );
            let attrs = [("dimension_numbers", dn), ("slice_sizes", i64_array(a.ints("slice_sizes")?)), ("indices_are_sorted", "false".into())];
            w.op("stablehlo.gather", &[x, &ops[1]], &attrs, out)
        }
        OpKind::Scatter => {
            let dn = dims_attr(
                "scatter",
                &[
                    ("update_window_dims", a.ints("update_window_dims")?),
                    ("inserted_window_dims", a.ints("inserted_window_dims")?),
                    ("scatter_dims_to_operand_dims", a.ints("scatter_dims_to_operand_dims")?),
                ],
                a.int("index_vector_dim")?,
            );
            let kind = a.sym("kind")?.to_string();
            let s = Ty::scalar(x.ty.dtype);
            let region = w.region(&[s.clone(), s], |w, args| {
                Ok(vec![match kind.as_str() {
                    "replace" => args[1].clone(),
                    "add" => w.binary("stablehlo.add", &args[0], &args[1]),
                    "mul" => w.binary("stablehlo.multiply", &args[0], &args[1]),
                    "max" => super::reductions::combine(w, "stablehlo.maximum", &args[0], &args[1]),
                    "min" => super::reductions::combine(w, "stablehlo.minimum", &args[0], &args[1]),
                    k => return Err(Error::new(format!("unknown scatter kind {k}"))),
                }])
            })?;
            let attrs = [("scatter_dimension_numbers", dn), ("indices_are_sorted", "false".into()), ("unique_indices", "false".into())];
            w.op_full("stablehlo.scatter", &[x, &ops[1], &ops[2]], &[region], &attrs, &[out]).remove(0)
        }
        op => return Err(Error::new(format!("{op} is not a movement op"))),
    })
}

/// `#stablehlo.gather<...>` / `#stablehlo.scatter<...>`; empty lists are left out, as
/// StableHLO's printer does.
fn dims_attr(kind: &str, lists: &[(&str, &[i64])], index_vector_dim: i64) -> String {
    let mut parts: Vec<String> = lists.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k} = {}", list(v))).collect();
    parts.push(format!("index_vector_dim = {index_vector_dim}"));
    format!("#stablehlo.{kind}<{}>", parts.join(", "))
}

/// StableHLO wants every start index of one type; kc allows a mix, which is widened to
/// i64 (every kc integer value fits).
fn same_index_type(w: &mut Writer, starts: &[V]) -> Vec<V> {
    let first = starts.first().map(|s| s.ty.dtype);
    if starts.iter().all(|s| Some(s.ty.dtype) == first) {
        return starts.to_vec();
    }
    starts.iter().map(|s| if s.ty.dtype == DType::I64 { s.clone() } else { w.convert(s, DType::I64) }).collect()
}
