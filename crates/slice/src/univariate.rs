//! Neal's univariate slice sampler (Neal, Ann. Statist. 2003, §4, Fig. 3 and 5),
//! one coordinate after another: for j = 1..d, a threshold
//! log t = log ϱ(x) + log U, stepping-out with window w along coordinate j, and
//! shrinkage towards x_j. One kernel step is a full sweep.

use crate::config::{UnivariateConfig, check_common};
use crate::info::{SliceInfo, distance};
use crate::point::{PointState, PointTarget, give_up};
use crate::shrink::step_out_and_shrink;
use sampo_core::rng::{StreamRng, uniform};
use sampo_core::{CoreError, Divergence, EvalCounts, Kernel, Target};

/// The coordinate-wise slice kernel on a target.
pub struct Univariate<'a> {
    point: PointTarget<'a>,
    w: f64,
}

impl<'a> Univariate<'a> {
    /// The sampler on `target` with `config`, checked.
    pub fn new(target: &'a dyn Target, config: &UnivariateConfig) -> Result<Self, CoreError> {
        check_common("slice", Some(config.w), config.max_proposals)?;
        Ok(Univariate {
            point: PointTarget::new(target, config.max_proposals, config.reevaluate_current),
            w: config.w,
        })
    }
}

impl Kernel for Univariate<'_> {
    type State = PointState;
    type Info = SliceInfo;
    type Tuning = ();

    fn dim(&self) -> usize {
        self.point.target.dim()
    }

    fn init(&self, x0: &[f64], _: &mut StreamRng) -> Result<(PointState, EvalCounts), CoreError> {
        self.point.init(x0)
    }

    fn initial_tuning(&self) {}

    fn step(
        &self,
        _: &(),
        s: &mut PointState,
        rng: &mut StreamRng,
    ) -> Result<SliceInfo, Divergence> {
        let d = s.x.len();
        let before = s.x.clone();
        let mut evals = 0;
        let mut proposals = 0;
        let mut buf = s.x.clone();
        for j in 0..d {
            evals += self.point.refresh(s);
            let log_t = s.log_density + (1.0 - uniform(rng)).ln();
            let mut lp = s.log_density;
            let xj = step_out_and_shrink(
                rng,
                s.x[j],
                self.w,
                None,
                self.point.max_proposals,
                &mut proposals,
                |v| {
                    buf[j] = v;
                    let l = self.point.target.log_density(&buf);
                    let inside = l > log_t;
                    if inside {
                        lp = l;
                    }
                    inside
                },
            )
            .map_err(|e| give_up("slice", e.limit))?;
            s.x[j] = xj;
            buf[j] = xj;
            s.log_density = lp;
        }
        evals += proposals;
        Ok(SliceInfo {
            evaluations: self.point.counts(evals),
            proposals,
            step_length: distance(&s.x, &before),
        })
    }

    fn position<'s>(&self, s: &'s PointState) -> &'s [f64] {
        &s.x
    }
}
