//! # sampo-ensemble
//!
//! Gradient-free samplers built on ensembles of particles (Riel & Bischoff,
//! *Gradient-Free Score-Based Sampling Methods with Ensembles*, Applied Mathematical
//! Modelling 147 (2025) 116224, arXiv 2401.17539), and the ensemble MCMC moves of
//! emcee as their baselines:
//!
//! - [`Follmer`]: the Schrödinger–Föllmer sampler (Huang et al. 2021, arXiv
//!   2106.10880) with its drift estimated from density evaluations only (the Stein
//!   form), against a reference `N(c, s² I)` found by a pilot ([`mod@reference`]);
//! - [`OuEnsemble`]: the OU reverse diffusion (rdMC's outer loop) with
//!   importance-sampled scores, in the reference's coordinates;
//! - the ensemble variants of both estimators ([`config::Pooling`],
//!   [`config::Preconditioning`]; ours, the paper's own estimator could not be
//!   confirmed: docs/ensemble.md);
//! - [`moves`]: emcee's stretch, walk and differential-evolution moves with the
//!   red/blue split.
//!
//! See `docs/ensemble.md` for the maths, defaults and figures.
//!
//! ```
//! use sampo_core::Particles;
//! use sampo_core::plugin::AnyTarget;
//! use sampo_ensemble::{Follmer, FollmerConfig};
//! use sampo_targets::GaussianMixture;
//!
//! let target = AnyTarget::Gradient(Box::new(GaussianMixture::eight_gaussians()));
//! let config: FollmerConfig = toml::from_str("steps = 20\ninner_samples = 64")?;
//! let run = Follmer::new(config)?.diffusion().sample(&target, &Particles::zeros(16, 2), 1)?;
//! assert_eq!(run.samples.len(), 16);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod config;
pub mod estimator;
mod kernel;
pub mod moves;
pub mod plugin;
pub mod reference;
mod sampler;

pub use config::{
    EstimatorConfig, FollmerConfig, FollmerIntegrator, Noise, OuEnsembleConfig, Output,
    PilotConfig, Pooling, Preconditioning,
};
pub use kernel::{
    COMMON_SALT, DiffusionInfo, DiffusionKernel, DiffusionState, Process, ReferenceSource,
    SampleSize,
};
pub use reference::{PilotReport, Reference};
pub use sampler::{Diffusion, Follmer, OuEnsemble};

use sampo_core::plugin::SamplerEntry;

/// Every sampler kind of the family, for `Registry::with`.
pub fn samplers() -> Vec<SamplerEntry> {
    let mut v = plugin::samplers();
    v.extend(moves::samplers());
    v
}
