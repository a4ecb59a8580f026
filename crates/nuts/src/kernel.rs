//! NUTS chains of nuts-rs as a Sampo [`Kernel`]: one draw of nuts-rs per step.
//!
//! **State.** nuts-rs keeps its chain (tree-building buffers, adaptation, its own
//! ChaCha8 stream) private and not serializable. The kernel therefore keeps every
//! live chain itself, keyed by the chain's seed, and the Sampo state holds what
//! determines it: the seed (drawn from the chain's stream `(seed, c)` at
//! initialization), the initial position and the number of draws so far. A state
//! whose live chain is missing (a run resumed from a checkpoint) or at another draw
//! count rebuilds it and replays its draws: the replay repeats the same arithmetic
//! from the same seed, so a resumed run equals the uninterrupted one bit for bit. A
//! replay costs the evaluations of the draws it repeats; they are not reported as
//! the run's (they were reported when first spent).
//!
//! **Cost.** Every call of the target is counted ([`crate::logp::Logp`]); a step
//! reports the gradient evaluations of its draw: its leapfrog steps (one gradient
//! each). Initialization reports what nuts-rs spends at the initial position.

use crate::config::NutsConfig;
use crate::logp::Logp;
use nuts_rs::{Chain, CpuMath, DiagNutsSettings, Settings};
use rand::Rng;
use sampo_core::rng::{self, StreamRng};
use sampo_core::{CoreError, Divergence, EvalCounts, GradTarget, Kernel, StepInfo};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

type NutsChain<'a> = <DiagNutsSettings as Settings>::Chain<CpuMath<Logp<'a>>>;

/// A live nuts-rs chain with its draw count and call counter.
struct Live<'a> {
    chain: NutsChain<'a>,
    draws: u64,
    calls: Arc<AtomicU64>,
}

// SAFETY: `NutsChain` is not `Send` only because nuts-rs's pool of trajectory
// states uses `Rc` (nuts-rs 0.19.1, `dynamics/state.rs`). Every `Rc` (the pool's
// storage, the states it hands out, their weak back-references) is owned by the
// chain itself, and a draw returns plain data (`Box<[f64]>`, `Progress`), so no
// clone outlives or escapes the chain. A `Live` is only ever moved whole between
// threads, and only through the kernel's `Mutex`, which orders every access: no
// two threads ever touch the same reference counts. The nuts-rs version is
// pinned (`=0.19.1`) so that a release changing this is reviewed first.
unsafe impl Send for Live<'_> {}

/// The per-chain state the runner holds (see the module docs).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NutsState {
    chain_seed: u64,
    x0: Vec<f64>,
    position: Vec<f64>,
    draws: u64,
}

impl NutsState {
    /// Draws taken so far (tuning included).
    pub fn draws(&self) -> u64 {
        self.draws
    }
}

/// One draw's diagnostics.
#[derive(Clone, Copy, Debug)]
pub struct NutsInfo {
    evaluations: EvalCounts,
    /// The trajectory diverged (energy error above `max_energy_error`, or a
    /// non-finite density): the draw stays where it was.
    pub divergent: bool,
    /// nuts-rs was still tuning after this draw.
    pub tuning: bool,
    /// Leapfrog steps of the final trajectory (fewer than the gradients spent when
    /// a doubling was built and then discarded at a U-turn inside it).
    pub tree_steps: u64,
    /// The step size after the draw.
    pub step_size: f64,
}

impl StepInfo for NutsInfo {
    fn evaluations(&self) -> EvalCounts {
        self.evaluations
    }

    /// `divergent`, `tuning` (1 or 0: their means are the rates), `gradients`
    /// (spent by the draw), `tree_steps` and `step_size`.
    fn stats(&self, visit: &mut dyn FnMut(&'static str, f64)) {
        visit("divergent", f64::from(u8::from(self.divergent)));
        visit("tuning", f64::from(u8::from(self.tuning)));
        visit("gradients", self.evaluations.gradient as f64);
        visit("tree_steps", self.tree_steps as f64);
        visit("step_size", self.step_size);
    }
}

/// NUTS with nuts-rs's diagonal mass-matrix adaptation (see the module docs).
pub struct Nuts<'a> {
    target: &'a dyn GradTarget,
    settings: DiagNutsSettings,
    data_terms: u64,
    live: Mutex<HashMap<u64, Live<'a>>>,
}

impl<'a> Nuts<'a> {
    /// The kernel on `target` with `config`'s settings, tuning for
    /// `config.num_tune` draws, trajectories limited by `maxdepth` only.
    pub fn new(target: &'a dyn GradTarget, config: &NutsConfig) -> Result<Self, CoreError> {
        config.validate()?;
        if target.dim() == 0 {
            return Err(CoreError::invalid("target dimension", 0, "must be >= 1"));
        }
        let mut settings = DiagNutsSettings {
            num_tune: config.num_tune,
            maxdepth: config.maxdepth,
            max_energy_error: config.max_energy_error,
            ..Default::default()
        };
        let step = &mut settings.adapt_options.step_size_settings;
        step.target_accept = config.target_accept;
        step.initial_step = config.initial_step;
        Ok(Nuts {
            target,
            settings,
            data_terms: target.data_terms(),
            live: Mutex::new(HashMap::new()),
        })
    }

    /// Tune for `num_tune` draws instead (a budget that cannot pay for the
    /// configured number).
    pub fn with_num_tune(mut self, num_tune: u64) -> Self {
        self.settings.num_tune = num_tune;
        self
    }

    /// At most `steps` leapfrog steps per draw (nuts-rs stops before a doubling
    /// that does not fit), so that a budget bounds every draw's cost.
    pub fn with_max_leapfrog_steps(mut self, steps: u64) -> Self {
        self.settings.max_leapfrog_steps = Some(steps);
        self
    }

    /// Tuning draws per chain.
    pub fn num_tune(&self) -> u64 {
        self.settings.num_tune
    }

    /// The most leapfrog steps (gradient evaluations) a draw can take.
    pub fn max_leapfrog_steps(&self) -> u64 {
        let by_depth = (1u64 << self.settings.maxdepth) - 1;
        self.settings
            .max_leapfrog_steps
            .map_or(by_depth, |l| l.min(by_depth))
    }

    fn chains(&self) -> MutexGuard<'_, HashMap<u64, Live<'a>>> {
        // A panic while the lock was held lost at most that chain's entry, which
        // is rebuilt on its next step.
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new chain at `x0`, seeded from `chain_seed`.
    fn start(&self, chain_seed: u64, x0: &[f64]) -> Result<Live<'a>, String> {
        let calls = Arc::new(AtomicU64::new(0));
        let math = CpuMath::new(Logp::new(self.target, Arc::clone(&calls)));
        let mut seeder = rng::stream(chain_seed, 0);
        let mut chain = self
            .settings
            .new_chain(0, math, &mut seeder)
            .map_err(|e| format!("nuts-rs settings: {}", message(&e)))?;
        chain
            .set_position(x0)
            .map_err(|e| format!("nuts-rs initialization: {}", message(&e)))?;
        Ok(Live {
            chain,
            draws: 0,
            calls,
        })
    }

    /// The live chain of `state`, rebuilt and replayed to its draw count when the
    /// kernel does not hold it.
    fn take(&self, state: &NutsState) -> Result<Live<'a>, Divergence> {
        if let Some(live) = self.chains().remove(&state.chain_seed)
            && live.draws == state.draws
        {
            return Ok(live);
        }
        let fail = |reason: String| Divergence { reason };
        let mut live = self.start(state.chain_seed, &state.x0).map_err(fail)?;
        for _ in 0..state.draws {
            live.chain
                .draw()
                .map_err(|e| fail(format!("nuts-rs replay: {}", message(&e))))?;
            live.draws += 1;
        }
        Ok(live)
    }

    fn counts(&self, calls: u64) -> EvalCounts {
        EvalCounts::gradient(calls).with_data_terms(calls * self.data_terms)
    }
}

/// An error of nuts-rs as one message: its causes, without the backtrace that
/// some of its errors carry in their text.
fn message(e: &impl std::fmt::Display) -> String {
    let full = format!("{e:#}");
    match full.find("\n\nStack backtrace") {
        Some(i) => full[..i].to_string(),
        None => full,
    }
}

impl Kernel for Nuts<'_> {
    type State = NutsState;
    type Info = NutsInfo;
    type Tuning = ();

    fn dim(&self) -> usize {
        self.target.dim()
    }

    fn init(&self, x0: &[f64], rng: &mut StreamRng) -> Result<(NutsState, EvalCounts), CoreError> {
        sampo_core::validate::length("initial position", x0, self.dim())?;
        let chain_seed = rng.next_u64();
        let live = self.start(chain_seed, x0).map_err(|reason| {
            // Say why in Sampo's terms (the run fails, so this evaluation is not
            // reported): a non-finite density at x0, or a zero gradient coordinate,
            // which nuts-rs refuses because its initial mass matrix is 1/|∇ log π̃|.
            let mut g = vec![0.0; x0.len()];
            let value = self.target.log_density_grad(x0, &mut g);
            if !value.is_finite() {
                CoreError::NonFiniteLogDensity {
                    step: 0,
                    particle: 0,
                    value,
                }
            } else if let Some(j) = g.iter().position(|&v| v == 0.0 || !v.is_finite()) {
                CoreError::invalid(
                    "initial position",
                    format!("{x0:?}"),
                    format!(
                        "the gradient's coordinate {j} is {} there; NUTS (nuts-rs) needs every \
                         coordinate finite and nonzero at the start (its initial mass matrix is \
                         1/|grad log density|): start elsewhere, e.g. from random positions",
                        g[j]
                    ),
                )
            } else {
                CoreError::Unsupported { reason }
            }
        })?;
        let spent = self.counts(live.calls.load(Ordering::Relaxed));
        self.chains().insert(chain_seed, live);
        Ok((
            NutsState {
                chain_seed,
                x0: x0.to_vec(),
                position: x0.to_vec(),
                draws: 0,
            },
            spent,
        ))
    }

    fn initial_tuning(&self) {}

    fn step(
        &self,
        _tuning: &(),
        state: &mut NutsState,
        _rng: &mut StreamRng,
    ) -> Result<NutsInfo, Divergence> {
        let mut live = self.take(state)?;
        let before = live.calls.load(Ordering::Relaxed);
        let (position, progress) = live.chain.draw().map_err(|e| Divergence {
            reason: format!("nuts-rs: {}", message(&e)),
        })?;
        let spent = live.calls.load(Ordering::Relaxed) - before;
        live.draws += 1;
        state.position.copy_from_slice(&position);
        state.draws += 1;
        self.chains().insert(state.chain_seed, live);
        Ok(NutsInfo {
            evaluations: self.counts(spent),
            divergent: progress.diverging,
            tuning: progress.tuning,
            tree_steps: progress.num_steps,
            step_size: progress.step_size,
        })
    }

    fn position<'s>(&self, state: &'s NutsState) -> &'s [f64] {
        &state.position
    }
}
