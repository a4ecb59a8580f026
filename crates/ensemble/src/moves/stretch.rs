//! The stretch move (Goodman & Weare 2010, "Ensemble samplers with affine
//! invariance", CAMCoS 5(1), §3; emcee's `StretchMove`, Foreman-Mackey et al. 2013,
//! PASP 125:306, §2, Algorithm 2).
//!
//! For a walker x, pick j uniformly from the complementary half and
//!
//! ```text
//! y = x_j + z (x − x_j),   z = ((a − 1) u + 1)² / a,  u ~ U(0, 1),
//! ```
//!
//! so that z has density `g(z) ∝ 1/√z` on `[1/a, a]`, which satisfies
//! `g(1/z) = z g(z)` and makes the move reversible with acceptance
//! `min(1, z^{d−1} π(y)/π(x))`: `x ↦ x_j + z (x − x_j)` has Jacobian `z^d`, and
//! with `g(1/z) = z g(z)` detailed balance leaves the factor `z^{d−1}`. The move is affine
//! invariant: it commutes with any `x ↦ A x + b`.

use super::config::StretchConfig;
use super::kernel::{Move, uniform_index};
use sampo_core::CoreError;
use sampo_core::rng::{StreamRng, uniform};

/// The stretch move with scale a (validated: finite, > 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stretch {
    a: f64,
    /// d − 1, the exponent of the acceptance factor z^{d−1}.
    d_minus_1: f64,
}

impl Stretch {
    /// The stretch move of `config` in dimension `d` ≥ 1.
    pub fn new(config: &StretchConfig, d: usize) -> Result<Self, CoreError> {
        config.validate()?;
        if d == 0 {
            return Err(CoreError::invalid("target dimension", 0, "must be >= 1"));
        }
        Ok(Stretch {
            a: config.a,
            d_minus_1: (d - 1) as f64,
        })
    }

    /// The scale a.
    pub fn a(&self) -> f64 {
        self.a
    }

    /// The stretch factor `z = ((a − 1) u + 1)² / a` of a uniform u ∈ [0, 1): the
    /// inverse CDF of `g(z) ∝ 1/√z` on [1/a, a] (`√z` is uniform on [1/√a, √a]).
    #[inline]
    pub fn z_of(&self, u: f64) -> f64 {
        let s = (self.a - 1.0) * u + 1.0;
        s * s / self.a
    }
}

impl Move for Stretch {
    type Scratch = ();

    fn scratch(&self, _d: usize, _half: usize) {}

    #[inline]
    fn propose(
        &self,
        x: &[f64],
        complement: &[f64],
        rng: &mut StreamRng,
        _scratch: &mut (),
        y: &mut [f64],
    ) -> f64 {
        let d = x.len();
        let z = self.z_of(uniform(rng));
        let j = uniform_index(rng, complement.len() / d);
        let xj = &complement[j * d..(j + 1) * d];
        for ((yk, &xk), &xjk) in y.iter_mut().zip(x).zip(xj) {
            *yk = xjk + z * (xk - xjk);
        }
        self.d_minus_1 * z.ln()
    }
}

impl super::MoveConfig for StretchConfig {
    type Move = Stretch;
    const KIND: &'static str = "stretch";

    fn validate(&self) -> Result<(), CoreError> {
        StretchConfig::validate(self)
    }

    fn walkers(&self) -> Option<usize> {
        self.walkers
    }

    fn build(&self, d: usize, _walkers: usize) -> Result<Stretch, CoreError> {
        Stretch::new(self, d)
    }
}
