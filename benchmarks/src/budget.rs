//! Budgets as the harness takes them: an evaluation budget per output sample in any
//! unit (`1000`, `density:50000`, `total:2000`, `data-terms:100000`), or wall-clock
//! seconds per output sample (`seconds:0.002`).
//!
//! **Seconds.** A wall-clock budget is turned into an evaluation budget by a pilot
//! ([`crate::execute`]): the sampler runs the same job at a small budget in its
//! primary unit (gradient evaluations if it needs a gradient, else density
//! evaluations), the rate of evaluations per second is measured, and the job runs
//! at the budget that rate affords. The output of a seconds budget is therefore
//! reproducible only given the resolved evaluation budget, which every row reports;
//! rows whose measured wall time differs from the request by more than 10 % are marked.

use sampo_core::plugin::Budget;
use std::fmt;
use std::str::FromStr;

/// A budget per output sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BudgetSpec {
    /// Evaluations in one unit.
    Evals(Budget),
    /// Wall-clock seconds per output sample.
    Seconds(f64),
}

impl fmt::Display for BudgetSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BudgetSpec::Evals(b) => write!(f, "{b}"),
            BudgetSpec::Seconds(s) => write!(f, "seconds:{s}"),
        }
    }
}

impl FromStr for BudgetSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if let Some(rest) = s.trim().strip_prefix("seconds:") {
            let v: f64 = rest
                .trim()
                .parse()
                .map_err(|_| format!("budget `{s}`: `{rest}` is not a number of seconds"))?;
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("budget `{s}`: seconds must be finite and > 0"));
            }
            return Ok(BudgetSpec::Seconds(v));
        }
        let b: Budget = s.parse()?;
        if b.per_sample == 0 {
            return Err(format!("budget `{s}`: must be >= 1 evaluation per sample"));
        }
        Ok(BudgetSpec::Evals(b))
    }
}

impl BudgetSpec {
    /// From a suite's `budgets` entry: an integer (gradient evaluations) or a string.
    pub fn from_toml(v: &toml::Value) -> Result<Self, String> {
        match v {
            toml::Value::Integer(i) if *i >= 1 => {
                Ok(BudgetSpec::Evals(Budget::gradient(*i as u64)))
            }
            toml::Value::Integer(i) => Err(format!("budget {i}: must be >= 1")),
            toml::Value::String(s) => s.parse(),
            other => Err(format!(
                "budget {other}: give an integer (gradient evaluations) or a string such as \"density:50000\" or \"seconds:0.002\""
            )),
        }
    }

    /// The number plotted on a budget axis (evaluations or seconds per sample).
    pub fn amount(&self) -> f64 {
        match self {
            BudgetSpec::Evals(b) => b.per_sample as f64,
            BudgetSpec::Seconds(s) => *s,
        }
    }

    /// The unit's name, for axis labels and tables.
    pub fn unit_name(&self) -> &'static str {
        match self {
            BudgetSpec::Evals(b) => b.unit.name(),
            BudgetSpec::Seconds(_) => "seconds",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sampo_core::CostUnit;

    #[test]
    fn every_unit_parses_and_prints_back() {
        for s in [
            "1000",
            "density:50000",
            "total:7",
            "data-terms:100",
            "seconds:0.5",
        ] {
            assert_eq!(s.parse::<BudgetSpec>().unwrap().to_string(), s);
        }
        assert_eq!(
            "gradient:3".parse::<BudgetSpec>().unwrap(),
            BudgetSpec::Evals(Budget::gradient(3))
        );
        assert!("seconds:-1".parse::<BudgetSpec>().is_err());
        assert!("0".parse::<BudgetSpec>().is_err());
        let v: toml::Value = toml::Value::String("density:9".into());
        assert!(matches!(
            BudgetSpec::from_toml(&v).unwrap(),
            BudgetSpec::Evals(Budget {
                unit: CostUnit::Density,
                per_sample: 9
            })
        ));
        assert!(BudgetSpec::from_toml(&toml::Value::Float(1.5)).is_err());
    }
}
