//! `kc dump-ir`: parse, verify, print.
use super::{load_with_source, located, Format};
use std::path::Path;
use std::process::Command;

/// Which function `--format stablehlo` lowers, and the sizes of its symbolic dims.
pub struct Lower<'a> {
    pub func: Option<&'a str>,
    pub binds: &'a [String],
}

pub fn dump_ir(file: &Path, format: Format, lower: &Lower, passes: Option<&str>, output: Option<&Path>) -> Result<(), String> {
    let (mut module, src) = load_with_source(file)?;
    if let Some(p) = passes {
        super::opt::run_pipeline(&mut module, p, &Default::default()).map_err(|e| located(e, file, &src))?;
    }
    let text = match format {
        Format::Kir => kc_ir::print_module(&module),
        Format::Json => module.to_json() + "\n",
        Format::Dot => kc_ir::print_dot(&module),
        Format::Stablehlo => stablehlo(&module, file, lower)?,
    };
    let Some(out) = output else {
        print!("{text}");
        return Ok(());
    };
    let ext = out.extension().and_then(|e| e.to_str()).unwrap_or("");
    if format == Format::Dot && matches!(ext, "svg" | "png" | "pdf") {
        return render(&text, out, ext);
    }
    std::fs::write(out, text).map_err(|e| format!("cannot write {}: {e}", out.display()))
}

/// The chosen function, specialized to the bound sizes, as StableHLO text.
fn stablehlo(module: &kc_ir::Module, file: &Path, lower: &Lower) -> Result<String, String> {
    let mut f = super::run::choose_func(module, file, lower.func)?.clone();
    let bindings = super::mem::parse_binds(lower.binds)?;
    if !bindings.is_empty() {
        kc_compiler::shape_infer::specialize(&mut f, &bindings).map_err(|e| e.to_string())?;
    }
    kc_lowering::stablehlo::emit_func(&f).map_err(|e| format!("{}: {e}", file.display()))
}

/// Render DOT text with Graphviz; a missing `dot` is a clear error, not a silent skip.
fn render(dot: &str, out: &Path, ext: &str) -> Result<(), String> {
    use std::io::Write;
    let mut child = Command::new("dot")
        .arg(format!("-T{ext}"))
        .arg("-o")
        .arg(out)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("cannot run Graphviz `dot` to render {} ({e}); install graphviz (`make tools`) or write .dot text", out.display())
        })?;
    child.stdin.take().expect("piped stdin").write_all(dot.as_bytes()).map_err(|e| e.to_string())?;
    let status = child.wait().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("Graphviz `dot` failed rendering {} ({status})", out.display()));
    }
    Ok(())
}
