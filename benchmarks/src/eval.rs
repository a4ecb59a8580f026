//! `sampo-bench eval --target SPEC --points FILE --out FILE`: the log density (and
//! its gradient, for targets that have one) at given points, so a user can check a
//! target against their own code. Output CSV columns: `log_density`, then `grad_x0`
//! … `grad_x{d−1}`.

use crate::{BenchError, io, spec};
use sampo_core::GradTarget;
use std::fmt::Write as _;
use std::path::Path;

/// Evaluates the target at every point of `points` and writes `out`.
pub fn eval(target: &str, points: &Path, out: &Path) -> Result<usize, BenchError> {
    io::check_writable(out)?;
    let handle = spec::target(target)?;
    let p = io::read_samples(points)?;
    if p.dim() != handle.dim() {
        return Err(BenchError::Dimension {
            what: format!("points of {} vs target {}", points.display(), handle.name),
            left: p.dim(),
            right: handle.dim(),
        });
    }
    let d = p.dim();
    let grad: Option<&dyn GradTarget> = handle.target.gradient();
    let mut text = String::from("log_density");
    if grad.is_some() {
        for j in 0..d {
            write!(text, ",grad_x{j}").expect("write to String");
        }
    }
    text.push('\n');
    let mut g = vec![0.0; d];
    for x in p.rows() {
        match grad {
            Some(t) => {
                let v = t.log_density_grad(x, &mut g);
                write!(text, "{v:?}").expect("write to String");
                for gj in &g {
                    write!(text, ",{gj:?}").expect("write to String");
                }
            }
            None => write!(text, "{:?}", handle.target.density().log_density(x))
                .expect("write to String"),
        }
        text.push('\n');
    }
    std::fs::write(out, text).map_err(|source| BenchError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    Ok(p.len())
}
