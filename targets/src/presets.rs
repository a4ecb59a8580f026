//! Named targets, as the harness CLI lists them (`sampo-bench list`).
//!
//! Names with `<d>` take any dimension 1 ≤ d ≤ [`crate::error::MAX_DIM`] (e.g.
//! `gauss-16`, `two-modes-64`).

use crate::{
    AxialModes, Cauchy, ComFrame, DoubleWell, Funnel, Gaussian, GaussianMixture, HyperplaneDisk,
    LennardJones, ManyWell, MullerBrown, MultiDoubleWell, ParticleSystem, Phi4, Rings, TargetError,
    WolfeQuapp,
};
use sampo_core::GradTarget;

/// A preset's name (with `<d>` placeholders) and a one-line description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresetInfo {
    /// The name as given to [`preset`], e.g. `"gauss-<d>"`.
    pub name: &'static str,
    /// One line for `list`.
    pub description: &'static str,
}

/// Every preset, in the order `list` shows them.
pub const PRESETS: &[PresetInfo] = &[
    PresetInfo {
        name: "gauss-<d>",
        description: "standard normal N(0, I_d); log Z = 0",
    },
    PresetInfo {
        name: "8-gaussians",
        description: "8 Gaussians on a circle of radius 10, variance 0.7 (SLIPS)",
    },
    PresetInfo {
        name: "9gmm",
        description: "9 Gaussians on the grid {-5,0,5}^2, variance 0.3 (gfn-diffusion)",
    },
    PresetInfo {
        name: "25gmm",
        description: "25 Gaussians on the grid {-10,...,10}^2, variance 0.3 (gfn-diffusion)",
    },
    PresetInfo {
        name: "gmm40-fab",
        description: "GMM40 of FAB: 40 modes in [-40,40]^2, std 1.3133 (torch seed 0)",
    },
    PresetInfo {
        name: "gmm40-beyond-elbos",
        description: "GMM40 of Beyond ELBOs: 40 modes in [-40,40]^2, std 1 (JAX key 0)",
    },
    PresetInfo {
        name: "two-modes-<d>",
        description: "2 modes at -2/3 and 4/3 times 1_d, cov 0.05 I, weights 2/3, 1/3 (SLIPS)",
    },
    PresetInfo {
        name: "zodmc-gmm2d",
        description: "ZOD-MC 2-D GMM: 4 full-covariance modes, weights 0.1..0.4",
    },
    PresetInfo {
        name: "gmm100",
        description: "8 unit-covariance modes in d = 100, means ~ N(0, 16 I) (seed 100)",
    },
    PresetInfo {
        name: "funnel",
        description: "Neal's funnel, d = 10, x0 ~ N(0, 9), x_i | x0 ~ N(0, e^x0)",
    },
    PresetInfo {
        name: "funnel-easy",
        description: "Neal's funnel, d = 10, x0 ~ N(0, 1)",
    },
    PresetInfo {
        name: "many-well-32",
        description: "many-well, 16 double-well pairs, 2^16 modes; log Z = 164.69568",
    },
    PresetInfo {
        name: "double-well",
        description: "2-D double well x1^4 - 6x1^2 - 0.5x1 + x2^2/2 (SNF); P(x1<0) = 0.1557",
    },
    PresetInfo {
        name: "rings",
        description: "4 rings of radii 1..4, radial std 0.15, equal mass (SLIPS)",
    },
    PresetInfo {
        name: "cauchy-<d>",
        description: "multivariate standard Cauchy (1+|x|^2)^(-(d+1)/2) (GPSS)",
    },
    PresetInfo {
        name: "hyperplane-disk-<d>",
        description: "Gaussian -|x|^2 - (sum x)^2, mass near the hyperplane sum x = 0 (GPSS)",
    },
    PresetInfo {
        name: "axial-modes-<d>",
        description: "4 log|x|_inf - |x|_1: 2d modes on the axes (GPSS)",
    },
    PresetInfo {
        name: "muller-brown",
        description: "Muller-Brown at bgflow's scale 0.15, T = 1; grid reference samples and log Z",
    },
    PresetInfo {
        name: "wolfe-quapp",
        description: "bgflow's modified Wolfe-Quapp, scale 2, theta = -0.15 pi; grid reference and log Z",
    },
    PresetInfo {
        name: "dw4",
        description: "DW-4: 4 particles in 2-D, pair double well a=0.9 b=-4 c=0 d0=4 (d = 8, CoM-free)",
    },
    PresetInfo {
        name: "lj13",
        description: "LJ-13: 13 particles in 3-D, eps = r_m = 1, oscillator 1 (d = 39, CoM-free)",
    },
    PresetInfo {
        name: "lj55",
        description: "LJ-55: 55 particles in 3-D, eps = r_m = 1, oscillator 1 (d = 165, CoM-free)",
    },
    PresetInfo {
        name: "phi4-<L>",
        description: "phi^4 on an L x L periodic lattice, hopping form, kappa 0.3, lambda 0.022 (d = L^2)",
    },
];

/// The preset names (with `<d>` placeholders).
pub fn preset_names() -> Vec<&'static str> {
    PRESETS.iter().map(|p| p.name).collect()
}

/// `(name, description)` of every preset.
pub fn preset_descriptions() -> Vec<(&'static str, &'static str)> {
    PRESETS.iter().map(|p| (p.name, p.description)).collect()
}

fn unknown(name: &str) -> TargetError {
    TargetError::UnknownPreset {
        name: name.to_string(),
        valid: preset_names().join(", "),
    }
}

/// The mixture behind a mixture preset (`8-gaussians`, `9gmm`, `25gmm`, both GMM40s,
/// `zodmc-gmm2d`, `gmm100`, `two-modes-<d>`); `Ok(None)` for any other
/// name (including unknown ones: [`preset`] reports those).
pub fn preset_mixture(name: &str) -> Result<Option<GaussianMixture>, TargetError> {
    Ok(Some(match name {
        "8-gaussians" => GaussianMixture::eight_gaussians(),
        "9gmm" => GaussianMixture::nine_gmm(),
        "25gmm" => GaussianMixture::twenty_five_gmm(),
        "gmm40-fab" => GaussianMixture::gmm40_fab(),
        "gmm40-beyond-elbos" => GaussianMixture::gmm40_beyond_elbos(),
        "zodmc-gmm2d" => GaussianMixture::zodmc_gmm2d(),
        "gmm100" => GaussianMixture::gmm100(),
        _ => match name.strip_prefix("two-modes-").map(str::parse::<usize>) {
            Some(Ok(d)) => GaussianMixture::two_modes(d)?,
            _ => return Ok(None),
        },
    }))
}

/// The particle system behind a translation-invariant preset (`dw4`, `lj13`,
/// `lj55`).
fn preset_particles(name: &str) -> Option<Box<dyn ParticleSystem>> {
    Some(match name {
        "dw4" => Box::new(MultiDoubleWell::dw4()),
        "lj13" => Box::new(LennardJones::cluster(13)),
        "lj55" => Box::new(LennardJones::cluster(55)),
        _ => return None,
    })
}

/// The frame of a translation-invariant preset (`dw4`, `lj13`, `lj55`); `None`
/// for every other name.
pub fn preset_frame(name: &str) -> Option<ComFrame> {
    preset_particles(name).map(|p| p.frame())
}

/// The target named `name` (see [`PRESETS`]). An unknown name gives an error listing
/// every valid name; a `<d>` that is not an integer in 1..=MAX_DIM is rejected too.
pub fn preset(name: &str) -> Result<Box<dyn GradTarget>, TargetError> {
    if let Some(m) = preset_mixture(name)? {
        return Ok(Box::new(m));
    }
    if let Some(p) = preset_particles(name) {
        return Ok(Box::new(p));
    }
    let t: Box<dyn GradTarget> = match name {
        "funnel" => Box::new(Funnel::hard()),
        "funnel-easy" => Box::new(Funnel::easy()),
        "many-well-32" => Box::new(ManyWell::d32()),
        "double-well" => Box::new(DoubleWell::new()),
        "rings" => Box::new(Rings::slips()),
        "muller-brown" => Box::new(MullerBrown::bgflow()),
        "wolfe-quapp" => Box::new(WolfeQuapp::bgflow()),
        _ => {
            type Make = fn(usize) -> Result<Box<dyn GradTarget>, TargetError>;
            let families: [(&str, Make); 6] = [
                ("gauss-", |d| Ok(Box::new(Gaussian::standard(d)?))),
                ("two-modes-", |d| {
                    Ok(Box::new(GaussianMixture::two_modes(d)?))
                }),
                ("cauchy-", |d| Ok(Box::new(Cauchy::new(d)?))),
                ("hyperplane-disk-", |d| {
                    Ok(Box::new(HyperplaneDisk::new(d)?))
                }),
                ("axial-modes-", |d| Ok(Box::new(AxialModes::new(d)?))),
                ("phi4-", |l| {
                    Ok(Box::new(Phi4::new(
                        l,
                        crate::phi4::DEFAULT_KAPPA,
                        crate::phi4::DEFAULT_LAMBDA,
                    )?))
                }),
            ];
            for (prefix, make) in families {
                if let Some(rest) = name.strip_prefix(prefix) {
                    let d: usize = rest.parse().map_err(|_| unknown(name))?;
                    return make(d).map_err(|e| match e {
                        TargetError::InvalidParameter { value, reason, .. } => {
                            TargetError::InvalidParameter {
                                name: format!("<d> of preset {prefix}<d>"),
                                value,
                                reason,
                            }
                        }
                        other => other,
                    });
                }
            }
            return Err(unknown(name));
        }
    };
    Ok(t)
}
