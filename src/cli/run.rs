//! `kc run`: execute one function on the reference interpreter.
use super::{inputs, load_module, show};
use std::path::Path;

pub fn run(
    file: &Path,
    func: Option<&str>,
    args: &[String],
    save: Option<&Path>,
    names: &[String],
    max_elements: usize,
) -> Result<(), String> {
    let module = load_module(file)?;
    let f = choose_func(&module, file, func)?;
    let tensors = inputs::bind(f, args)?;
    let outputs = kc_runtime::interp::run_func(f, &tensors).map_err(|e| format!("running @{}: {e}", f.name))?;
    if !names.is_empty() && names.len() != outputs.len() {
        return Err(format!("--names gives {} names but @{} returns {} results", names.len(), f.name, outputs.len()));
    }
    let name_of = |i: usize| names.get(i).cloned().unwrap_or_else(|| format!("result{i}"));
    for (i, t) in outputs.iter().enumerate() {
        println!("{} = {}", name_of(i), show::format_tensor(t, max_elements));
    }
    if let Some(dir) = save {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        for (i, t) in outputs.iter().enumerate() {
            let path = dir.join(format!("{}.npy", name_of(i)));
            kc_runtime::npy::write(&path, t).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// The function `--func` names, else `@main`, else the only one.
pub fn choose_func<'m>(module: &'m kc_ir::Module, file: &Path, func: Option<&str>) -> Result<&'m kc_ir::Func, String> {
    match func {
        Some(name) => module.func(name).ok_or_else(|| {
            let all: Vec<_> = module.funcs.iter().map(|f| format!("@{}", f.name)).collect();
            format!("{}: no function @{name}; it defines {}", file.display(), all.join(", "))
        }),
        None => match (module.func("main"), module.funcs.as_slice()) {
            (Some(f), _) => Ok(f),
            (None, [only]) => Ok(only),
            (None, []) => Err(format!("{}: the module defines no function", file.display())),
            (None, _) => Err(format!("{}: several functions and none is @main; choose one with --func", file.display())),
        },
    }
}
