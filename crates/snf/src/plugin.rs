//! The family's sampler kinds for the harness registry ([`sampo_core::plugin`]):
//! `snf` (a flow trained at the start of each run, or loaded from a file) and
//! `snf-free` (the training-free annealed flow).
//!
//! **Budget.** A flow's cost is fixed by its configuration: per sample, one pass
//! through its blocks ([`crate::sampler::sampling_cost`]); once per run, training and
//! its data ([`training_cost`]). [`Sampler::fixed_cost`] and [`Sampler::setup_cost`]
//! say what it spends, and the harness reports the difference from a budget. The
//! output is weighted: every sample carries its path log weight. **Init.** Particles
//! start from the prior N(0, I) drawn from their own streams; the job's initial
//! positions and `chains` do not apply.

use crate::config::{AnnealConfig, SnfConfig};
use crate::flow::{Layer, Snf};
use crate::sampler::{Setup, SnfKernel, sampling_cost};
use sampo_core::plugin::{
    Control, Job, Needs, Sampler, SamplerEntry, Table, TargetRef, from_table, to_table,
};
use sampo_core::{CoreError, EvalCounts, Outcome, Particles, Runner};

/// Per-sample evaluations of one training pass through `flow` (ML or KL batch).
fn pass_cost(flow: &Snf, kl: bool) -> EvalCounts {
    let mut c = EvalCounts::ZERO;
    for l in &flow.layers {
        match l {
            Layer::Metropolis(m) if m.lambda > 0.0 => {
                c += EvalCounts::gradient(2) + EvalCounts::density(m.steps as u64)
            }
            Layer::Overdamped(b) if b.lambda > 0.0 => c += EvalCounts::gradient(1 + b.steps as u64),
            _ => {}
        }
    }
    if kl && !flow.ends_on_target() {
        c += EvalCounts::gradient(1);
    }
    c
}

/// The evaluations `cfg`'s training spends on a target of dimension `dim` (data
/// included), for a target without data terms.
pub fn training_cost(cfg: &SnfConfig, dim: usize) -> EvalCounts {
    if cfg.load.is_some() {
        return EvalCounts::ZERO;
    }
    let flow = Snf::build(dim, &cfg.flow, &cfg.blocks, 0);
    let t = &cfg.train;
    let ml = t.ml_iterations
        + if t.ml_weight > 0.0 {
            t.mixed_iterations
        } else {
            0
        };
    let kl = t.kl_iterations
        + if t.ml_weight < 1.0 {
            t.mixed_iterations
        } else {
            0
        };
    let b = t.batch as u64;
    let mut c =
        pass_cost(&flow, false).times(ml as u64 * b) + pass_cost(&flow, true).times(kl as u64 * b);
    if t.needs_data() {
        let data = Snf::annealed(dim, &cfg.anneal);
        c += sampling_cost(&data, 0).times(cfg.data.n as u64);
    }
    c
}

struct SnfSampler {
    config: SnfConfig,
    /// The flow of `config.load`, read when the sampler is built: its own layers,
    /// not the config's architecture, set the cost per sample.
    loaded: Option<Snf>,
}

fn run_setup(
    setup: Setup,
    target: TargetRef<'_>,
    job: &Job,
    control: Control<'_>,
) -> Result<Outcome, CoreError> {
    job.validate()?;
    let g = target.gradient()?;
    let d = target.dim();
    let kernel = SnfKernel::new(&g, setup);
    let runner = Runner::population(&kernel, kernel.run_config(job.n, job.seed))?
        .count_with(target.counter());
    control.drive(runner, &Particles::zeros(1, d))
}

impl Sampler for SnfSampler {
    fn config(&self) -> Table {
        to_table(&self.config)
    }

    fn needs(&self) -> Needs {
        Needs::GRADIENT
    }

    fn fixed_cost(&self, dim: usize) -> Option<EvalCounts> {
        Some(match &self.loaded {
            Some(flow) => sampling_cost(flow, 0),
            None => sampling_cost(
                &Snf::build(dim, &self.config.flow, &self.config.blocks, 0),
                0,
            ),
        })
    }

    fn setup_cost(&self, dim: usize) -> EvalCounts {
        training_cost(&self.config, dim)
    }

    fn run(
        &self,
        target: TargetRef<'_>,
        job: &Job,
        control: Control<'_>,
    ) -> Result<Outcome, CoreError> {
        let setup = match (&self.loaded, &self.config.load) {
            (Some(flow), Some(path)) => {
                if flow.dim != target.dim() {
                    return Err(crate::SnfError::FlowFile {
                        path: path.clone(),
                        reason: format!(
                            "the flow has dimension {}, the target {}",
                            flow.dim,
                            target.dim()
                        ),
                    }
                    .into());
                }
                Setup::Ready(flow.clone())
            }
            _ => Setup::Train(self.config.clone()),
        };
        run_setup(setup, target, job, control)
    }
}

struct FreeSampler {
    config: AnnealConfig,
}

impl Sampler for FreeSampler {
    fn config(&self) -> Table {
        to_table(&self.config)
    }

    fn needs(&self) -> Needs {
        // Metropolis blocks need densities only; the gradient entry point is the
        // one the kernel is written against, so a density-only target is refused.
        Needs::GRADIENT
    }

    fn fixed_cost(&self, dim: usize) -> Option<EvalCounts> {
        Some(sampling_cost(&Snf::annealed(dim, &self.config), 0))
    }

    fn run(
        &self,
        target: TargetRef<'_>,
        job: &Job,
        control: Control<'_>,
    ) -> Result<Outcome, CoreError> {
        run_setup(
            Setup::Ready(Snf::annealed(target.dim(), &self.config)),
            target,
            job,
            control,
        )
    }
}

/// The family's entries, for `Registry::with`.
pub fn samplers() -> Vec<SamplerEntry> {
    vec![
        SamplerEntry {
            name: "snf",
            description: "stochastic normalizing flow: RealNVP + Metropolis blocks, trained at the \
                          start of the run (docs/snf.md); weighted output, cost fixed by its config",
            needs: Needs::GRADIENT,
            defaults: || to_table(&SnfConfig::default()),
            build: |t| {
                let c: SnfConfig = from_table(t)?;
                c.validate()?;
                let loaded = c.load.as_deref().map(Snf::read).transpose()?;
                Ok(Box::new(SnfSampler { config: c, loaded }))
            },
        },
        SamplerEntry {
            name: "snf-free",
            description: "training-free SNF: Metropolis blocks annealed from N(0, I) to the target \
                          (AIS with MC kernels, docs/snf.md); weighted output",
            needs: Needs::GRADIENT,
            defaults: || to_table(&AnnealConfig::default()),
            build: |t| {
                let c: AnnealConfig = from_table(t)?;
                c.validate("")?;
                Ok(Box::new(FreeSampler { config: c }))
            },
        },
    ]
}
