//! The diffusion samplers' kinds for the harness registry
//! ([`sampo_core::plugin`]): `follmer` and `ou-ensemble`.
//!
//! **Budget.** In density evaluations per sample (or total evaluations). With
//! `inner_samples` left open, the pilot takes its share first (at most a quarter)
//! and N is what the rest pays for, spread over the K estimates (step 1 takes the
//! remainder): the run spends its budget to within one evaluation per particle.
//! With `inner_samples` and `reference_scale` both given, the cost is fixed
//! ([`Sampler::fixed_cost`]). **Init.** The job's initial positions only seed the
//! pilot (their mean and spread); the particles start at the reference (Föllmer:
//! `X_0 = c`; OU: its Gaussian at T). One particle per sample; `chains` does not
//! apply.

use crate::config::{FollmerConfig, OuEnsembleConfig};
use crate::sampler::{Diffusion, Follmer, OuEnsemble};
use sampo_core::plugin::{
    Control, Job, Needs, Sampler, SamplerEntry, Table, TargetRef, from_table, to_table,
};
use sampo_core::{CoreError, CostUnit, EvalCounts, Outcome, Runner};

fn run(
    name: &str,
    diffusion: &Diffusion,
    target: TargetRef<'_>,
    job: &Job,
    control: Control<'_>,
) -> Result<Outcome, CoreError> {
    job.validate()?;
    target.check(name, Needs::DENSITY)?;
    let unit = job.budget.unit;
    if !matches!(unit, CostUnit::Density | CostUnit::Total) {
        return Err(CoreError::Unsupported {
            reason: format!(
                "budget `{}`: {name} spends no `{unit}` evaluations (only density \
                 evaluations); give the budget as density:N",
                job.budget
            ),
        });
    }
    let d = target.dim();
    let init = job.initial_positions(job.n, d)?;
    let density = target.density();
    let total = job.budget.per_sample.saturating_mul(job.n as u64);
    let kernel = diffusion.kernel(&density, Some((total, job.n)))?;
    let runner = Runner::population(&kernel, diffusion.run_config(job.n, job.seed))?
        .count_with(target.counter());
    control.drive(runner, &init)
}

/// Either diffusion: its kind name, canonical table and validated process.
struct DiffusionSampler {
    name: &'static str,
    config: Table,
    diffusion: Diffusion,
}

impl Sampler for DiffusionSampler {
    fn config(&self) -> Table {
        self.config.clone()
    }

    fn needs(&self) -> Needs {
        Needs::DENSITY
    }

    fn fixed_cost(&self, _dim: usize) -> Option<EvalCounts> {
        self.diffusion.fixed_cost()
    }

    fn run(
        &self,
        target: TargetRef<'_>,
        job: &Job,
        control: Control<'_>,
    ) -> Result<Outcome, CoreError> {
        run(self.name, &self.diffusion, target, job, control)
    }
}

/// The diffusion entries, for `Registry::with`.
pub fn samplers() -> Vec<SamplerEntry> {
    vec![
        SamplerEntry {
            name: "follmer",
            description: "gradient-free Schrödinger–Föllmer sampler: importance-sampled drift \
                          (Stein form), reference scale from a pilot, ensemble variants \
                          (docs/ensemble.md)",
            needs: Needs::DENSITY,
            defaults: || to_table(&FollmerConfig::default()),
            build: |t| {
                let f = Follmer::new(from_table::<FollmerConfig>(t)?)?;
                Ok(Box::new(DiffusionSampler {
                    name: "follmer",
                    config: to_table(f.config()),
                    diffusion: f.diffusion().clone(),
                }))
            },
        },
        SamplerEntry {
            name: "ou-ensemble",
            description: "gradient-free OU reverse diffusion: importance-sampled scores in the \
                          reference's coordinates, ensemble variants (docs/ensemble.md)",
            needs: Needs::DENSITY,
            defaults: || to_table(&OuEnsembleConfig::default()),
            build: |t| {
                let o = OuEnsemble::new(from_table::<OuEnsembleConfig>(t)?)?;
                Ok(Box::new(DiffusionSampler {
                    name: "ou-ensemble",
                    config: to_table(o.config()),
                    diffusion: o.diffusion().clone(),
                }))
            },
        },
    ]
}
