//! One kernel type for any [`LangevinConfig`], so that a harness reading
//! `[sampler] kind = "…"` from TOML can build and run whichever kernel was asked
//! for without matching on the kind at every call site.
//!
//! [`AnyLangevin`] dispatches each call to the kernel built from the config; its
//! State, Info and Tuning are enums over the three kernels'. A state of one kind
//! given to a kernel of another (possible only through a hand-edited checkpoint)
//! is reported as a [`Divergence`] rather than a panic.

use crate::config::LangevinConfig;
use crate::error::LangevinError;
use crate::mala::{Mala, MalaInfo, MalaState, MalaTuning};
use crate::ula::{Ula, UlaInfo, UlaState};
use crate::underdamped::{Underdamped, UnderdampedInfo, UnderdampedState};
use sampo_core::rng::StreamRng;
use sampo_core::{CoreError, Divergence, EvalCounts, GradTarget, Kernel, StepInfo};
use serde::{Deserialize, Serialize};

/// The kernel selected by a [`LangevinConfig`].
#[derive(Debug, Clone)]
pub enum AnyLangevin<T> {
    /// Unadjusted Langevin.
    Ula(Ula<T>),
    /// Metropolis-adjusted Langevin.
    Mala(Mala<T>),
    /// Underdamped Langevin.
    Underdamped(Underdamped<T>),
}

impl LangevinConfig {
    /// Validates the config and builds its kernel over `target`.
    pub fn build<T: GradTarget>(&self, target: T) -> Result<AnyLangevin<T>, LangevinError> {
        Ok(match self {
            LangevinConfig::Ula(c) => AnyLangevin::Ula(Ula::new(target, c.clone())?),
            LangevinConfig::Mala(c) => AnyLangevin::Mala(Mala::new(target, c.clone())?),
            LangevinConfig::Underdamped(c) => {
                AnyLangevin::Underdamped(Underdamped::new(target, c.clone())?)
            }
        })
    }
}

/// State of an [`AnyLangevin`] chain.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum AnyState {
    /// ULA state.
    Ula(UlaState),
    /// MALA state.
    Mala(MalaState),
    /// Underdamped state.
    Underdamped(UnderdampedState),
}

/// Tuning of an [`AnyLangevin`] chain (only MALA adapts anything).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum AnyTuning {
    /// ULA and underdamped: nothing to tune.
    Fixed,
    /// MALA's step size and dual-averaging state.
    Mala(MalaTuning),
}

/// Diagnostics of one [`AnyLangevin`] step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AnyInfo {
    /// ULA step.
    Ula(UlaInfo),
    /// MALA step.
    Mala(MalaInfo),
    /// Underdamped step.
    Underdamped(UnderdampedInfo),
}

impl StepInfo for AnyInfo {
    fn evaluations(&self) -> EvalCounts {
        match self {
            AnyInfo::Ula(i) => i.evaluations(),
            AnyInfo::Mala(i) => i.evaluations(),
            AnyInfo::Underdamped(i) => i.evaluations(),
        }
    }
    fn acceptance(&self) -> Option<f64> {
        match self {
            AnyInfo::Mala(i) => i.acceptance(),
            _ => None,
        }
    }
}

#[cold]
fn mismatch(kernel: &str) -> Divergence {
    Divergence {
        reason: format!("state of another kind given to the {kernel} kernel"),
    }
}

impl<T: GradTarget> Kernel for AnyLangevin<T> {
    type State = AnyState;
    type Info = AnyInfo;
    type Tuning = AnyTuning;

    fn dim(&self) -> usize {
        match self {
            AnyLangevin::Ula(k) => k.dim(),
            AnyLangevin::Mala(k) => k.dim(),
            AnyLangevin::Underdamped(k) => k.dim(),
        }
    }

    fn init(&self, x0: &[f64], rng: &mut StreamRng) -> Result<(AnyState, EvalCounts), CoreError> {
        Ok(match self {
            AnyLangevin::Ula(k) => {
                let (s, c) = k.init(x0, rng)?;
                (AnyState::Ula(s), c)
            }
            AnyLangevin::Mala(k) => {
                let (s, c) = k.init(x0, rng)?;
                (AnyState::Mala(s), c)
            }
            AnyLangevin::Underdamped(k) => {
                let (s, c) = k.init(x0, rng)?;
                (AnyState::Underdamped(s), c)
            }
        })
    }

    fn initial_tuning(&self) -> AnyTuning {
        match self {
            AnyLangevin::Mala(k) => AnyTuning::Mala(k.initial_tuning()),
            _ => AnyTuning::Fixed,
        }
    }

    #[inline(always)]
    fn step(
        &self,
        tuning: &AnyTuning,
        state: &mut AnyState,
        rng: &mut StreamRng,
    ) -> Result<AnyInfo, Divergence> {
        match (self, state, tuning) {
            (AnyLangevin::Ula(k), AnyState::Ula(s), _) => k.step(&(), s, rng).map(AnyInfo::Ula),
            (AnyLangevin::Mala(k), AnyState::Mala(s), AnyTuning::Mala(t)) => {
                k.step(t, s, rng).map(AnyInfo::Mala)
            }
            (AnyLangevin::Underdamped(k), AnyState::Underdamped(s), _) => {
                k.step(&(), s, rng).map(AnyInfo::Underdamped)
            }
            (AnyLangevin::Ula(_), ..) => Err(mismatch("ULA")),
            (AnyLangevin::Mala(_), ..) => Err(mismatch("MALA")),
            (AnyLangevin::Underdamped(_), ..) => Err(mismatch("underdamped")),
        }
    }

    fn position<'a>(&self, state: &'a AnyState) -> &'a [f64] {
        match state {
            AnyState::Ula(s) => s.position(),
            AnyState::Mala(s) => s.position(),
            AnyState::Underdamped(s) => s.position(),
        }
    }

    fn adapt(&self, tuning: &mut AnyTuning, info: &AnyInfo, iter: u64) {
        if let (AnyLangevin::Mala(k), AnyTuning::Mala(t), AnyInfo::Mala(i)) = (self, tuning, info) {
            k.adapt(t, i, iter);
        }
    }

    fn finish_adaptation(&self, tuning: &mut AnyTuning) {
        if let (AnyLangevin::Mala(k), AnyTuning::Mala(t)) = (self, tuning) {
            k.finish_adaptation(t);
        }
    }

    fn step_size(&self, tuning: &AnyTuning) -> Option<f64> {
        match (self, tuning) {
            (AnyLangevin::Ula(k), _) => k.step_size(&()),
            (AnyLangevin::Mala(k), AnyTuning::Mala(t)) => k.step_size(t),
            (AnyLangevin::Underdamped(k), _) => k.step_size(&()),
            (AnyLangevin::Mala(_), AnyTuning::Fixed) => None,
        }
    }

    fn step_cost(&self) -> Option<EvalCounts> {
        match self {
            AnyLangevin::Ula(k) => k.step_cost(),
            AnyLangevin::Mala(k) => k.step_cost(),
            AnyLangevin::Underdamped(k) => k.step_cost(),
        }
    }

    fn init_cost(&self) -> Option<EvalCounts> {
        match self {
            AnyLangevin::Ula(k) => k.init_cost(),
            AnyLangevin::Mala(k) => k.init_cost(),
            AnyLangevin::Underdamped(k) => k.init_cost(),
        }
    }
}
