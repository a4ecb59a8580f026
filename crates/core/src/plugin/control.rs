//! What the caller controls in a sampler's run: observers (progress, Ctrl-C),
//! checkpoints and resume. Every sampler passes its runner through
//! [`Control::drive`], so every family stops, checkpoints and resumes the same way.

use crate::{CoreError, Engine, Observer, Outcome, Particles, Runner};
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
