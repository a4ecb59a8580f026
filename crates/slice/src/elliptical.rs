//! Elliptical slice sampling (Murray, Adams & MacKay, AISTATS 2010, Fig. 2) for a
//! target written as ϱ(x) = N(x; μ, C) · exp(L(x)): a threshold
//! log t = L(x) + log U, an ellipse x' = μ + (x − μ) cos ω + y sin ω through x with
//! y ~ N(0, C), and ω shrunk towards 0 until L(x') > log t. The prior N(μ, C) is
//! exact under the move, so a target equal to its prior is sampled exactly at every
//! iteration (and the first proposal is always accepted). With C = I and μ = 0 it is
//! the GPSS paper's "naive ESS", usable on any target.

use crate::config::{EllipticalConfig, PriorConfig, check_common};
use crate::info::{SliceInfo, distance};
use crate::point::{PointState, PointTarget, give_up};
use crate::shrink::shrink_angle;
use sampo_core::rng::{StreamRng, fill_standard_normal, uniform};
use sampo_core::{CoreError, Divergence, EvalCounts, Kernel, Target};
use sampo_targets::{Covariance, Gaussian};

/// The elliptical slice kernel on a target.
pub struct Elliptical<'a> {
    point: PointTarget<'a>,
    prior: Gaussian,
}

/// The prior N(μ, C) of `config` in dimension d, checked.
pub fn prior(config: &PriorConfig, d: usize) -> Result<Gaussian, CoreError> {
    let named =
        |e: sampo_targets::TargetError| CoreError::invalid("elliptical.prior", "…", e.to_string());
    let given = [
        config.variance.is_some(),
        config.variances.is_some(),
        config.cov.is_some(),
    ];
    if given.iter().filter(|&&g| g).count() > 1 {
        return Err(CoreError::invalid(
            "elliptical.prior",
            "variance/variances/cov",
            "give at most one of `variance`, `variances` and `cov`",
        ));
    }
    let cov = if let Some(v) = config.variance {
        sampo_core::validate::positive("elliptical.prior.variance", v)?;
        Covariance::Isotropic(v)
    } else if let Some(v) = &config.variances {
        sampo_core::validate::length("elliptical.prior.variances", v, d)?;
        Covariance::diagonal("elliptical.prior.variances", v.clone()).map_err(named)?
    } else if let Some(c) = &config.cov {
        sampo_core::validate::length("elliptical.prior.cov", c, d * d)?;
        Covariance::full("elliptical.prior.cov", c, d).map_err(named)?
    } else {
        Covariance::Isotropic(1.0)
    };
    let mean = match &config.mean {
        Some(m) => {
            sampo_core::validate::length("elliptical.prior.mean", m, d)?;
            sampo_core::validate::all_finite("elliptical.prior.mean", m)?;
            m.clone()
        }
        None => vec![0.0; d],
    };
    Gaussian::new(mean, cov).map_err(named)
}

impl<'a> Elliptical<'a> {
    /// Elliptical slice sampling on `target` with `config`, checked.
    pub fn new(target: &'a dyn Target, config: &EllipticalConfig) -> Result<Self, CoreError> {
        check_common("elliptical", None, config.max_proposals)?;
        Ok(Elliptical {
            point: PointTarget::new(target, config.max_proposals, config.reevaluate_current),
            prior: prior(&config.prior, target.dim())?,
        })
    }
}

impl Kernel for Elliptical<'_> {
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
        let mu = self.prior.mean();
        let log_t = s.log_density - self.prior.log_density(&s.x) + (1.0 - uniform(rng)).ln();
        let mut y = vec![0.0; d];
        fill_standard_normal(rng, &mut y);
        self.prior.covariance().scale_standard_normal(&mut y);
        let mut buf = vec![0.0; d];
        let mut lp = s.log_density;
        let mut proposals = 0;
        shrink_angle(rng, self.point.max_proposals, &mut proposals, |omega| {
            let (sn, cs) = omega.sin_cos();
            for (((b, m), x), y) in buf.iter_mut().zip(mu).zip(&s.x).zip(&y) {
                *b = m + (x - m) * cs + y * sn;
            }
            lp = self.point.target.log_density(&buf);
            lp - self.prior.log_density(&buf) > log_t
        })
        .map_err(|e| give_up("elliptical", e.limit))?;
        evals += proposals;
        let step_length = distance(&buf, &s.x);
        s.x = buf;
        s.log_density = lp;
        Ok(SliceInfo {
            evaluations: self.point.counts(evals),
            proposals,
            step_length,
        })
    }

    fn position<'s>(&self, s: &'s PointState) -> &'s [f64] {
        &s.x
    }
}
