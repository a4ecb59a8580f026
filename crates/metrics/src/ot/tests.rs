#![allow(clippy::needless_range_loop)] // index-based reference solvers

use super::*;
use proptest::prelude::*;

fn parts(n: usize, d: usize, data: Vec<f64>) -> Particles {
    Particles::from_vec(n, d, data).unwrap()
}

fn rel_close(x: f64, y: f64, rel: f64) -> bool {
    (x - y).abs() <= rel * x.abs().max(y.abs()).max(1e-300)
}

/// Deterministic pseudo-random points (splitmix64 → uniform in [lo, hi)).
fn pseudo_points(n: usize, d: usize, seed: u64, lo: f64, hi: f64) -> Particles {
    let mut s = seed;
    let mut next = || {
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    };
    parts(n, d, (0..n * d).map(|_| lo + (hi - lo) * next()).collect())
}

/// min over all permutations of (1/n) Σ ‖aᵢ − b_σ(i)‖² (Heap's algorithm).
fn brute_force_w2sq(a: &Particles, b: &Particles) -> f64 {
    let n = a.len();
    let c: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| sq_dist(a.row(i), b.row(j))).collect())
        .collect();
    let mut p: Vec<usize> = (0..n).collect();
    let eval = |p: &[usize]| p.iter().enumerate().map(|(i, &j)| c[i][j]).sum::<f64>();
    let mut best = eval(&p);
    let mut cnt = vec![0usize; n];
    let mut i = 0;
    while i < n {
        if cnt[i] < i {
            if i % 2 == 0 {
                p.swap(0, i);
            } else {
                p.swap(cnt[i], i);
            }
            best = best.min(eval(&p));
            cnt[i] += 1;
            i = 0;
        } else {
            cnt[i] = 0;
            i += 1;
        }
    }
    best / n as f64
}

/// Exhaustive enumeration of the basic feasible solutions of a small
/// transportation problem: every set of m + n − 1 cells forming a spanning tree
/// of the bipartite graph determines one basic solution (by peeling leaves);
/// the minimum cost over the non-negative ones is the LP optimum.
fn vertex_enumeration(a: &[f64], b: &[f64], c: &[Vec<f64>]) -> f64 {
    let (m, n) = (a.len(), b.len());
    let cells: Vec<(usize, usize)> = (0..m).flat_map(|i| (0..n).map(move |j| (i, j))).collect();
    let k = m + n - 1;
    let mut best = f64::INFINITY;
    let mut idx: Vec<usize> = (0..k).collect();
    loop {
        if let Some(cost) =
            basic_solution(a, b, c, &idx.iter().map(|&t| cells[t]).collect::<Vec<_>>())
        {
            best = best.min(cost);
        }
        // next k-combination of 0..cells.len()
        let mut t = k;
        loop {
            if t == 0 {
                return best;
            }
            t -= 1;
            if idx[t] != t + cells.len() - k {
                break;
            }
        }
        idx[t] += 1;
        for s in t + 1..k {
            idx[s] = idx[s - 1] + 1;
        }
    }
}

fn basic_solution(a: &[f64], b: &[f64], c: &[Vec<f64>], cells: &[(usize, usize)]) -> Option<f64> {
    let (m, n) = (a.len(), b.len());
    // Acyclic check (union-find); m + n − 1 acyclic edges = spanning tree.
    let mut uf: Vec<usize> = (0..m + n).collect();
    fn find(uf: &mut [usize], x: usize) -> usize {
        let mut r = x;
        while uf[r] != r {
            r = uf[r];
        }
        uf[x] = r;
        r
    }
    for &(i, j) in cells {
        let (ri, rj) = (find(&mut uf, i), find(&mut uf, m + j));
        if ri == rj {
            return None;
        }
        uf[ri] = rj;
    }
    // Peel leaves.
    let mut rem: Vec<f64> = a.iter().chain(b).copied().collect();
    let mut alive = vec![true; cells.len()];
    let mut flow = vec![0.0; cells.len()];
    for _ in 0..cells.len() {
        let mut deg = vec![0usize; m + n];
        for (e, &(i, j)) in cells.iter().enumerate() {
            if alive[e] {
                deg[i] += 1;
                deg[m + j] += 1;
            }
        }
        let (e, leaf) = cells
            .iter()
            .enumerate()
            .filter(|(e, _)| alive[*e])
            .find_map(|(e, &(i, j))| {
                if deg[i] == 1 {
                    Some((e, i))
                } else if deg[m + j] == 1 {
                    Some((e, m + j))
                } else {
                    None
                }
            })?;
        let (i, j) = cells[e];
        let f = rem[leaf];
        flow[e] = f;
        rem[i] -= f;
        rem[m + j] -= f;
        alive[e] = false;
    }
    let scale = a.iter().sum::<f64>();
    if flow.iter().any(|&f| f < -1e-12 * scale) {
        return None;
    }
    Some(
        cells
            .iter()
            .zip(&flow)
            .map(|(&(i, j), f)| f * c[i][j])
            .sum(),
    )
}

/// W2² in 1-D by the quantile formula ∫₀¹ (F⁻¹(t) − G⁻¹(t))² dt.
fn quantile_w2sq(x: &[f64], wx: &[f64], y: &[f64], wy: &[f64]) -> f64 {
    let sort = |v: &[f64], w: &[f64]| {
        let s: f64 = w.iter().sum();
        let mut p: Vec<(f64, f64)> = v.iter().zip(w).map(|(&a, &b)| (a, b / s)).collect();
        p.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
        p
    };
    let (px, py) = (sort(x, wx), sort(y, wy));
    let (mut i, mut j) = (0, 0);
    let (mut rx, mut ry) = (px[0].1, py[0].1);
    let mut total = 0.0;
    loop {
        let t = rx.min(ry);
        total += t * (px[i].0 - py[j].0).powi(2);
        rx -= t;
        ry -= t;
        if rx <= 1e-15 {
            i += 1;
            if i == px.len() {
                break;
            }
            rx += px[i].1;
        }
        if ry <= 1e-15 {
            j += 1;
            if j == py.len() {
                break;
            }
            ry += py[j].1;
        }
    }
    total
}

/// Checks the assignment certificate: uᵢ + vⱼ ≤ cᵢⱼ (+tol), equality on σ.
fn check_assignment_certificate(a: &Particles, b: &Particles) {
    let n = a.len();
    let c = |i: usize, j: usize| sq_dist(a.row(i), b.row(j));
    let sol = assignment::solve(n, c).unwrap();
    let scale = (0..n)
        .map(|i| c(i, sol.row_to_col[i]))
        .fold(1e-300, f64::max);
    let tol = 1e-10 * scale;
    let mut seen = vec![false; n];
    for i in 0..n {
        let j = sol.row_to_col[i];
        assert!(!seen[j]);
        seen[j] = true;
        assert_eq!(sol.col_to_row[j], i);
        assert!((sol.u[i] + sol.v[j] - c(i, j)).abs() <= tol);
        for k in 0..n {
            assert!(
                sol.u[i] + sol.v[k] <= c(i, k) + tol,
                "dual infeasible at ({i},{k})"
            );
        }
    }
}

/// Checks the transport certificate: marginals, dual feasibility, slackness.
fn check_transport_certificate(a: &Particles, wa: &[f64], b: &Particles, wb: &[f64]) -> f64 {
    let c = |i: usize, j: usize| sq_dist(a.row(i), b.row(j));
    let sol = network_simplex::solve(
        wa,
        wb,
        c,
        network_simplex::Options::for_size(a.len(), b.len()),
    )
    .unwrap();
    let max_c = (0..a.len())
        .flat_map(|i| (0..b.len()).map(move |j| (i, j)))
        .map(|(i, j)| c(i, j))
        .fold(0.0, f64::max);
    let tol = 1e-9 * max_c.max(1e-300);
    let mut ra = vec![0.0; a.len()];
    let mut rb = vec![0.0; b.len()];
    for &(i, j, f) in &sol.plan {
        assert!(f > 0.0);
        ra[i] += f;
        rb[j] += f;
        assert!(
            (sol.u[i] + sol.v[j] - c(i, j)).abs() <= tol,
            "slack on plan ({i},{j})"
        );
    }
    for i in 0..a.len() {
        assert!(
            (ra[i] - wa[i]).abs() <= 1e-12 * wa.iter().sum::<f64>(),
            "row marginal {i}"
        );
        if wa[i] > 0.0 {
            for j in 0..b.len() {
                if wb[j] > 0.0 {
                    assert!(
                        sol.u[i] + sol.v[j] <= c(i, j) + tol,
                        "dual infeasible ({i},{j})"
                    );
                }
            }
        }
    }
    for j in 0..b.len() {
        assert!(
            (rb[j] - wb[j]).abs() <= 1e-12 * wb.iter().sum::<f64>(),
            "col marginal {j}"
        );
    }
    // Strong duality.
    let dual: f64 = wa.iter().zip(&sol.u).map(|(w, u)| w * u).sum::<f64>()
        + wb.iter().zip(&sol.v).map(|(w, v)| w * v).sum::<f64>();
    assert!(
        (dual - sol.cost).abs() <= 1e-9 * max_c.max(1e-300),
        "duality gap"
    );
    sol.cost
}

fn points_strategy(max_n: usize) -> impl Strategy<Value = (Particles, Particles)> {
    (1usize..=max_n, 1usize..=5).prop_flat_map(|(n, d)| {
        (
            prop::collection::vec(-5.0f64..5.0, n * d),
            prop::collection::vec(-5.0f64..5.0, n * d),
        )
            .prop_map(move |(x, y)| (parts(n, d, x), parts(n, d, y)))
    })
}

fn weighted_strategy() -> impl Strategy<Value = (Particles, Vec<f64>, Particles, Vec<f64>)> {
    (1usize..=4, 1usize..=4, 1usize..=3).prop_flat_map(|(m, n, d)| {
        (
            prop::collection::vec(-3.0f64..3.0, m * d),
            prop::collection::vec(prop_oneof![1 => Just(0.0), 6 => 0.01f64..1.0], m),
            prop::collection::vec(-3.0f64..3.0, n * d),
            prop::collection::vec(prop_oneof![1 => Just(0.0), 6 => 0.01f64..1.0], n),
        )
            .prop_filter("positive mass", |(_, wa, _, wb)| {
                wa.iter().sum::<f64>() > 0.0 && wb.iter().sum::<f64>() > 0.0
            })
            .prop_map(move |(x, wa, y, wb)| (parts(m, d, x), wa, parts(n, d, y), wb))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn equal_size_matches_brute_force((a, b) in points_strategy(8)) {
        let ours = w2_squared(&a, &b).unwrap();
        let brute = brute_force_w2sq(&a, &b);
        prop_assert!(rel_close(ours, brute, 1e-9), "ours {ours} brute {brute}");
        // Jonker–Volgenant on the same problem.
        let jv = assignment::solve(a.len(), |i, j| sq_dist(a.row(i), b.row(j))).unwrap();
        let jv = jv.cost / a.len() as f64;
        prop_assert!(rel_close(jv, brute, 1e-9), "jv {jv} brute {brute}");
        // The weighted solver on the same problem.
        let w = vec![1.0; a.len()];
        let ns = w2_squared_weighted(&a, &w, &b, &w).unwrap();
        prop_assert!(rel_close(ns, brute, 1e-9), "simplex {ns} brute {brute}");
    }

    #[test]
    fn weighted_matches_vertex_enumeration((a, wa, b, wb) in weighted_strategy()) {
        let ours = w2_squared_weighted(&a, &wa, &b, &wb).unwrap();
        let sa: f64 = wa.iter().sum();
        let sb: f64 = wb.iter().sum();
        let pa: Vec<f64> = wa.iter().map(|w| w / sa).collect();
        let pb: Vec<f64> = wb.iter().map(|w| w / sb).collect();
        let c: Vec<Vec<f64>> = (0..a.len())
            .map(|i| (0..b.len()).map(|j| sq_dist(a.row(i), b.row(j))).collect())
            .collect();
        let lp = vertex_enumeration(&pa, &pb, &c);
        prop_assert!(rel_close(ours, lp, 1e-9), "ours {ours} lp {lp}");
        check_transport_certificate(&a, &pa, &b, &pb);
    }

    #[test]
    fn one_dimensional_weighted_is_quantile_formula(
        x in prop::collection::vec(-10.0f64..10.0, 1..30),
        y in prop::collection::vec(-10.0f64..10.0, 1..30),
        seed in 0u64..1000,
    ) {
        let wx: Vec<f64> = (0..x.len()).map(|k| 0.1 + ((k as u64 * 7 + seed) % 11) as f64).collect();
        let wy: Vec<f64> = (0..y.len()).map(|k| 0.1 + ((k as u64 * 5 + seed) % 13) as f64).collect();
        let a = parts(x.len(), 1, x.clone());
        let b = parts(y.len(), 1, y.clone());
        let ours = w2_squared_weighted(&a, &wx, &b, &wy).unwrap();
        let q = quantile_w2sq(&x, &wx, &y, &wy);
        prop_assert!(rel_close(ours, q, 1e-9) || (ours - q).abs() < 1e-12, "ours {ours} quantile {q}");
    }
}

#[test]
fn one_dimensional_uniform_is_sorted_matching() {
    for &(m, n) in &[(50usize, 50usize), (37, 50), (50, 20)] {
        let a = pseudo_points(m, 1, 1 + m as u64, -3.0, 3.0);
        let b = pseudo_points(n, 1, 99 + n as u64, -1.0, 5.0);
        let ours = w2_squared(&a, &b).unwrap();
        let q = quantile_w2sq(a.as_slice(), &vec![1.0; m], b.as_slice(), &vec![1.0; n]);
        assert!(
            rel_close(ours, q, 1e-9),
            "{m}x{n}: ours {ours} quantile {q}"
        );
    }
}

#[test]
fn certificates_on_larger_problems() {
    for &(n, d, seed) in &[
        (120usize, 2usize, 1u64),
        (90, 5, 2),
        (150, 1, 3),
        (64, 12, 4),
    ] {
        let a = pseudo_points(n, d, seed, -4.0, 4.0);
        let b = pseudo_points(n, d, seed + 100, -2.0, 6.0);
        check_assignment_certificate(&a, &b);
        let w = vec![1.0 / n as f64; n];
        let ns = check_transport_certificate(&a, &w, &b, &w);
        let jv = assignment::solve(n, |i, j| sq_dist(a.row(i), b.row(j)))
            .unwrap()
            .cost
            / n as f64;
        assert!(rel_close(ns, jv, 1e-9), "n={n} d={d}: simplex {ns} jv {jv}");
        assert!(rel_close(w2_squared(&a, &b).unwrap(), jv, 1e-9));
    }
    // Unequal, non-uniform weights.
    let a = pseudo_points(80, 3, 7, -1.0, 1.0);
    let b = pseudo_points(130, 3, 8, 0.0, 2.0);
    let wa: Vec<f64> = (0..80).map(|k| 1.0 + (k % 7) as f64).collect();
    let wb: Vec<f64> = (0..130)
        .map(|k| {
            if k % 9 == 0 {
                0.0
            } else {
                0.5 + (k % 4) as f64
            }
        })
        .collect();
    let sa: f64 = wa.iter().sum();
    let sb: f64 = wb.iter().sum();
    let pa: Vec<f64> = wa.iter().map(|w| w / sa).collect();
    let pb: Vec<f64> = wb.iter().map(|w| w / sb).collect();
    check_transport_certificate(&a, &pa, &b, &pb);
}

#[test]
fn unequal_uniform_equals_replicated_assignment() {
    // m = 6, n = 10: replicating a 5× and b 3× gives a 30 × 30 assignment with the
    // same optimal value.
    for seed in 0..5u64 {
        let (m, n) = (6usize, 10usize);
        let a = pseudo_points(m, 2, seed, -3.0, 3.0);
        let b = pseudo_points(n, 2, seed + 50, -3.0, 3.0);
        let rep = |p: &Particles, k: usize| {
            let mut v = Vec::new();
            for _ in 0..k {
                v.extend_from_slice(p.as_slice());
            }
            parts(p.len() * k, 2, v)
        };
        let ours = w2_squared(&a, &b).unwrap();
        let big = w2_squared(&rep(&a, 5), &rep(&b, 3)).unwrap();
        assert!(rel_close(ours, big, 1e-9), "{ours} vs {big}");
    }
}

#[test]
fn ties_and_degeneracy() {
    // Integer grid points with many repeated and tied costs, duplicates included.
    let grid = |n: usize, off: usize| {
        let v: Vec<f64> = (0..n)
            .flat_map(|k| [((k * 7 + off) % 5) as f64, ((k * 3 + off) % 4) as f64])
            .collect();
        parts(n, 2, v)
    };
    for &n in &[1usize, 2, 5, 8] {
        let (a, b) = (grid(n, 0), grid(n, 1));
        let brute = brute_force_w2sq(&a, &b);
        assert!(rel_close(w2_squared(&a, &b).unwrap(), brute, 1e-9));
        let w = vec![1.0; n];
        assert!(rel_close(
            w2_squared_weighted(&a, &w, &b, &w).unwrap(),
            brute,
            1e-9
        ));
    }
    for &n in &[40usize, 200] {
        let (a, b) = (grid(n, 0), grid(n, 2));
        check_assignment_certificate(&a, &b);
        let w = vec![1.0; n];
        let ns = check_transport_certificate(&a, &w, &b, &w) / n as f64;
        let jv = assignment::solve(n, |i, j| sq_dist(a.row(i), b.row(j)))
            .unwrap()
            .cost
            / n as f64;
        assert!(rel_close(ns, jv, 1e-9));
        assert!(rel_close(w2_squared(&a, &b).unwrap(), jv, 1e-9));
        // All points identical.
        let z = Particles::repeat(&[1.0, 2.0], n);
        assert_eq!(w2(&z, &z).unwrap(), 0.0);
        assert!(rel_close(
            w2_squared(&z, &a).unwrap(),
            a.rows().map(|r| sq_dist(r, &[1.0, 2.0])).sum::<f64>() / n as f64,
            1e-12
        ));
    }
}

#[test]
fn invariances() {
    let a = pseudo_points(60, 3, 11, -2.0, 2.0);
    let b = pseudo_points(60, 3, 12, -1.0, 3.0);
    let c = pseudo_points(45, 3, 13, -1.0, 3.0);
    assert_eq!(w2(&a, &a).unwrap(), 0.0);
    let wa: Vec<f64> = (0..60).map(|k| 1.0 + (k % 3) as f64).collect();
    assert!(w2_weighted(&a, &wa, &a, &wa).unwrap() < 1e-7);
    assert!(rel_close(w2(&a, &b).unwrap(), w2(&b, &a).unwrap(), 1e-12));
    assert!(rel_close(w2(&a, &c).unwrap(), w2(&c, &a).unwrap(), 1e-9));
    let wc: Vec<f64> = (0..45).map(|k| 0.5 + (k % 5) as f64).collect();
    assert!(rel_close(
        w2_weighted(&a, &wa, &c, &wc).unwrap(),
        w2_weighted(&c, &wc, &a, &wa).unwrap(),
        1e-9
    ));
    // Translation: W2(a, a + s) = |s|, also far from the origin.
    for shift in [[0.3, -0.4, 1.2], [1e3, 2e3, -5e2]] {
        let mut t = a.clone();
        for r in 0..t.len() {
            for (x, s) in t.row_mut(r).iter_mut().zip(shift) {
                *x += s;
            }
        }
        let norm = shift.iter().map(|s| s * s).sum::<f64>().sqrt();
        assert!(rel_close(w2(&a, &t).unwrap(), norm, 1e-9));
        assert!(rel_close(
            w2_weighted(&a, &wa, &t, &wa).unwrap(),
            norm,
            1e-9
        ));
    }
    // Weight scaling does not matter.
    let wa3: Vec<f64> = wa.iter().map(|w| 3.0 * w).collect();
    let wc7: Vec<f64> = wc.iter().map(|w| 1e-7 * w).collect();
    assert!(rel_close(
        w2_weighted(&a, &wa, &c, &wc).unwrap(),
        w2_weighted(&a, &wa3, &c, &wc7).unwrap(),
        1e-9
    ));
}

#[test]
fn bad_input_errors_name_the_argument() {
    let a = pseudo_points(5, 2, 1, 0.0, 1.0);
    let b = pseudo_points(5, 3, 2, 0.0, 1.0);
    let e = Particles::zeros(0, 2);
    let name = |r: Result<f64, MetricError>| match r {
        Err(MetricError::InvalidInput { name, .. }) => name,
        other => panic!("expected InvalidInput, got {other:?}"),
    };
    assert!(matches!(
        w2(&a, &b),
        Err(MetricError::DimensionMismatch {
            left: 2,
            right: 3,
            ..
        })
    ));
    assert_eq!(name(w2(&e, &a)), "a");
    assert_eq!(name(w2(&a, &e)), "b");
    let mut nan = a.clone();
    nan.row_mut(3)[1] = f64::NAN;
    assert_eq!(name(w2(&a, &nan)), "b");
    let mut inf = a.clone();
    inf.row_mut(0)[0] = f64::INFINITY;
    assert_eq!(name(w2_weighted(&inf, &[1.0; 5], &a, &[1.0; 5])), "a");
    assert_eq!(name(w2_weighted(&a, &[1.0; 4], &a, &[1.0; 5])), "wa");
    assert_eq!(
        name(w2_weighted(&a, &[1.0; 5], &a, &[1.0, -1.0, 1.0, 1.0, 1.0])),
        "wb"
    );
    assert_eq!(name(w2_weighted(&a, &[0.0; 5], &a, &[1.0; 5])), "wa");
    assert_eq!(
        name(w2_weighted(
            &a,
            &[1.0; 5],
            &a,
            &[1.0, f64::NAN, 1.0, 1.0, 1.0]
        )),
        "wb"
    );
    assert_eq!(
        name(w2_weighted(
            &a,
            &[1.0, 1.0, f64::INFINITY, 1.0, 1.0],
            &a,
            &[1.0; 5]
        )),
        "wa"
    );
    // The generic solver checks its masses too.
    let r = network_simplex::solve(
        &[1.0, 1.0],
        &[1.0],
        |_, _| 1.0,
        network_simplex::Options::for_size(2, 1),
    );
    assert!(matches!(r, Err(MetricError::InvalidInput { ref name, .. }) if name == "b"));
    let r = assignment::solve(2, |i, j| if i == j { f64::NAN } else { 1.0 });
    assert!(matches!(r, Err(MetricError::InvalidInput { ref name, .. }) if name == "cost"));
}

#[test]
fn pivot_budget_gives_not_converged() {
    let a = pseudo_points(30, 2, 5, 0.0, 1.0);
    let b = pseudo_points(40, 2, 6, 0.0, 1.0);
    let c = |i: usize, j: usize| sq_dist(a.row(i), b.row(j));
    let opts = network_simplex::Options {
        max_pivots: 3,
        ..network_simplex::Options::for_size(30, 40)
    };
    let r = network_simplex::solve(&[40.0; 30], &[30.0; 40], c, opts);
    assert!(matches!(r, Err(MetricError::NotConverged { .. })), "{r:?}");
}

#[test]
fn generic_transport_plan_small_example() {
    // Two sources, three sinks, explicit cost matrix.
    let cm = [[1.0, 2.0, 3.0], [4.0, 1.0, 0.5]];
    let sol = network_simplex::solve(
        &[0.5, 0.5],
        &[0.25, 0.25, 0.5],
        |i, j| cm[i][j],
        network_simplex::Options::for_size(2, 3),
    )
    .unwrap();
    // Optimal: source 0 -> sink 0 (0.25) and sink 1 (0.25); source 1 -> sink 2 (0.5).
    assert!((sol.cost - (0.25 + 0.5 + 0.25)).abs() < 1e-15);
    assert_eq!(sol.plan.len(), 3);
}

#[test]
fn candidate_list_size_does_not_change_the_optimum() {
    // Two clusters with unequal counts: mass must cross between them on arcs
    // that are in nobody's short candidate list.
    let n = 90;
    let mk = |seed: u64, frac: usize| {
        let base = pseudo_points(n, 2, seed, -1.0, 1.0);
        let mut v = base.into_vec();
        for i in 0..n {
            if i % 10 < frac {
                v[2 * i] += 20.0;
            }
        }
        parts(n, 2, v)
    };
    let (a, b) = (mk(21, 3), mk(22, 7));
    let c = |i: usize, j: usize| sq_dist(a.row(i), b.row(j));
    let jv = assignment::solve(n, c).unwrap().cost;
    for k in [0usize, 1, 2, 5, 64, 1000] {
        let opts = network_simplex::Options {
            candidates_per_row: k,
            ..network_simplex::Options::for_size(n, n)
        };
        let ns = network_simplex::solve(&vec![1.0; n], &vec![1.0; n], c, opts).unwrap();
        assert!(rel_close(ns.cost, jv, 1e-9), "k={k}: {} vs {jv}", ns.cost);
    }
}

#[test]
fn cost_rows_equal_single_arc_costs_bit_for_bit() {
    use network_simplex::Cost;
    // Far from the origin and of mixed scales, so any change in the order of
    // operations would show in the last bits.
    for d in 1..=6usize {
        let a = pseudo_points(7, d, 40 + d as u64, 1e3, 1e3 + 7.0);
        let b = pseudo_points(11, d, 50 + d as u64, 1e3 - 3.0, 1e3 + 1.0);
        let mut row = vec![0.0; b.len()];
        let check = |c: &dyn Fn(usize, usize) -> f64, row: &[f64], i: usize| {
            for (j, &r) in row.iter().enumerate() {
                assert_eq!(r.to_bits(), c(i, j).to_bits(), "d={d} ({i}, {j})");
                assert_eq!(r.to_bits(), sq_dist(a.row(i), b.row(j)).to_bits());
            }
        };
        for i in 0..a.len() {
            // One arm per const-generic build of the cost.
            macro_rules! check_build {
                ($c:expr) => {{
                    let c = $c;
                    c.row(i, &mut row);
                    check(&|i, j| c.cost(i, j), &row, i);
                }};
            }
            match d {
                1 => check_build!(SqCostFixed::<1>::new(&a, &b)),
                2 => check_build!(SqCostFixed::<2>::new(&a, &b)),
                3 => check_build!(SqCostFixed::<3>::new(&a, &b)),
                4 => check_build!(SqCostFixed::<4>::new(&a, &b)),
                _ => check_build!(SqCost::new(&a, &b)),
            }
        }
    }
}

#[test]
fn k_smallest_is_exact() {
    let mut sel = Vec::new();
    let mut sample = Vec::new();
    for &(n, k, seed) in &[
        (10usize, 3usize, 1u64),
        (2000, 64, 2),
        (5000, 64, 3),
        (5000, 1, 4),
        (3000, 400, 5),
    ] {
        let p = pseudo_points(n, 1, seed, 0.0, 1.0);
        // Rows with few distinct values (ties) and a sorted row (the strided
        // sample then sits exactly on quantiles).
        let rows = [
            p.as_slice().to_vec(),
            p.as_slice().iter().map(|x| (x * 4.0).floor()).collect(),
            (0..n).map(|j| j as f64).collect::<Vec<f64>>(),
        ];
        for row in &rows {
            network_simplex::k_smallest(row, k, &mut sel, &mut sample);
            assert_eq!(sel.len(), k);
            let mut sorted = row.clone();
            sorted.sort_by(f64::total_cmp);
            let mut got: Vec<f64> = sel
                .iter()
                .map(|&(x, j)| {
                    assert_eq!(row[j as usize], x);
                    x
                })
                .collect();
            got.sort_by(f64::total_cmp);
            assert_eq!(got, sorted[..k], "n={n} k={k}");
            let mut idx: Vec<u32> = sel.iter().map(|p| p.1).collect();
            idx.sort_unstable();
            idx.dedup();
            assert_eq!(idx.len(), k, "indices are distinct");
        }
    }
}

/// 2-D mixture of `modes` tight clusters with sampling-noise mode counts (the
/// bench's GMM40 in small), deterministic.
fn clustered_points(n: usize, modes: usize, seed: u64) -> Particles {
    let centres = pseudo_points(modes, 2, 777, -40.0, 40.0);
    let u = pseudo_points(n, 3, seed, 0.0, 1.0);
    let mut v = Vec::with_capacity(2 * n);
    for i in 0..n {
        let r = u.row(i);
        let k = ((r[0] * modes as f64) as usize).min(modes - 1);
        v.push(centres.row(k)[0] + 1.3 * (r[1] - 0.5));
        v.push(centres.row(k)[1] + 1.3 * (r[2] - 0.5));
    }
    parts(n, 2, v)
}

#[test]
fn clustered_optimum_matches_assignment_and_arc_costs() {
    // Mass must cross between clusters on arcs outside every short candidate
    // list: the full pricing passes (now fed by the vectorized rows) must
    // find them. Compare the vectorized-cost solve with Jonker–Volgenant and
    // with the same solver on a plain closure (rows filled arc by arc).
    // n = 1100 > 4 · SAMPLE also takes the sampled-threshold path of k_smallest.
    for &(n, modes, d_seed) in &[(300usize, 12usize, 1u64), (257, 5, 2), (1100, 30, 3)] {
        let a = clustered_points(n, modes, 10 + d_seed);
        let b = clustered_points(n, modes, 20 + d_seed);
        let c = |i: usize, j: usize| sq_dist(a.row(i), b.row(j));
        let jv = assignment::solve(n, c).unwrap().cost / n as f64;
        let ours = w2_squared(&a, &b).unwrap();
        assert!(rel_close(ours, jv, 1e-9), "n={n}: ours {ours} jv {jv}");
        let w = vec![1.0; n];
        let plain =
            network_simplex::solve(&w, &w, c, network_simplex::Options::for_size(n, n)).unwrap();
        assert!(rel_close(plain.cost / n as f64, jv, 1e-9));
        let pw = vec![1.0 / n as f64; n];
        check_transport_certificate(&a, &pw, &b, &pw);
    }
}

/// The "sampler stuck in one mode" case: a tight cloud at the origin against
/// four far modes (ZOD-MC-like, radius 26, weights .1/.2/.3/.4), where every
/// source's cheapest sinks are the 10 % at the origin and the optimum needs
/// arcs to the far modes. Exact W2² (uniform and with the 1-D ordering hint
/// given explicitly or reversed) must equal the JV assignment optimum.
#[test]
fn far_apart_clouds_match_jv() {
    let n = 300;
    let base_a = pseudo_points(n, 2, 31, -1.0, 1.0);
    let base_b = pseudo_points(n, 2, 32, -1.0, 1.0);
    let modes = [[0.0, 0.0], [0.0, 26.0], [21.3, 21.3], [26.0, 0.0]];
    let mut vb = base_b.into_vec();
    for i in 0..n {
        // weights .1, .2, .3, .4 by index
        let k = match i % 10 {
            0 => 0,
            1 | 2 => 1,
            3..=5 => 2,
            _ => 3,
        };
        vb[2 * i] += modes[k][0];
        vb[2 * i + 1] += modes[k][1];
    }
    let (a, b) = (base_a, parts(n, 2, vb));
    let c = |i: usize, j: usize| sq_dist(a.row(i), b.row(j));
    let jv = assignment::solve(n, c).unwrap().cost / n as f64;
    assert!(rel_close(w2_squared(&a, &b).unwrap(), jv, 1e-9));
    let w = vec![1.0; n];
    assert!(rel_close(
        w2_squared_weighted(&a, &w, &b, &w).unwrap(),
        jv,
        1e-9
    ));
    // Any ordering hint (here the reverse of the principal one, and the
    // identity) changes the work only.
    let (oa, ob) = principal_orders(&a, &b);
    let rev: Vec<usize> = ob.iter().rev().copied().collect();
    let id: Vec<usize> = (0..n).collect();
    for (so, to) in [(&oa, &rev), (&id, &id)] {
        let sol = network_simplex::solve_cost_ordered(
            &w,
            &w,
            c,
            network_simplex::Options::for_size(n, n),
            Some((so, to)),
        )
        .unwrap();
        assert!(rel_close(sol.cost / n as f64, jv, 1e-9));
    }
    // A hint that is not a permutation is an input error.
    let bad = vec![0usize; n];
    assert!(
        network_simplex::solve_cost_ordered(
            &w,
            &w,
            c,
            network_simplex::Options::for_size(n, n),
            Some((&bad, &id)),
        )
        .is_err()
    );
}

/// Shifted clouds N(0, I) vs N(20·1, I)-like in 2-D and 5-D, with zero
/// weights mixed in (dropped points and the ordering hint's re-indexing).
#[test]
fn shifted_clouds_match_jv_and_zero_weights() {
    for d in [2usize, 5] {
        let n = 120;
        let a = pseudo_points(n, d, 41 + d as u64, -1.5, 1.5);
        let vb: Vec<f64> = pseudo_points(n, d, 51 + d as u64, -1.5, 1.5)
            .into_vec()
            .into_iter()
            .map(|x| x + 20.0)
            .collect();
        let b = parts(n, d, vb);
        let c = |i: usize, j: usize| sq_dist(a.row(i), b.row(j));
        let jv = assignment::solve(n, c).unwrap().cost / n as f64;
        assert!(rel_close(w2_squared(&a, &b).unwrap(), jv, 1e-9), "d={d}");
        // Zero weights on a third of b: compare with the problem without them.
        let wb: Vec<f64> = (0..n).map(|j| if j % 3 == 0 { 0.0 } else { 1.0 }).collect();
        let wa: Vec<f64> = (0..n).map(|i| if i % 3 == 1 { 0.0 } else { 1.0 }).collect();
        let full = w2_squared_weighted(&a, &wa, &b, &wb).unwrap();
        let keep = |p: &Particles, w: &[f64]| {
            let v: Vec<f64> = p
                .rows()
                .zip(w)
                .filter(|(_, x)| **x > 0.0)
                .flat_map(|(r, _)| r.to_vec())
                .collect();
            parts(v.len() / d, d, v)
        };
        let (ka, kb) = (keep(&a, &wa), keep(&b, &wb));
        let k = ka.len();
        let ck = |i: usize, j: usize| sq_dist(ka.row(i), kb.row(j));
        let jvk = assignment::solve(k, ck).unwrap().cost / k as f64;
        assert!(rel_close(full, jvk, 1e-9), "d={d}: {full} vs {jvk}");
    }
}
