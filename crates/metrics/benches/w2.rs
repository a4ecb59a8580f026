//! Exact W2 timings on the point sets of the issue, written to disk so that
//! `benchmarks/scripts/pot_w2.py` can time POT's `emd2` on identical data.
//!
//! ```text
//! cargo bench -p sampo-metrics --bench w2 -- [--out DIR] [--sizes 1000,2000,5000] [--repeat 3]
//! python3 benchmarks/scripts/pot_w2.py DIR
//! ```
//!
//! Cases (a and b are independent samples of the same law, as for a noise floor):
//! `gmm40-2d` (40 equal-weight modes, means uniform on [-40, 40]², std 1.3),
//! `gauss-2d` and `gauss-10d` (standard normal). Far cases (a and b of
//! different laws, far apart: a sampler stuck in one mode against a
//! multimodal target): `far-zodmc-2d` (N(0, [[1, .5], [.5, 1]]) vs the
//! ZOD-MC 4-mode GMM at radius 26), `far-ring8-2d` / `-10d` (N(0, I) vs 8
//! Gaussians on a circle of radius 10), `shift-2d` / `-10d` (N(0, I) vs
//! N(20·1, I)). For each case and n it writes
//! `DIR/<case>-<n>-a.csv`, `-b.csv` (one point per line) and appends
//! `case,n,d,w2,seconds_median,seconds_min` to `DIR/sampo.csv`. A weighted
//! (network simplex) timing on importance-weight-like weights is printed too.
//!
//! Not a criterion bench: one solve at n = 5000 takes seconds, and criterion's
//! minimum of 10 samples per case would make the run needlessly long; the median
//! of `--repeat` solves after one untimed warm-up is reported instead.

use sampo_core::Particles;
use sampo_metrics::ot;
use std::io::Write;
use std::time::Instant;

/// splitmix64 → uniform [0, 1) and Box–Muller normals: portable and seedable,
/// so the data do not depend on the `rand` version.
struct Gen(u64);
impl Gen {
    fn u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        (self.u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

fn gmm40(n: usize, seed: u64) -> Particles {
    let mut means = Gen(12345);
    let mu: Vec<[f64; 2]> = (0..40)
        .map(|_| {
            [
                -40.0 + 80.0 * means.uniform(),
                -40.0 + 80.0 * means.uniform(),
            ]
        })
        .collect();
    let mut g = Gen(seed);
    let mut v = Vec::with_capacity(2 * n);
    for _ in 0..n {
        let k = (g.u64() % 40) as usize;
        v.push(mu[k][0] + 1.3 * g.normal());
        v.push(mu[k][1] + 1.3 * g.normal());
    }
    Particles::from_vec(n, 2, v).unwrap()
}

fn gauss(n: usize, d: usize, seed: u64) -> Particles {
    let mut g = Gen(seed);
    Particles::from_vec(n, d, (0..n * d).map(|_| g.normal()).collect()).unwrap()
}

/// `n` draws of N(mean, L Lᵀ) (2-D, L lower triangular from the covariance).
fn push_gauss2(g: &mut Gen, v: &mut Vec<f64>, mean: [f64; 2], cov: [f64; 3]) {
    let l00 = cov[0].sqrt();
    let l10 = cov[1] / l00;
    let l11 = (cov[2] - l10 * l10).sqrt();
    let (z0, z1) = (g.normal(), g.normal());
    v.push(mean[0] + l00 * z0);
    v.push(mean[1] + l10 * z0 + l11 * z1);
}

/// The harness's "stuck in one mode" case: a = N(0, [[1, .5], [.5, 1]]),
/// b = the ZOD-MC 4-mode GMM at radius 26 (weights .1/.2/.3/.4).
fn far_zodmc(n: usize) -> (Particles, Particles) {
    let mut g = Gen(11);
    let mut va = Vec::with_capacity(2 * n);
    for _ in 0..n {
        push_gauss2(&mut g, &mut va, [0.0, 0.0], [1.0, 0.5, 1.0]);
    }
    let modes: [([f64; 2], [f64; 3], f64); 4] = [
        ([0.0, 0.0], [1.0, 0.5, 1.0], 0.1),
        ([0.0, 26.0], [0.3, -0.2, 0.3], 0.2),
        ([21.3, 21.3], [1.0, 0.3, 1.0], 0.3),
        ([26.0, 0.0], [1.1, -0.95, 1.1], 0.4),
    ];
    let mut vb = Vec::with_capacity(2 * n);
    for _ in 0..n {
        let u = g.uniform();
        let mut acc = 0.0;
        let mut k = 3;
        for (t, m) in modes.iter().enumerate() {
            acc += m.2;
            if u < acc {
                k = t;
                break;
            }
        }
        push_gauss2(&mut g, &mut vb, modes[k].0, modes[k].1);
    }
    (
        Particles::from_vec(n, 2, va).unwrap(),
        Particles::from_vec(n, 2, vb).unwrap(),
    )
}

/// One mode vs 8 equal Gaussians (std 1) on a circle of radius 10 in the
/// first two coordinates, d-dimensional (the other coordinates N(0, 1)).
fn far_ring8(n: usize, d: usize) -> (Particles, Particles) {
    let a = gauss(n, d, 13);
    let mut g = Gen(14);
    let mut v = Vec::with_capacity(d * n);
    for _ in 0..n {
        let k = (g.u64() % 8) as f64;
        let th = 2.0 * std::f64::consts::PI * k / 8.0;
        v.push(10.0 * th.cos() + g.normal());
        v.push(10.0 * th.sin() + g.normal());
        v.extend((2..d).map(|_| g.normal()));
    }
    (a, Particles::from_vec(n, d, v).unwrap())
}

/// N(0, I) vs N(20·1, I).
fn shift(n: usize, d: usize) -> (Particles, Particles) {
    let a = gauss(n, d, 15);
    let mut g = Gen(16);
    let b = (0..n * d).map(|_| 20.0 + g.normal()).collect();
    (a, Particles::from_vec(n, d, b).unwrap())
}

fn write_csv(path: &std::path::Path, p: &Particles) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for r in p.rows() {
        let s: Vec<String> = r.iter().map(|x| format!("{x:.17e}")).collect();
        writeln!(f, "{}", s.join(",")).unwrap();
    }
}

fn time<F: FnMut() -> f64>(repeat: usize, mut f: F) -> (f64, f64, f64) {
    let value = f(); // warm-up, untimed
    let mut ts: Vec<f64> = (0..repeat)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed().as_secs_f64()
        })
        .collect();
    ts.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (value, ts[ts.len() / 2], ts[0])
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let get = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|k| args.get(k + 1).cloned())
    };
    let out = std::path::PathBuf::from(get("--out").unwrap_or_else(|| "target/w2-bench".into()));
    let sizes: Vec<usize> = get("--sizes")
        .unwrap_or_else(|| "1000,2000,5000".into())
        .split(',')
        .map(|s| s.parse().expect("--sizes"))
        .collect();
    let repeat: usize = get("--repeat").map_or(3, |s| s.parse().expect("--repeat"));
    let cases: Vec<String> = get("--cases")
        .unwrap_or_else(|| {
            "gmm40-2d,gauss-2d,gauss-10d,far-zodmc-2d,far-ring8-2d,far-ring8-10d,shift-2d,shift-10d"
                .into()
        })
        .split(',')
        .map(String::from)
        .collect();
    std::fs::create_dir_all(&out).unwrap();
    let mut table = std::fs::File::create(out.join("sampo.csv")).unwrap();
    writeln!(table, "case,n,d,w2,seconds_median,seconds_min").unwrap();
    println!(
        "{:<10} {:>6} {:>3} {:>14} {:>10} {:>10}",
        "case", "n", "d", "W2", "median s", "min s"
    );
    for case in &cases {
        for &n in &sizes {
            let (a, b) = match case.as_str() {
                "gmm40-2d" => (gmm40(n, 1), gmm40(n, 2)),
                "gauss-2d" => (gauss(n, 2, 3), gauss(n, 2, 4)),
                "gauss-10d" => (gauss(n, 10, 5), gauss(n, 10, 6)),
                "far-zodmc-2d" => far_zodmc(n),
                "far-ring8-2d" => far_ring8(n, 2),
                "far-ring8-10d" => far_ring8(n, 10),
                "shift-2d" => shift(n, 2),
                "shift-10d" => shift(n, 10),
                other => panic!("unknown case {other}"),
            };
            write_csv(&out.join(format!("{case}-{n}-a.csv")), &a);
            write_csv(&out.join(format!("{case}-{n}-b.csv")), &b);
            let (w, med, min) = time(repeat, || ot::w2(&a, &b).unwrap());
            println!(
                "{case:<10} {n:>6} {:>3} {w:>14.10} {med:>10.4} {min:>10.4}",
                a.dim()
            );
            writeln!(table, "{case},{n},{},{w:.15e},{med:.6},{min:.6}", a.dim()).unwrap();
            if n <= 2000 {
                // Weighted path (network simplex) on the same points with
                // importance-weight-like weights.
                let mut g = Gen(7);
                let wa: Vec<f64> = (0..n).map(|_| (0.5 * g.normal()).exp()).collect();
                let (ww, wmed, _) =
                    time(1, || ot::w2_weighted(&a, &wa, &b, &vec![1.0; n]).unwrap());
                println!(
                    "{:<10} {n:>6} {:>3} {ww:>14.10} {wmed:>10.4}  (weighted, network simplex)",
                    "",
                    a.dim()
                );
            }
        }
    }
    println!("wrote {}", out.display());
}
