//! Gibbsian polar slice sampling and the slice samplers it is compared with, as
//! Sampo kernels and registry kinds (docs/slice.md):
//!
//! - [`Gpss`]: Gibbsian polar slice sampling (Schär, Habeck & Rudolf, ICML 2023);
//! - [`Hruss`]: hit-and-run uniform slice sampling;
//! - [`Elliptical`]: elliptical slice sampling (Murray, Adams & MacKay 2010) with a
//!   scalar, diagonal or full Gaussian prior, and the naive variant (prior N(0, I));
//! - [`Univariate`]: Neal's stepping-out slice sampler, one coordinate at a time.
//!
//! They need only the density, spend a variable number of evaluations per
//! iteration (all counted, as the GPSS paper counts them) and run cost-limited
//! under a density budget.

pub mod config;
pub mod elliptical;
pub mod gpss;
pub mod hruss;
pub mod info;
pub mod plugin;
pub mod point;
pub mod shrink;
pub mod univariate;

pub use config::{EllipticalConfig, GpssConfig, HrussConfig, PriorConfig, UnivariateConfig};
pub use elliptical::Elliptical;
pub use gpss::{Gpss, GpssState};
pub use hruss::Hruss;
pub use info::SliceInfo;
pub use plugin::samplers;
pub use point::PointState;
pub use univariate::Univariate;
