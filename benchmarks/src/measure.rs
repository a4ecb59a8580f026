//! Metric names of the CLI and suites, and how each is computed.
//!
//! Sample-vs-sample metrics compare the sampler's output with a reference sample
//! (fresh exact draws of the target, same size, independent seed); their *noise
//! floor* is the same metric between two independent exact samples of that size.
//! Target metrics use the target itself (its mixture structure or its log density).
//!
//! **Weights.** A weighted run (SMC, importance sampling, flows) is measured as the
//! weighted empirical measure: every metric here honours the weights except the
//! k-NN ones (`kl`, `kl-target`) and `sinkhorn`, which report no value for a
//! weighted sample rather than a wrong one ([`supports_weights`]).
//!
//! **Marginals.** On heavy-tailed targets the joint metrics are dominated by the
//! tails: on the funnel every Langevin sampler scores *below* the exact-vs-exact
//! floor on W2 and mean error while missing the neck. The marginal metrics (1-D W2
//! and the two-sample KS statistic of one coordinate, or their maximum over
//! coordinates) see what the joint ones average away; `ks-x0` on the funnel is the
//! neck's coordinate.

use crate::BenchError;
use crate::spec::TargetHandle;
use sampo_core::Particles;
use sampo_metrics::{kl, knn, marginal, mmd, modes, moments, ot, sinkhorn, sliced};

/// Every metric name, with a one-line description.
pub const METRICS: &[(&str, &str)] = &[
    (
        "w2",
        "exact W2 (sqrt of optimal transport cost, squared-Euclidean ground cost)",
    ),
    ("sliced-w2", "sliced W2 over 128 random directions"),
    (
        "mmd",
        "MMD_b = sqrt of the biased (V-statistic) MMD², RBF kernel, bandwidth = median pairwise distance; >= 0",
    ),
    (
        "mmd2-unbiased",
        "unbiased (U-statistic) MMD², same kernel: mean 0 under P = Q, can be negative",
    ),
    (
        "sinkhorn",
        "Sinkhorn divergence, ε = 1e-2 × mean squared distance, L1 marginal tol 1e-4 (unweighted only)",
    ),
    (
        "kl",
        "k-NN KL(samples ‖ reference), Wang–Kulkarni–Verdú, k = 5 (d ≤ 4, unweighted only)",
    ),
    ("mean-err", "Euclidean distance between sample means"),
    (
        "cov-err",
        "relative Frobenius distance between sample covariances",
    ),
    ("w2-x0", "exact 1-D W2 of the first coordinate x0"),
    (
        "ks-x0",
        "two-sample Kolmogorov–Smirnov statistic sup|F_a − F_b| of x0 (the funnel's neck coordinate)",
    ),
    ("w2-marginal", "largest 1-D W2 over the coordinates"),
    (
        "ks-marginal",
        "largest two-sample KS statistic over the coordinates",
    ),
    (
        "kl-target",
        "KL(samples ‖ target) by k-NN entropy (normalized targets, d ≤ 4, unweighted only)",
    ),
    (
        "mode-tv",
        "total variation between mode weights (nearest mean) and true weights",
    ),
    (
        "emc",
        "entropic mode coverage of the nearest-mean assignment (1 = all modes even)",
    ),
    (
        "log-z-err",
        "|log Ẑ − log Z| of a sampler that estimates log Z (smc, ais), on targets with a known log Z",
    ),
    (
        "energy-w2",
        "1-D W2 of the energies u = −log π (iDEM's energy_w2 is its square)",
    ),
    (
        "dist-w2",
        "1-D W2 of the interatomic distances (particle systems; iDEM's dist_w2 is its square)",
    ),
    (
        "dist-tv",
        "total variation of 200-bin interatomic-distance histograms (particle systems, as iDEM)",
    ),
    (
        "abs-m-err",
        "|<|m|> − <|m|>_ref|, m = mean of the coordinates, the magnetization per site (φ⁴)",
    ),
    (
        "chi-err",
        "relative error of the susceptibility V (<m²> − <|m|>²) (φ⁴)",
    ),
    (
        "g2-err",
        "largest error of the two-point function G(r), r = 0..L/2 (φ⁴)",
    ),
];

/// A metric running longer than this reports its progress on stderr.
const SLOW_METRIC: std::time::Duration = std::time::Duration::from_secs(3);

/// Dimension limit of the k-NN estimators (peers.md §C.5: biased beyond d ≈ 4).
const KNN_MAX_DIM: usize = 4;

/// Whether `name` compares two samples (and so has a noise floor).
pub fn is_two_sample(name: &str) -> bool {
    !matches!(name, "kl-target" | "mode-tv" | "emc" | "log-z-err")
}

/// Whether a metric needs the target besides the two samples (the physics metrics,
/// [`crate::physics`], and every metric that is not two-sample).
pub fn needs_target(name: &str) -> bool {
    !is_two_sample(name) || crate::physics::is_physics(name)
}

/// [`two_sample`], and the physics metrics where the target `t` is given (`None`
/// for them without it).
pub fn two_sample_for(
    name: &str,
    a: &Particles,
    wa: Option<&[f64]>,
    b: &Particles,
    seed: u64,
    t: Option<&TargetHandle>,
) -> Result<Option<f64>, BenchError> {
    if !crate::physics::is_physics(name) {
        return two_sample(name, a, wa, b, seed);
    }
    if a.dim() != b.dim() {
        return Err(BenchError::Dimension {
            what: format!("samples compared by {name}"),
            left: a.dim(),
            right: b.dim(),
        });
    }
    match t {
        Some(t) => crate::physics::two_sample(name, a, wa, b, t),
        None => Ok(None),
    }
}

/// Whether `name` is read from the run itself (its statistics), not its samples.
pub fn is_run_metric(name: &str) -> bool {
    name == "log-z-err"
}

/// A metric of the run itself: `log-z-err` from the run's `log_z` statistic and
/// the target's known log Z; `None` where either is missing.
pub fn of_run(name: &str, run: &sampo_core::Run, t: &TargetHandle) -> Option<f64> {
    match name {
        "log-z-err" => {
            let est = run.diagnostics.stats.get("log_z")?;
            let truth = t.target.density().log_z()?;
            Some(sampo_metrics::logz::log_z_error(*est, truth))
        }
        other => unreachable!("of_run called with sample metric {other}"),
    }
}

/// Whether `name` is computed for weighted samples (see the module docs).
pub fn supports_weights(name: &str) -> bool {
    !matches!(name, "kl" | "kl-target" | "sinkhorn")
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

/// A metric between sample `a` (with optional non-negative weights `wa`) and the
/// unweighted reference `b`; `None` where it does not apply (k-NN in d > 4, a
/// weighted sample for an unweighted-only metric).
pub fn two_sample(
    name: &str,
    a: &Particles,
    wa: Option<&[f64]>,
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
    if wa.is_some() && !supports_weights(name) {
        return Ok(None);
    }
    let kernel = || -> Result<mmd::Kernel, BenchError> {
        Ok(mmd::Kernel::Rbf {
            bandwidths: vec![mmd::median_bandwidth(a, b)?],
        })
    };
    Ok(Some(match name {
        "w2" => match wa {
            None => ot::w2(a, b)?,
            Some(w) => ot::w2_weighted(a, w, b, &vec![1.0; b.len()])?,
        },
        "sliced-w2" => sliced::sliced_w2_weighted(a, wa, b, None, 128, seed)?,
        "mmd" => mmd::mmd2_weighted(a, wa, b, None, &kernel()?, mmd::Estimator::Biased)?
            .max(0.0)
            .sqrt(),
        "mmd2-unbiased" => {
            mmd::mmd2_weighted(a, wa, b, None, &kernel()?, mmd::Estimator::Unbiased)?
        }
        "sinkhorn" => {
            // ε relative to the problem's scale (Beyond ELBOs' absolute 1e-3 is nearly
            // unregularized on GMM40-scale costs); marginal error 1e-4 in L1 is
            // plenty for a comparison metric and bounds the iteration count.
            let cfg = sinkhorn::SinkhornConfig {
                epsilon: 1e-2 * mean_sq_distance(a, b),
                max_iter: 2000,
                tol: 1e-4,
            };
            // Long computations say how far they are (on stderr, after a few seconds).
            let start = std::time::Instant::now();
            let mut report = |p: sinkhorn::SinkhornProgress| {
                if start.elapsed() >= SLOW_METRIC {
                    eprintln!(
                        "sinkhorn: problem {} ({}/3), iteration {}/{}, ε {:.3e} (target {:.3e}), marginal error {:.2e}, {:.0} s",
                        p.problem.name(),
                        p.problem_index + 1,
                        p.iteration,
                        p.max_iter,
                        p.epsilon,
                        p.target_epsilon,
                        p.marginal_error,
                        start.elapsed().as_secs_f64()
                    );
                }
            };
            sinkhorn::sinkhorn_divergence_with_progress(a, b, &cfg, &mut report)?.divergence
        }
        "kl" if a.dim() > KNN_MAX_DIM => return Ok(None),
        "kl" => knn::kl_divergence(a, b, 5)?,
        "mean-err" => moments::mean_error(a, wa, b, None)?,
        "cov-err" => moments::covariance_error(a, wa, b, None)?,
        "w2-x0" => marginal::w2_1d(&a.column(0), wa, &b.column(0), None)?,
        "ks-x0" => marginal::ks_1d(&a.column(0), wa, &b.column(0), None)?,
        "w2-marginal" => marginal::max_marginal_w2(a, wa, b, None)?,
        "ks-marginal" => marginal::max_marginal_ks(a, wa, b, None)?,
        p if crate::physics::is_physics(p) => return Ok(None),
        other => unreachable!("two_sample called with target metric {other}"),
    }))
}

/// Whether a two-sample metric applies in dimension `d` (k-NN KL only in d ≤ 4).
pub fn applies(name: &str, d: usize) -> bool {
    !(name == "kl" && d > KNN_MAX_DIM)
}

/// The noise floor of a two-sample metric: the metric between two independent exact
/// samples of size `n`, `repeats` times (`floor_seed` picks the samples, `metric_seed`
/// the metric's own randomness; `t` is the target, for the physics metrics).
/// `None` where the metric does not apply.
pub fn noise_floor(
    name: &str,
    exact: &dyn sampo_core::ExactSampler,
    n: usize,
    repeats: usize,
    (floor_seed, metric_seed): (u64, u64),
    t: Option<&TargetHandle>,
) -> Result<Option<sampo_metrics::noise_floor::NoiseFloor>, BenchError> {
    if !applies(name, exact.dim()) {
        return Ok(None);
    }
    let probe = exact.sample_exact_n(2, floor_seed);
    if two_sample_for(name, &probe, None, &probe, metric_seed, t)?.is_none() {
        return Ok(None);
    }
    let f = sampo_metrics::noise_floor::noise_floor(exact, n, repeats, floor_seed, |a, b| {
        two_sample_for(name, a, None, b, metric_seed, t)
            .map(|v| v.expect("applies (probed above)"))
            .map_err(|e| sampo_metrics::MetricError::invalid(name, e.to_string()))
    })?;
    Ok(Some(f))
}

/// A metric of a (weighted) sample against the target itself; `None` where it does
/// not apply.
pub fn against_target(
    name: &str,
    a: &Particles,
    wa: Option<&[f64]>,
    t: &TargetHandle,
) -> Result<Option<f64>, BenchError> {
    match name {
        "kl-target" => {
            let target = t.target.density();
            let (Some(log_z), true, None) = (target.log_z(), a.dim() <= KNN_MAX_DIM, wa) else {
                return Ok(None);
            };
            Ok(Some(kl::kl_to_target(
                a,
                |x: &[f64]| target.log_density(x),
                log_z,
                5,
            )?))
        }
        "mode-tv" | "emc" => {
            let Some(m) = &t.mixture else { return Ok(None) };
            let report = mode_report(a, wa, m)?;
            Ok(Some(if name == "mode-tv" {
                report.tv
            } else {
                report.emc
            }))
        }
        // Read from a run's statistics (`of_run`); a sample file has none.
        "log-z-err" => Ok(None),
        other => unreachable!("against_target called with two-sample metric {other}"),
    }
}

/// Nearest-mean mode weights of `a` (with optional weights) against the mixture's.
pub fn mode_report(
    a: &Particles,
    wa: Option<&[f64]>,
    m: &sampo_targets::GaussianMixture,
) -> Result<modes::WeightedModeReport, BenchError> {
    let means: Vec<Vec<f64>> = (0..m.n_components()).map(|c| m.mean(c).to_vec()).collect();
    let assign = modes::assign_nearest(a, &means)?;
    Ok(modes::mode_report_weighted(&assign, wa, m.weights())?)
}

/// Plain weights of a run's log weights (`None` for an unweighted run).
pub fn run_weights(run: &sampo_core::Run) -> Result<Option<Vec<f64>>, BenchError> {
    run.log_weights
        .as_ref()
        .map(|lw| sampo_metrics::weights::weights_from_log(lw).map_err(BenchError::from))
        .transpose()
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
