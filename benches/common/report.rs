//! The result table, its JSON form and the machine description.

use std::fmt::Write as _;

/// One measured case.
#[derive(Clone, Debug)]
pub struct Row {
    pub case: String,
    pub threads: usize,
    /// Median seconds per call/step of staticflow (`None` for the machine's peak).
    pub staticflow_s: Option<f64>,
    /// Median seconds per call/step of the hand-written baseline, if there is one.
    pub baseline_s: Option<f64>,
    /// Flops of one call, where they are well defined.
    pub flops: Option<f64>,
    /// Heap allocations per steady-state staticflow call, where counted.
    pub allocs: Option<f64>,
    /// The same for the baseline (table only).
    pub baseline_allocs: Option<f64>,
}

impl Row {
    pub fn new(case: impl Into<String>) -> Row {
        Row {
            case: case.into(),
            threads: 1,
            staticflow_s: None,
            baseline_s: None,
            flops: None,
            allocs: None,
            baseline_allocs: None,
        }
    }

    /// GFLOPS of staticflow, or of the baseline for rows without staticflow.
    pub fn gflops(&self) -> Option<f64> {
        let s = self.staticflow_s.or(self.baseline_s)?;
        Some(self.flops? / s / 1e9)
    }

    fn baseline_gflops(&self) -> Option<f64> {
        Some(self.flops? / self.baseline_s? / 1e9)
    }

    fn ratio(&self) -> Option<f64> {
        Some(self.staticflow_s? / self.baseline_s?)
    }
}

/// Seconds with a unit that keeps 3-4 significant digits.
fn time(s: Option<f64>) -> String {
    match s {
        None => "-".into(),
        Some(s) if s >= 1.0 => format!("{s:.3} s"),
        Some(s) if s >= 1e-3 => format!("{:.3} ms", s * 1e3),
        Some(s) if s >= 1e-6 => format!("{:.3} us", s * 1e6),
        Some(s) => format!("{:.1} ns", s * 1e9),
    }
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("-".into(), |v| format!("{v:.digits$}"))
}

/// The table; `% peak` is against the measured FMA peak of as many threads as the row.
pub fn table(rows: &[Row], peak_gflops: impl Fn(usize) -> f64) -> String {
    let mut out = String::new();
    let head = format!(
        "{:<22} {:>3} {:>12} {:>12} {:>7} {:>15} {:>7} {:>13}",
        "case",
        "thr",
        "staticflow",
        "baseline",
        "ratio",
        "GFLOPS sf/base",
        "% peak",
        "allocs sf/base"
    );
    let _ = writeln!(out, "{head}\n{}", "-".repeat(head.len()));
    for r in rows {
        let gflops = match (r.gflops(), r.baseline_gflops(), r.staticflow_s) {
            (Some(s), Some(b), Some(_)) => format!("{s:.1} / {b:.1}"),
            (Some(s), _, _) => format!("{s:.1}"),
            _ => "-".into(),
        };
        let pct = r.gflops().map(|g| 100.0 * g / peak_gflops(r.threads));
        let _ = writeln!(
            out,
            "{:<22} {:>3} {:>12} {:>12} {:>7} {:>15} {:>7} {:>13}",
            r.case,
            r.threads,
            time(r.staticflow_s),
            time(r.baseline_s),
            opt(r.ratio(), 2),
            gflops,
            opt(pct, 1),
            allocs(r),
        );
    }
    out
}

fn allocs(r: &Row) -> String {
    // Whole counts as integers; averages over calls (thread pools) to one decimal.
    let count = |x: f64| {
        if x.fract() == 0.0 {
            format!("{x}")
        } else {
            format!("{x:.1}")
        }
    };
    match (r.allocs, r.baseline_allocs) {
        (Some(s), Some(b)) => format!("{} / {}", count(s), count(b)),
        (Some(s), None) => count(s),
        _ => "-".into(),
    }
}

fn json_num(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v}"),
        _ => "null".into(),
    }
}

/// The rows as a JSON list of objects.
pub fn json(rows: &[Row]) -> String {
    let objects: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "  {{\"case\": \"{}\", \"threads\": {}, \"staticflow_s\": {}, \"baseline_s\": {}, \"gflops\": {}, \"allocs\": {}}}",
                r.case,
                r.threads,
                json_num(r.staticflow_s),
                json_num(r.baseline_s),
                json_num(r.gflops()),
                json_num(r.allocs),
            )
        })
        .collect();
    format!("[\n{}\n]\n", objects.join(",\n"))
}

/// The CPU model from /proc/cpuinfo.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown (no /proc/cpuinfo)".into())
}

/// Logical CPUs this process may run on.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
