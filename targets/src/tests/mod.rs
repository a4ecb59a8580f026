//! The crate's tests (one binary, to keep build and run time low on 2 cores).
//!
//! Statistical tests use fixed seeds and reject at p < 1e-3 (KS, χ²) or |z| > 4
//! (two-sided p ≈ 6e-5) for moment checks; the tolerances come from the known
//! distributions, not from the observed values.

mod config_presets;
mod exact;
mod gradients;
mod log_z;
pub(crate) mod lse;
mod ou_marginal;
mod regression;
mod smoothing;
mod stats;
mod welling_teh;
