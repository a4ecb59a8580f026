//! Metric names of the CLI and suites, and how each is computed.
//!
//! Sample-vs-sample metrics compare the sampler's output with a reference sample
//! (fresh exact draws of the target, same size, independent seed); their *noise
//! floor* is the same metric between two independent exact samples of that size.
//! Target metrics use the target itself (its mixture structure or its log density).

use crate::BenchError;
use crate::spec::TargetHandle;
use sampo_core::Particles;
use sampo_metrics::{kl, knn, mmd, modes, ot, sinkhorn, sliced};

/// Every metric name, with a one-line description.
pub const METRICS: &[(&str, &str)] = &[
    (
        "w2",
        "exact W2 (sqrt of optimal transport cost, squared-Euclidean ground cost)",
    ),
    ("sliced-w2", "sliced W2 over 128 random directions"),
    (
        "mmd",
        "MMD² (RBF kernel, bandwidth = median pairwise distance of the pooled sample)",
    ),
    (
        "sinkhorn",
        "Sinkhorn divergence, ε = 1e-2 × mean squared distance, L1 marginal tol 1e-4",
    ),
    (
        "kl",
        "k-NN KL(samples ‖ reference), Wang–Kulkarni–Verdú, k = 5 (d ≤ 4 only)",
    ),
    ("mean-err", "Euclidean distance between sample means"),
    (
        "cov-err",
        "relative Frobenius distance between sample covariances",
    ),
    (
        "kl-target",
        "KL(samples ‖ target) by k-NN entropy (normalized targets, d ≤ 4)",
    ),
    (
        "mode-tv",
        "total variation between mode weights (nearest mean) and true weights",
    ),
    (
        "emc",
        "entropic mode coverage of the nearest-mean assignment (1 = all modes even)",
    ),
];

/// Dimension limit of the k-NN estimators (peers.md §C.5: biased beyond d ≈ 4).
const KNN_MAX_DIM: usize = 4;

/// Whether `name` compares two samples (and so has a noise floor).
pub fn is_two_sample(name: &str) -> bool {
    matches!(
        name,
        "w2" | "sliced-w2" | "mmd" | "sinkhorn" | "kl" | "mean-err" | "cov-err"
    )
}

/// Checks a list of metric names.
pub fn check_names(names: &[String]) -> Result<(), BenchError> {
    for n in names {
        if !METRICS.iter().any(|(m, _)| m == n) {
            return Err(BenchError::UnknownName {
                what: "metric",
                name: n.clone(),
                valid: METRICS
                    .iter()
                    .map(|(m, _)| *m)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    Ok(())
}

/// A metric between two samples; `None` where it does not apply (k-NN in d > 4).
pub fn two_sample(
    name: &str,
    a: &Particles,
    b: &Particles,
    seed: u64,
) -> Result<Option<f64>, BenchError> {
    if a.dim() != b.dim() {
        return Err(BenchError::Dimension {
            what: format!("samples compared by {name}"),
            left: a.dim(),
            right: b.dim(),
        });
    }
    Ok(Some(match name {
        "w2" => ot::w2(a, b)?,
        "sliced-w2" => sliced::sliced_w2(a, b, 128, seed)?,
        "mmd" => mmd::mmd_median(a, b)?,
        "sinkhorn" => {
            // ε relative to the problem's scale (Beyond ELBOs' absolute 1e-3 is nearly
            // unregularized on GMM40-scale costs); marginal error 1e-4 in L1 is
            // plenty for a comparison metric and bounds the iteration count.
            let cfg = sinkhorn::SinkhornConfig {
                epsilon: 1e-2 * mean_sq_distance(a, b),
                max_iter: 2000,
                tol: 1e-4,
            };
            sinkhorn::sinkhorn_divergence(a, b, &cfg)?.divergence
        }
        "kl" if !applies(name, a.dim()) => return Ok(None),
        "kl" => knn::kl_divergence(a, b, 5)?,
        "mean-err" => dist(&a.mean(), &b.mean()),
        "cov-err" => {
            let (ca, cb) = (a.covariance(), b.covariance());
            dist(&ca, &cb) / cb.iter().map(|v| v * v).sum::<f64>().sqrt()
        }
        other => unreachable!("two_sample called with target metric {other}"),
    }))
}

/// Whether a two-sample metric applies in dimension `d` (k-NN KL only in d ≤ 4).
pub fn applies(name: &str, d: usize) -> bool {
    !(name == "kl" && d > KNN_MAX_DIM)
}

/// The noise floor of a two-sample metric: the metric between two independent exact
/// samples of size `n`, `repeats` times (`floor_seed` picks the samples, `metric_seed`
/// the metric's own randomness). `None` where the metric does not apply.
pub fn noise_floor(
    name: &str,
    exact: &dyn sampo_core::ExactSampler,
    n: usize,
    repeats: usize,
    floor_seed: u64,
    metric_seed: u64,
) -> Result<Option<sampo_metrics::noise_floor::NoiseFloor>, BenchError> {
    if !applies(name, exact.dim()) {
        return Ok(None);
    }
    let f = sampo_metrics::noise_floor::noise_floor(exact, n, repeats, floor_seed, |a, b| {
        two_sample(name, a, b, metric_seed)
            .map(|v| v.expect("applies() checked"))
            .map_err(|e| sampo_metrics::MetricError::invalid(name, e.to_string()))
    })?;
    Ok(Some(f))
}

/// A metric of a sample against the target itself; `None` where it does not apply.
pub fn against_target(
    name: &str,
    a: &Particles,
    t: &TargetHandle,
) -> Result<Option<f64>, BenchError> {
    match name {
        "kl-target" => {
            let (Some(log_z), true) = (t.target.log_z(), a.dim() <= KNN_MAX_DIM) else {
                return Ok(None);
            };
            let target = &t.target;
            Ok(Some(kl::kl_to_target(
                a,
                |x: &[f64]| target.log_density(x),
                log_z,
                5,
            )?))
        }
        "mode-tv" | "emc" => {
            let Some(m) = &t.mixture else { return Ok(None) };
            let report = mode_report(a, m)?;
            Ok(Some(if name == "mode-tv" {
                report.tv
            } else {
                report.emc
            }))
        }
        other => unreachable!("against_target called with two-sample metric {other}"),
    }
}

/// Nearest-mean mode weights of `a` against the mixture's weights.
pub fn mode_report(
    a: &Particles,
    m: &sampo_targets::GaussianMixture,
) -> Result<modes::ModeReport, BenchError> {
    let means: Vec<Vec<f64>> = (0..m.n_components()).map(|c| m.mean(c).to_vec()).collect();
    let assign = modes::assign_nearest(a, &means)?;
    Ok(modes::mode_report(&assign, m.weights())?)
}

fn dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// Mean squared distance between the two samples' points (sets Sinkhorn's ε scale).
fn mean_sq_distance(a: &Particles, b: &Particles) -> f64 {
    let (ma, mb) = (a.mean(), b.mean());
    let var = |p: &Particles| p.covariance().iter().step_by(p.dim() + 1).sum::<f64>();
    dist(&ma, &mb).powi(2) + var(a) + var(b)
}
