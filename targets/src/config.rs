//! Serde configs, so users can define targets in TOML:
//!
//! ```toml
//! [target]
//! kind = "gmm"
//! weights = [0.5, 0.5]          # optional (uniform); normalized
//! means = [[-2.0, 0.0], [2.0, 0.0]]
//! stds = [1.0, 0.5]             # isotropic std per component; or `covs` (full matrices)
//! ```
//! or `[target]` with just `preset = "gmm40-fab"`. Kinds: `gaussian`, `gmm`, `funnel`,
//! `many-well`, `double-well`, `rings`, `cauchy`, `hyperplane-disk`, `axial-modes`,
//! the regression posteriors `linear-regression` and `logistic-regression` (finite sums,
//! [`TargetConfig::build_finite_sum`]),
//! and the physics kinds `dw4`, `lennard-jones`, `muller-brown`, `wolfe-quapp`, `phi4`
//! (every parameter settable; defaults are the benchmark values of peers.md §A.4.4,
//! `temperature` defaults to 1 and divides the energy: log π = −E/T).
//! Unknown fields are rejected; [`TargetConfig::build`] validates every value and names
//! the offending field in its error.

use crate::gaussian::Covariance;
use crate::regression_data::DataSource;
use crate::{
    AxialModes, Cauchy, ComFrame, DoubleWell, Funnel, Gaussian, GaussianMixture, HyperplaneDisk,
    LennardJones, ManyWell, MullerBrown, MultiDoubleWell, Phi4, Rings, TargetError, WolfeQuapp,
    presets,
};
use crate::{LinearRegression, LogisticRegression};
use sampo_core::{FiniteSumTarget, GradTarget};
use serde::{Deserialize, Deserializer, Serialize};

fn default_wt_points() -> usize {
    // Welling & Teh (2011, §5.1): 100 observations.
    100
}
fn default_wt_theta() -> [f64; 2] {
    // The paper's generating parameter.
    [0.0, 1.0]
}
fn default_wt_seed() -> u64 {
    1
}
fn default_funnel_dim() -> usize {
    10
}
fn default_funnel_scale() -> f64 {
    3.0
}
fn default_many_well_dim() -> usize {
    32
}
fn default_num_rings() -> usize {
    4
}
fn default_dw_a() -> f64 {
    crate::double_well::SNF_COEFFICIENTS.0
}
fn default_dw_b() -> f64 {
    crate::double_well::SNF_COEFFICIENTS.1
}
fn default_dw_c() -> f64 {
    crate::double_well::SNF_COEFFICIENTS.2
}
fn default_ring_radius() -> f64 {
    1.0
}
fn default_ring_sigma() -> f64 {
    0.15
}
fn one() -> f64 {
    1.0
}
fn default_dw4_particles() -> usize {
    4
}
fn default_dw4_spatial_dim() -> usize {
    2
}
fn default_dw4_a() -> f64 {
    0.9
}
fn default_dw4_b() -> f64 {
    -4.0
}
fn default_dw4_d0() -> f64 {
    4.0
}
fn default_lj_particles() -> usize {
    13
}
fn default_lj_spatial_dim() -> usize {
    3
}
fn default_mb_scale() -> f64 {
    crate::muller_brown::BGFLOW_SCALE
}
fn default_wq_scale() -> f64 {
    crate::wolfe_quapp::BGFLOW_SCALE
}
fn default_wq_theta() -> f64 {
    crate::wolfe_quapp::BGFLOW_THETA
}
fn default_phi4_size() -> usize {
    8
}
fn default_phi4_kappa() -> f64 {
    crate::phi4::DEFAULT_KAPPA
}
fn default_phi4_lambda() -> f64 {
    crate::phi4::DEFAULT_LAMBDA
}

/// A target defined by its parameters, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum TargetSpec {
    /// N(mean, Σ) with at most one of `cov` (full, rows), `std` (isotropic) or `stds`
    /// (diagonal); none means Σ = I.
    Gaussian {
        /// The mean; its length is the dimension.
        mean: Vec<f64>,
        /// Full covariance, `cov[i][j]`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cov: Option<Vec<Vec<f64>>>,
        /// Isotropic std: Σ = std² I.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        std: Option<f64>,
        /// Per-coordinate stds: Σ = diag(stds²).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stds: Option<Vec<f64>>,
    },
    /// A Gaussian mixture with exactly one of `covs` or `stds`.
    Gmm {
        /// Positive weights (normalized); default uniform.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        weights: Option<Vec<f64>>,
        /// Component means, `means[k][j]`.
        means: Vec<Vec<f64>>,
        /// Full covariances, `covs[k][i][j]`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        covs: Option<Vec<Vec<Vec<f64>>>>,
        /// Isotropic std of each component.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stds: Option<Vec<f64>>,
    },
    /// Neal's funnel (defaults: the hard funnel, dim 10, scale 3).
    Funnel {
        /// Dimension (≥ 2).
        #[serde(default = "default_funnel_dim")]
        dim: usize,
        /// Std of x0.
        #[serde(default = "default_funnel_scale")]
        scale: f64,
    },
    /// Many-well (default dim 32; must be even).
    ManyWell {
        /// Dimension.
        #[serde(default = "default_many_well_dim")]
        dim: usize,
    },
    /// The 2-D double well `u = a x1 + b x1² + c x1⁴ + ½ x2²` (FAB's convention;
    /// defaults a = −0.5, b = −6, c = 1: the SNF paper's well).
    DoubleWell {
        /// Linear (tilt) coefficient.
        #[serde(default = "default_dw_a")]
        a: f64,
        /// Quadratic coefficient (negative: two wells).
        #[serde(default = "default_dw_b")]
        b: f64,
        /// Quartic coefficient (> 0).
        #[serde(default = "default_dw_c")]
        c: f64,
    },
    /// SLIPS rings (defaults 4, 1.0, 0.15).
    Rings {
        /// Number of rings.
        #[serde(default = "default_num_rings")]
        num_rings: usize,
        /// Radius of the innermost ring (ring k has radius k·radius).
        #[serde(default = "default_ring_radius")]
        radius: f64,
        /// Radial std.
        #[serde(default = "default_ring_sigma")]
        sigma: f64,
    },
    /// Multivariate standard Cauchy.
    Cauchy {
        /// Dimension.
        dim: usize,
    },
    /// Hyperplane disk.
    HyperplaneDisk {
        /// Dimension.
        dim: usize,
    },
    /// Axial modes.
    AxialModes {
        /// Dimension.
        dim: usize,
    },
    /// DW-4 and its generalization: E = Σ_{i<j} [a (d_ij − d0)⁴ + b (d_ij − d0)² + c]
    /// (defaults: DW-4, 4 particles in 2-D, a = 0.9, b = −4, c = 0, d0 = 4).
    Dw4 {
        /// Number of particles.
        #[serde(default = "default_dw4_particles")]
        particles: usize,
        /// Spatial dimension of each particle.
        #[serde(default = "default_dw4_spatial_dim")]
        spatial_dim: usize,
        /// Quartic coefficient (> 0).
        #[serde(default = "default_dw4_a")]
        a: f64,
        /// Quadratic coefficient.
        #[serde(default = "default_dw4_b")]
        b: f64,
        /// Constant per pair.
        #[serde(default)]
        c: f64,
        /// Offset of the pair distance.
        #[serde(default = "default_dw4_d0")]
        d0: f64,
        /// Temperature T (log π = −E/T).
        #[serde(default = "one")]
        temperature: f64,
    },
    /// A Lennard-Jones cluster with a harmonic tether to its centre of mass
    /// (defaults: LJ-13, ε = r_m = 1, oscillator k = 1).
    LennardJones {
        /// Number of particles.
        #[serde(default = "default_lj_particles")]
        particles: usize,
        /// Spatial dimension of each particle.
        #[serde(default = "default_lj_spatial_dim")]
        spatial_dim: usize,
        /// Well depth ε.
        #[serde(default = "one")]
        epsilon: f64,
        /// Distance of the pair minimum r_m.
        #[serde(default = "one")]
        r_m: f64,
        /// Oscillator coefficient k (0 turns it off).
        #[serde(default = "one")]
        oscillator: f64,
        /// Temperature T (log π = −E/T).
        #[serde(default = "one")]
        temperature: f64,
    },
    /// Müller–Brown, scaled by `scale` (default bgflow's 0.15).
    MullerBrown {
        /// The scale s.
        #[serde(default = "default_mb_scale")]
        scale: f64,
        /// Temperature T (log π = −E/T).
        #[serde(default = "one")]
        temperature: f64,
    },
    /// bgflow's modified Wolfe–Quapp (defaults scale 2, θ = −0.15π).
    WolfeQuapp {
        /// The scale s.
        #[serde(default = "default_wq_scale")]
        scale: f64,
        /// The rotation θ in radians.
        #[serde(default = "default_wq_theta")]
        theta: f64,
        /// Temperature T (log π = −E/T).
        #[serde(default = "one")]
        temperature: f64,
    },
    /// Bayesian linear regression `y = φᵀx + N(0, noise_std²)`, prior N(0, prior_std² I),
    /// with the data given by exactly one of `x` + `y`, `data` (a CSV file: features,
    /// then the response) or `synthetic`. The posterior is exact (Gaussian).
    LinearRegression {
        /// Rows of features.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        x: Option<Vec<Vec<f64>>>,
        /// Responses.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        y: Option<Vec<f64>>,
        /// A CSV file of the data.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<String>,
        /// Generated data (D-ADMMS's experiments).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        synthetic: Option<crate::regression_data::Synthetic>,
        /// Observation noise std σ.
        noise_std: f64,
        /// Prior std s.
        prior_std: f64,
    },
    /// Bayesian logistic regression with labels in {0, 1}, prior N(0, prior_std² I);
    /// data as for `linear-regression`.
    LogisticRegression {
        /// Rows of features.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        x: Option<Vec<Vec<f64>>>,
        /// Labels (0 or 1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        y: Option<Vec<f64>>,
        /// A CSV file of the data.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<String>,
        /// Generated data (D-ADMMS's experiments).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        synthetic: Option<crate::regression_data::Synthetic>,
        /// Prior std s.
        prior_std: f64,
    },
    /// The Welling–Teh (2011) mixture posterior over (θ₁, θ₂) ([`crate::welling_teh`]):
    /// `points` observations drawn at `theta` from the stream `(seed, 0)`, or the
    /// observations given in `data` (then `points`, `theta` and `seed` must be absent).
    WellingTehMixture {
        /// The observations (optional).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<Vec<f64>>,
        /// Observations to draw (100).
        #[serde(default = "default_wt_points")]
        points: usize,
        /// The generating θ ([0, 1]).
        #[serde(default = "default_wt_theta")]
        theta: [f64; 2],
        /// The seed of the draw (1).
        #[serde(default = "default_wt_seed")]
        seed: u64,
    },
    /// φ⁴ on an L × L periodic lattice, hopping form.
    Phi4 {
        /// The side L.
        #[serde(default = "default_phi4_size")]
        size: usize,
        /// Hopping parameter κ.
        #[serde(default = "default_phi4_kappa")]
        kappa: f64,
        /// Quartic coupling λ.
        #[serde(default = "default_phi4_lambda")]
        lambda: f64,
    },
}

/// A target config: either a named preset (`preset = "gmm40-fab"`) or a [`TargetSpec`]
/// (`kind = "gmm"`, ...).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum TargetConfig {
    /// A preset from [`crate::PRESETS`].
    Preset {
        /// The preset name, e.g. `"gmm40-fab"` or `"gauss-16"`.
        preset: String,
    },
    /// An explicit target.
    Spec(TargetSpec),
}

impl<'de> Deserialize<'de> for TargetConfig {
    /// Buffers the table as a `toml::Value`, which keeps every float as written
    /// (`nan` and `inf` included, so validation can reject them by name; a JSON
    /// value would turn them into `null`), then picks the preset or the spec.
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let v = toml::Value::deserialize(de)?;
        if let Some(obj) = v.as_table()
            && obj.contains_key("preset")
        {
            if let Some(other) = obj.keys().find(|k| *k != "preset") {
                return Err(D::Error::custom(format!(
                    "a `preset` target takes no other field, found `{other}`"
                )));
            }
            let name = obj["preset"]
                .as_str()
                .ok_or_else(|| D::Error::custom("`preset` must be a string"))?;
            return Ok(TargetConfig::Preset {
                preset: name.to_string(),
            });
        }
        TargetSpec::deserialize(v)
            .map(TargetConfig::Spec)
            .map_err(|e| D::Error::custom(e.message()))
    }
}

impl From<TargetSpec> for TargetConfig {
    fn from(s: TargetSpec) -> Self {
        TargetConfig::Spec(s)
    }
}

impl TargetConfig {
    /// The Gaussian mixture behind a mixture preset or a `kind = "gmm"` spec; `None`
    /// for other targets.
    pub fn mixture(&self) -> Result<Option<GaussianMixture>, TargetError> {
        match self {
            TargetConfig::Preset { preset } => presets::preset_mixture(preset),
            TargetConfig::Spec(s) => s.mixture(),
        }
    }

    /// Validates the config and builds the target.
    pub fn build(&self) -> Result<Box<dyn GradTarget>, TargetError> {
        match self {
            TargetConfig::Preset { preset } => presets::preset(preset),
            TargetConfig::Spec(s) => s.build(),
        }
    }

    /// The finite-sum posterior a regression spec defines; `None` for other targets.
    pub fn build_finite_sum(&self) -> Result<Option<Box<dyn FiniteSumTarget>>, TargetError> {
        match self {
            TargetConfig::Preset { .. } => Ok(None),
            TargetConfig::Spec(s) => s.build_finite_sum(),
        }
    }

    /// Resolves relative data-file paths against `base` (the target file's folder).
    pub fn resolve_paths(&mut self, base: &std::path::Path) {
        if let TargetConfig::Spec(
            TargetSpec::LinearRegression { data: Some(p), .. }
            | TargetSpec::LogisticRegression { data: Some(p), .. },
        ) = self
            && std::path::Path::new(p.as_str()).is_relative()
        {
            *p = base.join(p.as_str()).to_string_lossy().into_owned();
        }
    }

    /// The symmetry group a reference set of this target is symmetrized under
    /// ([`crate::symmetry`]): the particle group of `dw4` and `lennard-jones`
    /// targets, the sign flip of `phi4`; `None` otherwise.
    pub fn symmetry(&self) -> Result<Option<crate::Symmetry>, TargetError> {
        if let Some(f) = self.frame()? {
            return Ok(Some(crate::Symmetry::Particles(f)));
        }
        Ok(self.lattice().map(|_| crate::Symmetry::SignFlip))
    }

    /// The side L of a φ⁴ lattice target (`phi4` and `phi4-<L>`); `None` otherwise.
    pub fn lattice(&self) -> Option<usize> {
        match self {
            TargetConfig::Preset { preset } => preset.strip_prefix("phi4-")?.parse().ok(),
            TargetConfig::Spec(TargetSpec::Phi4 { size, .. }) => Some(*size),
            TargetConfig::Spec(_) => None,
        }
    }

    /// The particle frame of a translation-invariant target (`dw4`,
    /// `lennard-jones` and their presets), which samplers run in the
    /// zero-centre-of-mass subspace of ([`crate::mean_free`]); `None` otherwise.
    pub fn frame(&self) -> Result<Option<ComFrame>, TargetError> {
        match self {
            TargetConfig::Preset { preset } => Ok(presets::preset_frame(preset)),
            TargetConfig::Spec(s) => s.frame(),
        }
    }
}

fn square_rows(name: &str, rows: &[Vec<f64>], d: usize) -> Result<Vec<f64>, TargetError> {
    if rows.len() != d {
        return Err(TargetError::dim(
            format!("{name} (rows must match the mean dimension)"),
            d,
            rows.len(),
        ));
    }
    for (r, row) in rows.iter().enumerate() {
        if row.len() != d {
            return Err(TargetError::dim(
                format!("{name}[{r}] (columns must match the mean dimension)"),
                d,
                row.len(),
            ));
        }
    }
    Ok(rows.concat())
}

impl TargetSpec {
    /// The Gaussian mixture this spec defines (`kind = "gmm"` or a Gaussian, as a
    /// one-component mixture); `None` for other kinds. The harness uses it for mode
    /// assignment and per-mode weights.
    pub fn mixture(&self) -> Result<Option<GaussianMixture>, TargetError> {
        let TargetSpec::Gmm {
            weights,
            means,
            covs,
            stds,
        } = self
        else {
            return Ok(None);
        };
        let k = means.len();
        let w = weights.clone().unwrap_or_else(|| vec![1.0; k]);
        Ok(Some(match (covs, stds) {
            (Some(_), Some(_)) => {
                return Err(TargetError::invalid(
                    "covs/stds",
                    "both given",
                    "give exactly one of `covs` (full) or `stds` (isotropic)",
                ));
            }
            (None, None) => {
                return Err(TargetError::invalid(
                    "covs/stds",
                    "neither given",
                    "give exactly one of `covs` (full) or `stds` (isotropic)",
                ));
            }
            (None, Some(s)) => {
                if s.len() != k {
                    return Err(TargetError::dim("stds (one per mean)", k, s.len()));
                }
                GaussianMixture::isotropic(w, means.clone(), s)?
            }
            (Some(c), None) => {
                if c.len() != k {
                    return Err(TargetError::dim("covs (one per mean)", k, c.len()));
                }
                GaussianMixture::full(w, means.clone(), c)?
            }
        }))
    }

    /// The particle frame of `dw4` and `lennard-jones` specs (see
    /// [`TargetConfig::frame`]).
    pub fn frame(&self) -> Result<Option<ComFrame>, TargetError> {
        match self {
            TargetSpec::Dw4 {
                particles,
                spatial_dim,
                ..
            }
            | TargetSpec::LennardJones {
                particles,
                spatial_dim,
                ..
            } => ComFrame::new(*particles, *spatial_dim).map(Some),
            _ => Ok(None),
        }
    }

    /// The finite-sum posterior of a regression spec; `None` for other kinds.
    pub fn build_finite_sum(&self) -> Result<Option<Box<dyn FiniteSumTarget>>, TargetError> {
        let source =
            |x: &Option<Vec<Vec<f64>>>,
             y: &Option<Vec<f64>>,
             data: &Option<String>,
             synthetic: &Option<crate::regression_data::Synthetic>| DataSource {
                x: x.clone(),
                y: y.clone(),
                data: data.clone(),
                synthetic: synthetic.clone(),
            };
        Ok(Some(match self {
            TargetSpec::LinearRegression {
                x,
                y,
                data,
                synthetic,
                noise_std,
                prior_std,
            } => {
                let noise = sampo_core::validate::positive("noise_std", *noise_std)?;
                let prior = sampo_core::validate::positive("prior_std", *prior_std)?;
                let design = source(x, y, data, synthetic)
                    .design(prior, LinearRegression::respond(noise))?;
                Box::new(LinearRegression::new(design, noise, prior)?)
            }
            TargetSpec::LogisticRegression {
                x,
                y,
                data,
                synthetic,
                prior_std,
            } => {
                let prior = sampo_core::validate::positive("prior_std", *prior_std)?;
                let design =
                    source(x, y, data, synthetic).design(prior, LogisticRegression::respond())?;
                Box::new(LogisticRegression::new(design, prior)?)
            }
            TargetSpec::WellingTehMixture {
                data,
                points,
                theta,
                seed,
            } => Box::new(match data {
                Some(d) => {
                    if (*points, *theta, *seed)
                        != (default_wt_points(), default_wt_theta(), default_wt_seed())
                    {
                        return Err(TargetError::invalid(
                            "data",
                            "given",
                            "give either `data` or `points`/`theta`/`seed`, not both",
                        ));
                    }
                    crate::WellingTehMixture::new(d.clone())?
                }
                None => crate::WellingTehMixture::generate(*points, *theta, *seed)?,
            }),
            _ => return Ok(None),
        }))
    }

    /// Validates the spec and builds the target.
    pub fn build(&self) -> Result<Box<dyn GradTarget>, TargetError> {
        if let Some(t) = self.build_finite_sum()? {
            return Ok(t);
        }
        Ok(match self {
            TargetSpec::Gaussian {
                mean,
                cov,
                std,
                stds,
            } => {
                let d = mean.len();
                let given = [cov.is_some(), std.is_some(), stds.is_some()];
                if given.iter().filter(|g| **g).count() > 1 {
                    return Err(TargetError::invalid(
                        "cov/std/stds",
                        "several given",
                        "give at most one of `cov`, `std` or `stds`",
                    ));
                }
                let c = if let Some(rows) = cov {
                    Covariance::full("cov", &square_rows("cov", rows, d)?, d)?
                } else if let Some(s) = std {
                    let s = sampo_core::validate::positive("std", *s)?;
                    Covariance::Isotropic(s * s)
                } else if let Some(s) = stds {
                    if s.len() != d {
                        return Err(TargetError::dim(
                            "stds (one per mean coordinate)",
                            d,
                            s.len(),
                        ));
                    }
                    for (i, v) in s.iter().enumerate() {
                        sampo_core::validate::positive(&format!("stds[{i}]"), *v)?;
                    }
                    Covariance::diagonal("stds", s.iter().map(|v| v * v).collect())?
                } else {
                    Covariance::Isotropic(1.0)
                };
                Box::new(Gaussian::new(mean.clone(), c)?)
            }
            TargetSpec::Gmm { .. } => Box::new(
                self.mixture()?
                    .expect("a gmm spec always builds a mixture or an error"),
            ),
            TargetSpec::Funnel { dim, scale } => Box::new(Funnel::new(*dim, *scale)?),
            TargetSpec::ManyWell { dim } => Box::new(ManyWell::new(*dim)?),
            TargetSpec::DoubleWell { a, b, c } => {
                Box::new(DoubleWell::with_coefficients(*a, *b, *c)?)
            }
            TargetSpec::Rings {
                num_rings,
                radius,
                sigma,
            } => Box::new(Rings::new(*num_rings, *radius, *sigma)?),
            TargetSpec::Cauchy { dim } => Box::new(Cauchy::new(*dim)?),
            TargetSpec::HyperplaneDisk { dim } => Box::new(HyperplaneDisk::new(*dim)?),
            TargetSpec::AxialModes { dim } => Box::new(AxialModes::new(*dim)?),
            TargetSpec::Dw4 {
                particles,
                spatial_dim,
                a,
                b,
                c,
                d0,
                temperature,
            } => Box::new(
                MultiDoubleWell::new(*particles, *spatial_dim, *a, *b, *c, *d0)?
                    .with_temperature(*temperature)?,
            ),
            TargetSpec::LennardJones {
                particles,
                spatial_dim,
                epsilon,
                r_m,
                oscillator,
                temperature,
            } => Box::new(
                LennardJones::new(*particles, *spatial_dim, *epsilon, *r_m, *oscillator)?
                    .with_temperature(*temperature)?,
            ),
            TargetSpec::MullerBrown { scale, temperature } => {
                Box::new(MullerBrown::new(*scale)?.with_temperature(*temperature)?)
            }
            TargetSpec::WolfeQuapp {
                scale,
                theta,
                temperature,
            } => Box::new(WolfeQuapp::new(*scale, *theta, *temperature)?),
            TargetSpec::Phi4 {
                size,
                kappa,
                lambda,
            } => Box::new(Phi4::new(*size, *kappa, *lambda)?),
            TargetSpec::LinearRegression { .. }
            | TargetSpec::LogisticRegression { .. }
            | TargetSpec::WellingTehMixture { .. } => {
                unreachable!("finite-sum specs are built by build_finite_sum above")
            }
        })
    }
}
