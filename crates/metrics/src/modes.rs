//! Mode assignment, mode weights and their errors, entropic mode coverage.
//!
//! Two assignment conventions are used by the reference suites:
//!
//! - **nearest mean** ([`assign_nearest`]): the SLIPS two-modes experiment
//!   (samplers-a.md §5, `compute_relative_weights`) reports the mode-weight error
//!   |ŵ₁ − 2/3| with this rule; ZOD-MC's "mass on the centre mode" (true 0.1) is ŵ_c;
//! - **maximum likelihood** ([`assign_max_likelihood`]): argmax over components of
//!   `ln w_c + ln N(x; μ_c, Σ_c)`, the Beyond ELBOs entropic-mode-coverage convention
//!   (peers.md §A.4.3, `gmm40.py::entropy`). Pass e.g.
//!   `|x| (0..k).map(|c| mix.component_log_term(c, x)).collect()` for a
//!   `sampo_targets::GaussianMixture` (this crate does not depend on the targets).
//!
//! [`mode_report`] compares the assignment frequencies ŵ with the true weights w:
//! total variation `½ Σ_c |ŵ_c − w_c|`, the largest |ŵ_c − w_c| (for K = 2 this is the
//! SLIPS error |ŵ₁ − w₁|), Pearson's χ² of the counts against w
//! ([`crate::hypothesis::chi2_gof`]) and the entropic mode coverage
//! `EMC = −Σ_c ŵ_c ln ŵ_c / ln K` (1 when all K modes are equally populated, 0 when
//! one mode holds everything).
//!
//! Ties are broken towards the lowest component index in both assignment rules.

use crate::MetricError;
use crate::hypothesis::{Chi2, chi2_gof};
use crate::weights::normalize_weights;
use rayon::prelude::*;
use sampo_core::Particles;

/// Index of each sample's nearest mean in Euclidean distance (ties: lowest index).
/// Errors name `means` (empty, wrong dimension, non-finite) or `samples`.
pub fn assign_nearest(samples: &Particles, means: &[Vec<f64>]) -> Result<Vec<usize>, MetricError> {
    let d = samples.dim();
    if means.is_empty() {
        return Err(MetricError::invalid("means", "no means given"));
    }
    for (c, m) in means.iter().enumerate() {
        if m.len() != d {
            return Err(MetricError::DimensionMismatch {
                what: format!("means[{c}] against samples"),
                left: m.len(),
                right: d,
            });
        }
        if m.iter().any(|v| !v.is_finite()) {
            return Err(MetricError::invalid(
                "means",
                format!("means[{c}] is not finite"),
            ));
        }
    }
    if let Some(i) = samples.as_slice().iter().position(|v| !v.is_finite()) {
        return Err(MetricError::invalid(
            "samples",
            format!("non-finite coordinate in particle {}", i / d.max(1)),
        ));
    }
    Ok((0..samples.len())
        .into_par_iter()
        .map(|i| {
            let x = samples.row(i);
            let mut best = (0, f64::INFINITY);
            for (c, m) in means.iter().enumerate() {
                let d2: f64 = x.iter().zip(m).map(|(a, b)| (a - b) * (a - b)).sum();
                if d2 < best.1 {
                    best = (c, d2);
                }
            }
            best.0
        })
        .collect())
}

/// Index of each sample's largest component log-likelihood `log_terms(x)[c]`
/// (= ln w_c + ln p_c(x) for a mixture; ties: lowest index; NaN entries are skipped).
/// Errors name `log_terms` when it returns vectors of differing length or no entry
/// above −∞ for some sample.
pub fn assign_max_likelihood(
    samples: &Particles,
    log_terms: impl Fn(&[f64]) -> Vec<f64> + Sync,
) -> Result<Vec<usize>, MetricError> {
    let res: Vec<(usize, usize, bool)> = (0..samples.len())
        .into_par_iter()
        .map(|i| {
            let t = log_terms(samples.row(i));
            let mut best = (0, f64::NEG_INFINITY);
            for (c, &v) in t.iter().enumerate() {
                if v > best.1 {
                    best = (c, v);
                }
            }
            (best.0, t.len(), best.1 > f64::NEG_INFINITY)
        })
        .collect();
    let k = res.first().map_or(0, |r| r.1);
    let mut out = Vec::with_capacity(res.len());
    for (i, (c, len, ok)) in res.into_iter().enumerate() {
        if len != k {
            return Err(MetricError::invalid(
                "log_terms",
                format!("returned {len} terms for particle {i} but {k} for particle 0"),
            ));
        }
        if !ok {
            return Err(MetricError::invalid(
                "log_terms",
                format!("no component has a log-likelihood above −inf at particle {i}"),
            ));
        }
        out.push(c);
    }
    Ok(out)
}

/// Counts per mode 0..k. Errors name `assignments` (an index ≥ k) or `k` (= 0).
pub fn mode_counts(assignments: &[usize], k: usize) -> Result<Vec<u64>, MetricError> {
    if k == 0 {
        return Err(MetricError::invalid("k", "must be at least 1"));
    }
    let mut counts = vec![0u64; k];
    for (i, &a) in assignments.iter().enumerate() {
        if a >= k {
            return Err(MetricError::invalid(
                "assignments",
                format!("assignments[{i}] = {a} is not below k = {k}"),
            ));
        }
        counts[a] += 1;
    }
    Ok(counts)
}

/// Assignment frequencies ŵ_c = #{i: a_i = c} / n, c < k. Errors as [`mode_counts`],
/// and for empty `assignments`.
pub fn mode_weights(assignments: &[usize], k: usize) -> Result<Vec<f64>, MetricError> {
    if assignments.is_empty() {
        return Err(MetricError::invalid("assignments", "empty"));
    }
    let n = assignments.len() as f64;
    Ok(mode_counts(assignments, k)?
        .into_iter()
        .map(|c| c as f64 / n)
        .collect())
}

/// Weighted mode weights ŵ_c = Σ_{i: a_i = c} w̃_i (normalized sample weights w̃,
/// [`crate::weights`]; `None` = uniform, which is [`mode_weights`]): the mass the
/// weighted sample puts on each mode, c < k. Integer weights equal repeated samples.
/// Errors as [`mode_weights`], and name `weights` for invalid weights.
pub fn mode_weights_weighted(
    assignments: &[usize],
    weights: Option<&[f64]>,
    k: usize,
) -> Result<Vec<f64>, MetricError> {
    let Some(w) = weights else {
        return mode_weights(assignments, k);
    };
    if assignments.is_empty() {
        return Err(MetricError::invalid("assignments", "empty"));
    }
    mode_counts(assignments, k)?;
    let w = normalize_weights(w, assignments.len(), "weights")?;
    let mut out = vec![0.0; k];
    for (&a, wi) in assignments.iter().zip(&w) {
        out[a] += wi;
    }
    Ok(out)
}

/// Weighted mode weights against the true weights (see [`mode_report_weighted`]).
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedModeReport {
    /// Estimated weights ŵ ([`mode_weights_weighted`]).
    pub weights: Vec<f64>,
    /// True weights w, normalized.
    pub true_weights: Vec<f64>,
    /// Total variation ½ Σ |ŵ − w|.
    pub tv: f64,
    /// max_c |ŵ_c − w_c|.
    pub max_abs_err: f64,
    /// Entropic mode coverage of ŵ.
    pub emc: f64,
    /// Kish's effective sample size (Σ w)² / Σ w² of the sample weights, the scale
    /// against which the errors should be read (n for uniform weights).
    pub kish_ess: f64,
}

/// [`mode_report`] for weighted samples: TV, largest error and EMC of the weighted
/// mode weights. There is no χ² entry: Pearson's statistic needs counts, and weighted
/// counts are not multinomial. Errors name `assignments`, `weights` or
/// `true_weights`.
pub fn mode_report_weighted(
    assignments: &[usize],
    weights: Option<&[f64]>,
    true_weights: &[f64],
) -> Result<WeightedModeReport, MetricError> {
    let w = normalized(true_weights, "true_weights")?;
    let est = mode_weights_weighted(assignments, weights, w.len())?;
    let diffs: Vec<f64> = est.iter().zip(&w).map(|(a, b)| (a - b).abs()).collect();
    let kish_ess = match weights {
        None => assignments.len() as f64,
        Some(sw) => {
            let (s1, s2) = sw.iter().fold((0.0, 0.0), |(a, b), v| (a + v, b + v * v));
            s1 * s1 / s2
        }
    };
    Ok(WeightedModeReport {
        tv: 0.5 * diffs.iter().sum::<f64>(),
        max_abs_err: diffs.iter().copied().fold(0.0, f64::max),
        emc: entropic_mode_coverage(&est)?,
        weights: est,
        true_weights: w,
        kish_ess,
    })
}

/// `−Σ_c p_c ln p_c / ln K` of the normalized `weights` (0 ln 0 = 0), with K the
/// number of entries: 1 for uniform weights, 0 when one mode holds all the mass.
/// K = 1 gives 1 (the only mode is covered). Errors name `weights` (empty, negative,
/// non-finite, or all zero).
pub fn entropic_mode_coverage(weights: &[f64]) -> Result<f64, MetricError> {
    let p = normalized(weights, "weights")?;
    if p.len() == 1 {
        return Ok(1.0);
    }
    let h: f64 = p.iter().filter(|&&v| v > 0.0).map(|&v| -v * v.ln()).sum();
    Ok((h / (p.len() as f64).ln()).clamp(0.0, 1.0))
}

fn normalized(w: &[f64], name: &str) -> Result<Vec<f64>, MetricError> {
    if w.is_empty() {
        return Err(MetricError::invalid(name, "empty"));
    }
    normalize_weights(w, w.len(), name)
}

/// Estimated against true mode weights (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct ModeReport {
    /// Samples per mode.
    pub counts: Vec<u64>,
    /// Estimated weights ŵ (assignment frequencies).
    pub weights: Vec<f64>,
    /// True weights w, normalized.
    pub true_weights: Vec<f64>,
    /// Total variation ½ Σ |ŵ − w|.
    pub tv: f64,
    /// max_c |ŵ_c − w_c|.
    pub max_abs_err: f64,
    /// Pearson's χ² of the counts against w (p-value assumes i.i.d. samples; for MCMC
    /// output it is only a descriptive statistic).
    pub chi2: Chi2,
    /// Entropic mode coverage of ŵ.
    pub emc: f64,
}

/// Compares `assignments` (mode indices < K) with `true_weights` (K entries,
/// normalized here). Errors name `assignments` or `true_weights`.
pub fn mode_report(assignments: &[usize], true_weights: &[f64]) -> Result<ModeReport, MetricError> {
    let w = normalized(true_weights, "true_weights")?;
    let counts = mode_counts(assignments, w.len())?;
    let weights = mode_weights(assignments, w.len())?;
    let diffs: Vec<f64> = weights.iter().zip(&w).map(|(a, b)| (a - b).abs()).collect();
    Ok(ModeReport {
        tv: 0.5 * diffs.iter().sum::<f64>(),
        max_abs_err: diffs.iter().copied().fold(0.0, f64::max),
        chi2: chi2_gof(&counts, &w),
        emc: entropic_mode_coverage(&weights)?,
        counts,
        weights,
        true_weights: w,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sampo_core::rng::{standard_normal, stream, uniform};

    #[test]
    fn nearest_mean_hand_cases() {
        let means = vec![vec![0.0, 0.0], vec![10.0, 0.0], vec![0.0, 10.0]];
        let s = Particles::from_rows(&[
            vec![1.0, 1.0],
            vec![9.0, -1.0],
            vec![-1.0, 8.0],
            vec![5.0, 0.0], // equidistant from 0 and 1: lowest index
            vec![20.0, 20.0],
        ])
        .unwrap();
        assert_eq!(assign_nearest(&s, &means).unwrap(), vec![0, 1, 2, 0, 1]);
    }

    /// Components N(0, 0.5²) and N(3, 2²) with equal weights: at x = 1.5 the means
    /// are equidistant (nearest → 0) but the wide component is far likelier
    /// (ln N(1.5; 3, 2) − ln N(1.5; 0, 0.5) = 2.84 > 0, → 1).
    #[test]
    fn max_likelihood_differs_from_nearest_mean() {
        let comps = [(0.0, 0.5), (3.0, 2.0)];
        let terms = |x: &[f64]| -> Vec<f64> {
            comps
                .iter()
                .map(|&(m, s): &(f64, f64)| 0.5f64.ln() - s.ln() - 0.5 * ((x[0] - m) / s).powi(2))
                .collect()
        };
        let s = Particles::from_vec(4, 1, vec![1.5, -0.2, 3.0, -4.0]).unwrap();
        assert_eq!(assign_max_likelihood(&s, terms).unwrap(), vec![1, 0, 1, 1]);
        assert_eq!(
            assign_nearest(&s, &[vec![0.0], vec![3.0]]).unwrap(),
            vec![0, 0, 1, 0]
        );
        let e = assign_max_likelihood(&s, |x| {
            if x[0] > 0.0 {
                vec![0.0]
            } else {
                vec![0.0, 1.0]
            }
        })
        .unwrap_err();
        assert!(e.to_string().contains("`log_terms`"), "{e}");
        let e = assign_max_likelihood(&s, |_| vec![f64::NEG_INFINITY; 2]).unwrap_err();
        assert!(e.to_string().contains("`log_terms`"), "{e}");
    }

    #[test]
    fn report_on_exact_counts() {
        let mk = |c: &[usize]| -> Vec<usize> {
            c.iter()
                .enumerate()
                .flat_map(|(m, &n)| std::iter::repeat_n(m, n))
                .collect()
        };
        let r = mode_report(&mk(&[20, 30, 50]), &[2.0, 3.0, 5.0]).unwrap();
        assert_eq!(r.weights, vec![0.2, 0.3, 0.5]);
        assert_eq!(r.true_weights, vec![0.2, 0.3, 0.5]);
        assert!(r.tv < 1e-15 && r.max_abs_err < 1e-15);
        assert!(r.chi2.statistic < 1e-12 && (r.chi2.p_value - 1.0).abs() < 1e-9);
        // (30, 30, 40) against (0.2, 0.3, 0.5): TV = ½(0.1 + 0 + 0.1) = 0.1,
        // χ² = 10²/20 + 0 + 10²/50 = 7 on 2 dof, p = e^{−7/2}.
        let r = mode_report(&mk(&[30, 30, 40]), &[0.2, 0.3, 0.5]).unwrap();
        assert!((r.tv - 0.1).abs() < 1e-12);
        assert!((r.max_abs_err - 0.1).abs() < 1e-12);
        assert!((r.chi2.statistic - 7.0).abs() < 1e-12);
        assert_eq!(r.chi2.dof, 2);
        assert!((r.chi2.p_value - (-3.5f64).exp()).abs() < 1e-9);
        let h = -(0.3f64 * 0.3f64.ln() * 2.0 + 0.4 * 0.4f64.ln());
        assert!((r.emc - h / 3f64.ln()).abs() < 1e-12);
        assert_eq!(r.counts, vec![30, 30, 40]);
    }

    #[test]
    fn emc_extremes() {
        assert!((entropic_mode_coverage(&[0.25; 4]).unwrap() - 1.0).abs() < 1e-15);
        assert_eq!(entropic_mode_coverage(&[0.0, 1.0, 0.0]).unwrap(), 0.0);
        assert!((entropic_mode_coverage(&[1.0, 1.0, 0.0, 0.0]).unwrap() - 0.5).abs() < 1e-15);
        assert_eq!(entropic_mode_coverage(&[3.0]).unwrap(), 1.0);
    }

    /// Exact draws of a well-separated 2-D mixture (means 20 apart, unit sd:
    /// misassignment probability Φ(−10) ≈ 8e-24): nearest-mean assignment recovers
    /// the labels exactly, and the counts pass χ² against the true weights (fixed seed;
    /// would fail with probability 1e-3 for a fresh one).
    #[test]
    fn recovers_labels_of_exact_mixture_draws() {
        let means = vec![vec![0.0, 0.0], vec![20.0, 0.0], vec![0.0, 20.0]];
        let w = [0.2, 0.3, 0.5];
        let mut rng = stream(11, 0);
        let n = 3000;
        let mut labels = Vec::with_capacity(n);
        let mut s = Particles::zeros(n, 2);
        for i in 0..n {
            let u = uniform(&mut rng);
            let c = if u < 0.2 {
                0
            } else if u < 0.5 {
                1
            } else {
                2
            };
            labels.push(c);
            for (x, m) in s.row_mut(i).iter_mut().zip(&means[c]) {
                *x = m + standard_normal(&mut rng);
            }
        }
        assert_eq!(assign_nearest(&s, &means).unwrap(), labels);
        let r = mode_report(&labels, &w).unwrap();
        assert!(r.chi2.p_value > 1e-3, "{r:?}");
        // Against wrong weights the χ² test rejects.
        assert!(mode_report(&labels, &[1.0, 1.0, 1.0]).unwrap().chi2.p_value < 1e-6);
    }

    #[test]
    fn bad_inputs_name_the_argument() {
        let msg = |e: MetricError| e.to_string();
        assert!(msg(mode_weights(&[0, 3], 3).unwrap_err()).contains("`assignments`"));
        assert!(msg(mode_weights(&[], 3).unwrap_err()).contains("`assignments`"));
        assert!(msg(mode_report(&[0], &[0.5, -0.5]).unwrap_err()).contains("`true_weights`"));
        assert!(msg(entropic_mode_coverage(&[]).unwrap_err()).contains("`weights`"));
        assert!(msg(entropic_mode_coverage(&[0.0, 0.0]).unwrap_err()).contains("`weights`"));
        let s = Particles::zeros(2, 2);
        assert!(msg(assign_nearest(&s, &[]).unwrap_err()).contains("`means`"));
        assert!(matches!(
            assign_nearest(&s, &[vec![0.0]]),
            Err(MetricError::DimensionMismatch { .. })
        ));
    }

    #[test]
    fn weighted_mode_weights() {
        let a = [0usize, 1, 1, 2, 0];
        let w = [1.0, 2.0, 0.5, 0.5, 0.0];
        // Masses 1, 2.5, 0.5 of 4.
        assert_eq!(
            mode_weights_weighted(&a, Some(&w), 3).unwrap(),
            vec![0.25, 0.625, 0.125]
        );
        // Constant weights and None equal the frequencies.
        let f = mode_weights(&a, 3).unwrap();
        assert_eq!(mode_weights_weighted(&a, None, 3).unwrap(), f);
        let c = mode_weights_weighted(&a, Some(&[0.3; 5]), 3).unwrap();
        for (x, y) in c.iter().zip(&f) {
            assert!((x - y).abs() < 1e-12);
        }
        // Integer weights equal repeated samples.
        let k = [2usize, 1, 3, 1, 2];
        let rep: Vec<usize> = a
            .iter()
            .zip(&k)
            .flat_map(|(&m, &c)| std::iter::repeat_n(m, c))
            .collect();
        let kw: Vec<f64> = k.iter().map(|&c| c as f64).collect();
        let x = mode_weights_weighted(&a, Some(&kw), 3).unwrap();
        for (x, y) in x.iter().zip(mode_weights(&rep, 3).unwrap()) {
            assert!((x - y).abs() < 1e-12);
        }
        let r = mode_report_weighted(&a, Some(&w), &[1.0, 2.0, 1.0]).unwrap();
        // ŵ = (¼, ⅝, ⅛) against (¼, ½, ¼): TV = ½(0 + ⅛ + ⅛) = ⅛.
        assert!((r.tv - 0.125).abs() < 1e-15 && (r.max_abs_err - 0.125).abs() < 1e-15);
        assert!((r.kish_ess - 16.0 / 5.5).abs() < 1e-12);
        let u = mode_report_weighted(&a, None, &[1.0, 2.0, 1.0]).unwrap();
        let p = mode_report(&a, &[1.0, 2.0, 1.0]).unwrap();
        assert_eq!((u.tv, u.emc, u.kish_ess), (p.tv, p.emc, 5.0));
        let msg = |e: MetricError| e.to_string();
        assert!(
            msg(mode_weights_weighted(&a, Some(&[1.0; 4]), 3).unwrap_err()).contains("`weights`")
        );
        assert!(
            msg(mode_weights_weighted(&[0, 5], Some(&[1.0; 2]), 3).unwrap_err())
                .contains("`assignments`")
        );
        assert!(
            msg(mode_weights_weighted(&[], Some(&[]), 3).unwrap_err()).contains("`assignments`")
        );
    }
}
