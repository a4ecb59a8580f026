//! The walk move (Goodman & Weare 2010, §3; emcee's `WalkMove`).
//!
//! For a walker x, choose a subset S of s distinct walkers of the complementary
//! half (all of it by default; otherwise by a partial Fisher–Yates shuffle on the
//! walker's stream) and propose
//!
//! ```text
//! y = x + (s − 1)^{−1/2} Σ_{j∈S} z_j (x_j − x̄_S),   z_j ~ N(0, 1) i.i.d.,
//! ```
//!
//! a Gaussian step whose covariance `(s − 1)⁻¹ Σ_j (x_j − x̄_S)(x_j − x̄_S)ᵀ` is the
//! sample covariance of the subset: emcee's `N(x, cov(c[S]))`, drawn without a
//! factorization in O(s d). (GW 2010 write the step without the factor
//! `(s − 1)^{−1/2}`, for small subsets; with emcee's default S = the whole half its
//! covariance would be (W/2 − 1) times the target's.) The step does not depend on
//! x, so the proposal is symmetric and accepted with `min(1, π(y)/π(x))`; it is
//! affine invariant.
//!
//! Computed as `Σ_j (z_j − z̄)(x_j − x)`, equal to `Σ_j z_j (x_j − x̄_S)` because
//! `Σ_j (z_j − z̄) = 0`: one pass over the subset, and differences of nearby points
//! rather than of large coordinates.

use super::config::{WalkMoveConfig, check_subset};
use super::kernel::{Move, uniform_index};
use sampo_core::CoreError;
use sampo_core::rng::{StreamRng, fill_standard_normal};

/// The walk move with helper subsets of size s (resolved: 2 ≤ s ≤ W/2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Walk {
    subset: usize,
    /// `(s − 1)^{−1/2}`.
    scale: f64,
}

/// The walk move's buffers: the shuffled complement indices and the z_j.
#[derive(Debug, Clone, Default)]
pub struct WalkScratch {
    indices: Vec<usize>,
    z: Vec<f64>,
}

impl Walk {
    /// The walk move of `config` for W = `walkers` (`subset = 0`: s = W/2).
    pub fn new(config: &WalkMoveConfig, walkers: usize) -> Result<Self, CoreError> {
        config.validate()?;
        check_subset(config.subset, walkers)?;
        let subset = if config.subset == 0 {
            walkers / 2
        } else {
            config.subset
        };
        if subset < 2 {
            return Err(CoreError::invalid(
                "walk-move.walkers",
                walkers,
                "the complementary half must hold at least two helpers",
            ));
        }
        Ok(Walk {
            subset,
            scale: 1.0 / ((subset - 1) as f64).sqrt(),
        })
    }

    /// The subset size s.
    pub fn subset(&self) -> usize {
        self.subset
    }
}

impl Move for Walk {
    type Scratch = WalkScratch;

    fn scratch(&self, _d: usize, half: usize) -> WalkScratch {
        WalkScratch {
            indices: Vec::with_capacity(half),
            z: vec![0.0; self.subset],
        }
    }

    fn propose(
        &self,
        x: &[f64],
        complement: &[f64],
        rng: &mut StreamRng,
        scratch: &mut WalkScratch,
        y: &mut [f64],
    ) -> f64 {
        let d = x.len();
        let half = complement.len() / d;
        let s = self.subset;
        let all = s >= half;
        if !all {
            // Partial Fisher–Yates: positions 0..s become a uniform s-subset. The
            // indices restart from 0..half for every walker, so the draw depends only
            // on the walker's stream, not on which walkers shared the buffer.
            let idx = &mut scratch.indices;
            idx.clear();
            idx.extend(0..half);
            for i in 0..s {
                let r = i + uniform_index(rng, half - i);
                idx.swap(i, r);
            }
        }
        let z = &mut scratch.z;
        fill_standard_normal(rng, z);
        let zbar = z.iter().sum::<f64>() / s as f64;
        y.copy_from_slice(x);
        for (k, &zk) in z.iter().enumerate() {
            let j = if all { k } else { scratch.indices[k] };
            let c = self.scale * (zk - zbar);
            let xj = &complement[j * d..(j + 1) * d];
            for ((yi, &xi), &xji) in y.iter_mut().zip(x).zip(xj) {
                *yi += c * (xji - xi);
            }
        }
        0.0
    }
}

impl super::MoveConfig for WalkMoveConfig {
    type Move = Walk;
    const KIND: &'static str = "walk-move";

    fn validate(&self) -> Result<(), CoreError> {
        WalkMoveConfig::validate(self)
    }

    fn walkers(&self) -> Option<usize> {
        self.walkers
    }

    fn build(&self, _d: usize, walkers: usize) -> Result<Walk, CoreError> {
        Walk::new(self, walkers)
    }
}
