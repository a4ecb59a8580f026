//! Histograms on explicit bins and histogram KL on 1-D and 2-D marginals.
//!
//! This is the KL the SNF paper reports on marginals (samplers-b.md §2.6: a 50×50
//! histogram for the image densities, 50-bin torsion histograms for alanine
//! dipeptide, and the double-well x₁ marginal).
//!
//! # Conventions
//!
//! - **Bins.** `bins` equal-width bins on `range = (lo, hi)`: bin b is
//!   `[lo + b·w, lo + (b+1)·w)` with w = (hi − lo)/bins, and the last bin also holds
//!   x = hi (numpy's convention). Samples outside the range are *dropped* (counted in
//!   `outside`), so every probability vector here is the distribution *conditional on
//!   the range*; reference probabilities are renormalized over the range likewise.
//! - **Smoothing (pseudo-probability ε).** Empty bins make KL infinite. With
//!   `smoothing = ε ≥ 0`, both probability vectors become
//!   `p'_b = (p_b + ε) / (1 + B ε)` (ε added to *every* bin, then renormalized; B the
//!   number of bins), and `KL(p‖q) = Σ_{b: p'_b > 0} p'_b ln(p'_b / q'_b)`, in nats.
//!   ε = 0 gives the plain plug-in KL, +∞ when q'_b = 0 < p'_b. SNF adds 1e-10 to both
//!   normalized image histograms ([`SNF_SMOOTHING`]); their torsion KL instead adds
//!   1e-5 to density-normalized histograms without renormalizing, which is not
//!   reproduced here.
//! - **Plug-in bias.** For n samples from p, `2n·KL(p̂‖p)` is the G-statistic,
//!   asymptotically χ²_{B−1}: a histogram KL of an exact sample against its own exact
//!   bin probabilities is ≈ (B − 1)/(2n), not 0. Report it beside the
//!   same-size noise floor ([`crate::noise_floor`]).

use crate::MetricError;
use sampo_core::Particles;
use serde::{Deserialize, Serialize};

/// The pseudo-probability the SNF image-density KL adds to both histograms
/// (`imagetools.kldiv`, samplers-b.md §2.6 A2).
pub const SNF_SMOOTHING: f64 = 1e-10;

/// Equal-width bins on an explicit range (serde config).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Binning1d {
    /// The number of bins (≥ 1).
    pub bins: usize,
    /// `(lo, hi)`, finite with lo < hi.
    pub range: (f64, f64),
}

impl Binning1d {
    /// Validated bins.
    pub fn new(bins: usize, range: (f64, f64)) -> Result<Self, MetricError> {
        let b = Binning1d { bins, range };
        b.validate("binning")?;
        Ok(b)
    }

    /// Checks `bins ≥ 1` and a finite range with lo < hi; errors name `name`.
    pub fn validate(&self, name: &str) -> Result<(), MetricError> {
        if self.bins == 0 {
            return Err(MetricError::invalid(
                format!("{name}.bins"),
                "must be at least 1",
            ));
        }
        let (lo, hi) = self.range;
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(MetricError::invalid(
                format!("{name}.range"),
                format!("need finite lo < hi, got ({lo}, {hi})"),
            ));
        }
        Ok(())
    }

    /// The bin width w.
    pub fn width(&self) -> f64 {
        (self.range.1 - self.range.0) / self.bins as f64
    }

    /// The bin holding `x`, or `None` outside the range (or for NaN).
    pub fn index(&self, x: f64) -> Option<usize> {
        let (lo, hi) = self.range;
        if !(x >= lo && x <= hi) {
            return None;
        }
        // Rounding can put x just below hi into bin `bins`: clamp.
        Some((((x - lo) / (hi - lo) * self.bins as f64) as usize).min(self.bins - 1))
    }

    /// The B + 1 bin edges.
    pub fn edges(&self) -> Vec<f64> {
        let (lo, hi) = self.range;
        (0..=self.bins)
            .map(|b| {
                if b == self.bins {
                    hi
                } else {
                    lo + b as f64 * self.width()
                }
            })
            .collect()
    }

    /// The B bin centres.
    pub fn centers(&self) -> Vec<f64> {
        let w = self.width();
        (0..self.bins)
            .map(|b| self.range.0 + (b as f64 + 0.5) * w)
            .collect()
    }
}

/// A product of two [`Binning1d`] (serde config). Cells are stored row-major by the
/// first coordinate: cell (i, j) is entry `i · y.bins + j`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Binning2d {
    /// Bins of the first coordinate.
    pub x: Binning1d,
    /// Bins of the second coordinate.
    pub y: Binning1d,
}

impl Binning2d {
    /// Validated bins.
    pub fn new(x: Binning1d, y: Binning1d) -> Result<Self, MetricError> {
        let b = Binning2d { x, y };
        b.validate("binning")?;
        Ok(b)
    }

    /// Validates both axes; errors name `name.x` / `name.y`.
    pub fn validate(&self, name: &str) -> Result<(), MetricError> {
        self.x.validate(&format!("{name}.x"))?;
        self.y.validate(&format!("{name}.y"))
    }

    /// The number of cells.
    pub fn cells(&self) -> usize {
        self.x.bins * self.y.bins
    }

    /// The cell holding (x, y), or `None` outside the box.
    pub fn index(&self, x: f64, y: f64) -> Option<usize> {
        Some(self.x.index(x)? * self.y.bins + self.y.index(y)?)
    }
}

fn check_finite_slice(x: &[f64], name: &str) -> Result<(), MetricError> {
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(MetricError::invalid(
            name,
            format!("non-finite value {} at index {i}", x[i]),
        ));
    }
    Ok(())
}

fn check_weights(w: &[f64], len: usize, name: &str) -> Result<(), MetricError> {
    if w.len() != len {
        return Err(MetricError::invalid(
            name,
            format!("{} weights for {len} samples", w.len()),
        ));
    }
    if let Some(i) = w.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
        return Err(MetricError::invalid(
            name,
            format!("weight {} at index {i} is not finite and ≥ 0", w[i]),
        ));
    }
    Ok(())
}

/// Normalizes nonnegative masses to probabilities; errors if the total is 0.
fn normalize(m: &[f64], name: &str) -> Result<Vec<f64>, MetricError> {
    let s: f64 = m.iter().sum();
    if !(s > 0.0 && s.is_finite()) {
        return Err(MetricError::invalid(
            name,
            format!("no mass inside the range (total {s})"),
        ));
    }
    Ok(m.iter().map(|v| v / s).collect())
}

/// A 1-D histogram of (optionally weighted) samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram1d {
    /// The bins.
    pub binning: Binning1d,
    /// Total weight per bin (counts when unweighted).
    pub counts: Vec<f64>,
    /// Total weight of samples outside the range (dropped from `counts`).
    pub outside: f64,
}

impl Histogram1d {
    /// An empty histogram.
    pub fn new(binning: Binning1d) -> Result<Self, MetricError> {
        binning.validate("binning")?;
        Ok(Histogram1d {
            binning,
            counts: vec![0.0; binning.bins],
            outside: 0.0,
        })
    }

    /// Counts of the samples `x` (finite values required; errors name `x`).
    pub fn from_samples(x: &[f64], binning: Binning1d) -> Result<Self, MetricError> {
        check_finite_slice(x, "x")?;
        let mut h = Self::new(binning)?;
        x.iter().for_each(|&v| h.add(v, 1.0));
        Ok(h)
    }

    /// Weighted counts (weights finite and ≥ 0; errors name `x` or `weights`).
    pub fn from_weighted(
        x: &[f64],
        weights: &[f64],
        binning: Binning1d,
    ) -> Result<Self, MetricError> {
        check_finite_slice(x, "x")?;
        check_weights(weights, x.len(), "weights")?;
        let mut h = Self::new(binning)?;
        x.iter().zip(weights).for_each(|(&v, &w)| h.add(v, w));
        Ok(h)
    }

    /// Adds weight `w` at `x` (to `outside` when x is not in the range).
    pub fn add(&mut self, x: f64, w: f64) {
        match self.binning.index(x) {
            Some(b) => self.counts[b] += w,
            None => self.outside += w,
        }
    }

    /// Total weight inside the range.
    pub fn inside(&self) -> f64 {
        self.counts.iter().sum()
    }

    /// Bin probabilities conditional on the range (error if it holds no mass).
    pub fn probabilities(&self) -> Result<Vec<f64>, MetricError> {
        normalize(&self.counts, "histogram")
    }
}

/// A 2-D histogram of (optionally weighted) points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram2d {
    /// The bins.
    pub binning: Binning2d,
    /// Total weight per cell, row-major by the first coordinate.
    pub counts: Vec<f64>,
    /// Total weight of points outside the box.
    pub outside: f64,
}

impl Histogram2d {
    /// An empty histogram.
    pub fn new(binning: Binning2d) -> Result<Self, MetricError> {
        binning.validate("binning")?;
        Ok(Histogram2d {
            binning,
            counts: vec![0.0; binning.cells()],
            outside: 0.0,
        })
    }

    /// Counts of the 2-D marginal `(dims.0, dims.1)` of `points` (errors name `points`
    /// or `dims`).
    pub fn from_particles(
        points: &Particles,
        dims: (usize, usize),
        binning: Binning2d,
    ) -> Result<Self, MetricError> {
        let d = points.dim();
        if dims.0 >= d || dims.1 >= d {
            return Err(MetricError::invalid(
                "dims",
                format!("({}, {}) out of range for dimension {d}", dims.0, dims.1),
            ));
        }
        check_finite_slice(points.as_slice(), "points")?;
        let mut h = Self::new(binning)?;
        for r in points.rows() {
            h.add(r[dims.0], r[dims.1], 1.0);
        }
        Ok(h)
    }

    /// Adds weight `w` at (x, y).
    pub fn add(&mut self, x: f64, y: f64, w: f64) {
        match self.binning.index(x, y) {
            Some(c) => self.counts[c] += w,
            None => self.outside += w,
        }
    }

    /// Cell probabilities conditional on the box (error if it holds no mass).
    pub fn probabilities(&self) -> Result<Vec<f64>, MetricError> {
        normalize(&self.counts, "histogram")
    }
}

/// KL(p‖q) in nats between two probability (or mass) vectors over the same bins,
/// with the smoothing convention of the module docs. Both are normalized first.
/// Errors name `p`, `q` or `smoothing`.
pub fn kl_binned(p: &[f64], q: &[f64], smoothing: f64) -> Result<f64, MetricError> {
    if p.len() != q.len() {
        return Err(MetricError::DimensionMismatch {
            what: "bin probabilities p and q".into(),
            left: p.len(),
            right: q.len(),
        });
    }
    if !(smoothing.is_finite() && smoothing >= 0.0) {
        return Err(MetricError::invalid(
            "smoothing",
            format!("must be finite and ≥ 0, got {smoothing}"),
        ));
    }
    check_weights(p, p.len(), "p")?;
    check_weights(q, q.len(), "q")?;
    let p = normalize(p, "p")?;
    let q = normalize(q, "q")?;
    let z = 1.0 + p.len() as f64 * smoothing;
    let mut kl = 0.0;
    for (&pb, &qb) in p.iter().zip(&q) {
        let (ps, qs) = ((pb + smoothing) / z, (qb + smoothing) / z);
        if ps > 0.0 {
            if qs == 0.0 {
                return Ok(f64::INFINITY);
            }
            kl += ps * (ps / qs).ln();
        }
    }
    // Σ p' ln(p'/q') ≥ 0 exactly; rounding can leave −1e-17.
    Ok(kl.max(0.0))
}

/// Histogram KL(p‖q) in nats between the 1-D samples `p` and `q` on `bins` equal bins
/// over `range` (module docs: out-of-range samples dropped, pseudo-probability
/// `smoothing`). Errors name `p`, `q`, `binning.bins`, `binning.range` or `smoothing`.
pub fn kl_1d(
    p: &[f64],
    q: &[f64],
    bins: usize,
    range: (f64, f64),
    smoothing: f64,
) -> Result<f64, MetricError> {
    let b = Binning1d::new(bins, range)?;
    let hp = Histogram1d::from_samples(p, b).map_err(|e| rename(e, "x", "p"))?;
    let hq = Histogram1d::from_samples(q, b).map_err(|e| rename(e, "x", "q"))?;
    kl_binned(&hp.counts, &hq.counts, smoothing)
}

/// Histogram KL(p‖q) in nats between the 2-D marginals `dims` of the samples `p` and
/// `q` on `binning` (conventions as [`kl_1d`]).
pub fn kl_2d(
    p: &Particles,
    q: &Particles,
    dims: (usize, usize),
    binning: &Binning2d,
    smoothing: f64,
) -> Result<f64, MetricError> {
    let hp =
        Histogram2d::from_particles(p, dims, *binning).map_err(|e| rename(e, "points", "p"))?;
    let hq =
        Histogram2d::from_particles(q, dims, *binning).map_err(|e| rename(e, "points", "q"))?;
    kl_binned(&hp.counts, &hq.counts, smoothing)
}

fn rename(e: MetricError, from: &str, to: &str) -> MetricError {
    match e {
        MetricError::InvalidInput { name, reason } if name == from => {
            MetricError::invalid(to, reason)
        }
        other => other,
    }
}

/// Both directions of a histogram KL between samples and reference bin probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HistKl {
    /// KL(samples‖reference).
    pub sample_to_reference: f64,
    /// KL(reference‖samples) (the SNF image-density direction, KL(target‖model)).
    pub reference_to_sample: f64,
    /// Sample weight inside the range (the n of the plug-in bias (B − 1)/(2n)).
    pub inside: f64,
}

/// Exact bin probabilities from a CDF: `F(e_{b+1}) − F(e_b)`, renormalized over the
/// range. Errors name `cdf` when the range has no mass or F is not monotone.
pub fn bin_probabilities_from_cdf(
    binning: &Binning1d,
    cdf: impl Fn(f64) -> f64,
) -> Result<Vec<f64>, MetricError> {
    binning.validate("binning")?;
    let f: Vec<f64> = binning.edges().into_iter().map(cdf).collect();
    let m: Vec<f64> = f.windows(2).map(|w| w[1] - w[0]).collect();
    if m.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
        return Err(MetricError::invalid(
            "cdf",
            "not finite and nondecreasing on the edges",
        ));
    }
    normalize(&m, "cdf")
}

/// Bin probabilities of a density known up to a constant, by the midpoint rule on
/// `sub` equal sub-intervals per bin (error O(w²/sub²) relative), renormalized over
/// the range. `log_density` may be unnormalized; the max is subtracted before exp.
pub fn bin_probabilities_from_log_density(
    binning: &Binning1d,
    log_density: impl Fn(f64) -> f64,
    sub: usize,
) -> Result<Vec<f64>, MetricError> {
    binning.validate("binning")?;
    if sub == 0 {
        return Err(MetricError::invalid("sub", "must be at least 1"));
    }
    let h = binning.width() / sub as f64;
    let lo = binning.range.0;
    let logs: Vec<f64> = (0..binning.bins * sub)
        .map(|j| log_density(lo + (j as f64 + 0.5) * h))
        .collect();
    masses_from_logs(&logs, binning.bins, sub, "log_density")
}

/// Sums exp(logs − max) over consecutive groups of `sub` and normalizes.
fn masses_from_logs(
    logs: &[f64],
    cells: usize,
    sub: usize,
    name: &str,
) -> Result<Vec<f64>, MetricError> {
    if logs.iter().any(|v| v.is_nan() || *v == f64::INFINITY) {
        return Err(MetricError::invalid(name, "returned NaN or +inf"));
    }
    let max = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return Err(MetricError::invalid(name, "−inf on the whole range"));
    }
    let m: Vec<f64> = (0..cells)
        .map(|c| {
            logs[c * sub..(c + 1) * sub]
                .iter()
                .map(|l| (l - max).exp())
                .sum()
        })
        .collect();
    normalize(&m, name)
}

/// Cell probabilities of a 2-D density known up to a constant (midpoint rule on
/// `sub × sub` sub-cells per cell), renormalized over the box.
pub fn bin_probabilities_2d_from_log_density(
    binning: &Binning2d,
    log_density: impl Fn(f64, f64) -> f64,
    sub: usize,
) -> Result<Vec<f64>, MetricError> {
    binning.validate("binning")?;
    if sub == 0 {
        return Err(MetricError::invalid("sub", "must be at least 1"));
    }
    let (hx, hy) = (
        binning.x.width() / sub as f64,
        binning.y.width() / sub as f64,
    );
    let (x0, y0) = (binning.x.range.0, binning.y.range.0);
    let mut logs = Vec::with_capacity(binning.cells() * sub * sub);
    for i in 0..binning.x.bins {
        for j in 0..binning.y.bins {
            for a in 0..sub {
                for b in 0..sub {
                    let x = x0 + ((i * sub + a) as f64 + 0.5) * hx;
                    let y = y0 + ((j * sub + b) as f64 + 0.5) * hy;
                    logs.push(log_density(x, y));
                }
            }
        }
    }
    masses_from_logs(&logs, binning.cells(), sub * sub, "log_density")
}

/// Histogram KL between the 1-D samples `x` and reference bin probabilities (from
/// [`bin_probabilities_from_cdf`] or [`bin_probabilities_from_log_density`] on the
/// same `binning`), both directions. Errors name `x`, `reference` or `smoothing`.
pub fn kl_1d_to_reference(
    x: &[f64],
    binning: &Binning1d,
    reference: &[f64],
    smoothing: f64,
) -> Result<HistKl, MetricError> {
    let h = Histogram1d::from_samples(x, *binning)?;
    both_ways(&h.counts, reference, smoothing)
}

/// Histogram KL between the 2-D marginal `dims` of `points` and reference cell
/// probabilities on the same `binning`, both directions.
pub fn kl_2d_to_reference(
    points: &Particles,
    dims: (usize, usize),
    binning: &Binning2d,
    reference: &[f64],
    smoothing: f64,
) -> Result<HistKl, MetricError> {
    let h = Histogram2d::from_particles(points, dims, *binning)?;
    both_ways(&h.counts, reference, smoothing)
}

fn both_ways(counts: &[f64], reference: &[f64], smoothing: f64) -> Result<HistKl, MetricError> {
    if reference.len() != counts.len() {
        return Err(MetricError::invalid(
            "reference",
            format!(
                "{} probabilities for {} bins",
                reference.len(),
                counts.len()
            ),
        ));
    }
    let fix = |e| rename(rename(e, "q", "reference"), "p", "samples");
    Ok(HistKl {
        sample_to_reference: kl_binned(counts, reference, smoothing).map_err(fix)?,
        reference_to_sample: kl_binned(reference, counts, smoothing)
            .map_err(|e| rename(rename(e, "p", "reference"), "q", "samples"))?,
        inside: counts.iter().sum(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sampo_core::rng::{fill_standard_normal, stream};
    use statrs::distribution::{ContinuousCDF, Normal};

    fn normal(n: usize, shift: f64, seed: u64) -> Vec<f64> {
        let mut v = vec![0.0; n];
        fill_standard_normal(&mut stream(seed, 0), &mut v);
        v.iter_mut().for_each(|x| *x += shift);
        v
    }

    #[test]
    fn binning_edges_and_indices() {
        let b = Binning1d::new(4, (0.0, 2.0)).unwrap();
        assert_eq!(b.edges(), vec![0.0, 0.5, 1.0, 1.5, 2.0]);
        assert_eq!(b.centers(), vec![0.25, 0.75, 1.25, 1.75]);
        assert_eq!(b.index(0.0), Some(0));
        assert_eq!(b.index(0.5), Some(1));
        assert_eq!(b.index(2.0), Some(3)); // last bin closed
        assert_eq!(b.index(2.0 + 1e-12), None);
        assert_eq!(b.index(-1e-300), None);
        assert_eq!(b.index(f64::NAN), None);
    }

    #[test]
    fn identical_samples_give_zero() {
        let x = normal(1000, 0.0, 1);
        assert_eq!(kl_1d(&x, &x, 30, (-4.0, 4.0), 0.0).unwrap(), 0.0);
        let p = Particles::from_vec(500, 2, normal(1000, 0.0, 2)).unwrap();
        let b = Binning2d::new(
            Binning1d::new(10, (-3.0, 3.0)).unwrap(),
            Binning1d::new(8, (-3.0, 3.0)).unwrap(),
        )
        .unwrap();
        assert_eq!(kl_2d(&p, &p, (0, 1), &b, 1e-10).unwrap(), 0.0);
    }

    /// Two bins, p = (½, ½), q = (¼, ¾): KL = ½ ln 2 + ½ ln(2/3). With ε smoothing and
    /// p = (1, 0), q = (½, ½): p' = ((1+ε)/(1+2ε), ε/(1+2ε)), q' = (½, ½).
    #[test]
    fn discrete_closed_forms() {
        let p = [0.5, 0.5, 1.5, 1.5];
        let q = [0.5, 1.5, 1.5, 1.5];
        let got = kl_1d(&p, &q, 2, (0.0, 2.0), 0.0).unwrap();
        let expect = 0.5 * 2f64.ln() + 0.5 * (2.0f64 / 3.0).ln();
        assert!((got - expect).abs() < 1e-15, "{got} vs {expect}");

        let eps = 0.01;
        let p = [0.2, 0.7, 0.9];
        let q = [0.2, 1.2];
        let got = kl_1d(&p, &q, 2, (0.0, 2.0), eps).unwrap();
        let (a, b) = ((1.0 + eps) / (1.0 + 2.0 * eps), eps / (1.0 + 2.0 * eps));
        let expect = a * (2.0 * a).ln() + b * (2.0 * b).ln();
        assert!((got - expect).abs() < 1e-15, "{got} vs {expect}");
        // Without smoothing, mass where q has none is infinite; the reverse is finite.
        assert_eq!(kl_1d(&q, &p, 2, (0.0, 2.0), 0.0).unwrap(), f64::INFINITY);
        assert!((kl_1d(&p, &q, 2, (0.0, 2.0), 0.0).unwrap() - 2f64.ln()).abs() < 1e-15);

        // 2-D: p uniform on 2×2 cells, q = (0.1, 0.2, 0.3, 0.4) row-major.
        let b = Binning2d::new(
            Binning1d::new(2, (0.0, 2.0)).unwrap(),
            Binning1d::new(2, (0.0, 2.0)).unwrap(),
        )
        .unwrap();
        let cells = [[0.5, 0.5], [0.5, 1.5], [1.5, 0.5], [1.5, 1.5]];
        let p =
            Particles::from_rows(&cells.iter().map(|c| c.to_vec()).collect::<Vec<_>>()).unwrap();
        let mut qr = Vec::new();
        for (c, m) in cells.iter().zip([1, 2, 3, 4]) {
            for _ in 0..m {
                qr.push(c.to_vec());
            }
        }
        let q = Particles::from_rows(&qr).unwrap();
        let got = kl_2d(&p, &q, (0, 1), &b, 0.0).unwrap();
        let expect: f64 = [0.1, 0.2, 0.3, 0.4]
            .iter()
            .map(|qc: &f64| 0.25 * (0.25 / qc).ln())
            .sum();
        assert!((got - expect).abs() < 1e-15, "{got} vs {expect}");
    }

    /// N(0,1) vs N(1,1) samples, n = m = 10⁵, 24 bins on (−2.5, 3.5): the histogram KL
    /// must match the KL of the exact bin probabilities (from the normal CDF). Its
    /// delta-method SD is √(Var_p ln(p/q)/n + (Σ p²/q − 1)/m) ≈ √((1 + (e − 1))/10⁵)
    /// = 0.0052 in the continuum limit; 4 SD = 0.021. The range keeps ≥ 30 expected
    /// counts in every bin of both (an empty q bin would make the plug-in KL infinite).
    #[test]
    fn shifted_samples_match_binned_truth() {
        let b = Binning1d::new(24, (-2.5, 3.5)).unwrap();
        let n01 = Normal::new(0.0, 1.0).unwrap();
        let n11 = Normal::new(1.0, 1.0).unwrap();
        let pb = bin_probabilities_from_cdf(&b, |t| n01.cdf(t)).unwrap();
        let qb = bin_probabilities_from_cdf(&b, |t| n11.cdf(t)).unwrap();
        let truth = kl_binned(&pb, &qb, 0.0).unwrap();
        assert!(
            truth > 0.45 && truth < 0.5,
            "binning loses little of 0.5: {truth}"
        );
        let got = kl_1d(
            &normal(100_000, 0.0, 3),
            &normal(100_000, 1.0, 4),
            24,
            (-2.5, 3.5),
            0.0,
        )
        .unwrap();
        assert!((got - truth).abs() < 0.021, "{got} vs {truth}");
    }

    /// Exact N(0,1) samples against their exact bin probabilities: 2n·KL(p̂‖p) is the
    /// G-statistic ≈ χ²_{B−1}, so KL ≈ (B−1)/(2n) with SD √(2(B−1))/(2n); 4-SD test.
    /// KL(p‖p̂) has the same law to leading order (both are Σ(p̂−p)²/2p + O(n^{-3/2})).
    /// The ranges keep every expected bin count ≳ 1 so the χ² law applies.
    /// The same in 2-D for N(0, I₂) with midpoint-rule reference cell probabilities.
    #[test]
    fn exact_samples_against_reference_follow_the_g_statistic() {
        let b = Binning1d::new(24, (-3.0, 3.0)).unwrap();
        let nrm = Normal::new(0.0, 1.0).unwrap();
        let by_cdf = bin_probabilities_from_cdf(&b, |t| nrm.cdf(t)).unwrap();
        let by_density = bin_probabilities_from_log_density(&b, |t| -0.5 * t * t, 8).unwrap();
        for (a, c) in by_cdf.iter().zip(&by_density) {
            // Midpoint rule with h = w/8 = 1/32: relative error ≤ h²/24·max|f''/f|
            // = h²/24·8 ≈ 3e-4 before renormalization.
            assert!((a / c - 1.0).abs() < 1e-3, "{a} vs {c}");
        }
        let x = normal(20_000, 0.0, 5);
        let r = kl_1d_to_reference(&x, &b, &by_cdf, 0.0).unwrap();
        let (bb, n) = (24.0, r.inside);
        let (mean, sd) = (
            (bb - 1.0) / (2.0 * n),
            (2.0 * (bb - 1.0)).sqrt() / (2.0 * n),
        );
        assert!(
            (r.sample_to_reference - mean).abs() < 4.0 * sd,
            "{r:?} vs {mean} ± {sd}"
        );
        assert!(
            (r.reference_to_sample - mean).abs() < 4.0 * sd,
            "{r:?} vs {mean} ± {sd}"
        );

        let b2 = Binning2d::new(
            Binning1d::new(12, (-3.0, 3.0)).unwrap(),
            Binning1d::new(12, (-3.0, 3.0)).unwrap(),
        )
        .unwrap();
        let refp =
            bin_probabilities_2d_from_log_density(&b2, |x, y| -0.5 * (x * x + y * y), 4).unwrap();
        let pts = Particles::from_vec(50_000, 2, normal(100_000, 0.0, 6)).unwrap();
        let r = kl_2d_to_reference(&pts, (0, 1), &b2, &refp, 0.0).unwrap();
        let (bb, n) = (144.0, r.inside);
        let (mean, sd) = (
            (bb - 1.0) / (2.0 * n),
            (2.0 * (bb - 1.0)).sqrt() / (2.0 * n),
        );
        assert!(
            (r.sample_to_reference - mean).abs() < 4.0 * sd,
            "{r:?} vs {mean} ± {sd}"
        );
        // A wrong reference (σ = 1.1) is far outside that band.
        let wide =
            bin_probabilities_2d_from_log_density(&b2, |x, y| -0.5 * (x * x + y * y) / 1.21, 4)
                .unwrap();
        let r = kl_2d_to_reference(&pts, (0, 1), &b2, &wide, 0.0).unwrap();
        assert!(r.sample_to_reference > mean + 10.0 * sd, "{r:?}");
    }

    #[test]
    fn weighted_histogram_and_bad_inputs() {
        let b = Binning1d::new(2, (0.0, 2.0)).unwrap();
        let h = Histogram1d::from_weighted(&[0.5, 1.5, 3.0], &[1.0, 3.0, 2.0], b).unwrap();
        assert_eq!(h.counts, vec![1.0, 3.0]);
        assert_eq!(h.outside, 2.0);
        assert_eq!(h.probabilities().unwrap(), vec![0.25, 0.75]);
        let msg = |e: MetricError| e.to_string();
        assert!(
            msg(kl_1d(&[0.5], &[0.5], 0, (0.0, 1.0), 0.0).unwrap_err()).contains("binning.bins")
        );
        assert!(
            msg(kl_1d(&[0.5], &[0.5], 3, (1.0, 1.0), 0.0).unwrap_err()).contains("binning.range")
        );
        assert!(msg(kl_1d(&[f64::NAN], &[0.5], 3, (0.0, 1.0), 0.0).unwrap_err()).contains("`p`"));
        assert!(msg(kl_1d(&[0.5], &[7.0], 3, (0.0, 1.0), 0.0).unwrap_err()).contains("`q`"));
        assert!(
            msg(kl_1d(&[0.5], &[0.5], 3, (0.0, 1.0), -1.0).unwrap_err()).contains("`smoothing`")
        );
        assert!(
            msg(Histogram1d::from_weighted(&[0.5], &[-1.0], b).unwrap_err()).contains("`weights`")
        );
        let p = Particles::zeros(3, 2);
        let b2 = Binning2d::new(b, b).unwrap();
        assert!(msg(kl_2d(&p, &p, (0, 2), &b2, 0.0).unwrap_err()).contains("`dims`"));
        assert!(
            msg(kl_1d_to_reference(&[0.5], &b, &[1.0], 0.0).unwrap_err()).contains("`reference`")
        );
    }
}
