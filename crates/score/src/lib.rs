//! # sampo-score
//!
//! The posterior-mean (Tweedie) estimators every score-based family shares. For a
//! Gaussian observation of a clean point `x0 ~ π`, the posterior is
//! `q(x0) ∝ π̃(x0) N(x0; c, v I)` ([`posterior`]); its mean gives the score of the
//! blurred density by Tweedie's formula. rdMC estimates `∇log p_t` of the OU
//! marginals this way (`c = e^t x`, `v = e^{2t} − 1`), walk-jump the smoothed score
//! of `p_{σ²/m}` (`c = ȳ`, `v = σ²/m`), and the gradient-free OU drift of the
//! ensemble family is the same estimator.
//!
//! - [`PosteriorMean`]: importance sampling with lattice (randomized QMC), iid or
//!   antithetic proposals and a defensive component, self-normalized in log space,
//!   with a documented fallback; ULA chains on q; IS-initialized MALA chains on q
//!   (the chains are `sampo_langevin::{Ula, Mala}`). Every call reports its exact cost.
//! - [`Workspace`]: per-particle scratch, the estimator's random stream, and the
//!   state carried between calls (saved in checkpoints).
//! - [`IsConfig`], [`Proposal`], [`UlaChainsConfig`], [`ChainInit`], [`MalaChains`]:
//!   the estimators' settings.
//!
//! See `docs/rdmc.md` for the measurements behind the defaults.

#![warn(missing_docs)]

mod config;
mod estimator;
pub mod posterior;
mod workspace;

pub use config::{
    ChainInit, DEFENSIVE_FRACTION, DEFENSIVE_SCALE, IsConfig, MalaChains, Proposal,
    UlaChainsConfig, check_defensive,
};
pub use estimator::{Estimate, Factor, PosteriorMean, mean_into};
pub use posterior::GaussianPosterior;
pub use workspace::Workspace;
