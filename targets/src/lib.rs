//! # sampo-targets
//!
//! Benchmark targets for the Sampo samplers: unnormalized log densities with analytic
//! gradients (`sampo_core::GradTarget`), exact samplers (`sampo_core::ExactSampler`) and
//! `log Z` wherever they are known.
//!
//! | target | type | exact | log Z |
//! |---|---|---|---|
//! | N(μ, Σ) | [`Gaussian`] | yes | 0 |
//! | Gaussian mixtures (8-gaussians, 9gmm, 25gmm, GMM40 ×2, two-modes, ZOD-MC, gmm100) | [`GaussianMixture`] | yes | 0 |
//! | Neal's funnel (hard / easy) | [`Funnel`] | yes | 0 |
//! | many-well, 2-D double well | [`ManyWell`], [`DoubleWell`] | yes (rejection) | quadrature |
//! | SLIPS rings | [`Rings`] | yes | closed form |
//! | standard Cauchy | [`Cauchy`] | yes | closed form |
//! | hyperplane disk | [`HyperplaneDisk`] | yes | closed form |
//! | axial modes | [`AxialModes`] | yes (rejection) | quadrature |
//! | Müller–Brown, Wolfe–Quapp | [`MullerBrown`], [`WolfeQuapp`] | grid (to grid error) | quadrature |
//! | DW-4, LJ-13/LJ-55 | [`MultiDoubleWell`], [`LennardJones`] | no: reference runs | no |
//! | φ⁴ lattice field theory | [`Phi4`] | no: reference runs | no |
//!
//! The particle systems are translation invariant and are sampled in the zero
//! centre-of-mass subspace ([`mean_free`]).
//!
//! Targets are built from a name ([`preset`], [`PRESETS`]) or a serde config
//! ([`TargetConfig`], e.g. from TOML). Every constructor validates its input and returns
//! a [`TargetError`] naming the offending field; evaluation never allocates in the
//! mixtures' hot path.

#![warn(missing_docs)]

pub mod axial;
pub mod cauchy;
pub mod config;
pub mod data;
pub mod double_well;
pub mod error;
pub mod funnel;
pub mod gaussian;
pub mod grid;
pub mod hyperplane;
pub mod linalg;
pub mod linear_regression;
pub mod logistic_regression;
pub mod mean_free;
pub mod mixture;
pub mod muller_brown;
pub mod pair_potential;
pub mod phi4;
pub mod presets;
pub mod quadrature;
pub mod quartic;
pub mod regression_data;
pub mod rings;
pub mod smoothing;
pub mod surface;
pub mod symmetry;
pub mod welling_teh;
pub mod wolfe_quapp;

#[cfg(test)]
mod tests;

pub use axial::AxialModes;
pub use cauchy::Cauchy;
pub use config::{TargetConfig, TargetSpec};
pub use double_well::{DoubleWell, ManyWell};
pub use error::TargetError;
pub use funnel::Funnel;
pub use gaussian::{Covariance, Gaussian};
pub use hyperplane::HyperplaneDisk;
pub use linear_regression::LinearRegression;
pub use logistic_regression::LogisticRegression;
pub use mean_free::{ComFrame, MeanFree, ParticleSystem};
pub use mixture::GaussianMixture;
pub use muller_brown::MullerBrown;
pub use pair_potential::{LennardJones, MultiDoubleWell};
pub use phi4::Phi4;
pub use presets::{
    PRESETS, PresetInfo, preset, preset_descriptions, preset_frame, preset_mixture, preset_names,
};
pub use regression_data::{DataSource, Design, Synthetic};
pub use rings::Rings;
pub use smoothing::SmoothedMixture;
pub use surface::{Potential2d, Surface};
pub use symmetry::Symmetry;
pub use welling_teh::WellingTehMixture;
pub use wolfe_quapp::WolfeQuapp;
