//! # sampo-rdmc
//!
//! Reverse diffusion Monte Carlo (Huang, Dong, Hao, Ma & Zhang, *Reverse Diffusion
//! Monte Carlo*, ICLR 2024, arXiv 2307.02037): run the time reversal of the
//! Ornstein–Uhlenbeck process `dX = −X dt + √2 dB` started at the target, with the
//! score of each marginal `p_t` written as a posterior mean and estimated by Monte
//! Carlo on the tilted target `q_t(x0|x) ∝ π̃(x0) N(x0; e^t x, (e^{2t} − 1) I)`.
//!
//! - [`RdmcConfig`] (serde; [`Schedule`], [`InnerConfig`], [`InitConfig`],
//!   [`Integrator`], [`Output`]) with working defaults;
//! - [`Rdmc`]: the validated sampler; [`Rdmc::sample`] / [`sample`] run n particles
//!   on a `Counted` target and return a `sampo_core::Run`;
//!   [`RdmcConfig::evaluations_per_sample`] gives the cost from the config alone;
//! - [`RdmcKernel`]: the outer loop as a `sampo_core::PopulationKernel` (one outer
//!   step per runner step: observers, checkpoints, resume), and the harness entry
//!   [`samplers`];
//! - building blocks, each tested against closed forms: [`schedule`] (time grids),
//!   [`score`] (the score of p_t from the shared `sampo-score` estimators — IS, ULA
//!   and MALA on `q_t = sampo_score::GaussianPosterior` — and [`ScoreAt`], that score
//!   as a `Drift` for the warm start), [`integrator`] (exponential integrator and
//!   Euler–Maruyama).
//!
//! See `docs/rdmc.md` for the maths, the defaults and the reference-code bugs not
//! ported.
//!
//! ```
//! use sampo_core::{Counted, GradTarget, Target};
//! use sampo_rdmc::{RdmcConfig, sample};
//!
//! struct StdNormal;
//! impl Target for StdNormal {
//!     fn dim(&self) -> usize { 1 }
//!     fn log_density(&self, x: &[f64]) -> f64 { -0.5 * x[0] * x[0] }
//! }
//! impl GradTarget for StdNormal {
//!     fn log_density_grad(&self, x: &[f64], g: &mut [f64]) -> f64 {
//!         g[0] = -x[0];
//!         -0.5 * x[0] * x[0]
//!     }
//! }
//!
//! let config: RdmcConfig = toml::from_str("inner = { kind = \"is\", samples = 64 }")?;
//! let target = Counted::new(StdNormal);
//! let run = sample(&target, &config, 100, 7)?;
//! assert_eq!(run.samples.len(), 100);
//! assert_eq!(run.evaluations.density, 100 * config.evaluations_per_sample().density);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod config;
mod error;
pub mod integrator;
pub mod plugin;
mod sampler;
pub mod schedule;
pub mod score;

pub use config::{
    ChainInit, Grid, InitConfig, InnerConfig, Integrator, IsConfig, MalaInnerConfig, Output,
    Proposal, RdmcConfig, Schedule, UlaInnerConfig,
};
pub use error::RdmcError;
pub use plugin::samplers;
pub use sampler::{
    FALLBACKS_TOTAL, INNER_SALT, ParticleState, Rdmc, RdmcInfo, RdmcKernel, RdmcOutput, RdmcState,
    sample,
};
pub use sampo_score::{Estimate, GaussianPosterior, Workspace};
pub use score::{ScoreAt, ScoreEstimator};
