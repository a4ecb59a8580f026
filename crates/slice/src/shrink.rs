//! The two loops every slice sampler here is made of: shrinkage of an angle
//! bracket on a great circle or ellipse, and stepping-out then shrinkage of an
//! interval on a line or ray (Neal 2003, §4; Murray, Adams & MacKay 2010, Alg. 1;
//! Schär, Habeck & Rudolf 2023, Alg. 2–3).
//!
//! Both take the slice test as a closure `inside(s) -> bool` (ℓ(s) > log t, strict:
//! a NaN density is outside), count each call as one proposal, and give up with
//! [`TooManyProposals`] after `max_proposals` calls in one loop instead of looping
//! forever on a target whose slice the loop cannot find (a density that is NaN
//! everywhere but at the current point, say).

use sampo_core::rng::{StreamRng, uniform};
use std::f64::consts::TAU;

/// A loop hit its proposal limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyProposals {
    /// The limit (`max_proposals`).
    pub limit: u64,
}

/// Draws ω ~ U[0, 2π) and shrinks the bracket [ω − 2π, ω] towards 0 until
/// `inside(ω)`: on a miss at ω < 0 the lower end moves to ω, otherwise the upper.
/// ω = 0 is the current point, in the slice, so the loop ends with probability 1.
pub fn shrink_angle(
    rng: &mut StreamRng,
    max_proposals: u64,
    proposals: &mut u64,
    mut inside: impl FnMut(f64) -> bool,
) -> Result<f64, TooManyProposals> {
    let mut omega = TAU * uniform(rng);
    let (mut lo, mut hi) = (omega - TAU, omega);
    for _ in 0..max_proposals {
        *proposals += 1;
        if inside(omega) {
            return Ok(omega);
        }
        if omega < 0.0 {
            lo = omega;
        } else {
            hi = omega;
        }
        omega = lo + (hi - lo) * uniform(rng);
    }
    Err(TooManyProposals {
        limit: max_proposals,
    })
}

/// Neal's stepping-out and shrinkage for a slice of a function of one real `s`
/// whose current value `s0` is in the slice, with window `w`: a window of width `w`
/// placed at random around `s0` is extended by `w` on each side while its end is
/// inside (never below `lower`, where the domain ends: 0 for a radius), then
/// shrunk towards `s0` by uniform draws until one is inside. Stepping-out and
/// shrinkage calls share the `max_proposals` limit.
pub fn step_out_and_shrink(
    rng: &mut StreamRng,
    s0: f64,
    w: f64,
    lower: Option<f64>,
    max_proposals: u64,
    proposals: &mut u64,
    mut inside: impl FnMut(f64) -> bool,
) -> Result<f64, TooManyProposals> {
    let too_many = TooManyProposals {
        limit: max_proposals,
    };
    let mut used = 0u64;
    let mut call = |s: f64, used: &mut u64| -> Result<bool, TooManyProposals> {
        if *used >= max_proposals {
            return Err(too_many);
        }
        *used += 1;
        *proposals += 1;
        Ok(inside(s))
    };
    let a = uniform(rng);
    let floor = |s: f64| lower.map_or(s, |l| s.max(l));
    let mut lo = floor(s0 - a * w);
    let mut hi = s0 + (1.0 - a) * w;
    // At the domain's end the density is not evaluated (log r = −∞ at r = 0).
    while lower.is_none_or(|l| lo > l) && call(lo, &mut used)? {
        lo = floor(lo - w);
    }
    while call(hi, &mut used)? {
        hi += w;
    }
    loop {
        let s = lo + (hi - lo) * uniform(rng);
        // A draw exactly at the domain's end has probability 0: a miss, unevaluated,
        // but it counts against the limit (so even a bracket collapsed onto the end
        // cannot loop forever).
        if lower.is_some_and(|l| s <= l) {
            if used >= max_proposals {
                return Err(too_many);
            }
            used += 1;
        } else if call(s, &mut used)? {
            return Ok(s);
        }
        if s < s0 {
            lo = s;
        } else {
            hi = s;
        }
    }
}
