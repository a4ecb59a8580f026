//! `sampo-bench eval --target SPEC --points FILE --out FILE`: the log density (and
//! its gradient) at given points, so a user can check a
//! target against their own code. Output CSV columns: `log_density`, then `grad_x0`
//! … `grad_x{d−1}`. Particle systems (DW-4, Lennard-Jones) are evaluated on their
//! n·s particle coordinates, not the reduced ones their samplers run in.

use crate::{BenchError, io, spec};
use sampo_core::GradTarget;
use std::fmt::Write as _;
use std::path::Path;

/// Evaluates the target at every point of `points` and writes `out`.
pub fn eval(target: &str, points: &Path, out: &Path) -> Result<usize, BenchError> {
    io::check_writable(out)?;
    let (handle, cfg) = spec::target_with_config(target)?;
    let physical = cfg.build()?;
    let p = io::read_samples(points)?;
    if p.dim() != physical.dim() {
        return Err(BenchError::Dimension {
            what: format!("points of {} vs target {}", points.display(), handle.name),
            left: p.dim(),
            right: physical.dim(),
        });
    }
    let d = p.dim();
    let grad: &dyn GradTarget = physical.as_ref();
    let mut text = String::from("log_density");
    for j in 0..d {
        write!(text, ",grad_x{j}").expect("write to String");
    }
    text.push('\n');
    let mut g = vec![0.0; d];
    for x in p.rows() {
        let v = grad.log_density_grad(x, &mut g);
        write!(text, "{v:?}").expect("write to String");
        for gj in &g {
            write!(text, ",{gj:?}").expect("write to String");
        }
        text.push('\n');
    }
    std::fs::write(out, text).map_err(|source| BenchError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    Ok(p.len())
}
