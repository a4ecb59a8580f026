//! The Langevin family's sampler kinds for the harness registry
//! ([`sampo_core::plugin`]): `ula`, `mala`, `mala-adapt`, `underdamped`.
//!
//! Each runs one independent chain per output sample by default (the budget plan of
//! [`sampo_core::plugin::Job::chain_plan`]: one gradient evaluation per step, the
//! first half of each chain's steps warm-up), from the job's initial positions.

use crate::{DualAveraging, LangevinConfig, MalaConfig, UlaConfig, UnderdampedConfig};
use sampo_core::plugin::{
    Control, Job, Needs, Sampler, SamplerEntry, Table, TargetRef, from_table, to_table,
};
use sampo_core::{CoreError, Outcome};

/// Default step of the named samplers: stable on every 2-D preset (ULA needs
/// h < 2s² with s the smallest mode scale, 0.55 for 9gmm/25gmm); override it in a
/// sampler table or with `--set step_size=…`.
pub const DEFAULT_STEP: f64 = 0.05;

/// Steps between observer calls: small enough for Ctrl-C to answer within a fraction
/// of a second on the largest presets, large enough that the per-segment reduction
/// costs nothing measurable (4096 chains × 1000 steps: 20 segments).
const SEGMENT: u64 = 50;

/// A Langevin sampler built from its table.
struct LangevinSampler {
    config: LangevinConfig,
}

impl Sampler for LangevinSampler {
    fn config(&self) -> Table {
        let mut t = to_table(&self.config);
        t.remove("kind");
        t
    }

    fn needs(&self) -> Needs {
        Needs::GRADIENT
    }

    fn run(
        &self,
        target: TargetRef<'_>,
        job: &Job,
        control: Control<'_>,
    ) -> Result<Outcome, CoreError> {
        let kernel = self.config.build(target.gradient()?)?;
        control.run_chains(&kernel, job, &target, SEGMENT)
    }
}

fn boxed(config: LangevinConfig) -> Result<Box<dyn Sampler>, CoreError> {
    config.validate()?;
    Ok(Box::new(LangevinSampler { config }))
}

/// The family's entries, for `Registry::with`.
pub fn samplers() -> Vec<SamplerEntry> {
    vec![
        SamplerEntry {
            name: "ula",
            description: "unadjusted Langevin (Euler–Maruyama), step 0.05",
            needs: Needs::GRADIENT,
            defaults: || to_table(&UlaConfig::new(DEFAULT_STEP)),
            build: |t| boxed(LangevinConfig::Ula(from_table(t)?)),
        },
        SamplerEntry {
            name: "mala",
            description: "Metropolis-adjusted Langevin, fixed step 0.05",
            needs: Needs::GRADIENT,
            defaults: || to_table(&MalaConfig::new(DEFAULT_STEP)),
            build: |t| boxed(LangevinConfig::Mala(from_table(t)?)),
        },
        SamplerEntry {
            name: "mala-adapt",
            description: "MALA with dual averaging to acceptance 0.574 during warm-up, from step 0.05",
            needs: Needs::GRADIENT,
            defaults: || {
                to_table(&MalaConfig::new(DEFAULT_STEP).with_adaptation(DualAveraging::default()))
            },
            build: |t| boxed(LangevinConfig::Mala(from_table(t)?)),
        },
        SamplerEntry {
            name: "underdamped",
            description: "underdamped Langevin (BAOAB by default), step 0.05, friction 1",
            needs: Needs::GRADIENT,
            defaults: || {
                to_table(&UnderdampedConfig::new(
                    DEFAULT_STEP,
                    1.0,
                    Default::default(),
                ))
            },
            build: |t| boxed(LangevinConfig::Underdamped(from_table(t)?)),
        },
    ]
}
