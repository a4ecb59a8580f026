//! The data of a regression posterior: a design matrix Φ (n rows of d features) and
//! responses y, given inline, read from a CSV file, or generated as in the D-ADMMS
//! experiments (Tzikas et al. 2024, §5; samplers-b.md §3.5).
//!
//! **CSV.** One row per data point: the d features, then the response in the last
//! column. A first line that does not parse as numbers is a header and is skipped;
//! every other line must hold d + 1 finite numbers (the error names the line).
//! Rows keep file order: the distributed samplers give agents contiguous shards, so
//! a sorted file gives non-IID shards.

use crate::TargetError;
use sampo_core::rng;
use serde::{Deserialize, Serialize};

/// Φ (row-major, n × d) and y (length n).
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    d: usize,
    phi: Vec<f64>,
    y: Vec<f64>,
}

/// Paper-style synthetic data: features `x ~ N(0, feature_std² I_d)`, a true
/// parameter drawn from the model's prior, responses from the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Synthetic {
    /// Data points n.
    pub points: usize,
    /// Features per point d.
    pub dim: usize,
    /// Seed of the generator (features, true parameter and noise use the streams
    /// `(seed, 0)`, `(seed, 1)`, `(seed, 2)`).
    pub seed: u64,
    /// Std of each feature (D-ADMMS: 1 for linear, √20 for logistic regression).
    #[serde(default = "one")]
    pub feature_std: f64,
}

fn one() -> f64 {
    1.0
}

impl Design {
    /// Φ from rows and y; every row must have the same length d ≥ 1 and every value
    /// must be finite.
    pub fn new(rows: &[Vec<f64>], y: &[f64]) -> Result<Self, TargetError> {
        if rows.is_empty() {
            return Err(TargetError::invalid("x", "[]", "needs at least one row"));
        }
        if y.len() != rows.len() {
            return Err(TargetError::dim(
                "y (one response per row of x)",
                rows.len(),
                y.len(),
            ));
        }
        let d = rows[0].len();
        if d == 0 {
            return Err(TargetError::invalid(
                "x[0]",
                "[]",
                "needs at least one feature",
            ));
        }
        let mut phi = Vec::with_capacity(rows.len() * d);
        for (i, r) in rows.iter().enumerate() {
            if r.len() != d {
                return Err(TargetError::dim(
                    format!("x[{i}] (features per row)"),
                    d,
                    r.len(),
                ));
            }
            if let Some(j) = r.iter().position(|v| !v.is_finite()) {
                return Err(TargetError::invalid(
                    format!("x[{i}][{j}]"),
                    r[j],
                    "must be finite",
                ));
            }
            phi.extend_from_slice(r);
        }
        if let Some(i) = y.iter().position(|v| !v.is_finite()) {
            return Err(TargetError::invalid(
                format!("y[{i}]"),
                y[i],
                "must be finite",
            ));
        }
        Ok(Design {
            d,
            phi,
            y: y.to_vec(),
        })
    }

    /// Reads a CSV file (module docs).
    pub fn from_csv(path: &str) -> Result<Self, TargetError> {
        let text = std::fs::read_to_string(path).map_err(|e| TargetError::DataFile {
            path: path.to_string(),
            reason: e.to_string(),
        })?;
        Design::parse_csv(&text, path)
    }

    /// Parses CSV text (module docs); `path` names it in errors.
    pub fn parse_csv(text: &str, path: &str) -> Result<Self, TargetError> {
        let err = |reason: String| TargetError::DataFile {
            path: path.to_string(),
            reason,
        };
        let mut rows = Vec::new();
        let mut y = Vec::new();
        for (k, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let fields: Result<Vec<f64>, _> =
                line.split(',').map(|f| f.trim().parse::<f64>()).collect();
            let mut v = match fields {
                Ok(v) => v,
                Err(_) if rows.is_empty() && y.is_empty() && k == 0 => continue,
                Err(e) => return Err(err(format!("line {}: {e}", k + 1))),
            };
            if v.len() < 2 {
                return Err(err(format!(
                    "line {}: needs at least one feature and the response",
                    k + 1
                )));
            }
            if let Some(first) = rows.first().map(|r: &Vec<f64>| r.len())
                && v.len() != first + 1
            {
                return Err(err(format!(
                    "line {}: {} columns, the first data line has {}",
                    k + 1,
                    v.len(),
                    first + 1
                )));
            }
            if let Some(j) = v.iter().position(|x| !x.is_finite()) {
                return Err(err(format!("line {}, column {}: not finite", k + 1, j + 1)));
            }
            y.push(v.pop().expect("checked: at least two columns"));
            rows.push(v);
        }
        if rows.is_empty() {
            return Err(err("no data rows".into()));
        }
        Design::new(&rows, &y)
    }

    /// Data points n.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether there are no data points (never, for a validated design).
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// Features per point d.
    pub fn dim(&self) -> usize {
        self.d
    }

    /// The features of point i.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.phi[i * self.d..(i + 1) * self.d]
    }

    /// The response of point i.
    pub fn response(&self, i: usize) -> f64 {
        self.y[i]
    }

    /// The responses.
    pub fn responses(&self) -> &[f64] {
        &self.y
    }
}

impl Synthetic {
    /// Checks the fields (errors name them).
    pub fn validate(&self) -> Result<(), TargetError> {
        if self.points == 0 {
            return Err(TargetError::invalid("synthetic.points", 0, "must be >= 1"));
        }
        if self.dim == 0 || self.dim > crate::error::MAX_DIM {
            return Err(TargetError::invalid(
                "synthetic.dim",
                self.dim,
                format!("must be in 1..={}", crate::error::MAX_DIM),
            ));
        }
        sampo_core::validate::positive("synthetic.feature_std", self.feature_std)?;
        Ok(())
    }

    /// The features (row-major) and the true parameter drawn from N(0, prior_std² I).
    pub fn features_and_truth(&self, prior_std: f64) -> (Vec<Vec<f64>>, Vec<f64>) {
        let mut r = rng::stream(self.seed, 0);
        let rows = (0..self.points)
            .map(|_| {
                (0..self.dim)
                    .map(|_| self.feature_std * rng::standard_normal(&mut r))
                    .collect()
            })
            .collect();
        let mut r = rng::stream(self.seed, 1);
        let truth = (0..self.dim)
            .map(|_| prior_std * rng::standard_normal(&mut r))
            .collect();
        (rows, truth)
    }

    /// The stream the responses' noise comes from.
    pub fn noise_stream(&self) -> rng::StreamRng {
        rng::stream(self.seed, 2)
    }
}

/// Where a regression target's data come from: exactly one of inline rows (`x`, `y`),
/// a CSV file (`data`) or a generator (`synthetic`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSource {
    /// Rows of features.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<Vec<Vec<f64>>>,
    /// Responses, one per row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<Vec<f64>>,
    /// A CSV file (features, then the response; relative paths are resolved against
    /// the target file's folder by the harness).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Paper-style synthetic data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synthetic: Option<Synthetic>,
}

impl DataSource {
    /// The one source given; `respond` turns synthetic features and the true parameter
    /// into responses (the model's own generator).
    pub fn design(
        &self,
        prior_std: f64,
        respond: impl Fn(&[f64], &[f64], &mut rng::StreamRng) -> f64,
    ) -> Result<Design, TargetError> {
        let given = [
            self.x.is_some() || self.y.is_some(),
            self.data.is_some(),
            self.synthetic.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            return Err(TargetError::invalid(
                "x/y/data/synthetic",
                format!("{} sources given", given.iter().filter(|g| **g).count()),
                "give exactly one of `x` with `y`, `data` (a CSV file) or `synthetic`",
            ));
        }
        if let Some(path) = &self.data {
            return Design::from_csv(path);
        }
        if let Some(s) = &self.synthetic {
            s.validate()?;
            let (rows, truth) = s.features_and_truth(prior_std);
            let mut r = s.noise_stream();
            let y: Vec<f64> = rows.iter().map(|x| respond(x, &truth, &mut r)).collect();
            return Design::new(&rows, &y);
        }
        match (&self.x, &self.y) {
            (Some(x), Some(y)) => Design::new(x, y),
            (None, _) => Err(TargetError::invalid(
                "x",
                "missing",
                "`y` needs the features `x`",
            )),
            (_, None) => Err(TargetError::invalid(
                "y",
                "missing",
                "`x` needs the responses `y`",
            )),
        }
    }

    /// Resolves a relative `data` path against `base` (the target file's folder).
    pub fn resolve(&mut self, base: &std::path::Path) {
        if let Some(p) = &self.data
            && std::path::Path::new(p).is_relative()
        {
            self.data = Some(base.join(p).to_string_lossy().into_owned());
        }
    }
}
