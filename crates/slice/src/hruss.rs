//! Hit-and-run uniform slice sampling (HRUSS; the GPSS paper's first baseline):
//! a threshold log t = log ϱ(x) + log U, a direction v uniform on S^{d−1}, and
//! Neal's stepping-out (window w) and shrinkage along the line x + s v until
//! log ϱ(x + s v) > log t.

use crate::config::{HrussConfig, check_common, default_window};
use crate::info::SliceInfo;
use crate::point::{PointState, PointTarget, give_up};
use crate::shrink::step_out_and_shrink;
use sampo_core::rng::{StreamRng, fill_standard_normal, uniform};
use sampo_core::{CoreError, Divergence, EvalCounts, Kernel, Target};

/// The HRUSS kernel on a target.
pub struct Hruss<'a> {
    point: PointTarget<'a>,
    w: f64,
}

impl<'a> Hruss<'a> {
    /// HRUSS on `target` with `config`, checked.
    pub fn new(target: &'a dyn Target, config: &HrussConfig) -> Result<Self, CoreError> {
        check_common("hruss", config.w, config.max_proposals)?;
        Ok(Hruss {
            point: PointTarget::new(target, config.max_proposals, config.reevaluate_current),
            w: config.w.unwrap_or_else(|| default_window(target.dim())),
        })
    }
}

impl Kernel for Hruss<'_> {
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
        let mut evals = 0;
        evals += self.point.refresh(s);
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
            self.point.max_proposals,
            &mut proposals,
            |t| {
                for ((b, x), v) in buf.iter_mut().zip(&s.x).zip(&v) {
                    *b = x + t * v;
                }
                let l = self.point.target.log_density(&buf);
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
            evaluations: self.point.counts(evals),
            proposals,
            step_length: step.abs(),
        })
    }

    fn position<'s>(&self, s: &'s PointState) -> &'s [f64] {
        &s.x
    }
}
