//! # sampo-walkjump
//!
//! Walk-jump sampling with multiple measurements: the chain of log-concave Markov
//! chains of Saremi, Park & Bach (*Chain of Log-Concave Markov Chains*, ICLR 2024,
//! arXiv 2305.19473), generalizing the walk-jump sampling of Saremi & Hyvärinen
//! (*Neural Empirical Bayes*, JMLR 2019).
//!
//! Noisy measurements `y_t = x + σ ε_t` (t = 1…M) of a draw x of π are sampled one
//! at a time: each `p(y_m | y_{1:m−1})` is walked by Langevin dynamics, the earlier
//! measurements enter only through their running mean ȳ, and the output is the
//! jump `x̂ = E[X | y_{1:M}] = ȳ + (σ²/M) ∇log p_{σ²/M}(ȳ)`. With σ large enough
//! every walk target is log-concave ("once log-concave, always log-concave"), and
//! the conditioning improves as O(1/m).
//!
//! - [`WalkJumpConfig`] (serde, with the σ and step rules of [`config`]) and
//!   [`WalkJump`], the validated sampler;
//! - [`scores`]: the smoothed scores (closed form for Gaussians and mixtures through
//!   `sampo_core::Smoothable`, or the importance estimators of `sampo-score`) and
//!   the walk targets, one at a time ([`Conditional`]) and all at once ([`Joint`]);
//! - [`walk`]: the Langevin walks (ULA, MALA, underdamped ABOBA from
//!   `sampo-langevin`);
//! - [`WalkJumpKernel`]: one measurement per runner step, and the harness entry
//!   [`samplers`];
//! - [`kappa`]: the closed-form condition numbers of the OAT and AAO chains on a
//!   Gaussian (the paper's Proposition 4 setting).
//!
//! See `docs/walkjump.md` for the maths, defaults and figures.
//!
//! ```
//! use sampo_core::Particles;
//! use sampo_core::plugin::AnyTarget;
//! use sampo_targets::GaussianMixture;
//! use sampo_walkjump::{WalkJump, WalkJumpConfig};
//!
//! let target = AnyTarget::Gradient(Box::new(GaussianMixture::eight_gaussians()));
//! let config: WalkJumpConfig = toml::from_str("measurements = 8")?;
//! let wj = WalkJump::new(config)?;
//! let run = wj.sample(&target, &Particles::zeros(20, 2), 1)?;
//! assert_eq!(run.samples.len(), 20);
//! assert_eq!(run.evaluations, wj.evaluations_per_sample().times(20));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod config;
pub mod kappa;
mod kernel;
pub mod plugin;
mod sampler;
pub mod scores;
pub mod walk;

pub use config::{Chain, Output, Resolved, ScoreConfig, Walk, WalkJumpConfig, sigma_rule};
pub use kernel::{Particle, WalkJumpInfo, WalkJumpKernel, WalkJumpState};
pub use plugin::samplers;
pub use sampler::WalkJump;
pub use scores::{Conditional, Estimated, Joint, Scores};
