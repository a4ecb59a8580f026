//! Resolving `--target SPEC` and `--sampler SPEC`: a name (preset or sampler kind) or
//! the path of a TOML file with a `[target]` or `[sampler]` table.

use crate::BenchError;
use crate::sampler::SamplerConfig;
use sampo_core::GradTarget;
use sampo_targets::{GaussianMixture, TargetConfig};
use serde::Deserialize;
use std::path::Path;

/// A target ready for the harness: its display name, the target, and the mixture
/// behind it when it is one (for mode metrics).
pub struct TargetHandle {
    /// Preset name or file stem.
    pub name: String,
    /// The target.
    pub target: Box<dyn GradTarget>,
    /// The mixture, for mixture targets.
    pub mixture: Option<GaussianMixture>,
}

impl TargetHandle {
    /// Builds a handle from a config.
    pub fn from_config(name: String, cfg: &TargetConfig) -> Result<Self, BenchError> {
        Ok(TargetHandle {
            name,
            target: cfg.build()?,
            mixture: cfg.mixture()?,
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetFile {
    target: TargetConfig,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SamplerFile {
    sampler: SamplerConfig,
}

fn is_file(spec: &str) -> bool {
    spec.ends_with(".toml") || Path::new(spec).is_file()
}

fn stem(spec: &str) -> String {
    Path::new(spec)
        .file_stem()
        .map_or_else(|| spec.to_string(), |s| s.to_string_lossy().into_owned())
}

/// Reads a TOML file; parse errors carry line and column.
pub fn read_toml<T: for<'de> Deserialize<'de>>(path: &str) -> Result<T, BenchError> {
    let text = std::fs::read_to_string(path).map_err(|source| BenchError::Io {
        path: path.into(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| BenchError::Toml {
        path: path.into(),
        message: e.to_string(),
    })
}

/// A preset name or a TOML file with a `[target]` table.
pub fn target(spec: &str) -> Result<TargetHandle, BenchError> {
    if is_file(spec) {
        let f: TargetFile = read_toml(spec)?;
        TargetHandle::from_config(stem(spec), &f.target)
    } else {
        let cfg = TargetConfig::Preset {
            preset: spec.to_string(),
        };
        TargetHandle::from_config(spec.to_string(), &cfg)
    }
}

/// A sampler name (see [`SamplerConfig::named`]) or a TOML file with a `[sampler]`
/// table. `step_size`, when given, overrides the step size of either.
pub fn sampler(spec: &str, step_size: Option<f64>) -> Result<SamplerConfig, BenchError> {
    let mut cfg = if is_file(spec) {
        let f: SamplerFile = read_toml(spec)?;
        f.sampler
    } else {
        SamplerConfig::named(spec)?
    };
    if let Some(h) = step_size {
        cfg.set_step_size(h)?;
    }
    cfg.validate()?;
    Ok(cfg)
}
