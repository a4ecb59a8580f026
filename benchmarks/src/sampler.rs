//! Samplers reachable from the CLI and suites, and how a sampling budget becomes a
//! run plan.
//!
//! **Budget.** Samplers are compared at a matched number of target gradient
//! evaluations *per output sample* (`budget`). A Langevin run producing n samples
//! with C chains (default C = n: one independent chain per sample, as ZOD-MC and
//! SLIPS run their baselines) takes `S = budget·n/C − 1` steps per chain (the initial
//! evaluation counts too): the first half is warm-up (MALA adapts its step there), and
//! the second half is thinned so that each chain keeps ⌈n/C⌉ draws, the last at step S.

use crate::BenchError;
use sampo_core::{
    Counted, GradTarget, Observer, Outcome, Particles, Run, RunConfig, Runner, StreamRng,
};
use sampo_langevin::{DualAveraging, LangevinConfig, MalaConfig, UlaConfig, UnderdampedConfig};
use sampo_rdmc::RdmcConfig;
use serde::{Deserialize, Serialize};

/// Sampler names accepted by `--sampler` (besides TOML files).
pub const SAMPLER_NAMES: &[(&str, &str)] = &[
    ("ula", "unadjusted Langevin, step 0.05"),
    ("mala", "MALA, step 0.05 (fixed)"),
    (
        "mala-adapt",
        "MALA, dual averaging to acceptance 0.574 from step 0.05",
    ),
    (
        "underdamped",
        "underdamped Langevin, BAOAB, step 0.05, friction 1",
    ),
    (
        "rdmc",
        "reverse diffusion Monte Carlo, default config (docs/rdmc.md; its cost per sample is set by the config, not --budget)",
    ),
];

/// Default step of the named samplers: stable on every 2-D preset (ULA needs
/// h < 2s² with s the smallest mode scale, 0.55 for 9gmm/25gmm); override with
/// `--step-size` or a TOML file.
pub const DEFAULT_STEP: f64 = 0.05;

/// Any sampler of the harness, selected by `kind` in a `[sampler]` table.
#[derive(Debug, Clone, PartialEq)]
pub enum SamplerConfig {
    /// `kind = "ula" | "mala" | "underdamped"`.
    Langevin(LangevinConfig),
    /// `kind = "rdmc"`: reverse diffusion Monte Carlo (its cost per sample is set by
    /// its own config, not by the budget).
    Rdmc(RdmcConfig),
}

impl Serialize for SamplerConfig {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            SamplerConfig::Langevin(c) => c.serialize(s),
            SamplerConfig::Rdmc(c) => {
                let mut v = serde_json::to_value(c).map_err(serde::ser::Error::custom)?;
                v["kind"] = "rdmc".into();
                v.serialize(s)
            }
        }
    }
}

impl<'de> Deserialize<'de> for SamplerConfig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut v = serde_json::Value::deserialize(d)?;
        match v.get("kind").and_then(|k| k.as_str()) {
            Some("rdmc") => {
                v.as_object_mut().expect("has a kind").remove("kind");
                serde_json::from_value(v)
                    .map(SamplerConfig::Rdmc)
                    .map_err(D::Error::custom)
            }
            _ => serde_json::from_value(v)
                .map(SamplerConfig::Langevin)
                .map_err(D::Error::custom),
        }
    }
}

impl SamplerConfig {
    /// The sampler called `name` in [`SAMPLER_NAMES`].
    pub fn named(name: &str) -> Result<Self, BenchError> {
        let h = DEFAULT_STEP;
        if name == "rdmc" {
            return Ok(SamplerConfig::Rdmc(RdmcConfig::default()));
        }
        Ok(SamplerConfig::Langevin(match name {
            "ula" => LangevinConfig::Ula(UlaConfig::new(h)),
            "mala" => LangevinConfig::Mala(MalaConfig::new(h)),
            "mala-adapt" => {
                LangevinConfig::Mala(MalaConfig::new(h).with_adaptation(DualAveraging::default()))
            }
            "underdamped" => {
                LangevinConfig::Underdamped(UnderdampedConfig::new(h, 1.0, Default::default()))
            }
            other => {
                return Err(BenchError::UnknownName {
                    what: "sampler",
                    name: other.to_string(),
                    valid: SAMPLER_NAMES
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        }))
    }

    /// The `kind` tag.
    pub fn kind(&self) -> &'static str {
        match self {
            SamplerConfig::Langevin(c) => c.kind(),
            SamplerConfig::Rdmc(_) => "rdmc",
        }
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<(), BenchError> {
        match self {
            SamplerConfig::Langevin(c) => Ok(c.validate()?),
            SamplerConfig::Rdmc(c) => Ok(c.validate()?),
        }
    }

    /// Overrides the (initial) step size.
    pub fn set_step_size(&mut self, h: f64) -> Result<(), BenchError> {
        match self {
            SamplerConfig::Langevin(LangevinConfig::Ula(c)) => c.step_size = h,
            SamplerConfig::Langevin(LangevinConfig::Mala(c)) => c.step_size = h,
            SamplerConfig::Langevin(LangevinConfig::Underdamped(c)) => c.step_size = h,
            SamplerConfig::Rdmc(_) => {
                return Err(BenchError::Usage(
                    "--step-size does not apply to rdmc: set its inner step scales in a TOML file"
                        .into(),
                ));
            }
        }
        Ok(())
    }
}

/// What to produce and at which cost.
#[derive(Debug, Clone)]
pub struct Request {
    /// Output samples.
    pub n: usize,
    /// Gradient evaluations per output sample.
    pub budget: u64,
    /// Chains (default n).
    pub chains: Option<usize>,
    /// Master seed.
    pub seed: u64,
    /// Initial positions are N(0, init_scale² I).
    pub init_scale: f64,
}

impl Request {
    /// Checks the fields.
    pub fn validate(&self) -> Result<(), BenchError> {
        let bad = |name: &str, v: String, why: &str| {
            Err(BenchError::Usage(format!("invalid {name} = {v}: {why}")))
        };
        if self.n == 0 {
            return bad("n", "0".into(), "must be >= 1");
        }
        if self.budget < 2 {
            return bad(
                "budget",
                self.budget.to_string(),
                "must be >= 2 evaluations per sample",
            );
        }
        if let Some(c) = self.chains
            && (c == 0 || c > self.n)
        {
            return bad("chains", c.to_string(), "must be in 1..=n");
        }
        if !(self.init_scale.is_finite() && self.init_scale > 0.0) {
            return bad(
                "init_scale",
                self.init_scale.to_string(),
                "must be finite and > 0",
            );
        }
        Ok(())
    }
}

/// Salt for the initial-position streams, so they differ from the chains' streams.
const INIT_SALT: u64 = 0x1A17_5A17;

/// Initial positions: row i is N(0, s² I) from stream (seed ^ INIT_SALT, i).
pub fn initial_positions(n: usize, d: usize, scale: f64, seed: u64) -> Particles {
    let mut p = Particles::zeros(n, d);
    for i in 0..n {
        let mut r: StreamRng = sampo_core::rng::stream(seed ^ INIT_SALT, i as u64);
        let row = p.row_mut(i);
        sampo_core::rng::fill_standard_normal(&mut r, row);
        row.iter_mut().for_each(|v| *v *= scale);
    }
    p
}

/// The Langevin run plan for a request (see the module docs).
pub fn langevin_plan(req: &Request) -> RunConfig {
    let c = req.chains.unwrap_or(req.n);
    let m = req.n.div_ceil(c) as u64;
    let steps = (req.budget.saturating_mul(req.n as u64) / c as u64)
        .saturating_sub(1)
        .max(2 * m);
    let sampling = steps - steps / 2;
    let thin = (sampling / m).max(1);
    let draws = thin * m;
    let mut rc = RunConfig::new(c, steps - draws, draws, req.seed);
    rc.thin = thin;
    rc.segment = 50;
    rc
}

/// Runs `sampler` on `target` for `req`; returns exactly `req.n` samples (chain-major)
/// or the partial result if an observer stopped it.
pub fn run<T: GradTarget>(
    target: &Counted<T>,
    sampler: &SamplerConfig,
    req: &Request,
    observer: Option<Box<dyn Observer + '_>>,
) -> Result<Run, BenchError> {
    req.validate()?;
    let d = sampo_core::Target::dim(target);
    match sampler {
        SamplerConfig::Langevin(cfg) => {
            let kernel = cfg.build(target)?;
            let rc = langevin_plan(req);
            let init = initial_positions(rc.chains, d, req.init_scale, req.seed);
            let mut runner = Runner::new(&kernel, rc)?.count_with(target);
            if let Some(mut o) = observer {
                runner = runner.observe(move |p: &sampo_core::Progress| o.observe(p));
            }
            match runner.run(&init)? {
                Outcome::Finished(mut run) => {
                    truncate(&mut run, req.n);
                    Ok(run)
                }
                Outcome::Stopped { step, .. } => Err(BenchError::Interrupted { step }),
            }
        }
        SamplerConfig::Rdmc(cfg) => {
            if let Some(w) = rdmc_dimension_warning(cfg, d) {
                eprintln!("warning: {w}");
            }
            Ok(sampo_rdmc::sample(target, cfg, req.n, req.seed)?)
        }
    }
}

/// Largest dimension for which rdMC's importance-sampling score estimates were
/// validated (docs/rdmc.md, "Known limitations": at d = 10 and 32 they are clipped and
/// particles escape).
pub const RDMC_IS_MAX_DIM: usize = 3;

/// A warning when `cfg` estimates scores by importance sampling (`inner.kind = "is"`,
/// or `"mala"` above `is_only_above`) on a target of dimension d > [`RDMC_IS_MAX_DIM`].
pub fn rdmc_dimension_warning(cfg: &RdmcConfig, d: usize) -> Option<String> {
    let uses_is = match cfg.inner {
        sampo_rdmc::InnerConfig::Is(_) => true,
        sampo_rdmc::InnerConfig::Mala(m) => m.is_only_above.is_some(),
        sampo_rdmc::InnerConfig::Ula(_) => false,
    };
    (uses_is && d > RDMC_IS_MAX_DIM).then(|| {
        format!(
            "rdmc estimates scores by importance sampling, validated only for d <= {RDMC_IS_MAX_DIM}; \
             at d = {d} its estimates are clipped at large t and the output can be far off \
             (docs/rdmc.md, Known limitations)"
        )
    })
}

/// Keeps the first `n` samples.
fn truncate(run: &mut Run, n: usize) {
    if run.samples.len() > n {
        let d = run.samples.dim();
        let mut v = std::mem::replace(&mut run.samples, Particles::zeros(0, d)).into_vec();
        v.truncate(n * d);
        run.samples = Particles::from_vec(n, d, v).expect("n·d values");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Serialize, Debug, PartialEq)]
    struct File {
        sampler: SamplerConfig,
    }

    #[test]
    fn rdmc_warns_above_the_validated_dimension() {
        let c = RdmcConfig::default();
        assert!(rdmc_dimension_warning(&c, 2).is_none());
        let w = rdmc_dimension_warning(&c, 32).unwrap();
        assert!(w.contains("d = 32"), "{w}");
        let ula: RdmcConfig = toml::from_str("inner = { kind = \"ula\" }").unwrap();
        assert!(rdmc_dimension_warning(&ula, 32).is_none());
    }

    #[test]
    fn every_listed_name_builds_and_unknown_names_list_them() {
        for (name, _) in SAMPLER_NAMES {
            let c = SamplerConfig::named(name).unwrap();
            c.validate().unwrap();
        }
        assert_eq!(
            SamplerConfig::named("rdmc").unwrap(),
            SamplerConfig::Rdmc(RdmcConfig::default())
        );
        let e = SamplerConfig::named("hmc").unwrap_err().to_string();
        assert!(e.contains("rdmc") && e.contains("mala-adapt"), "{e}");
    }

    #[test]
    fn sampler_tables_parse_by_kind_and_round_trip() {
        let f: File =
            toml::from_str("[sampler]\nkind = \"mala\"\nstep_size = 0.2\nadapt = {}\n").unwrap();
        assert_eq!(f.sampler.kind(), "mala");
        let f: File =
            toml::from_str("[sampler]\nkind = \"rdmc\"\nschedule = { steps = 20 }\n").unwrap();
        let SamplerConfig::Rdmc(c) = &f.sampler else {
            panic!("rdmc expected")
        };
        assert_eq!(c.schedule.steps, 20);
        let back: File = toml::from_str(&toml::to_string(&f).unwrap()).unwrap();
        assert_eq!(back, f);
        for bad in [
            "[sampler]\nkind = \"rdmc\"\nshedule = {}\n",
            "[sampler]\nkind = \"mala\"\nstep = 0.1\n",
            "[sampler]\nkind = \"hmc\"\n",
        ] {
            assert!(toml::from_str::<File>(bad).is_err(), "{bad}");
        }
        assert!(
            SamplerConfig::named("nuts")
                .unwrap_err()
                .to_string()
                .contains("mala-adapt")
        );
    }

    #[test]
    fn plan_spends_the_budget() {
        // One chain per sample: budget − 1 steps (plus the initial evaluation).
        let r = Request {
            n: 100,
            budget: 1000,
            chains: None,
            seed: 1,
            init_scale: 1.0,
        };
        let p = langevin_plan(&r);
        assert_eq!(p.chains, 100);
        assert_eq!(p.total_steps(), 999);
        assert_eq!(p.kept(), 1);
        // 10 chains × 10 draws each.
        let p = langevin_plan(&Request {
            chains: Some(10),
            ..r.clone()
        });
        assert_eq!(p.chains, 10);
        assert_eq!(p.kept(), 10);
        assert!(p.total_steps() < 1000 * 10 && p.total_steps() >= 9000);
        assert!(r.validate().is_ok());
        assert!(
            Request {
                budget: 1,
                ..r.clone()
            }
            .validate()
            .is_err()
        );
        assert!(
            Request {
                chains: Some(101),
                ..r
            }
            .validate()
            .is_err()
        );
    }
}
