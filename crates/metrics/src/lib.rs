//! # sampo-metrics
//!
//! Sample-quality and statistical measures shared by the tests and the harness.
//!
//! | module | what |
//! |---|---|
//! | [`ot`] | exact W2 (optimal transport, squared-Euclidean cost), uniform and weighted |
//! | [`sliced`] | sliced W2 (sorted random projections), uniform and weighted |
//! | [`marginal`] | exact 1-D W2 and two-sample KS per coordinate, uniform and weighted |
//! | [`sinkhorn`] | log-domain Sinkhorn divergence |
//! | [`mmd`] | MMD² with multi-bandwidth RBF kernels and the median heuristic, uniform and weighted |
//! | [`knn`] | k-d tree, k-NN entropy and the Wang–Kulkarni–Verdú KL between samples |
//! | [`kl`] | KL(q‖π) for normalized targets (k-NN entropy + cross-entropy) |
//! | [`histogram`] | histogram KL on 1-D/2-D marginals |
//! | [`ess`] | ESS/IAT (Geyer; GPSS convention), MCSE |
//! | [`rhat`] | rank-normalized split R̂ |
//! | [`diagnostics`] | per-coordinate MCMC summary (bulk/tail ESS, MCSE, R̂), Sampo or ArviZ convention |
//! | [`modes`] | mode assignment, mode weights + χ², entropic mode coverage (uniform and weighted) |
//! | [`moments`] | weighted mean/covariance, mean error and relative covariance error |
//! | [`gaussian`] | W2 between Gaussians in closed form |
//! | [`logz`] | log Z estimates and errors |
//! | [`free_energy`] | 1-D free-energy profiles with reweighting |
//! | [`noise_floor`] | a metric between two independent exact samples of the same size |
//! | [`hypothesis`] | χ² and KS goodness-of-fit tests |
//! | [`weights`] | the sample-weight convention of every weighted metric, log weights |

#![warn(missing_docs)]

pub mod diagnostics;
mod error;
pub mod ess;
pub mod free_energy;
pub mod gaussian;
pub mod histogram;
pub mod hypothesis;
pub mod kl;
pub mod knn;
pub mod logz;
pub mod marginal;
pub mod mmd;
pub mod modes;
pub mod moments;
pub mod noise_floor;
pub mod ot;
pub mod rhat;
pub mod sinkhorn;
pub mod sliced;
pub mod weights;

pub use error::MetricError;
