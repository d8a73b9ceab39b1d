//! Running kc functions on XLA: specialize to the call's shapes, lower to StableHLO
//! (`kc_lowering::stablehlo`), compile through the PJRT plugin, and keep the executable.
//!
//! The compile cache is keyed by (the function's fingerprint, the argument dtypes and
//! shapes): a hit costs a hash lookup, a miss one compile; both are counted
//! ([`CompileStats`]). A partial last batch of an epoch is one more shape, so it compiles
//! once, in the first epoch, and hits the cache after that (no padding, no mask).
//!
//! One client per process, made on first use from the plugin [`Plugin::find`] locates;
//! buffers and executables of one client work together, whichever thread uses them.
use crate::error::{Result, RuntimeError};
use crate::pjrt::{Arg, Buffer, Client, ClientOptions, Executable, Plugin};
use crate::tensor::HostTensor;
use kc_ir::{DType, Dim, Func};
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

/// Compiles and cache hits, for `model.compile_stats()` and the cache tests.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CompileStats {
    /// Cache misses: executables built.
    pub compiles: usize,
    /// Lookups answered from the cache.
    pub hits: usize,
    /// Time spent lowering and compiling, in milliseconds.
    pub compile_ms: f64,
    /// Executables loaded from the on-disk cache instead of compiled
    /// ([`Xla::set_disk_cache`]); each is also counted in `compiles`' place, not there.
    pub disk_hits: usize,
}

impl std::ops::AddAssign for CompileStats {
    fn add_assign(&mut self, o: CompileStats) {
        self.compiles += o.compiles;
        self.hits += o.hits;
        self.compile_ms += o.compile_ms;
        self.disk_hits += o.disk_hits;
    }
}

/// The dtype and shape of each argument: with the fingerprint, the cache key.
pub type Signature = Vec<(DType, Vec<usize>)>;

pub fn signature(args: &[&HostTensor]) -> Signature {
    args.iter().map(|t| (t.dtype(), t.shape().to_vec())).collect()
}

/// A stable hash of a function's text: equal functions share executables.
pub fn fingerprint(f: &Func) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    kc_ir::print_func(f).hash(&mut h);
    h.finish()
}

/// One function compiled for one signature.
pub struct Compiled {
    pub exe: Executable,
    /// The StableHLO text it was compiled from.
    pub stablehlo: String,
    pub compile_ms: f64,
}

type Key = (u64, Signature, Vec<usize>);

/// The process's XLA device: a PJRT client and the compile cache.
pub struct Xla {
    client: Client,
    cache: Mutex<HashMap<Key, Arc<Compiled>>>,
    stats: Mutex<CompileStats>,
    /// Where compiled executables are also kept between processes, if anywhere.
    disk: Mutex<Option<std::path::PathBuf>>,
}

static XLA: OnceLock<std::result::Result<Arc<Xla>, String>> = OnceLock::new();

/// The XLA runtime, made on first use; an error says why XLA cannot run (plugin
/// absent, wrong version, client creation failed). The answer is kept for the process.
pub fn xla() -> Result<Arc<Xla>> {
    XLA.get_or_init(|| {
        let plugin = Plugin::find().map_err(|e| e.to_string())?;
        let client = Client::new(&plugin, &ClientOptions::new()).map_err(|e| e.to_string())?;
        let disk = std::env::var_os("KC_XLA_CACHE_DIR").map(std::path::PathBuf::from);
        Ok(Arc::new(Xla { client, cache: Mutex::new(HashMap::new()), stats: Mutex::new(CompileStats::default()), disk: Mutex::new(disk) }))
    })
    .clone()
    .map_err(RuntimeError::Plugin)
}

/// `Ok` when XLA can run here, else the reason (for `jit_compile = Auto`).
pub fn availability() -> std::result::Result<(), String> {
    xla().map(|_| ()).map_err(|e| e.to_string())
}

/// Run `f` on `args` through XLA (compiling or reusing the cached executable).
pub fn run_func(f: &Func, args: &[HostTensor]) -> Result<Vec<HostTensor>> {
    let x = xla()?;
    let refs: Vec<&HostTensor> = args.iter().collect();
    let exe = x.compile(f, fingerprint(f), &signature(&refs), &[])?;
    let bufs: Vec<Buffer> = args.iter().map(|a| x.upload(a)).collect::<Result<_>>()?;
    let outs = x.execute(&exe, bufs.iter().map(Arg::Keep).collect())?;
    outs.iter().map(|b| x.download(b)).collect()
}

impl Xla {
    pub fn stats(&self) -> CompileStats {
        *lock(&self.stats)
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Keep compiled executables in `dir` too (`None`: memory only), so a later process
    /// loads instead of compiling. The file is named by a hash of the StableHLO text,
    /// the donated parameters and the plugin's platform version; a file that does not
    /// load is compiled over. Also set by the `KC_XLA_CACHE_DIR` environment variable.
    pub fn set_disk_cache(&self, dir: Option<std::path::PathBuf>) {
        *lock(&self.disk) = dir;
    }

    /// Forget the in-memory executables of one function (the disk cache, if any,
    /// stays): what a new process would start from.
    pub fn forget(&self, fingerprint: u64) {
        lock(&self.cache).retain(|k, _| k.0 != fingerprint);
    }

    fn disk_path(&self, dir: &std::path::Path, text: &str, donate: &[usize]) -> std::path::PathBuf {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (text, donate, self.client.platform_version()).hash(&mut h);
        dir.join(format!("{:016x}.kcxla", h.finish()))
    }

    /// The executable of `f` for arguments of `sig`, from the cache or compiled now;
    /// the parameters at `donate` are buffer donors (see [`Xla::execute`]).
    pub fn compile(&self, f: &Func, fingerprint: u64, sig: &Signature, donate: &[usize]) -> Result<Arc<Compiled>> {
        self.compile_counted(f, fingerprint, sig, donate, &mut CompileStats::default())
    }

    /// As [`Xla::compile`], also counting the hit or the compile into `mine` (a caller's
    /// own statistics; the process-wide ones are shared by every thread).
    pub fn compile_counted(&self, f: &Func, fingerprint: u64, sig: &Signature, donate: &[usize], mine: &mut CompileStats) -> Result<Arc<Compiled>> {
        let dir = lock(&self.disk).clone();
        self.compile_in(f, fingerprint, sig, donate, dir.as_deref(), mine)
    }

    /// As [`Xla::compile_counted`] with an explicit on-disk cache directory (`None`:
    /// memory only) instead of the one [`Xla::set_disk_cache`] set.
    pub fn compile_in(&self, f: &Func, fingerprint: u64, sig: &Signature, donate: &[usize], dir: Option<&std::path::Path>, mine: &mut CompileStats) -> Result<Arc<Compiled>> {
        let key = (fingerprint, sig.clone(), donate.to_vec());
        if let Some(c) = lock(&self.cache).get(&key) {
            lock(&self.stats).hits += 1;
            mine.hits += 1;
            return Ok(c.clone());
        }
        let t0 = Instant::now();
        let bindings = bind(f, sig)?;
        let mut g = f.clone();
        if !bindings.is_empty() {
            kc_compiler::shape_infer::specialize(&mut g, &bindings).map_err(|e| RuntimeError::Xla(format!("specializing @{}: {e}", f.name)))?;
        }
        let text = kc_lowering::stablehlo::emit_func_donating(&g, donate).map_err(|e| RuntimeError::Xla(format!("@{}: {e}", f.name)))?;
        let path = dir.map(|d| self.disk_path(d, &text, donate));
        if let Some(exe) = path.as_ref().and_then(|p| std::fs::read(p).ok()).and_then(|b| self.client.deserialize(&b).ok()) {
            let c = Arc::new(Compiled { exe, stablehlo: text, compile_ms: t0.elapsed().as_secs_f64() * 1e3 });
            lock(&self.stats).disk_hits += 1;
            mine.disk_hits += 1;
            lock(&self.cache).insert(key, c.clone());
            return Ok(c);
        }
        let exe = self.client.compile(&text).map_err(|e| RuntimeError::Xla(format!("compiling @{} on XLA: {e}", f.name)))?;
        if let Some(p) = &path {
            // a cache that cannot be written is only slower: the executable is in hand
            if let Ok(bytes) = exe.serialize() {
                let tmp = p.with_extension(format!("tmp{}", std::process::id()));
                if std::fs::create_dir_all(p.parent().unwrap_or(p)).is_ok() && std::fs::write(&tmp, bytes).is_ok() {
                    let _ = std::fs::rename(&tmp, p);
                }
            }
        }
        let compile_ms = t0.elapsed().as_secs_f64() * 1e3;
        let c = Arc::new(Compiled { exe, stablehlo: text, compile_ms });
        {
            let mut st = lock(&self.stats);
            st.compiles += 1;
            st.compile_ms += compile_ms;
        }
        mine.compiles += 1;
        mine.compile_ms += compile_ms;
        lock(&self.cache).insert(key, c.clone());
        Ok(c)
    }

    pub fn upload(&self, t: &HostTensor) -> Result<Buffer> {
        self.client.to_device(t)
    }

    pub fn download(&self, b: &Buffer) -> Result<HostTensor> {
        b.to_host()
    }

    /// Execute: `Arg::Donate` buffers are consumed (written with results where the
    /// program marks them donors), `Arg::Keep` buffers stay valid.
    pub fn execute(&self, c: &Compiled, args: Vec<Arg<'_>>) -> Result<Vec<Buffer>> {
        c.exe.execute_donating(args)
    }
}

/// A poisoned lock only means another thread panicked mid-update of a counter or the
/// cache map; the data is still usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The size of each symbolic dim of `f`'s parameters, from the argument shapes; an
/// argument that does not fit its parameter is an error naming it.
fn bind(f: &Func, sig: &Signature) -> Result<BTreeMap<String, i64>> {
    let params = f.body.params();
    if params.len() != sig.len() {
        return Err(RuntimeError::Input(format!("@{} takes {} inputs, got {}", f.name, params.len(), sig.len())));
    }
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    for (i, (&p, (dtype, shape))) in params.iter().zip(sig).enumerate() {
        let ty = &f.body.node(p).types[0];
        let bad = |why: &str| RuntimeError::Input(format!("@{} input {i} expects {ty}, got {dtype}{shape:?}: {why}", f.name));
        if *dtype != ty.dtype || shape.len() != ty.rank() {
            return Err(bad("dtype or rank differs"));
        }
        for (d, &n) in ty.shape.0.iter().zip(shape) {
            match d {
                Dim::Known(k) if *k != n as u64 => return Err(bad("a dim differs")),
                Dim::Known(_) => {}
                Dim::Sym(s) => {
                    if let Some(&m) = out.get(s) {
                        if m != n as i64 {
                            return Err(bad(&format!("dim {s} is already {m}")));
                        }
                    }
                    out.insert(s.clone(), n as i64);
                }
            }
        }
    }
    Ok(out)
}
