//! What the caller controls in a sampler's run: observers (progress, Ctrl-C),
//! checkpoints and resume. Every sampler passes its runner through
//! [`Control::drive`], so every family stops, checkpoints and resumes the same way.

use super::{Job, TargetRef};
use crate::{CoreError, Engine, Kernel, Observer, Outcome, Particles, Runner};
use std::path::PathBuf;

/// Observers, checkpointing and resume for one run.
#[derive(Default)]
pub struct Control<'a> {
    /// Observers called after every segment (progress bars, a Ctrl-C flag).
    pub observers: Vec<Box<dyn Observer + 'a>>,
    /// Where to write checkpoints (on a stop, and every `checkpoint_every` steps).
    pub checkpoint: Option<PathBuf>,
    /// Steps between periodic checkpoints (0: only on a stop).
    pub checkpoint_every: u64,
    /// Continue from `checkpoint` if that file exists.
    pub resume: bool,
}

impl<'a> Control<'a> {
    /// No observers, no checkpoints.
    pub fn none() -> Self {
        Control::default()
    }

    /// Adds an observer.
    pub fn observe(mut self, obs: impl Observer + 'a) -> Self {
        self.observers.push(Box::new(obs));
        self
    }

    /// Runs a per-chain `kernel` as `job` asks: the budget planned into chains and
    /// steps from the kernel's costs ([`Job::chain_plan`], observers called every
    /// `segment` steps), chains started at the job's initial positions, evaluations
    /// counted on `target`, exactly `job.n` samples kept.
    pub fn run_chains<K: Kernel>(
        self,
        kernel: &'a K,
        job: &Job,
        target: &TargetRef<'a>,
        segment: u64,
    ) -> Result<Outcome, CoreError> {
        let plan = job.chain_plan(kernel.init_cost(), kernel.step_cost(), segment)?;
        let init = job.initial_positions(plan.chains, target.dim())?;
        let runner = Runner::new(kernel, plan)?.count_with(target.counter());
        Ok(self.drive(runner, &init)?.truncated(job.n))
    }

    /// Attaches the observers and checkpoint to `runner`, then runs it from `init`,
    /// or resumes it from the checkpoint when asked and the file exists.
    pub fn drive<E: Engine>(
        self,
        mut runner: Runner<'a, E>,
        init: &Particles,
    ) -> Result<Outcome, CoreError> {
        for o in self.observers {
            runner = runner.observe_boxed(o);
        }
        if let Some(path) = &self.checkpoint {
            runner = runner
                .checkpoint_to(path.clone())
                .checkpoint_every(self.checkpoint_every);
        }
        match &self.checkpoint {
            Some(path) if self.resume && path.exists() => runner.resume(path),
            _ => runner.run(init),
        }
    }
}
