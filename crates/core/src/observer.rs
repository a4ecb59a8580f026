//! Observers of a run (argmin's observers are the model): progress bars, trace
//! writers, Ctrl-C handlers. Sampler code never prints; observers do.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Which part of the run a step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Adaptation steps, not kept.
    Warmup,
    /// Steps whose draws are kept (after thinning).
    Sampling,
}

/// What an observer sees after each segment of steps.
#[derive(Debug, Clone)]
pub struct Progress {
    /// Steps completed so far (warm-up included; in a cost-limited run, by the
    /// chain that has taken the most).
    pub step: u64,
    /// Total steps of the run, when it is planned in steps.
    pub total: Option<u64>,
    /// Fraction of the run done, in [0, 1] (of the steps, or of the cost budget).
    pub fraction: f64,
    /// Phase of the last completed step (in a cost-limited run: `Sampling` once
    /// every chain has left warm-up).
    pub phase: Phase,
    /// Mean acceptance over chains and the steps of the last segment, if any.
    pub mean_acceptance: Option<f64>,
    /// Target evaluations so far (the counter's, else the kernel's reports).
    pub evaluations: crate::EvalCounts,
    /// Means of the kernel's key-value statistics over the last segment.
    pub stats: Vec<(&'static str, f64)>,
}

/// Called by the runner after every segment. Returning `Break` stops the run
/// cleanly: a checkpoint is written (if configured) and the partial result returned.
pub trait Observer {
    /// Sees the progress; `Break(())` requests a stop.
    fn observe(&mut self, progress: &Progress) -> ControlFlow<()>;
}

impl<F: FnMut(&Progress) -> ControlFlow<()>> Observer for F {
    fn observe(&mut self, progress: &Progress) -> ControlFlow<()> {
        self(progress)
    }
}

/// Stops the run at the first segment boundary at or after `step`.
#[derive(Debug, Clone, Copy)]
pub struct StopAfter(pub u64);

impl Observer for StopAfter {
    fn observe(&mut self, p: &Progress) -> ControlFlow<()> {
        if p.step >= self.0 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

/// Stops the run when a shared flag is raised, e.g. by a Ctrl-C handler.
#[derive(Debug, Clone)]
pub struct StopFlag(pub Arc<AtomicBool>);

impl Observer for StopFlag {
    fn observe(&mut self, _: &Progress) -> ControlFlow<()> {
        if self.0.load(Ordering::Relaxed) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}
