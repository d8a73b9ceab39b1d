//! Fuzz the `.kir` parser: it must never panic, and whatever it accepts must print and
//! parse back to an equal module that prints identically.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // `.kir` is UTF-8 text; other bytes would only re-test U+FFFD after a lossy conversion.
    let Ok(src) = std::str::from_utf8(data) else { return };
    let Ok(m) = kc_ir::parse_module(src, "fuzz.kir") else { return };
    let text = kc_ir::print_module(&m);
    let again = match kc_ir::parse_module(&text, "printed.kir") {
        Ok(again) => again,
        Err(e) => panic!("a printed module does not parse: {e}\n{text}"),
    };
    assert!(again == m, "print/parse changed the module:\n{text}");
    assert_eq!(kc_ir::print_module(&again), text, "printing is not stable");
});
