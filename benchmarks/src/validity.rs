//! Finite blow-ups: a run whose samples left every plausible range of the target is a
//! failure, not a result, even when every number in it is finite.
//!
//! An unadjusted sampler with too large a step does not always overflow: ULA at
//! h = 2 on the 8 Gaussians ends with |x| ≈ 10⁸⁰ and W2 ≈ 10⁷⁹, all finite, and used to
//! be reported as `ok`. The rule below marks such runs failed, with the reason.
//!
//! **The rule.** Let `U = −log π̃` (the energy). From 4096 exact draws of the target
//! take the range `[U_min, U_max]` of their energies. A sample is *implausible* when
//! its log density is not finite, or when
//!
//! ```text
//! U(x) > U_max + max(100, 10 (U_max − U_min)).
//! ```
//!
//! A run with any implausible sample fails, with the count and the worst sample.
//!
//! **Why it cannot reject a correct sample in practice.** For a log-concave π the
//! energy concentrates: `U(X) − E U(X)` has exponential tails with a scale of order
//! √d (Bobkov & Madiman 2011, "Concentration of the information in data with
//! log-concave distributions"), so exceeding the maximum of 4096 draws by 100 nats or
//! by ten times their whole range has probability far below e^{−100} per sample. For
//! heavy-tailed targets the energy grows only logarithmically with |x| (Cauchy in d
//! dimensions: `U = ((d + 1)/2) ln(1 + |x|²)`), so a margin of 100 nats means a point
//! e^{200/(d+1)} (about 10²⁸ in d = 2) times farther out than the farthest exact draw:
//! again far beyond what an exact sample of any size the harness uses can produce.
//! A diverged chain, on the other hand, overshoots by many orders of magnitude (the
//! ULA example has `U ≈ 10¹⁶⁰`).
//!
//! Targets without an exact sampler take the range from their reference set
//! (`sampo-bench reference`, all its rows), where the suite names one; without
//! either, only a non-finite log density is flagged.

use sampo_core::plugin::AnyTarget;
use sampo_core::{Particles, Target};

/// Exact draws behind the reference energy range.
const REFERENCE_DRAWS: usize = 4096;
/// Seed of the reference draws (fixed: the rule must not depend on the run's seed).
const REFERENCE_SEED: u64 = 0x0005_AFE5;
/// The absolute part of the margin, in nats.
const MARGIN_NATS: f64 = 100.0;
/// The relative part of the margin, in units of the reference energy range.
const MARGIN_RANGES: f64 = 10.0;

/// The plausible energy range of a target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plausible {
    /// Lowest energy of the reference draws.
    pub u_min: f64,
    /// Highest energy of the reference draws.
    pub u_max: f64,
}

impl Plausible {
    /// The largest plausible energy (module docs).
    pub fn limit(&self) -> f64 {
        self.u_max + MARGIN_NATS.max(MARGIN_RANGES * (self.u_max - self.u_min))
    }
}

/// The reference range from exact draws of `target`, if it has an exact sampler.
pub fn reference(target: &AnyTarget) -> Option<Plausible> {
    let t = target.density();
    let ex = t.exact_sampler()?;
    range_of(t, &ex.sample_exact_n(REFERENCE_DRAWS, REFERENCE_SEED))
}

/// The range of the energies of `draws` under `t` (for a reference set: every row
/// of our own converged run stands in for the exact draws).
pub fn range_of(t: &dyn Target, draws: &Particles) -> Option<Plausible> {
    let mut lp = vec![0.0; draws.len()];
    t.log_density_batch(draws.as_slice(), &mut lp);
    let (mut u_min, mut u_max) = (f64::INFINITY, f64::NEG_INFINITY);
    for l in lp.iter().filter(|l| l.is_finite()) {
        u_min = u_min.min(-l);
        u_max = u_max.max(-l);
    }
    u_min.is_finite().then_some(Plausible { u_min, u_max })
}

/// `None` if every sample is plausible, else why not (module docs).
pub fn check(samples: &Particles, target: &dyn Target, range: Option<Plausible>) -> Option<String> {
    let mut lp = vec![0.0; samples.len()];
    target.log_density_batch(samples.as_slice(), &mut lp);
    let limit = range.map_or(f64::INFINITY, |r| r.limit());
    let mut bad = 0usize;
    let mut worst: Option<(usize, f64)> = None;
    for (i, &l) in lp.iter().enumerate() {
        let u = -l;
        if !l.is_finite() || u > limit {
            bad += 1;
            let score = if l.is_finite() { u } else { f64::INFINITY };
            if worst.is_none_or(|(_, w)| score > w) {
                worst = Some((i, score));
            }
        }
    }
    let (i, _) = worst?;
    let x = samples.row(i);
    let norm = x.iter().map(|v| v * v).sum::<f64>().sqrt();
    let why = match range {
        Some(r) if lp[i].is_finite() => format!(
            "energy −log π̃ = {:.3e}, above the plausible limit {:.4} (reference draws' energies span [{:.4}, {:.4}])",
            -lp[i], limit, r.u_min, r.u_max
        ),
        _ => format!("log density {}", lp[i]),
    };
    Some(format!(
        "exploded: {bad} of {} samples are implausible for the target; the worst, sample {i} at |x| = {norm:.3e}, has {why} (the rule: docs/harness.md, Plausibility)",
        samples.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sampo_targets::GaussianMixture;

    #[test]
    fn finite_blow_ups_fail_and_exact_samples_pass() {
        let m = GaussianMixture::eight_gaussians();
        let t = AnyTarget::Gradient(Box::new(m.clone()));
        let r = reference(&t).unwrap();
        // Fresh exact draws, many more than the reference: none is implausible.
        let exact = sampo_core::ExactSampler::sample_exact_n(&m, 20_000, 99);
        assert_eq!(check(&exact, t.density(), Some(r)), None);
        // One chain at |x| = 1e80 (ULA at h = 2): finite, and a failure.
        let mut bad = exact.clone();
        bad.row_mut(7).copy_from_slice(&[2.5e80, -1e79]);
        let why = check(&bad, t.density(), Some(r)).unwrap();
        assert!(
            why.contains("1 of 20000") && why.contains("sample 7"),
            "{why}"
        );
        // A point just outside the modes is not flagged (a slow sampler is no blow-up).
        let mut edge = exact;
        edge.row_mut(0).copy_from_slice(&[18.0, 0.0]);
        assert_eq!(check(&edge, t.density(), Some(r)), None);
    }

    #[test]
    fn heavy_tails_are_plausible_far_out() {
        // Cauchy in 2-D: a draw 10⁶ times farther than typical is still plausible.
        let c = sampo_targets::preset("cauchy-2").unwrap();
        let t = AnyTarget::Gradient(c);
        let r = reference(&t).unwrap();
        let far = Particles::from_rows(&[vec![1e6, 0.0]]).unwrap();
        assert_eq!(check(&far, t.density(), Some(r)), None);
        let nan = Particles::from_rows(&[vec![f64::NAN, 0.0]]).unwrap();
        assert!(check(&nan, t.density(), Some(r)).is_some());
    }
}
