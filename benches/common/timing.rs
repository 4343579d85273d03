//! Medians of repeated timings, with the repetition count adapted to a time budget.

use std::time::{Duration, Instant};

/// How long to spend on one case.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Warm-up per function (at least two calls).
    pub warm_up: Duration,
    /// Timed repetitions of all of a case's functions together.
    pub target: Duration,
    /// A repetition times this long at least: fast calls run several times per
    /// repetition, so the clock's resolution and overhead do not matter.
    pub rep_floor: Duration,
    /// Repetitions at least, however slow the call.
    pub min_reps: usize,
}

impl Budget {
    /// About 1.5 s of timed work per case.
    pub fn full() -> Budget {
        Budget {
            warm_up: Duration::from_millis(150),
            target: Duration::from_millis(1500),
            rep_floor: Duration::from_millis(2),
            min_reps: 5,
        }
    }

    /// About 50 ms per case, for CI's smoke run.
    pub fn quick() -> Budget {
        Budget {
            warm_up: Duration::from_millis(5),
            target: Duration::from_millis(50),
            rep_floor: Duration::from_micros(200),
            min_reps: 3,
        }
    }
}

const MAX_REPS: usize = 2000;

/// Median seconds per call of each function. Repetitions are interleaved (one of each
/// function in turn), so a noisy phase of the machine hits all of them alike.
pub fn medians(budget: &Budget, fns: &mut [&mut dyn FnMut()]) -> Vec<f64> {
    medians_with_reset(budget, fns, &mut [], usize::MAX)
}

/// As [`medians`] for functions with state (training steps): `resets[k]` puts the
/// state of `fns[k]` back, untimed, before `every` calls have run since the last reset.
pub fn medians_with_reset(
    budget: &Budget,
    fns: &mut [&mut dyn FnMut()],
    resets: &mut [&mut dyn FnMut()],
    every: usize,
) -> Vec<f64> {
    let mut since = vec![0usize; fns.len()];
    let mut maybe_reset = |k: usize, coming: usize, since: &mut [usize]| {
        if since[k] + coming > every {
            if let Some(reset) = resets.get_mut(k) {
                reset();
            }
            since[k] = 0;
        }
        since[k] += coming;
    };
    let mut per_call = Vec::with_capacity(fns.len());
    for (k, f) in fns.iter_mut().enumerate() {
        // Warm-up: at least two calls, and the warm-up time.
        let (mut calls, mut spent) = (0u32, 0.0f64);
        while calls < 2 || spent < budget.warm_up.as_secs_f64() {
            maybe_reset(k, 1, &mut since);
            let start = Instant::now();
            f();
            spent += start.elapsed().as_secs_f64();
            calls += 1;
        }
        per_call.push((spent / f64::from(calls)).max(1e-9));
    }
    let floor = budget.rep_floor.as_secs_f64();
    let inner: Vec<usize> = per_call
        .iter()
        .map(|t| ((floor / t).ceil() as usize).clamp(1, every))
        .collect();
    let rep_s: f64 = per_call
        .iter()
        .zip(&inner)
        .map(|(t, n)| t * *n as f64)
        .sum();
    let reps = ((budget.target.as_secs_f64() / rep_s) as usize).clamp(budget.min_reps, MAX_REPS);
    let mut samples = vec![Vec::with_capacity(reps); fns.len()];
    for _ in 0..reps {
        for (k, (f, out)) in fns.iter_mut().zip(&mut samples).enumerate() {
            let n = inner[k];
            maybe_reset(k, n, &mut since);
            let start = Instant::now();
            for _ in 0..n {
                f();
            }
            out.push(start.elapsed().as_secs_f64() / n as f64);
        }
    }
    samples.into_iter().map(median).collect()
}

/// Median seconds per call of one function.
pub fn median_of(budget: &Budget, mut f: impl FnMut()) -> f64 {
    medians(budget, &mut [&mut f])[0]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        0.5 * (v[mid - 1] + v[mid])
    }
}
