//! `grad{func=F,of=K,wrt=I:J}`: add `@F_grad`, the value-and-grad of output `K` of `@F`
//! (a float scalar) with respect to parameters `I`, `J`, ... (default: every float
//! parameter). The original function is kept. See `autodiff` for how.
use crate::autodiff::value_and_grad;
use crate::pass::{Changed, Pass, PassContext, PassOptions};
use kc_ir::{Error, ErrorKind, Module, Result};

pub struct Grad {
    func: String,
    of: usize,
    wrt: Option<Vec<usize>>,
}

pub fn make(o: &PassOptions) -> Result<Box<dyn Pass>> {
    let func = o.str_or("func", "main");
    let of = o.u64_or("of", 0)? as usize;
    let wrt = match o.str_or("wrt", "all").as_str() {
        "all" => None,
        list => Some(
            list.split(':')
                .map(|i| {
                    i.trim().parse::<usize>().map_err(|_| {
                        Error::new(ErrorKind::Pass, format!("pass `grad`: option wrt={list} must be `all` or parameter indices like 0:2"))
                    })
                })
                .collect::<Result<Vec<_>>>()?,
        ),
    };
    o.finish()?;
    Ok(Box::new(Grad { func, of, wrt }))
}

impl Pass for Grad {
    fn name(&self) -> &'static str {
        "grad"
    }
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed> {
        let f = m.func(&self.func).ok_or_else(|| {
            let names: Vec<String> = m.funcs.iter().map(|f| format!("@{}", f.name)).collect();
            Error::new(ErrorKind::Pass, format!("no function @{} to differentiate; the module has {}", self.func, names.join(", ")))
        })?;
        let name = format!("{}_grad", self.func);
        if m.func(&name).is_some() {
            return Err(Error::new(ErrorKind::Pass, format!("@{name} already exists")));
        }
        let wrt = match &self.wrt {
            Some(w) => w.clone(),
            None => f.body.param_types().iter().enumerate().filter(|(_, t)| t.dtype.is_float()).map(|(i, _)| i).collect(),
        };
        let g = value_and_grad(f, &wrt, self.of, &name)?;
        cx.stat("grad.ops", g.body.graph.node_count() as u64);
        m.funcs.push(g);
        Ok(Changed::Yes)
    }
}
