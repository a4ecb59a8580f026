//! # sampo-metrics
//!
//! Sample-quality and statistical measures shared by the tests and the harness:
//! effective sample size and Monte Carlo standard errors ([`ess`]) and
//! goodness-of-fit tests ([`hypothesis`]).

#![warn(missing_docs)]

mod error;
pub mod ess;
pub mod hypothesis;

pub use error::MetricError;
