//! Throwaway benchmark: hand-written damped Newton vs argmin L-BFGS / argmin Newton
//! on the D-ADMMS proximal step of Bayesian logistic regression (one agent).
//!
//! F(x) = sum_k [softplus(a_k.x) - y_k a_k.x] + |x|^2/(2*10*20) + p.x + rho * sum_j |x - c_j|^2
//!
//! Usage: argmin_prox [n_instances=1000] [reps=3]

use argmin::core::{
    CostFunction, Error, Executor, Gradient, Hessian, IterState, Problem, Solver, State,
    TerminationReason, TerminationStatus, KV,
};
use argmin::solver::linesearch::{HagerZhangLineSearch, MoreThuenteLineSearch};
use argmin::solver::newton::Newton;
use argmin::solver::quasinewton::LBFGS;
use nalgebra::{DMatrix, DVector, SMatrix, SVector};
use rand::SeedableRng;
use rand_distr::{Bernoulli, Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::cell::{Cell, RefCell};
use std::hint::black_box;
use std::time::Instant;

const D: usize = 3;
const N: usize = 50;
const M: usize = 2;
const RHO: f64 = 5.0;
const N_AGENTS: f64 = 20.0;
const PRIOR_VAR: f64 = 10.0;
const PRIOR_PREC: f64 = 1.0 / (N_AGENTS * PRIOR_VAR); // gradient coefficient: x * PRIOR_PREC

// ---------------------------------------------------------------- data
struct Instance {
    a: Vec<f64>, // N x D row-major
    y: Vec<f64>,
    p: [f64; D],
    c: [[f64; D]; M],
    x0: [f64; D],
}

fn normal(rng: &mut Xoshiro256PlusPlus, sd: f64) -> f64 {
    let z: f64 = StandardNormal.sample(rng);
    sd * z
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

fn softplus(z: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p()
}

fn make_instance(seed: u64) -> Instance {
    // theta* fixed across instances (seed 12345); everything else per instance.
    let mut rt = Xoshiro256PlusPlus::seed_from_u64(12345);
    let theta: [f64; D] = std::array::from_fn(|_| normal(&mut rt, 1.0));
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1_000_003 * (seed + 1));
    let mut a = vec![0.0; N * D];
    let mut y = vec![0.0; N];
    for k in 0..N {
        let mut z = 0.0;
        for i in 0..D {
            a[k * D + i] = normal(&mut rng, 20f64.sqrt());
            z += a[k * D + i] * theta[i];
        }
        y[k] = if Bernoulli::new(sigmoid(z)).unwrap().sample(&mut rng) { 1.0 } else { 0.0 };
    }
    let p: [f64; D] = std::array::from_fn(|_| normal(&mut rng, 2.0));
    let c: [[f64; D]; M] =
        std::array::from_fn(|_| std::array::from_fn(|i| theta[i] + normal(&mut rng, 0.5)));
    let x0: [f64; D] = std::array::from_fn(|i| c[0][i] + normal(&mut rng, 0.1));
    Instance { a, y, p, c, x0 }
}

// ---------------------------------------------------------------- F, dF, d2F (slice based)
/// cost only: one pass over the N data terms
fn cost(inst: &Instance, x: &[f64]) -> f64 {
    let mut f = 0.0;
    for k in 0..N {
        let ak = &inst.a[k * D..(k + 1) * D];
        let z: f64 = (0..D).map(|i| ak[i] * x[i]).sum();
        f += softplus(z) - inst.y[k] * z;
    }
    for i in 0..D {
        f += 0.5 * PRIOR_PREC * x[i] * x[i] + inst.p[i] * x[i];
        for j in 0..M {
            let r = x[i] - inst.c[j][i];
            f += RHO * r * r;
        }
    }
    f
}

/// gradient only: one pass over the N data terms
fn grad(inst: &Instance, x: &[f64], g: &mut [f64]) {
    for i in 0..D {
        g[i] = PRIOR_PREC * x[i] + inst.p[i];
        for j in 0..M {
            g[i] += 2.0 * RHO * (x[i] - inst.c[j][i]);
        }
    }
    for k in 0..N {
        let ak = &inst.a[k * D..(k + 1) * D];
        let z: f64 = (0..D).map(|i| ak[i] * x[i]).sum();
        let r = sigmoid(z) - inst.y[k];
        for i in 0..D {
            g[i] += r * ak[i];
        }
    }
}

/// cost + gradient fused in one pass
fn cost_grad(inst: &Instance, x: &[f64], g: &mut [f64]) -> f64 {
    let mut f = 0.0;
    for i in 0..D {
        g[i] = PRIOR_PREC * x[i] + inst.p[i];
        f += 0.5 * PRIOR_PREC * x[i] * x[i] + inst.p[i] * x[i];
        for j in 0..M {
            let r = x[i] - inst.c[j][i];
            g[i] += 2.0 * RHO * r;
            f += RHO * r * r;
        }
    }
    for k in 0..N {
        let ak = &inst.a[k * D..(k + 1) * D];
        let z: f64 = (0..D).map(|i| ak[i] * x[i]).sum();
        f += softplus(z) - inst.y[k] * z;
        let r = sigmoid(z) - inst.y[k];
        for i in 0..D {
            g[i] += r * ak[i];
        }
    }
    f
}

/// Hessian only: one pass (row-major D x D)
fn hess(inst: &Instance, x: &[f64], h: &mut [f64]) {
    h.iter_mut().for_each(|v| *v = 0.0);
    for i in 0..D {
        h[i * D + i] = PRIOR_PREC + 2.0 * RHO * M as f64;
    }
    for k in 0..N {
        let ak = &inst.a[k * D..(k + 1) * D];
        let z: f64 = (0..D).map(|i| ak[i] * x[i]).sum();
        let s = sigmoid(z);
        let w = s * (1.0 - s);
        for i in 0..D {
            for l in 0..D {
                h[i * D + l] += w * ak[i] * ak[l];
            }
        }
    }
}

/// gradient + Hessian fused in one loop (counted as 2N data terms, as the brief asks)
fn grad_hess(inst: &Instance, x: &[f64], g: &mut [f64], h: &mut [f64]) {
    h.iter_mut().for_each(|v| *v = 0.0);
    for i in 0..D {
        g[i] = PRIOR_PREC * x[i] + inst.p[i];
        for j in 0..M {
            g[i] += 2.0 * RHO * (x[i] - inst.c[j][i]);
        }
        h[i * D + i] = PRIOR_PREC + 2.0 * RHO * M as f64;
    }
    for k in 0..N {
        let ak = &inst.a[k * D..(k + 1) * D];
        let z: f64 = (0..D).map(|i| ak[i] * x[i]).sum();
        let s = sigmoid(z);
        let r = s - inst.y[k];
        let w = s * (1.0 - s);
        for i in 0..D {
            g[i] += r * ak[i];
            for l in 0..D {
                h[i * D + l] += w * ak[i] * ak[l];
            }
        }
    }
}

// ---------------------------------------------------------------- result record
#[derive(Clone, Copy, Default)]
struct Out {
    x: [f64; D],
    iters: u64,
    terms: u64,       // data terms as counted per the brief (cost n + grad n separately)
    terms_fused: u64, // data terms if cost+grad at the same point were fused (cache)
    ok: bool,
    gnorm: f64,
}

fn gnorm_at(inst: &Instance, x: &[f64]) -> f64 {
    let mut g = [0.0; D];
    grad(inst, x, &mut g);
    g.iter().map(|v| v * v).sum::<f64>().sqrt()
}

// ---------------------------------------------------------------- (a) hand-written damped Newton
/// dynamic nalgebra types (DVector/DMatrix, heap), Cholesky
fn newton_dyn(inst: &Instance, tol: f64, max_iter: u64, extra: u64) -> Out {
    newton_dyn_thr(inst, tol, max_iter, extra, 0.25)
}

/// `thr`: damp (x -= dir/(1+λ)) while λ >= thr; thr = ∞ gives plain full Newton steps
fn newton_dyn_thr(inst: &Instance, tol: f64, max_iter: u64, extra: u64, thr: f64) -> Out {
    let mut x = DVector::from_column_slice(&inst.x0);
    let mut g = DVector::zeros(D);
    let mut h = DMatrix::zeros(D, D);
    let mut hs = [0.0; D * D];
    let mut it = 0;
    let mut ok = false;
    let mut extra_left = extra;
    while it < max_iter {
        grad_hess(inst, x.as_slice(), g.as_mut_slice(), &mut hs);
        h.copy_from_slice(&hs); // symmetric, so row/col-major does not matter
        let Some(ch) = h.clone().cholesky() else { break };
        let dir = ch.solve(&g);
        let lam = g.dot(&dir).max(0.0).sqrt();
        if lam >= thr && !ok {
            x.axpy(-1.0 / (1.0 + lam), &dir, 1.0);
        } else {
            x -= &dir;
        }
        it += 1;
        if ok {
            if extra_left == 0 {
                break;
            }
            extra_left -= 1;
            if extra_left == 0 {
                break;
            }
        } else if lam < tol {
            ok = true;
            if extra == 0 {
                break;
            }
        }
    }
    Out {
        x: std::array::from_fn(|i| x[i]),
        iters: it,
        terms: 2 * N as u64 * it,
        terms_fused: N as u64 * it,
        ok,
        gnorm: gnorm_at(inst, x.as_slice()),
    }
}

/// fixed-size nalgebra types (stack), Cholesky
fn newton_fixed(inst: &Instance, tol: f64, max_iter: u64) -> Out {
    let mut x = SVector::<f64, D>::from_column_slice(&inst.x0);
    let mut g = SVector::<f64, D>::zeros();
    let mut hs = [0.0; D * D];
    let mut it = 0;
    let mut ok = false;
    while it < max_iter {
        grad_hess(inst, x.as_slice(), g.as_mut_slice(), &mut hs);
        let h = SMatrix::<f64, D, D>::from_column_slice(&hs);
        let Some(ch) = h.cholesky() else { break };
        let dir = ch.solve(&g);
        let lam = g.dot(&dir).max(0.0).sqrt();
        if lam >= 0.25 {
            x -= dir / (1.0 + lam);
        } else {
            x -= dir;
        }
        it += 1;
        if lam < tol {
            ok = true;
            break;
        }
    }
    Out {
        x: std::array::from_fn(|i| x[i]),
        iters: it,
        terms: 2 * N as u64 * it,
        terms_fused: N as u64 * it,
        ok,
        gnorm: gnorm_at(inst, x.as_slice()),
    }
}

// ---------------------------------------------------------------- argmin problem wrapper
#[derive(Default, Clone, Copy)]
struct Counts {
    cost: u64,
    grad: u64,
    hess: u64,
    fused: u64, // cache misses when caching is on; distinct points
}

struct Prob<'a> {
    inst: &'a Instance,
    cnt: &'a Cell<Counts>,
    cache_on: bool,
    // last point at which (cost, grad) were computed fused
    cache: RefCell<Option<(DVector<f64>, f64, DVector<f64>)>>,
    last_gnorm: Cell<f64>,
    last_px: RefCell<Option<DVector<f64>>>, // for fused-count estimate when cache is off
}

impl<'a> Prob<'a> {
    fn new(inst: &'a Instance, cnt: &'a Cell<Counts>, cache_on: bool) -> Self {
        Prob {
            inst,
            cnt,
            cache_on,
            cache: RefCell::new(None),
            last_gnorm: Cell::new(f64::INFINITY),
            last_px: RefCell::new(None),
        }
    }
    fn bump(&self, f: impl FnOnce(&mut Counts)) {
        let mut c = self.cnt.get();
        f(&mut c);
        self.cnt.set(c);
    }
    /// when cache is off: count how many distinct consecutive points were visited
    /// (what a fused cost+grad evaluation with a 1-entry cache would have cost)
    fn note_point(&self, x: &DVector<f64>) {
        let mut lp = self.last_px.borrow_mut();
        if lp.as_ref().map_or(true, |v| v != x) {
            *lp = Some(x.clone());
            self.bump(|c| c.fused += 1);
        }
    }
    fn fused_eval(&self, x: &DVector<f64>) -> (f64, DVector<f64>) {
        let mut cache = self.cache.borrow_mut();
        if let Some((cx, f, g)) = cache.as_ref() {
            if cx == x {
                return (*f, g.clone());
            }
        }
        let mut g = DVector::zeros(D);
        let f = cost_grad(self.inst, x.as_slice(), g.as_mut_slice());
        self.bump(|c| c.fused += 1);
        *cache = Some((x.clone(), f, g.clone()));
        (f, g)
    }
}

impl CostFunction for Prob<'_> {
    type Param = DVector<f64>;
    type Output = f64;
    fn cost(&self, x: &Self::Param) -> Result<f64, Error> {
        self.bump(|c| c.cost += 1);
        // Guards: argmin's L-BFGS runs its line search with no iteration cap, and at tight
        // tolerances its direction can become NaN (s.y = 0); MoreThuente then loops forever.
        if x.iter().any(|v| !v.is_finite()) {
            return Err(Error::msg("non-finite parameter"));
        }
        if self.cnt.get().cost > 10_000 {
            return Err(Error::msg("cost-evaluation cap hit"));
        }
        if self.cache_on {
            Ok(self.fused_eval(x).0)
        } else {
            self.note_point(x);
            Ok(cost(self.inst, x.as_slice()))
        }
    }
}

impl Gradient for Prob<'_> {
    type Param = DVector<f64>;
    type Gradient = DVector<f64>;
    fn gradient(&self, x: &Self::Param) -> Result<DVector<f64>, Error> {
        self.bump(|c| c.grad += 1);
        let g = if self.cache_on {
            self.fused_eval(x).1
        } else {
            self.note_point(x);
            let mut g = DVector::zeros(D);
            grad(self.inst, x.as_slice(), g.as_mut_slice());
            g
        };
        self.last_gnorm.set(g.norm());
        Ok(g)
    }
}

impl Hessian for Prob<'_> {
    type Param = DVector<f64>;
    type Hessian = DMatrix<f64>;
    fn hessian(&self, x: &Self::Param) -> Result<DMatrix<f64>, Error> {
        self.bump(|c| c.hess += 1);
        let mut hs = [0.0; D * D];
        hess(self.inst, x.as_slice(), &mut hs);
        Ok(DMatrix::from_column_slice(D, D, &hs))
    }
}

// ---------------------------------------------------------------- (b) argmin L-BFGS
#[derive(Clone, Copy, PartialEq)]
enum Ls {
    MoreThuente,
    HagerZhang,
}

fn lbfgs(inst: &Instance, tol: f64, ls: Ls, mem: usize, cache_on: bool) -> Out {
    let cells = Cell::new(Counts::default());
    let prob = Prob::new(inst, &cells, cache_on);
    let x0 = DVector::from_column_slice(&inst.x0);
    let res = match ls {
        Ls::MoreThuente => {
            let l = MoreThuenteLineSearch::new().with_c(1e-4, 0.9).unwrap();
            let s = LBFGS::new(l, mem)
                .with_tolerance_grad(tol)
                .unwrap()
                .with_tolerance_cost(0.0)
                .unwrap();
            Executor::new(prob, s)
                .configure(|st| st.param(x0).max_iters(1000))
                .run()
                .map(|r| {
                    let st = r.state();
                    (
                        // last iterate (best-by-cost is roundoff-noisy near x*); on a
                        // line-search error argmin leaves no current param, fall back to best
                        st.get_param().or(st.get_best_param()).cloned(),
                        st.get_iter(),
                        st.get_termination_reason().cloned(),
                        Some(cells.get()),
                    )
                })
        }
        Ls::HagerZhang => {
            let l = HagerZhangLineSearch::new();
            let s = LBFGS::new(l, mem)
                .with_tolerance_grad(tol)
                .unwrap()
                .with_tolerance_cost(0.0)
                .unwrap();
            Executor::new(prob, s)
                .configure(|st| st.param(x0).max_iters(1000))
                .run()
                .map(|r| {
                    let st = r.state();
                    (
                        // last iterate (best-by-cost is roundoff-noisy near x*); on a
                        // line-search error argmin leaves no current param, fall back to best
                        st.get_param().or(st.get_best_param()).cloned(),
                        st.get_iter(),
                        st.get_termination_reason().cloned(),
                        Some(cells.get()),
                    )
                })
        }
    };
    if std::env::var_os("PROBE").is_some() {
        match &res {
            Ok((_, it, r, c)) => eprintln!("[iters {it} reason {r:?} counts cost {} grad {}]", c.unwrap_or_default().cost, c.unwrap_or_default().grad),
            Err(e) => eprintln!("[error {e}]"),
        }
    }
    match res {
        Ok((Some(x), iters, reason, cnt)) => {
            let cnt = cnt.unwrap_or_default();
            let mut g = [0.0; D];
            grad(inst, x.as_slice(), &mut g);
            let gn = g.iter().map(|v| v * v).sum::<f64>().sqrt();
            let ok = matches!(reason, Some(TerminationReason::SolverConverged)) && gn <= tol;
            Out {
                x: std::array::from_fn(|i| x[i]),
                iters,
                terms: N as u64 * (cnt.cost + cnt.grad),
                terms_fused: N as u64 * cnt.fused,
                ok,
                gnorm: gn,
            }
        }
        _ => Out { x: [f64::NAN; D], ok: false, ..Default::default() },
    }
}

// ---------------------------------------------------------------- (c) argmin Newton + grad-norm stop
/// argmin's Newton has no termination criterion of its own; wrap it and stop after the
/// step taken from a point whose |grad| < tol (mirrors "stop after the step whose lambda < tol").
struct NewtonTol {
    inner: Newton<f64>,
    tol: f64,
    done: bool,
}

type NState = IterState<DVector<f64>, DVector<f64>, (), DMatrix<f64>, (), f64>;

impl<'a> Solver<Prob<'a>, NState> for NewtonTol {
    fn name(&self) -> &str {
        "Newton+tol"
    }
    fn next_iter(
        &mut self,
        problem: &mut Problem<Prob<'a>>,
        state: NState,
    ) -> Result<(NState, Option<KV>), Error> {
        let r = <Newton<f64> as Solver<Prob<'a>, NState>>::next_iter(&mut self.inner, problem, state)?;
        let gn = problem.problem.as_ref().unwrap().last_gnorm.get();
        if gn < self.tol {
            self.done = true;
        }
        Ok(r)
    }
    fn terminate(&mut self, _state: &NState) -> TerminationStatus {
        if self.done {
            TerminationStatus::Terminated(TerminationReason::SolverConverged)
        } else {
            TerminationStatus::NotTerminated
        }
    }
}

fn argmin_newton(inst: &Instance, tol: f64) -> Out {
    let cells = Cell::new(Counts::default());
    let prob = Prob::new(inst, &cells, false);
    let x0 = DVector::from_column_slice(&inst.x0);
    let s = NewtonTol { inner: Newton::new(), tol, done: false };
    let res = Executor::new(prob, s).configure(|st| st.param(x0).max_iters(100)).run();
    match res {
        Ok(r) => {
            let st = r.state();
            let x = st.get_param().cloned().unwrap();
            let cnt = cells.get();
            let ok = matches!(st.get_termination_reason(), Some(TerminationReason::SolverConverged));
            let mut g = [0.0; D];
            grad(inst, x.as_slice(), &mut g);
            Out {
                x: std::array::from_fn(|i| x[i]),
                iters: st.get_iter(),
                terms: N as u64 * (cnt.grad + cnt.hess),
                terms_fused: N as u64 * cnt.grad,
                ok,
                gnorm: g.iter().map(|v| v * v).sum::<f64>().sqrt(),
            }
        }
        Err(_) => Out { x: [f64::NAN; D], ok: false, ..Default::default() },
    }
}

// ---------------------------------------------------------------- driver
fn dist(a: &[f64; D], b: &[f64; D]) -> f64 {
    a.iter().zip(b).map(|(u, v)| (u - v) * (u - v)).sum::<f64>().sqrt()
}

fn report(name: &str, insts: &[Instance], xstar: &[[f64; D]], reps: usize, f: &dyn Fn(&Instance) -> Out) {
    // accuracy / counts pass
    let outs: Vec<Out> = insts.iter().map(f).collect();
    let n = outs.len() as f64;
    let mean = |g: &dyn Fn(&Out) -> f64| outs.iter().map(g).sum::<f64>() / n;
    let maxf = |g: &dyn Fn(&Out) -> f64| outs.iter().map(g).fold(f64::NEG_INFINITY, f64::max);
    let errs: Vec<f64> = outs.iter().zip(xstar).map(|(o, xs)| dist(&o.x, xs)).collect();
    let max_err = errs.iter().cloned().fold(0.0, |a: f64, b| if b.is_nan() || a.is_nan() { f64::NAN } else { a.max(b) });
    let mut se = errs.clone();
    se.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let med_err = se[se.len() / 2];
    let fails = outs.iter().filter(|o| !o.ok).count();
    // timing: best of `reps` passes over all instances
    let mut best = f64::INFINITY;
    for _ in 0..reps {
        let t = Instant::now();
        for inst in insts {
            black_box(f(black_box(inst)));
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "| {name} | {:.1} | {:.0} | {:.1} | {:.0} | {:.1} | {:.0} | {:.2} | {:.1e} | {:.1e} | {:.3} | {:.2} |",
        mean(&|o| o.terms as f64),
        maxf(&|o| o.terms as f64),
        mean(&|o| o.terms_fused as f64),
        maxf(&|o| o.terms_fused as f64),
        mean(&|o| o.iters as f64),
        maxf(&|o| o.iters as f64),
        mean(&|o| if o.gnorm.is_nan() { 0.0 } else { o.gnorm.log10() }),
        med_err,
        max_err,
        fails as f64 / n,
        best / n * 1e6,
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(|s| s.as_str()) == Some("probe") {
        // probe <tol> <ls: mt|hz>: print instance index before each L-BFGS solve (to find hangs)
        let tol: f64 = args[2].parse().unwrap();
        let ls = if args[3] == "mt" { Ls::MoreThuente } else { Ls::HagerZhang };
        for s in 0..1000u64 {
            eprint!("{s} ");
            let o = lbfgs(&make_instance(s), tol, ls, 7, false);
            if !o.ok { eprintln!("\nfail {s}: iters {} gnorm {:e}", o.iters, o.gnorm); }
        }
        eprintln!("\ndone");
        return;
    }
    let n_inst: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let reps: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3);
    let insts: Vec<Instance> = (0..n_inst as u64).map(make_instance).collect();

    // reference x*: damped Newton to lambda < 1e-9, then 3 more full Newton steps
    let xstar: Vec<[f64; D]> = insts
        .iter()
        .map(|i| {
            let o = newton_dyn(i, 1e-9, 200, 3);
            assert!(o.ok, "reference Newton failed");
            o.x
        })
        .collect();
    // sanity: gradient norm at x*
    let gmax = insts
        .iter()
        .zip(&xstar)
        .map(|(i, x)| {
            let mut g = [0.0; D];
            grad(i, x, &mut g);
            g.iter().map(|v| v * v).sum::<f64>().sqrt()
        })
        .fold(0.0, f64::max);
    // sanity: fixed vs dyn agree, fused cost_grad agrees with cost/grad
    {
        let i = &insts[0];
        let mut g1 = [0.0; D];
        let mut g2 = [0.0; D];
        let f1 = cost(i, &i.x0);
        grad(i, &i.x0, &mut g1);
        let f2 = cost_grad(i, &i.x0, &mut g2);
        assert!((f1 - f2).abs() < 1e-9 && dist(&g1, &g2) < 1e-9);
        // finite-difference gradient check
        let h = 1e-6;
        for k in 0..D {
            let mut xp = i.x0;
            let mut xm = i.x0;
            xp[k] += h;
            xm[k] -= h;
            let fd = (cost(i, &xp) - cost(i, &xm)) / (2.0 * h);
            assert!((fd - g1[k]).abs() < 1e-4 * (1.0 + g1[k].abs()), "grad check {k}: {fd} vs {}", g1[k]);
        }
    }
    println!("instances: {n_inst}, timing: best of {reps} passes; max |grad F(x*)| = {gmax:.2e}");
    let g0 = insts
        .iter()
        .map(|i| {
            let mut g = [0.0; D];
            grad(i, &i.x0, &mut g);
            g.iter().map(|v| v * v).sum::<f64>().sqrt()
        })
        .sum::<f64>()
        / n_inst as f64;
    let d0 = insts.iter().zip(&xstar).map(|(i, x)| dist(&i.x0, x)).sum::<f64>() / n_inst as f64;
    println!("mean |grad F(x0)| = {g0:.2e}, mean |x0 - x*| = {d0:.2e}");
    println!();
    println!("| solver | mean terms | max terms | mean terms (fused c+g) | max (fused) | mean iters | max iters | mean log10 final grad | median err | max err | fail frac | µs/solve |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");

    report("own damped Newton, DVector/DMatrix (λ<1e-9)", &insts, &xstar, reps, &|i| newton_dyn(i, 1e-9, 100, 0));
    report("own damped Newton, fixed-size SVector (λ<1e-9)", &insts, &xstar, reps, &|i| newton_fixed(i, 1e-9, 100));
    report("own damped Newton, DVector (λ<1e-6)", &insts, &xstar, reps, &|i| newton_dyn(i, 1e-6, 100, 0));
    report("own damped Newton, DVector (λ<1e-3)", &insts, &xstar, reps, &|i| newton_dyn(i, 1e-3, 100, 0));
    report("own Newton, full steps (no damping), DVector (λ<1e-9)", &insts, &xstar, reps, &|i| newton_dyn_thr(i, 1e-9, 100, 0, f64::INFINITY));
    for tol in [1e-10, 1e-8, 1e-6] {
        report(&format!("argmin Newton γ=1, ‖g‖<{tol:.0e}"), &insts, &xstar, reps, &|i| argmin_newton(i, tol));
    }
    for ls in [Ls::MoreThuente, Ls::HagerZhang] {
        let lsn = if ls == Ls::MoreThuente { "MoreThuente" } else { "HagerZhang" };
        for tol in [1e-12, 1e-10, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4] {
            report(&format!("argmin L-BFGS m=7 {lsn}, ‖g‖≤{tol:.0e}"), &insts, &xstar, reps, &|i| lbfgs(i, tol, ls, 7, false));
        }
        for tol in [1e-8, 1e-6] {
            report(&format!("argmin L-BFGS m=7 {lsn}, ‖g‖≤{tol:.0e}, cached c+g"), &insts, &xstar, reps, &|i| lbfgs(i, tol, ls, 7, true));
        }
    }
}
