//! The differential-evolution move (ter Braak 2006, "A Markov chain Monte Carlo
//! version of the genetic algorithm Differential Evolution", Stat. Comput. 16:239,
//! in the form of emcee's `DEMove`, after Nelson, Ford & Payne 2014, ApJS 210:11).
//!
//! For a walker x, pick an ordered pair j ≠ k uniformly from the complementary half
//! and propose
//!
//! ```text
//! y = x + γ (x_j − x_k),   γ = γ₀ (1 + σ ξ),  ξ ~ N(0, 1),
//! ```
//!
//! with γ₀ = 2.38/√(2d) by default (ter Braak 2006: the difference of two
//! draws has covariance 2Σ, so this is the optimal random-walk scale 2.38/√d of
//! Roberts, Gelman & Gilks 1997) and σ = 1e-5. The pair (k, j) is as likely as
//! (j, k) and γ's law does not depend on x, so the proposal is symmetric and
//! accepted with `min(1, π(y)/π(x))`.
//!
//! ter Braak adds a small isotropic jitter, `y = x + γ (x_j − x_k) + e` with
//! `e ~ N(0, b² I)`. emcee (and this module) instead jitters γ, relatively: σ is
//! then the standard deviation of γ/γ₀, needs no scale of its own per dimension,
//! and the move stays affine invariant. ter Braak's occasional γ = 1 mode jumps are
//! not part of emcee's move and are not made here.

use super::config::DeMoveConfig;
use super::kernel::{Move, uniform_index};
use sampo_core::CoreError;
use sampo_core::rng::{StreamRng, standard_normal};

/// The DE move with mean scale γ₀ and relative jitter σ (validated).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct De {
    gamma0: f64,
    sigma: f64,
}

impl De {
    /// The DE move of `config` in dimension `d` ≥ 1.
    pub fn new(config: &DeMoveConfig, d: usize) -> Result<Self, CoreError> {
        config.validate()?;
        if d == 0 {
            return Err(CoreError::invalid("target dimension", 0, "must be >= 1"));
        }
        Ok(De {
            gamma0: config.gamma0_in(d),
            sigma: config.sigma,
        })
    }

    /// γ₀.
    pub fn gamma0(&self) -> f64 {
        self.gamma0
    }
}

impl Move for De {
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
        let half = complement.len() / d;
        // j uniform on the half, k uniform on the rest: a uniform ordered pair.
        let j = uniform_index(rng, half);
        let mut k = uniform_index(rng, half - 1);
        if k >= j {
            k += 1;
        }
        let gamma = self.gamma0 * (1.0 + self.sigma * standard_normal(rng));
        let xj = &complement[j * d..(j + 1) * d];
        let xk = &complement[k * d..(k + 1) * d];
        for (((yi, &xi), &a), &b) in y.iter_mut().zip(x).zip(xj).zip(xk) {
            *yi = xi + gamma * (a - b);
        }
        0.0
    }
}

impl super::MoveConfig for DeMoveConfig {
    type Move = De;
    const KIND: &'static str = "de-move";

    fn validate(&self) -> Result<(), CoreError> {
        DeMoveConfig::validate(self)
    }

    fn walkers(&self) -> Option<usize> {
        self.walkers
    }

    fn build(&self, d: usize, _walkers: usize) -> Result<De, CoreError> {
        De::new(self, d)
    }
}
