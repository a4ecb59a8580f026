//! Gibbsian polar slice sampling (Schär, Habeck & Rudolf, ICML 2023, Alg. 2–3).
//!
//! In polar coordinates z = r θ (r > 0, θ ∈ S^{d−1}) of z = L⁻¹(x − c) (c, L the
//! optional centre and lower-triangular pre-transform; the identity by default),
//! the target ϱ(x) becomes ℓ(r, θ) = (d − 1) log r + log ϱ(c + L r θ). One
//! iteration draws **one** threshold log t = ℓ(r, θ) + log U and uses it twice:
//!
//! 1. **direction**: a great circle through θ in the uniform direction y ⊥ θ;
//!    θ' = cos ω θ + sin ω y, renormalized after every proposal (the reference
//!    code's 2025 fix: without it ‖θ‖ drifts), with ω shrunk towards 0 until
//!    ℓ(r, θ') > log t;
//! 2. **radius**: Neal's stepping-out (window w) and shrinkage on [0, ∞) along the
//!    ray θ', until ℓ(r', θ') > log t.
//!
//! Every density evaluation is counted as the reference code counts them: each
//! proposal, each stepping-out probe, and (by default) the current point again for
//! the threshold.

use crate::config::{GpssConfig, check_common, default_window};
use crate::info::{SliceInfo, distance, norm};
use crate::shrink::{TooManyProposals, shrink_angle, step_out_and_shrink};
use sampo_core::rng::{StreamRng, fill_standard_normal, uniform};
use sampo_core::{CoreError, Divergence, EvalCounts, Kernel, Target};
use serde::{Deserialize, Serialize};

/// The GPSS kernel on a target.
pub struct Gpss<'a> {
    target: &'a dyn Target,
    w: f64,
    centre: Vec<f64>,
    /// Row-major lower-triangular L, when not the identity.
    transform: Option<Vec<f64>>,
    max_proposals: u64,
    reevaluate: bool,
    terms: u64,
}

/// A chain's state: polar coordinates of z and the point x they map to.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct GpssState {
    r: f64,
    theta: Vec<f64>,
    x: Vec<f64>,
    log_density: f64,
    /// Buffers reused across iterations (not state: never saved or compared).
    #[serde(skip)]
    scratch: Scratch,
}

impl PartialEq for GpssState {
    fn eq(&self, o: &Self) -> bool {
        self.r == o.r && self.theta == o.theta && self.x == o.x && self.log_density == o.log_density
    }
}

/// An iteration's work vectors: the proposal point, the great-circle direction y
/// and the proposed θ'.
#[derive(Clone, Debug, Default)]
struct Scratch {
    point: Vec<f64>,
    y: Vec<f64>,
    theta: Vec<f64>,
}

impl GpssState {
    /// The direction θ (unit norm up to rounding).
    pub fn theta(&self) -> &[f64] {
        &self.theta
    }
    /// The radius r.
    pub fn radius(&self) -> f64 {
        self.r
    }
}

impl<'a> Gpss<'a> {
    /// GPSS on `target` (d ≥ 2) with `config`, checked.
    pub fn new(target: &'a dyn Target, config: &GpssConfig) -> Result<Self, CoreError> {
        let d = target.dim();
        if d < 2 {
            return Err(CoreError::invalid(
                "target dimension",
                d,
                "GPSS needs d >= 2 (polar coordinates)",
            ));
        }
        check_common("gpss", config.w, config.max_proposals)?;
        let centre = match &config.centre {
            Some(c) => {
                sampo_core::validate::length("gpss.centre", c, d)?;
                sampo_core::validate::all_finite("gpss.centre", c)?;
                c.clone()
            }
            None => vec![0.0; d],
        };
        if let Some(l) = &config.transform {
            sampo_core::validate::length("gpss.transform", l, d * d)?;
            sampo_core::validate::all_finite("gpss.transform", l)?;
            for i in 0..d {
                if l[i * d + i] <= 0.0 {
                    return Err(CoreError::invalid(
                        format!("gpss.transform[{i}][{i}]"),
                        l[i * d + i],
                        "the diagonal of the lower-triangular transform must be > 0",
                    ));
                }
            }
        }
        Ok(Gpss {
            target,
            w: config.w.unwrap_or_else(|| default_window(d)),
            centre,
            transform: config.transform.clone(),
            max_proposals: config.max_proposals,
            reevaluate: config.reevaluate_current,
            terms: target.data_terms(),
        })
    }

    /// x = c + L (r θ), written into `out`.
    fn point(&self, r: f64, theta: &[f64], out: &mut [f64]) {
        let d = theta.len();
        match &self.transform {
            None => {
                for ((o, c), t) in out.iter_mut().zip(&self.centre).zip(theta) {
                    *o = c + r * t;
                }
            }
            Some(l) => {
                for i in 0..d {
                    let row = &l[i * d..i * d + i + 1];
                    let v: f64 = row.iter().zip(theta).map(|(a, t)| a * t).sum();
                    out[i] = self.centre[i] + r * v;
                }
            }
        }
    }

    /// z = L⁻¹ (x − c), by forward substitution.
    fn to_z(&self, x: &[f64]) -> Vec<f64> {
        let d = x.len();
        let mut z: Vec<f64> = x.iter().zip(&self.centre).map(|(a, c)| a - c).collect();
        if let Some(l) = &self.transform {
            for i in 0..d {
                let s: f64 = (0..i).map(|j| l[i * d + j] * z[j]).sum();
                z[i] = (z[i] - s) / l[i * d + i];
            }
        }
        z
    }

    fn counts(&self, n: u64) -> EvalCounts {
        EvalCounts::density(n).with_data_terms(n * self.terms)
    }
}

fn give_up(what: &str, e: TooManyProposals) -> Divergence {
    Divergence {
        reason: format!(
            "gpss {what} update: no point of the slice after {} proposals (`max_proposals`): \
             the target's density is NaN or −∞ around the chain, or `w` is far too small",
            e.limit
        ),
    }
}

impl Kernel for Gpss<'_> {
    type State = GpssState;
    type Info = SliceInfo;
    type Tuning = ();

    fn dim(&self) -> usize {
        self.target.dim()
    }

    fn init(&self, x0: &[f64], _rng: &mut StreamRng) -> Result<(GpssState, EvalCounts), CoreError> {
        sampo_core::validate::length("initial position", x0, self.dim())?;
        let z = self.to_z(x0);
        let r = norm(&z);
        if !(r > 0.0 && r.is_finite()) {
            return Err(CoreError::invalid(
                "initial position",
                format!("{x0:?}"),
                "GPSS needs a start away from its centre (radius > 0)",
            ));
        }
        let log_density = self.target.log_density(x0);
        if !log_density.is_finite() {
            return Err(CoreError::NonFiniteLogDensity {
                step: 0,
                particle: 0,
                value: log_density,
            });
        }
        let theta = z.iter().map(|v| v / r).collect();
        Ok((
            GpssState {
                r,
                theta,
                x: x0.to_vec(),
                log_density,
                scratch: Scratch::default(),
            },
            self.counts(1),
        ))
    }

    fn initial_tuning(&self) {}

    fn step(
        &self,
        _: &(),
        s: &mut GpssState,
        rng: &mut StreamRng,
    ) -> Result<SliceInfo, Divergence> {
        let d = s.theta.len();
        let mut evals = 0u64;
        if self.reevaluate {
            s.log_density = self.target.log_density(&s.x);
            evals += 1;
        }
        // log t = ℓ(r, θ) + log U, U ∈ (0, 1].
        let log_t = (d - 1) as f64 * s.r.ln() + s.log_density + (1.0 - uniform(rng)).ln();
        let mut proposals = 0u64;
        let mut sc = std::mem::take(&mut s.scratch);
        for v in [&mut sc.point, &mut sc.y, &mut sc.theta] {
            v.resize(d, 0.0);
        }
        let Scratch {
            point: buf,
            y,
            theta: theta_new,
        } = &mut sc;
        // 1. Direction: y uniform on the great subsphere orthogonal to θ.
        fill_standard_normal(rng, y);
        let dot: f64 = y.iter().zip(&s.theta).map(|(a, b)| a * b).sum();
        y.iter_mut().zip(&s.theta).for_each(|(a, t)| *a -= dot * t);
        let ny = norm(y);
        y.iter_mut().for_each(|v| *v /= ny);
        let log_r_term = (d - 1) as f64 * s.r.ln();
        let mut lp_new = s.log_density;
        shrink_angle(rng, self.max_proposals, &mut proposals, |omega| {
            let (sn, cs) = omega.sin_cos();
            for ((t, a), b) in theta_new.iter_mut().zip(&s.theta).zip(y.iter()) {
                *t = cs * a + sn * b;
            }
            let n = norm(theta_new);
            theta_new.iter_mut().for_each(|v| *v /= n);
            self.point(s.r, theta_new, buf);
            lp_new = self.target.log_density(buf);
            log_r_term + lp_new > log_t
        })
        .map_err(|e| give_up("direction", e))?;
        // 2. Radius along the new ray, on [0, ∞).
        let mut lp_r = lp_new;
        let r_new = step_out_and_shrink(
            rng,
            s.r,
            self.w,
            Some(0.0),
            self.max_proposals,
            &mut proposals,
            |r| {
                self.point(r, theta_new, buf);
                let lp = self.target.log_density(buf);
                // The loop returns at its first point inside: keep that point's value.
                let inside = (d - 1) as f64 * r.ln() + lp > log_t;
                if inside {
                    lp_r = lp;
                }
                inside
            },
        )
        .map_err(|e| give_up("radius", e))?;
        evals += proposals;
        self.point(r_new, theta_new, buf);
        let step_length = distance(buf, &s.x);
        s.r = r_new;
        std::mem::swap(&mut s.theta, theta_new);
        std::mem::swap(&mut s.x, buf);
        s.scratch = sc;
        s.log_density = lp_r;
        Ok(SliceInfo {
            evaluations: self.counts(evals),
            proposals,
            step_length,
        })
    }

    fn position<'s>(&self, s: &'s GpssState) -> &'s [f64] {
        &s.x
    }
}
