//! `sampo-bench diagnose FILE --chains C`: MCMC diagnostics of any chain-major
//! sample file (chain c's draws are rows c·m..(c+1)·m): per coordinate the mean, sd,
//! MCSE of the mean, bulk and tail ESS and the rank-normalized split R̂ (Vehtari et
//! al. 2021), printed as JSON. `--convention arviz` (the default) reproduces
//! ArviZ's `summary`; `sampo` uses Geyer's truncation without Stan's extra steps
//! (docs/metrics.md).

use crate::{BenchError, io};
use sampo_metrics::diagnostics::{EssConvention, summarize};
use std::path::Path;

/// The per-coordinate summary of `file` as a JSON document.
pub fn diagnose(
    file: &Path,
    chains: usize,
    convention: &str,
) -> Result<serde_json::Value, BenchError> {
    let conv = match convention {
        "arviz" => EssConvention::Arviz,
        "sampo" => EssConvention::Sampo,
        other => {
            return Err(BenchError::UnknownName {
                what: "convention",
                name: other.into(),
                valid: "arviz, sampo".into(),
            });
        }
    };
    let (samples, w) = io::read_weighted(file)?;
    if w.is_some() {
        return Err(BenchError::Usage(format!(
            "{}: MCMC diagnostics need unweighted chains (the file has log weights)",
            file.display()
        )));
    }
    let per = summarize(&samples, chains, conv)?;
    let coords: Vec<serde_json::Value> = per
        .into_iter()
        .enumerate()
        .map(|(j, r)| match r {
            Ok(c) => serde_json::json!({
                "coordinate": format!("x{j}"), "mean": c.mean, "sd": c.sd,
                "mcse_mean": c.mcse_mean, "ess_bulk": c.ess_bulk, "ess_tail": c.ess_tail,
                "rhat": c.rhat,
            }),
            Err(e) => serde_json::json!({"coordinate": format!("x{j}"), "error": e.to_string()}),
        })
        .collect();
    Ok(serde_json::json!({
        "file": file, "chains": chains, "draws_per_chain": samples.len() / chains.max(1),
        "convention": convention, "coordinates": coords,
    }))
}
