//! Parse errors say what is wrong and point at the right token: each case checks the exact
//! `line:col` and message. (Whole-file error snapshots live in tests/filetests/errors.)
use kc_ir::{parse_module, ErrorKind};

/// Parse `src`, expecting an error; returns "line:col: message".
fn error(src: &str) -> String {
    let e = parse_module(src, "t.kir").expect_err("should not parse");
    assert_eq!(e.kind, ErrorKind::Parse);
    let loc = e.loc.as_ref().expect("parse errors are located");
    format!("{}:{}: {}", loc.line, loc.col, e.message)
}

/// A one-function module whose body is `body` (each line indented by two spaces).
fn func(sig: &str, body: &[&str]) -> String {
    let lines: Vec<String> = body.iter().map(|l| format!("  {l}\n")).collect();
    format!("func @f{sig} {{\n{}}}\n", lines.concat())
}

#[test]
fn display_has_file_line_col_and_caret() {
    let src = func("(%x: f32[2]) -> (f32[2])", &["%0 = ad %x, %x : f32[2]", "return %0"]);
    let e = parse_module(&src, "model.kir").unwrap_err();
    assert_eq!(
        e.to_string(),
        "model.kir:2:8: parse error: unknown op `ad`; did you mean `add`?\n  |\n2 |   %0 = ad %x, %x : f32[2]\n  |        ^^"
    );
}

#[test]
fn unknown_op_suggests_only_close_names() {
    let src = func("(%x: f32[2]) -> (f32[2])", &["%0 = tanhh %x : f32[2]", "return %0"]);
    assert_eq!(error(&src), "2:8: unknown op `tanhh`; did you mean `tanh`?");
    let src = func("(%x: f32[2]) -> (f32[2])", &["%0 = frobnicate %x : f32[2]", "return %0"]);
    assert_eq!(error(&src), "2:8: unknown op `frobnicate`");
}

#[test]
fn undefined_value() {
    let src = func("(%x: f32[2]) -> (f32[2])", &["%0 = add %x, %y : f32[2]", "return %0"]);
    assert_eq!(error(&src), "2:16: undefined value %y");
}

#[test]
fn value_from_enclosing_region() {
    let src = func(
        "(%x: f32[], %i: i32[]) -> (i32[])",
        &[
            "%0 = while %i cond(%c: i32[]) {",
            "  %1 = compare %c, %c {direction = lt} : bool[]",
            "  return %1",
            "} body(%b: i32[]) {",
            "  %2 = convert %x : i32[]",
            "  return %2",
            "} : i32[]",
            "return %0",
        ],
    );
    assert_eq!(
        error(&src),
        "6:18: value %x is defined outside this region; regions are isolated, pass it as an operand"
    );
}

#[test]
fn wrong_operand_count() {
    let src = func("(%x: f32[2]) -> (f32[2])", &["%0 = add %x : f32[2]", "return %0"]);
    assert_eq!(error(&src), "2:3: `add` takes 2 operands, got 1");
}

#[test]
fn wrong_result_count() {
    let src = func("(%x: f32[2]) -> (f32[2])", &["%0 = sort %x, %x {dimension = 0} : f32[2], f32[2]", "return %0"]);
    assert_eq!(error(&src), "2:3: `sort` here has 2 result(s), but 1 are named");
    let src = func("(%x: f32[2]) -> ()", &["%0:0 = while cond() {", "  %1 = constant {value = false} : bool[]", "  return %1", "} body() {", "  return", "}", "return"]);
    assert_eq!(error(&src), "2:3: %0:0 names no results; leave out `%0:0 =`");
    let src = func("(%x: f32[2]) -> (f32[2])", &["%0 = neg %x", "return %0"]);
    assert_eq!(error(&src), "2:3: `neg` here has 1 result(s), but 0 type(s) follow");
}

#[test]
fn bad_attribute_kind() {
    let src = func("() -> (i32[3])", &["%0 = iota {dimension = [0]} : i32[3]", "return %0"]);
    assert_eq!(error(&src), "2:26: attribute `dimension` of `iota` must be an integer, found `[0]`");
    let src = func("(%x: f32[]) -> (bool[])", &["%0 = compare %x, %x {direction = less} : bool[]", "return %0"]);
    assert_eq!(
        error(&src),
        "2:36: attribute `direction` of `compare` must be one of eq, ne, lt, le, gt, ge, found `less`"
    );
    let src = func("() -> (i32[3])", &["%0 = iota {dim = 0} : i32[3]", "return %0"]);
    assert_eq!(error(&src), "2:14: unknown attribute `dim`; valid attributes of `iota`: dimension");
    let src = func("() -> (i32[3])", &["%0 = iota : i32[3]", "return %0"]);
    assert_eq!(error(&src), "2:3: `iota` needs attribute `dimension` (an integer)");
}

#[test]
fn literal_shape_mismatch() {
    let src = func("() -> (f32[2, 2])", &["%0 = constant {value = [[1.0, 2.0], [3.0]]} : f32[2, 2]", "return %0"]);
    assert_eq!(error(&src), "2:39: data for f32[2, 2] needs 2 element(s) in dimension 1, found 1");
    let src = func("() -> (f32[2])", &["%0 = constant {value = [1.0, 2.0, 3.0]} : f32[2]", "return %0"]);
    assert_eq!(error(&src), "2:26: data for f32[2] needs 2 element(s) in dimension 0, found 3");
    let src = func("() -> (f32[2])", &["%0 = constant {value = [[1.0], [2.0]]} : f32[2]", "return %0"]);
    assert_eq!(error(&src), "2:27: data is nested deeper than the rank of f32[2]");
}

#[test]
fn numbers_out_of_range() {
    let src = func("() -> (u8[2])", &["%0 = constant {value = [1, 256]} : u8[2]", "return %0"]);
    assert_eq!(error(&src), "2:30: 256 is out of range for u8");
    let src = func("() -> (i64[])", &["%0 = constant {value = 9223372036854775808} : i64[]", "return %0"]);
    assert_eq!(error(&src), "2:26: integer 9223372036854775808 does not fit 64 bits");
    let src = func("() -> (f32[])", &["%0 = constant {value = 1e39} : f32[]", "return %0"]);
    assert_eq!(error(&src), "2:26: 1e39 is out of range for f32");
    let src = func("() -> (f32[99999999999999999999])", &["return"]);
    assert_eq!(error(&src), "1:19: dim 99999999999999999999 does not fit 64 bits");
    // Huge shapes that do fit are the verifier's business, not the parser's.
    let src = func("(%x: f32[1000000000000, 1000000]) -> ()", &["return"]);
    assert!(parse_module(&src, "t.kir").is_ok());
}

#[test]
fn region_structure() {
    let src = func("(%x: f32[2]) -> (f32[2])", &["%0 = neg %x : f32[2]"]);
    assert_eq!(error(&src), "3:1: this region does not end in `return`");
    let src = func("(%x: f32[2]) -> (f32[2])", &["return %x", "%0 = neg %x : f32[2]"]);
    assert_eq!(error(&src), "3:3: `return` must be the last op of its region");
    let src = func("(%x: f32[2]) -> (f32[3])", &["return %x"]);
    assert_eq!(error(&src), "1:24: @f declares results (f32[3]) but returns (f32[2])");
    let src = func("(%x: f32[2], %x: f32[2]) -> ()", &["return"]);
    assert_eq!(error(&src), "1:21: parameter %x is declared twice");
    let src = func("(%x: f32[2]) -> ()", &["%0 = neg %x : f32[2]", "%0 = neg %x : f32[2]", "return"]);
    assert_eq!(error(&src), "3:3: value %0 is defined twice");
    let two = format!("{}{}", func("() -> ()", &["return"]), func("() -> ()", &["return"]));
    assert_eq!(error(&two), "4:6: function @f is defined twice");
}

/// Syntax errors point at the first token that does not fit, even when pest's own
/// report would point at the start of the enclosing rule.
#[test]
fn syntax_errors_are_located() {
    let src = func("(%x: f32[2]) -> (f32[2])", &["%0 = neg %x : f32[2", "return %0"]);
    assert_eq!(error(&src), "3:3: expected `,` or `]`");
    let src = func("(%x: f32[2]) (f32[2])", &["return %x"]);
    assert_eq!(error(&src), "1:21: expected `->`");
    let src = func("(%x: f32[2]) -> (f32[2])", &["%0 neg %x : f32[2]", "return %0"]);
    assert_eq!(error(&src), "2:6: expected `=`");
    let src = func("(%x: f32[2]) -> (f32[2])", &["%0 = neg %x, : f32[2]", "return %0"]);
    assert_eq!(error(&src), "2:16: expected a value like %0");
    assert_eq!(error("func f() -> () {\n  return\n}\n"), "1:6: expected a function name like @main");
    assert_eq!(error("func @f(x: f32[]) -> () {\n  return\n}\n"), "1:9: expected a parameter like %x");
    assert_eq!(error("func @f() -> () {\n  return\n"), "3:1: expected `}`, a name, a value like %0, an attribute or an op");
    let src = func("(%x: f32[2]) -> (f32[2])", &["%0 = neg %x {a = } : f32[2]", "return %0"]);
    assert_eq!(error(&src), "2:20: expected an attribute value");
    assert_eq!(error("$"), "1:1: expected `func`");
}
