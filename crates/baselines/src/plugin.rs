//! The baselines' sampler kinds for the harness registry ([`sampo_core::plugin`]):
//! `smc`, `ais`, `pt`.
//!
//! **Budgets.** `smc` and `ais` run `job.n` particles, each given the job's budget
//! per sample: one evaluation at its reference draw, the rest in moves. SMC's
//! stages are as many as adaptive tempering needs; a budget too small for it to
//! reach β = 1 ends in one importance-sampling step to β = 1
//! ([`crate::Smc::with_budget`], reported as `forced_from_beta`); a budget left
//! over at β = 1 goes to rejuvenation sweeps. AIS's temperatures are as many as the
//! budget pays for (`T = (budget − 1) / moves`) unless `steps` is set. `pt` runs
//! ⌈n / samples_per_chain⌉ chains of R replicas (the job's `chains` when given),
//! each step costing R evaluations, planned as every chain sampler is
//! ([`sampo_core::plugin::Job::chain_plan`]). **Init.** SMC and AIS start from
//! exact reference draws and ignore the job's initial positions; PT starts its
//! replicas above β = 0 at them.

use crate::ais::{Ais, AisConfig};
use crate::moves::Move;
use crate::population::Model;
use crate::pt::{Pt, PtConfig};
use crate::smc::{Smc, SmcConfig};
use sampo_core::plugin::{
    Control, Job, Needs, Sampler, SamplerEntry, Table, TargetRef, from_table, to_table,
};
use sampo_core::{CoreError, GradTarget, Outcome, Particles, RunConfig, Runner};

/// Steps between observer calls of a PT run (as the Langevin chains').
const PT_SEGMENT: u64 = 50;

/// Observer calls per AIS run: often enough for Ctrl-C to answer promptly, rarely
/// enough that the per-segment bookkeeping is invisible.
const AIS_SEGMENTS: u64 = 20;

fn needs_of(mv: Move) -> Needs {
    match mv {
        Move::Mala => Needs::GRADIENT,
        Move::Rwm => Needs::DENSITY,
    }
}

/// Runs `f` with the counted model of `target` for moves of kind `mv`.
fn with_model<R>(
    target: &TargetRef<'_>,
    mv: Move,
    f: impl FnOnce(Model<'_>) -> Result<R, CoreError>,
) -> Result<R, CoreError> {
    let density = target.density();
    let gradient = match mv {
        Move::Mala => Some(target.gradient()?),
        Move::Rwm => None,
    };
    f(Model {
        density: &density,
        gradient: gradient.as_ref().map(|g| g as &dyn GradTarget),
    })
}

/// The budget per particle after its initial evaluation, or a named error when
/// the budget cannot pay for more.
fn budget_after_init(job: &Job, model: &Model<'_>, mv: Move, name: &str) -> Result<u64, CoreError> {
    let unit = job.budget.unit;
    let per = model.move_cost(mv).in_unit(unit);
    if per == 0 {
        return Err(CoreError::Unsupported {
            reason: format!(
                "budget `{}`: {name}'s {mv:?} moves spend no `{unit}` evaluations; give the budget \
                 in a unit they spend",
                job.budget
            ),
        });
    }
    if job.budget.per_sample <= per {
        return Err(CoreError::Unsupported {
            reason: format!(
                "budget `{}` is too small: {name} spends {per} `{unit}` evaluation(s) per particle \
                 at its reference draw and needs at least one move more ({} per sample)",
                job.budget,
                2 * per
            ),
        });
    }
    Ok(job.budget.per_sample - per)
}

struct SmcSampler {
    config: SmcConfig,
}

impl Sampler for SmcSampler {
    fn config(&self) -> Table {
        to_table(&self.config)
    }

    fn needs(&self) -> Needs {
        needs_of(self.config.mv)
    }

    fn run(
        &self,
        target: TargetRef<'_>,
        job: &Job,
        control: Control<'_>,
    ) -> Result<Outcome, CoreError> {
        job.validate()?;
        with_model(&target, self.config.mv, |model| {
            let per_particle = budget_after_init(job, &model, self.config.mv, "smc")?;
            let kernel =
                Smc::new(model, self.config)?.with_budget(job.budget.unit, per_particle)?;
            let mut rc = RunConfig::new(job.n, 0, per_particle, job.seed);
            rc.thin = per_particle;
            rc.cost_unit = Some(job.budget.unit);
            // One stage per segment: a stage already costs n · moves evaluations.
            rc.segment = 1;
            let runner = Runner::population(&kernel, rc)?.count_with(target.counter());
            control.drive(runner, &Particles::zeros(1, target.dim()))
        })
    }
}

struct AisSampler {
    config: AisConfig,
}

impl Sampler for AisSampler {
    fn config(&self) -> Table {
        to_table(&self.config)
    }

    fn needs(&self) -> Needs {
        needs_of(self.config.mv)
    }

    fn run(
        &self,
        target: TargetRef<'_>,
        job: &Job,
        control: Control<'_>,
    ) -> Result<Outcome, CoreError> {
        job.validate()?;
        let c = self.config;
        with_model(&target, c.mv, |model| {
            let per_particle = budget_after_init(job, &model, c.mv, "ais")?;
            let per_step = model.move_cost(c.mv).in_unit(job.budget.unit) * c.moves as u64;
            let steps = match c.steps {
                Some(t) => t,
                None => {
                    let t = per_particle / per_step;
                    if t == 0 {
                        return Err(CoreError::Unsupported {
                            reason: format!(
                                "budget `{}` is too small: one ais temperature with {} moves costs \
                                 {per_step} `{}` evaluations per particle",
                                job.budget, c.moves, job.budget.unit
                            ),
                        });
                    }
                    t
                }
            };
            let kernel = Ais::new(model, c, steps)?;
            let mut rc = RunConfig::new(job.n, 0, steps, job.seed);
            rc.thin = steps;
            rc.segment = steps.div_ceil(AIS_SEGMENTS);
            let runner = Runner::population(&kernel, rc)?.count_with(target.counter());
            control.drive(runner, &Particles::zeros(1, target.dim()))
        })
    }
}

struct PtSampler {
    config: PtConfig,
}

impl Sampler for PtSampler {
    fn config(&self) -> Table {
        to_table(&self.config)
    }

    fn needs(&self) -> Needs {
        needs_of(self.config.mv)
    }

    fn run(
        &self,
        target: TargetRef<'_>,
        job: &Job,
        control: Control<'_>,
    ) -> Result<Outcome, CoreError> {
        job.validate()?;
        let c = self.config;
        let mut job = job.clone();
        job.chains = Some(job.chains.unwrap_or(job.n.div_ceil(c.samples_per_chain)));
        with_model(&target, c.mv, |model| {
            let kernel = Pt::new(model, c)?;
            control.run_chains(&kernel, &job, &target, PT_SEGMENT)
        })
    }
}

/// The family's entries, for `Registry::with`.
pub fn samplers() -> Vec<SamplerEntry> {
    vec![
        SamplerEntry {
            name: "smc",
            description: "sequential Monte Carlo, adaptive tempering from N(0, I) (CESS 0.5, 10 MALA \
                          moves per stage), weighted output, log Z (docs/baselines.md)",
            needs: Needs::GRADIENT,
            defaults: || to_table(&SmcConfig::default()),
            build: |t| {
                let config: SmcConfig = from_table(t)?;
                config.validate()?;
                Ok(Box::new(SmcSampler { config }))
            },
        },
        SamplerEntry {
            name: "ais",
            description: "annealed importance sampling from N(0, I), (t/T)^4 schedule, one MALA move \
                          per temperature, weighted output, log Z (docs/baselines.md)",
            needs: Needs::GRADIENT,
            defaults: || to_table(&AisConfig::default()),
            build: |t| {
                let config: AisConfig = from_table(t)?;
                config.validate()?;
                Ok(Box::new(AisSampler { config }))
            },
        },
        SamplerEntry {
            name: "pt",
            description: "parallel tempering, 10 replicas from N(0, I) to the target, adaptive \
                          ladder, MALA within, even-odd swaps (docs/baselines.md)",
            needs: Needs::GRADIENT,
            defaults: || to_table(&PtConfig::default()),
            build: |t| {
                let config: PtConfig = from_table(t)?;
                config.validate()?;
                Ok(Box::new(PtSampler { config }))
            },
        },
    ]
}
