//! Resolving `--target SPEC` and `--sampler SPEC`: a name (preset or sampler kind) or
//! the path of a TOML file with a `[target]` or `[sampler]` table; `--set key=value`
//! overrides any field of the sampler's full configuration.

use crate::BenchError;
use crate::registry::registry;
use sampo_core::plugin::{AnyTarget, Built, set_path};
use sampo_core::{ExactSampler, GradTarget, Particles};
use sampo_targets::{ComFrame, GaussianMixture, MeanFree, TargetConfig};
use serde::Deserialize;
use std::path::Path;

/// A target ready for the harness: its display name, the target samplers see, the
/// mixture behind it when it is one (for mode metrics), the particle frame of a
/// translation-invariant system, and reference draws where there is no exact
/// sampler.
///
/// **Particle systems** (`frame` set: DW-4, Lennard-Jones) are sampled in the
/// zero-centre-of-mass subspace: `target` is the [`MeanFree`] wrapper of dimension
/// (n − 1)·s, and [`crate::execute::execute`] maps every run's samples back to the
/// n·s particle coordinates ([`ComFrame::embed`]) before anything measures or writes
/// them. Everything after a run (metrics, files, reference sets) is in particle
/// coordinates with zero centre of mass.
pub struct TargetHandle {
    /// Preset name or file stem.
    pub name: String,
    /// The target with its capabilities, as samplers see it.
    pub target: AnyTarget,
    /// The mixture, for mixture targets.
    pub mixture: Option<GaussianMixture>,
    /// The particle frame of a translation-invariant target.
    pub frame: Option<ComFrame>,
    /// The side L of a φ⁴ lattice target (for its observables).
    pub lattice: Option<usize>,
    /// Reference draws (particle coordinates) for a target without an exact sampler.
    /// Shared: a suite reads each set once.
    pub reference: Option<std::sync::Arc<crate::reference::ReferenceSet>>,
}

impl TargetHandle {
    /// Builds a handle from a config.
    pub fn from_config(name: String, cfg: &TargetConfig) -> Result<Self, BenchError> {
        if let Some(t) = cfg.build_finite_sum()? {
            return Ok(TargetHandle::plain(name, AnyTarget::FiniteSum(t)));
        }
        let frame = cfg.frame()?;
        let built = cfg.build()?;
        let target: Box<dyn GradTarget> = match frame {
            Some(f) => Box::new(MeanFree::new(built, f)?),
            None => built,
        };
        Ok(TargetHandle {
            name,
            target: AnyTarget::Gradient(target),
            mixture: cfg.mixture()?,
            frame,
            lattice: cfg.lattice(),
            reference: None,
        })
    }

    /// A handle on a mixture (mode metrics included).
    pub fn of_mixture(name: impl Into<String>, mix: &GaussianMixture) -> Self {
        TargetHandle {
            name: name.into(),
            target: AnyTarget::Gradient(Box::new(mix.clone())),
            mixture: Some(mix.clone()),
            frame: None,
            lattice: None,
            reference: None,
        }
    }

    /// A handle on any target, without mixture, frame or reference set.
    pub fn plain(name: impl Into<String>, target: AnyTarget) -> Self {
        TargetHandle {
            name: name.into(),
            target,
            mixture: None,
            frame: None,
            lattice: None,
            reference: None,
        }
    }

    /// The dimension samplers work in ((n − 1)·s for particle systems).
    pub fn dim(&self) -> usize {
        self.target.dim()
    }

    /// The dimension of reported samples (n·s for particle systems).
    pub fn sample_dim(&self) -> usize {
        self.frame.map_or(self.dim(), |f| f.ambient_dim())
    }

    /// Where reference samples come from: the target's exact sampler, else the
    /// reference set read with `reference = "..."` (`None`: neither).
    pub fn reference_sampler(&self) -> Option<&dyn ExactSampler> {
        match &self.reference {
            Some(r) => Some(r.as_ref()),
            None => self.target.density().exact_sampler(),
        }
    }

    /// Samples as reported: particle coordinates for particle systems (module
    /// docs), unchanged otherwise.
    pub fn reported(&self, samples: Particles) -> Particles {
        match self.frame {
            Some(f) => f.embed_particles(&samples),
            None => samples,
        }
    }

    /// The dimensionless energy u(x) = −log π(x) of a reported sample (particle
    /// coordinates for particle systems: x is centred first, which does not change
    /// u of a translation-invariant target).
    pub fn energy(&self, x: &[f64]) -> f64 {
        match self.frame {
            Some(f) => {
                let mut y = vec![0.0; f.reduced_dim()];
                f.reduce(x, &mut y);
                -self.target.density().log_density(&y)
            }
            None => -self.target.density().log_density(x),
        }
    }
}

/// A built sampler with the label it is reported under.
pub struct SamplerSpec {
    /// The label (the name given, a suite entry's `name`, or a file stem).
    pub label: String,
    /// The sampler and its registry kind.
    pub built: Built,
}

impl SamplerSpec {
    /// The registry kind (`mala-adapt`, `rdmc`, …).
    pub fn kind(&self) -> &'static str {
        self.built.kind
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
    sampler: toml::Table,
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

/// 1-based line and column of byte offset `at` in `text`.
pub fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.len(), |nl| before.len() - nl - 1)
        + 1;
    (line, col)
}

/// The line of `key = …` inside the entry starting at `span` (the field an error
/// names), if it is written there: searched from the entry's start to the next
/// table header.
pub fn key_line(text: &str, span: &std::ops::Range<usize>, key: &str) -> Option<usize> {
    let start = span.start.min(text.len());
    let mut offset = start;
    for (k, l) in text[start..].split_inclusive('\n').enumerate() {
        if k > 0 && l.trim_start().starts_with('[') {
            break;
        }
        let t = l.trim_start();
        let is_key = t.strip_prefix(key).is_some_and(|rest| {
            let rest = rest.trim_start();
            rest.starts_with('=')
        }) || t.contains(&format!("{{ {key} ="))
            || t.contains(&format!(", {key} ="));
        if is_key {
            return Some(line_col(text, offset).0);
        }
        offset += l.len();
    }
    None
}

/// The field a target's build error names (`stds[0]` → `stds`), if any.
pub fn target_error_key(e: &BenchError) -> Option<String> {
    let BenchError::Target(t) = e else {
        return None;
    };
    let name = match t {
        sampo_targets::TargetError::InvalidParameter { name, .. } => name,
        sampo_targets::TargetError::DimensionMismatch { what, .. } => what,
        _ => return None,
    };
    let key = name.split(['[', '.', ' ']).next()?.trim_matches('`');
    (!key.is_empty()).then(|| key.to_string())
}

/// A preset name or a TOML file with a `[target]` table. A bad value in a file is
/// reported at the line of its field.
pub fn target(spec: &str) -> Result<TargetHandle, BenchError> {
    target_with_config(spec).map(|(h, _)| h)
}

/// [`target`], with the config it was built from.
pub fn target_with_config(spec: &str) -> Result<(TargetHandle, TargetConfig), BenchError> {
    if is_file(spec) {
        let mut f: TargetFile = read_toml(spec)?;
        if let Some(dir) = Path::new(spec).parent() {
            f.target.resolve_paths(dir);
        }
        let h = TargetHandle::from_config(stem(spec), &f.target).map_err(|e| {
            let text = std::fs::read_to_string(spec).unwrap_or_default();
            match target_error_key(&e).and_then(|k| key_line(&text, &(0..text.len()), &k)) {
                Some(line) => BenchError::Toml {
                    path: spec.into(),
                    message: format!("line {line}: {e}"),
                },
                None => e,
            }
        })?;
        Ok((h, f.target))
    } else {
        let cfg = TargetConfig::Preset {
            preset: spec.to_string(),
        };
        Ok((TargetHandle::from_config(spec.to_string(), &cfg)?, cfg))
    }
}

/// `key=value` with `value` read as a TOML value (`0.1`, `true`, `[1, 2]`,
/// `{ kind = "is" }`), or as a string when it is not one (`inner.kind=is`).
pub fn parse_set(s: &str) -> Result<(String, toml::Value), BenchError> {
    let (k, v) = s.split_once('=').ok_or_else(|| {
        BenchError::Usage(format!(
            "--set `{s}`: expected key=value, e.g. step_size=0.1"
        ))
    })?;
    let key = k.trim().to_string();
    if key.is_empty() {
        return Err(BenchError::Usage(format!("--set `{s}`: empty key")));
    }
    let v = v.trim();
    let value = match toml::from_str::<toml::Table>(&format!("v = {v}")) {
        Ok(mut t) => t.remove("v").expect("parsed key"),
        Err(_) => toml::Value::String(v.to_string()),
    };
    Ok((key, value))
}

/// Builds the sampler of a `[sampler]` table (with `kind`) and `--set` overrides.
pub fn build_table(
    label: &str,
    table: &toml::Table,
    sets: &[String],
) -> Result<SamplerSpec, BenchError> {
    let reg = registry();
    let err = |source| BenchError::Sampler {
        label: label.to_string(),
        source,
    };
    let (entry, mut merged) = reg.merged(table).map_err(err)?;
    for s in sets {
        let (k, v) = parse_set(s)?;
        set_path(&mut merged, &k, v).map_err(|m| BenchError::Usage(format!("--set {s}: {m}")))?;
    }
    let sampler = (entry.build)(&merged).map_err(err)?;
    Ok(SamplerSpec {
        label: label.to_string(),
        built: Built {
            kind: entry.name,
            sampler,
        },
    })
}

/// A sampler name (a registry kind) or a TOML file with a `[sampler]` table, with
/// `--set` overrides.
pub fn sampler(spec: &str, sets: &[String]) -> Result<SamplerSpec, BenchError> {
    if is_file(spec) {
        let f: SamplerFile = read_toml(spec)?;
        build_table(&stem(spec), &f.sampler, sets)
    } else {
        let mut t = toml::Table::new();
        t.insert("kind".into(), spec.into());
        build_table(spec, &t, sets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_overrides_any_field_of_any_sampler() {
        let s = sampler(
            "mala-adapt",
            &["step_size=0.2".into(), "adapt.target_accept=0.7".into()],
        )
        .unwrap();
        let t = s.built.table();
        assert_eq!(t["kind"].as_str(), Some("mala-adapt"));
        assert_eq!(t["step_size"].as_float(), Some(0.2));
        assert_eq!(t["adapt"]["target_accept"].as_float(), Some(0.7));
        let r = sampler(
            "rdmc",
            &["inner.samples=512".into(), "schedule.steps=20".into()],
        )
        .unwrap();
        let t = r.built.table();
        assert_eq!(t["inner"]["samples"].as_integer(), Some(512));
        assert_eq!(t["schedule"]["steps"].as_integer(), Some(20));
        // A string that is not a TOML value is taken as a string.
        let r = sampler("rdmc", &["inner.kind=is".into()]);
        // (the MALA-only fields left in `inner` are then unknown: a named error)
        let e = r.err().unwrap().to_string();
        assert!(e.contains("rdmc") && e.contains("unknown field"), "{e}");
        let e = sampler("mala", &["stepsize=1".into()])
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("stepsize"), "{e}");
        let e = sampler("mala", &["step_size=-1".into()])
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("step_size") && e.contains("> 0"), "{e}");
        assert!(parse_set("x").is_err());
    }

    #[test]
    fn unknown_kinds_list_every_registered_one() {
        let e = sampler("hmc", &[]).err().unwrap().to_string();
        for k in ["ula", "mala", "mala-adapt", "underdamped", "rdmc"] {
            assert!(e.contains(k), "{e}");
        }
    }
}
