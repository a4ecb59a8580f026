//! `sampo-bench compare A.csv B.csv | --target SPEC`: metrics between two sample
//! files, or between a file and fresh exact samples of a target (then with noise
//! floors and target metrics), printed as JSON. Metrics run in parallel.

use crate::spec::{self, TargetHandle};
use crate::{BenchError, io, measure};
use rayon::prelude::*;
use sampo_core::Particles;
use std::path::Path;

/// Default metrics of `compare`.
pub const DEFAULT_METRICS: &[&str] = &["w2", "sliced-w2", "mmd", "mean-err", "cov-err"];

/// What to compare against.
pub enum Reference<'a> {
    /// A second sample file.
    File(&'a Path),
    /// Fresh exact samples of a target (same size as A).
    Target(&'a str),
}

/// Computes the metrics; returns the JSON document.
pub fn compare(
    a_path: &Path,
    reference: Reference,
    metrics: &[String],
    seed: u64,
    floor_repeats: usize,
) -> Result<serde_json::Value, BenchError> {
    measure::check_names(metrics)?;
    let (a, log_w) = io::read_weighted(a_path)?;
    let weights = log_w
        .as_deref()
        .map(sampo_metrics::weights::weights_from_log)
        .transpose()?;
    let wa = weights.as_deref();
    let (b, handle): (Particles, Option<TargetHandle>) = match reference {
        Reference::File(p) => {
            let (b, wb) = io::read_weighted(p)?;
            if wb.is_some() {
                return Err(BenchError::Usage(format!(
                    "{}: the reference sample must be unweighted (it has a log_w column)",
                    p.display()
                )));
            }
            (b, None)
        }
        Reference::Target(t) => {
            let h = spec::target(t)?;
            if h.sample_dim() != a.dim() {
                return Err(BenchError::Dimension {
                    what: format!("samples of {} vs target {}", a_path.display(), h.name),
                    left: a.dim(),
                    right: h.sample_dim(),
                });
            }
            let ex = h.reference_sampler().ok_or_else(|| {
                BenchError::Usage(format!(
                    "target `{}` has no exact sampler to compare against",
                    h.name
                ))
            })?;
            (ex.sample_exact_n(a.len(), seed), Some(h))
        }
    };
    if handle.is_none()
        && let Some(m) = metrics.iter().find(|m| measure::needs_target(m))
    {
        return Err(BenchError::Usage(format!(
            "metric `{m}` needs --target (it uses the target, not a second sample)"
        )));
    }
    let values: Vec<(String, Option<f64>)> = metrics
        .par_iter()
        .map(|m| {
            let v = if measure::is_two_sample(m) {
                measure::two_sample_for(m, &a, wa, &b, seed, handle.as_ref())?
            } else {
                measure::against_target(m, &a, wa, handle.as_ref().expect("checked above"))?
            };
            Ok((m.clone(), v))
        })
        .collect::<Result<_, BenchError>>()?;
    let mut doc = serde_json::json!({
        "a": a_path, "n_a": a.len(), "n_b": b.len(), "dim": a.dim(), "seed": seed,
        "weighted": wa.is_some(),
        "metrics": values.iter().map(|(m, v)| (m.clone(), v.map_or(serde_json::Value::Null, Into::into))).collect::<serde_json::Map<_, _>>(),
    });
    if let Some(h) = &handle {
        doc["target"] = h.name.clone().into();
    }
    // `--floor-repeats 0` turns the noise floor off.
    if let Some(h) = handle.as_ref().filter(|_| floor_repeats > 0) {
        let ex = h.reference_sampler().expect("checked above");
        let floors: Vec<(String, serde_json::Value)> = metrics
            .par_iter()
            .filter(|m| measure::is_two_sample(m))
            .map(|m| {
                let Some(f) = measure::noise_floor(
                    m,
                    ex,
                    a.len(),
                    floor_repeats,
                    (seed ^ 0xF100, seed),
                    Some(h),
                )?
                else {
                    return Ok((m.clone(), serde_json::Value::Null));
                };
                Ok((
                    m.clone(),
                    serde_json::json!({"mean": f.mean, "sd": f.sd, "repeats": f.repeats}),
                ))
            })
            .collect::<Result<_, BenchError>>()?;
        doc["noise_floor"] = floors.into_iter().collect::<serde_json::Map<_, _>>().into();
    }
    Ok(doc)
}
