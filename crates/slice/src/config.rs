//! What a user sets, per sampler, with the reference code's conventions as
//! defaults.

use sampo_core::{CoreError, validate};
use serde::{Deserialize, Serialize};

/// Proposals one loop may make before the iteration fails with a named error.
/// Stepping-out is linear in the slice's extent, and heavy tails make that extent
/// huge now and then: on the 100-D Cauchy at w = 100 a threshold with U ≈ 10⁻¹⁰
/// reaches radii ~10⁵ times the current one, and one iteration in ~2·10⁵ took more
/// than 10⁵ stepping-out steps (measured: `figure gpss-cauchy` failed at iteration
/// 184 881 with a limit of 10⁵). 10⁷ keeps the reference code's unbounded loops in
/// practice while a target whose slice cannot be found fails within seconds.
pub const DEFAULT_MAX_PROPOSALS: u64 = 10_000_000;

fn default_max() -> u64 {
    DEFAULT_MAX_PROPOSALS
}
fn yes() -> bool {
    true
}

/// The window when none is given: max(1, √d), about the spread of the radius of
/// a standardized target in d dimensions.
pub fn default_window(d: usize) -> f64 {
    (d as f64).sqrt().max(1.0)
}

/// Gibbsian polar slice sampling (Schär, Habeck & Rudolf 2023).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GpssConfig {
    /// Stepping-out window of the radius update. Default max(1, √d).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub w: Option<f64>,
    /// Centre c of the polar coordinates (default: the origin): GPSS samples
    /// z with x = c + L z.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub centre: Option<Vec<f64>>,
    /// Lower-triangular L of the affine pre-transform, row-major d × d (entries above
    /// the diagonal ignored; diagonal > 0). Default: the identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transform: Option<Vec<f64>>,
    /// See [`DEFAULT_MAX_PROPOSALS`].
    #[serde(default = "default_max")]
    pub max_proposals: u64,
    /// Evaluate the current point again for each iteration's threshold, as the
    /// reference code does (its TDE/it counts it). `false` reuses the cached value:
    /// the same chain, one evaluation fewer per iteration.
    #[serde(default = "yes")]
    pub reevaluate_current: bool,
}

impl Default for GpssConfig {
    fn default() -> Self {
        GpssConfig {
            w: None,
            centre: None,
            transform: None,
            max_proposals: DEFAULT_MAX_PROPOSALS,
            reevaluate_current: true,
        }
    }
}

impl GpssConfig {
    /// The defaults with window `w`.
    pub fn with_window(w: f64) -> Self {
        GpssConfig {
            w: Some(w),
            ..Default::default()
        }
    }
}

/// Hit-and-run uniform slice sampling (HRUSS).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HrussConfig {
    /// Stepping-out window along the random line. Default max(1, √d).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub w: Option<f64>,
    /// See [`DEFAULT_MAX_PROPOSALS`].
    #[serde(default = "default_max")]
    pub max_proposals: u64,
    /// As [`GpssConfig::reevaluate_current`].
    #[serde(default = "yes")]
    pub reevaluate_current: bool,
}

impl Default for HrussConfig {
    fn default() -> Self {
        HrussConfig {
            w: None,
            max_proposals: DEFAULT_MAX_PROPOSALS,
            reevaluate_current: true,
        }
    }
}

impl HrussConfig {
    /// The defaults with window `w`.
    pub fn with_window(w: f64) -> Self {
        HrussConfig {
            w: Some(w),
            ..Default::default()
        }
    }
}

/// The Gaussian prior N(μ, C) of elliptical slice sampling: at most one of
/// `variance`, `variances` and `cov` (default: `variance = 1`, the naive ESS).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct PriorConfig {
    /// μ (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<Vec<f64>>,
    /// C = σ² I.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variance: Option<f64>,
    /// C = diag(σ₁², …, σ_d²).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variances: Option<Vec<f64>>,
    /// C, row-major d × d, symmetric positive definite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cov: Option<Vec<f64>>,
}

/// Elliptical slice sampling (Murray, Adams & MacKay 2010).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EllipticalConfig {
    /// The Gaussian prior the ellipses are drawn from; the rest of the target is
    /// the likelihood L = log π̃ − log N(μ, C).
    #[serde(default)]
    pub prior: PriorConfig,
    /// See [`DEFAULT_MAX_PROPOSALS`].
    #[serde(default = "default_max")]
    pub max_proposals: u64,
    /// As [`GpssConfig::reevaluate_current`].
    #[serde(default = "yes")]
    pub reevaluate_current: bool,
}

impl Default for EllipticalConfig {
    fn default() -> Self {
        EllipticalConfig {
            prior: PriorConfig::default(),
            max_proposals: DEFAULT_MAX_PROPOSALS,
            reevaluate_current: true,
        }
    }
}

/// Neal's univariate slice sampler, one coordinate after another (Neal 2003, §4).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UnivariateConfig {
    /// Stepping-out window per coordinate. Default 1.
    #[serde(default = "one")]
    pub w: f64,
    /// See [`DEFAULT_MAX_PROPOSALS`].
    #[serde(default = "default_max")]
    pub max_proposals: u64,
    /// As [`GpssConfig::reevaluate_current`] (per coordinate update).
    #[serde(default = "yes")]
    pub reevaluate_current: bool,
}

fn one() -> f64 {
    1.0
}

impl Default for UnivariateConfig {
    fn default() -> Self {
        UnivariateConfig {
            w: 1.0,
            max_proposals: DEFAULT_MAX_PROPOSALS,
            reevaluate_current: true,
        }
    }
}

/// Checks a window and a proposal limit, naming the fields under `prefix`.
pub fn check_common(prefix: &str, w: Option<f64>, max_proposals: u64) -> Result<(), CoreError> {
    if let Some(w) = w {
        validate::positive(&format!("{prefix}.w"), w)?;
    }
    if max_proposals == 0 {
        return Err(CoreError::invalid(
            format!("{prefix}.max_proposals"),
            0,
            "must be >= 1",
        ));
    }
    Ok(())
}
