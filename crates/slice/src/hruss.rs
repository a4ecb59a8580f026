//! Hit-and-run uniform slice sampling (HRUSS; the GPSS paper's first baseline):
//! a threshold log t = log ϱ(x) + log U, a direction v uniform on S^{d−1}, and
//! Neal's stepping-out (window w) and shrinkage along the line x + s v until
//! log ϱ(x + s v) > log t.

use crate::config::{HrussConfig, check_common, default_window};
use crate::info::SliceInfo;
use crate::shrink::step_out_and_shrink;
use sampo_core::rng::{StreamRng, fill_standard_normal, uniform};
use sampo_core::{CoreError, Divergence, EvalCounts, Kernel, Target};
use serde::{Deserialize, Serialize};

/// The HRUSS kernel on a target.
pub struct Hruss<'a> {
    target: &'a dyn Target,
    w: f64,
    max_proposals: u64,
    reevaluate: bool,
    terms: u64,
}

/// A chain's state: the point and its log density.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PointState {
    pub(crate) x: Vec<f64>,
    pub(crate) log_density: f64,
}

/// The initial state at `x0` (one evaluation), or a named error.
pub(crate) fn start(target: &dyn Target, x0: &[f64]) -> Result<PointState, CoreError> {
    sampo_core::validate::length("initial position", x0, target.dim())?;
    let log_density = target.log_density(x0);
    if !log_density.is_finite() {
        return Err(CoreError::NonFiniteLogDensity {
            step: 0,
            particle: 0,
            value: log_density,
        });
    }
    Ok(PointState {
        x: x0.to_vec(),
        log_density,
    })
}

/// The named error of a loop that hit `max_proposals`.
pub(crate) fn give_up(sampler: &str, limit: u64) -> Divergence {
    Divergence {
        reason: format!(
            "{sampler}: no point of the slice after {limit} proposals (`max_proposals`): the \
             target's density is NaN or −∞ around the chain, or the window is far too small"
        ),
    }
}

impl<'a> Hruss<'a> {
    /// HRUSS on `target` with `config`, checked.
    pub fn new(target: &'a dyn Target, config: &HrussConfig) -> Result<Self, CoreError> {
        check_common("hruss", config.w, config.max_proposals)?;
        Ok(Hruss {
            target,
            w: config.w.unwrap_or_else(|| default_window(target.dim())),
            max_proposals: config.max_proposals,
            reevaluate: config.reevaluate_current,
            terms: target.data_terms(),
        })
    }
}

impl Kernel for Hruss<'_> {
    type State = PointState;
    type Info = SliceInfo;
    type Tuning = ();

    fn dim(&self) -> usize {
        self.target.dim()
    }

    fn init(&self, x0: &[f64], _: &mut StreamRng) -> Result<(PointState, EvalCounts), CoreError> {
        Ok((
            start(self.target, x0)?,
            EvalCounts::density(1).with_data_terms(self.terms),
        ))
    }

    fn initial_tuning(&self) {}

    fn step(
        &self,
        _: &(),
        s: &mut PointState,
        rng: &mut StreamRng,
    ) -> Result<SliceInfo, Divergence> {
        let d = s.x.len();
        let mut evals = 0;
        if self.reevaluate {
            s.log_density = self.target.log_density(&s.x);
            evals += 1;
        }
        let log_t = s.log_density + (1.0 - uniform(rng)).ln();
        let mut v = vec![0.0; d];
        fill_standard_normal(rng, &mut v);
        let n = crate::info::norm(&v);
        v.iter_mut().for_each(|a| *a /= n);
        let mut buf = vec![0.0; d];
        let mut lp = s.log_density;
        let mut proposals = 0;
        let step = step_out_and_shrink(
            rng,
            0.0,
            self.w,
            None,
            self.max_proposals,
            &mut proposals,
            |t| {
                for ((b, x), v) in buf.iter_mut().zip(&s.x).zip(&v) {
                    *b = x + t * v;
                }
                let l = self.target.log_density(&buf);
                let inside = l > log_t;
                if inside {
                    lp = l;
                }
                inside
            },
        )
        .map_err(|e| give_up("hruss", e.limit))?;
        evals += proposals;
        s.x.iter_mut().zip(&v).for_each(|(x, v)| *x += step * v);
        s.log_density = lp;
        Ok(SliceInfo {
            evaluations: EvalCounts::density(evals).with_data_terms(evals * self.terms),
            proposals,
            step_length: step.abs(),
        })
    }

    fn position<'s>(&self, s: &'s PointState) -> &'s [f64] {
        &s.x
    }
}
