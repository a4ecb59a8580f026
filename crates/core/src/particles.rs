//! Particles: n points in R^d, stored row-major (one particle contiguous).

use crate::CoreError;
use serde::{Deserialize, Serialize};

/// n × d particles, row-major. Row `i` is particle `i`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Particles {
    n: usize,
    d: usize,
    data: Vec<f64>,
}

impl Particles {
    /// n × d zeros.
    pub fn zeros(n: usize, d: usize) -> Self {
        Particles {
            n,
            d,
            data: vec![0.0; n * d],
        }
    }

    /// Wraps a row-major buffer; its length must be n·d.
    pub fn from_vec(n: usize, d: usize, data: Vec<f64>) -> Result<Self, CoreError> {
        if data.len() != n * d {
            return Err(CoreError::dim(
                format!("particle buffer of {n} × {d}"),
                n * d,
                data.len(),
            ));
        }
        Ok(Particles { n, d, data })
    }

    /// Builds from rows of equal length.
    pub fn from_rows(rows: &[Vec<f64>]) -> Result<Self, CoreError> {
        let d = rows.first().map_or(0, Vec::len);
        let mut data = Vec::with_capacity(rows.len() * d);
        for (i, r) in rows.iter().enumerate() {
            if r.len() != d {
                return Err(CoreError::dim(format!("row {i}"), d, r.len()));
            }
            data.extend_from_slice(r);
        }
        Ok(Particles {
            n: rows.len(),
            d,
            data,
        })
    }

    /// n copies of one point.
    pub fn repeat(x: &[f64], n: usize) -> Self {
        let mut data = Vec::with_capacity(n * x.len());
        for _ in 0..n {
            data.extend_from_slice(x);
        }
        Particles {
            n,
            d: x.len(),
            data,
        }
    }

    /// The number of particles n.
    pub fn len(&self) -> usize {
        self.n
    }

    /// True when n = 0.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The dimension d.
    pub fn dim(&self) -> usize {
        self.d
    }

    /// Particle `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.d..(i + 1) * self.d]
    }

    /// Particle `i`, mutable.
    pub fn row_mut(&mut self, i: usize) -> &mut [f64] {
        &mut self.data[i * self.d..(i + 1) * self.d]
    }

    /// Iterates over particles. For d = 0 this yields nothing.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = &[f64]> + '_ {
        let d = self.d.max(1);
        self.data
            .chunks_exact(d)
            .take(if self.d == 0 { 0 } else { self.n })
    }

    /// The row-major buffer.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// The row-major buffer, mutable.
    pub fn as_mut_slice(&mut self) -> &mut [f64] {
        &mut self.data
    }

    /// Consumes into the row-major buffer.
    pub fn into_vec(self) -> Vec<f64> {
        self.data
    }

    /// Coordinate `j` of every particle.
    pub fn column(&self, j: usize) -> Vec<f64> {
        self.rows().map(|r| r[j]).collect()
    }

    /// Per-coordinate sample mean.
    pub fn mean(&self) -> Vec<f64> {
        let mut m = vec![0.0; self.d];
        for r in self.rows() {
            for (mj, x) in m.iter_mut().zip(r) {
                *mj += x;
            }
        }
        let n = self.n.max(1) as f64;
        m.iter_mut().for_each(|v| *v /= n);
        m
    }

    /// Sample covariance (divisor n − 1), d × d row-major.
    pub fn covariance(&self) -> Vec<f64> {
        let d = self.d;
        let m = self.mean();
        let mut c = vec![0.0; d * d];
        for r in self.rows() {
            for a in 0..d {
                let da = r[a] - m[a];
                for b in a..d {
                    c[a * d + b] += da * (r[b] - m[b]);
                }
            }
        }
        let denom = (self.n.max(2) - 1) as f64;
        for a in 0..d {
            for b in a..d {
                c[a * d + b] /= denom;
                c[b * d + a] = c[a * d + b];
            }
        }
        c
    }

    /// Appends the rows of `other` (same d).
    pub fn extend(&mut self, other: &Particles) -> Result<(), CoreError> {
        if other.d != self.d && !other.is_empty() {
            return Err(CoreError::dim("appended particles", self.d, other.d));
        }
        self.data.extend_from_slice(&other.data);
        self.n += other.n;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_moments() {
        let p = Particles::from_rows(&[vec![1.0, 2.0], vec![3.0, 6.0]]).unwrap();
        assert_eq!(p.row(1), &[3.0, 6.0]);
        assert_eq!(p.mean(), vec![2.0, 4.0]);
        assert_eq!(p.covariance(), vec![2.0, 4.0, 4.0, 8.0]);
        assert_eq!(p.column(1), vec![2.0, 6.0]);
        assert!(Particles::from_vec(2, 2, vec![0.0; 3]).is_err());
        assert!(Particles::from_rows(&[vec![1.0], vec![1.0, 2.0]]).is_err());
        assert_eq!(Particles::repeat(&[1.0, 2.0], 3).len(), 3);
    }
}
