//! A seeded mutation fuzzer for the checkpoint reader, on stable Rust.
//!
//! ```sh
//! cargo run --release --example fuzz_checkpoint -- --seconds 30 [--seed S]
//! cargo run --release --example fuzz_checkpoint -- --seed S --replay ITERATION
//! ```
//!
//! Inputs: TF's fixture checkpoint (tests/fixtures/tf_ckpt), one this program writes with
//! `write_bundle` (every dtype, ranks 0 to 4, empty tensors, 40 entries), and both again
//! with their `.index` rebuilt into other block layouts. Each iteration takes one and
//! applies, with a generator seeded by `(seed, iteration)` so that any iteration replays
//! alone:
//!
//! * byte edits of the `.index` (bit flips, interesting bytes and varints, truncation,
//!   insertion, deletion, splices of other valid files), raw or with every block
//!   checksum repaired afterwards so the edit reaches the checks behind the CRCs;
//! * entry edits (a protobuf field appended to an entry to override its dtype, shape,
//!   shard, offset, size or checksum; keys edited, swapped, duplicated, dropped), rebuilt
//!   into a well-formed table;
//! * byte edits of the data file, of the `checkpoint` state file, and one checkpoint's
//!   index with another's data.
//!
//! Every read (`CheckpointReader::open`, `variables()`, `tensor()` of every name,
//! `read_checkpoint_state`, `latest_checkpoint`) runs under `catch_unwind`, with a
//! counting global allocator armed. Findings: a panic; a tensor whose data does not
//! match its listed dtype and shape; a raw edit read back without error but with other
//! values than the seed's (a check that let corruption through); and a single
//! allocation above the cap, the input files' total size plus [`SLACK`] bytes for the
//! reader's bookkeeping. An allocation above 1 GiB is refused, which aborts the process
//! after it prints the iteration. The inputs of the first findings are copied to
//! `--findings DIR` (default `target/fuzz-findings`). Exits 1 on any finding.
//!
//! `--write-seeds DIR` writes the seed checkpoints as inputs of the cargo-fuzz target
//! (`fuzz/`, for nightly toolchains) instead of fuzzing.

#[path = "fuzz_checkpoint/alloc.rs"]
mod alloc;
#[path = "fuzz_checkpoint/mutate.rs"]
mod mutate;
#[path = "fuzz_checkpoint/sstable.rs"]
mod sstable;

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use mutate::{mutate_bytes, mutate_entry, mutate_state, Rng};
use staticflow::checkpoint::{
    latest_checkpoint, read_checkpoint_state, write_bundle, write_checkpoint_state,
    CheckpointError, CheckpointReader, CheckpointState,
};
use staticflow::tensor::{Buffer, Data, TensorView};

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

/// Bytes a read may allocate at once beyond its input's size: the reader's bookkeeping
/// (a B-tree node of entries, the list `variables()` returns, paths, error messages)
/// does not shrink with the file.
const SLACK: usize = 8 << 10;

/// How many findings keep a copy of their input.
const KEPT_FINDINGS: usize = 20;

const PREFIX: &str = "model.ckpt";
const INDEX: &str = "model.ckpt.index";
const DATA: &str = "model.ckpt.data-00000-of-00001";
const STATE: &str = "checkpoint";

struct Options {
    seconds: f64,
    seed: u64,
    replay: Option<u64>,
    findings: PathBuf,
    write_seeds: Option<PathBuf>,
}

fn parse_args() -> Result<Options, String> {
    let usage =
        "usage: fuzz_checkpoint [--seconds N] [--seed S] [--replay ITERATION] [--findings DIR]";
    let mut options = Options {
        seconds: 10.0,
        seed: 0x5eed_c0de,
        replay: None,
        findings: PathBuf::from("target/fuzz-findings"),
        write_seeds: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{flag} needs a value; {usage}"))
        };
        let number = |v: String| -> Result<u64, String> {
            match v.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => v.parse(),
            }
            .map_err(|e| format!("{flag}: {e}"))
        };
        match flag.as_str() {
            "--seconds" => {
                options.seconds = value()?.parse().map_err(|e| format!("--seconds: {e}"))?;
            }
            "--seed" => options.seed = number(value()?)?,
            "--replay" => options.replay = Some(number(value()?)?),
            "--findings" => options.findings = PathBuf::from(value()?),
            "--write-seeds" => options.write_seeds = Some(PathBuf::from(value()?)),
            _ => return Err(usage.into()),
        }
    }
    if !(options.seconds >= 0.0 && options.seconds.is_finite()) {
        return Err("--seconds must be a non-negative number".into());
    }
    Ok(options)
}

/// A valid checkpoint to mutate: its three files, its table entries, and its values.
struct Seed {
    name: &'static str,
    index: Vec<u8>,
    data: Vec<u8>,
    state: Vec<u8>,
    entries: Vec<(Vec<u8>, Vec<u8>)>,
    names: Vec<String>,
    values: Vec<(String, Buffer)>,
}

/// The three files of one iteration, and whether a clean read must give the seed's
/// values (a raw edit that no check noticed may only touch bytes nobody reads).
struct Input {
    index: Vec<u8>,
    data: Vec<u8>,
    state: Vec<u8>,
    unchanged_values: bool,
    mode: &'static str,
}

/// What one iteration's reads ended in.
struct Outcome {
    bundle: String,
    state: String,
    /// A finding other than a panic or an allocation: what went wrong.
    finding: Option<String>,
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("fuzz_checkpoint: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<bool, String> {
    let options = parse_args()?;
    let work = Scratch::new()?;
    let seeds = make_seeds(&work.0)?;
    if let Some(dir) = &options.write_seeds {
        return write_cargo_fuzz_seeds(dir, &seeds).map(|()| true);
    }
    let donors: Vec<&[u8]> = seeds
        .iter()
        .flat_map(|s| [&s.index[..], &s.data[..], &s.state[..]])
        .collect();

    // Panics are findings, reported at the end; keep the first message of each.
    static PANIC: Mutex<Option<String>> = Mutex::new(None);
    std::panic::set_hook(Box::new(|info| {
        let mut slot = PANIC.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            *slot = Some(info.to_string());
        }
    }));

    let iterations: Box<dyn Iterator<Item = u64>> = match options.replay {
        Some(i) => Box::new(std::iter::once(i)),
        None => Box::new(0..),
    };
    let deadline = Instant::now() + Duration::from_secs_f64(options.seconds);
    let started = Instant::now();
    let mut stats = Stats::default();
    match options.replay {
        Some(i) => eprintln!(
            "fuzz_checkpoint: seed {:#x}, replaying iteration {i}",
            options.seed
        ),
        None => eprintln!(
            "fuzz_checkpoint: seed {:#x}, {} s, {} seed checkpoints, inputs under {}",
            options.seed,
            options.seconds,
            seeds.len(),
            work.0.display()
        ),
    }
    let dir = work.0.join("case");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for iteration in iterations {
        if options.replay.is_none() && Instant::now() >= deadline {
            break;
        }
        let mut rng = Rng::for_iteration(options.seed, iteration);
        let seed = &seeds[rng.below(seeds.len())];
        let input = make_input(&mut rng, seed, &seeds, &donors);
        for (name, bytes) in [
            (INDEX, &input.index),
            (DATA, &input.data),
            (STATE, &input.state),
        ] {
            std::fs::write(dir.join(name), bytes).map_err(|e| format!("{name}: {e}"))?;
        }
        let size = input.index.len() + input.data.len() + input.state.len();
        let cap = size + SLACK;
        let expect = input.unchanged_values.then_some(&seed.values[..]);

        alloc::arm(options.seed, iteration);
        let result = catch_unwind(AssertUnwindSafe(|| exercise(&dir, &seed.names, expect)));
        let usage = alloc::disarm();

        stats.iterations += 1;
        stats.note_usage(usage, size);
        let mut findings = Vec::new();
        match result {
            Ok(outcome) => {
                *stats.bundle.entry(outcome.bundle).or_default() += 1;
                *stats.state.entry(outcome.state).or_default() += 1;
                if let Some(what) = outcome.finding {
                    stats.inconsistent += 1;
                    findings.push(what);
                }
            }
            Err(_) => {
                stats.panics += 1;
                let message = PANIC.lock().unwrap_or_else(|e| e.into_inner()).take();
                findings.push(format!("panic: {}", message.unwrap_or_default()));
            }
        }
        if usage.largest > cap {
            stats.over_cap += 1;
            findings.push(format!(
                "allocated {} bytes at once for {size} bytes of input (cap {cap})",
                usage.largest
            ));
        }
        if options.replay.is_some() {
            eprintln!(
                "iteration {iteration} ({} of {}): {} bytes of input, largest allocation {} bytes",
                input.mode, seed.name, size, usage.largest
            );
            for (kind, _) in stats.bundle.iter().chain(&stats.state) {
                eprintln!("  outcome: {kind}");
            }
        }
        for what in findings {
            stats.findings += 1;
            if stats.findings <= KEPT_FINDINGS || options.replay.is_some() {
                eprintln!(
                    "fuzz_checkpoint: FINDING in iteration {iteration} ({} of {}): {}",
                    input.mode,
                    seed.name,
                    what.replace('\n', " ")
                );
                keep_finding(&options.findings, iteration, &input);
            }
        }
    }
    stats.report(&options, started.elapsed());
    Ok(stats.findings == 0)
}

/// Opens and reads everything; the outcomes are the first error's kind, or `ok`.
fn exercise(dir: &Path, seed_names: &[String], expect: Option<&[(String, Buffer)]>) -> Outcome {
    let state = match read_checkpoint_state(dir).and_then(|_| latest_checkpoint(dir)) {
        Ok(_) => "ok".to_string(),
        Err(e) => kind(&e),
    };
    let mut outcome = Outcome {
        bundle: "ok".into(),
        state,
        finding: None,
    };
    let reader = match CheckpointReader::open(dir.join(PREFIX)) {
        Ok(reader) => reader,
        Err(e) => {
            outcome.bundle = kind(&e);
            return outcome;
        }
    };
    let variables = reader.variables();
    for (name, dtype, shape) in &variables {
        match reader.tensor(name) {
            Ok(buffer) => {
                let elements = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
                if buffer.data.dtype() != *dtype
                    || &buffer.shape != shape
                    || elements != Some(buffer.data.len())
                {
                    outcome.finding = Some(format!(
                        "tensor '{name}' listed as {dtype} {shape:?} read as {} {:?} with {} elements",
                        buffer.data.dtype(),
                        buffer.shape,
                        buffer.data.len()
                    ));
                }
                let expected = expect.map(|e| e.iter().find(|(n, _)| n == name).map(|(_, b)| b));
                if matches!(expected, Some(e) if e != Some(&buffer)) {
                    outcome.finding = Some(format!(
                        "tensor '{name}' read without error but differs from the seed's"
                    ));
                }
            }
            Err(e) if outcome.bundle == "ok" => outcome.bundle = kind(&e),
            Err(_) => {}
        }
    }
    for name in seed_names {
        if let (Err(e), "ok") = (reader.tensor(name), outcome.bundle.as_str()) {
            outcome.bundle = kind(&e);
        }
    }
    if reader.tensor("no/such/tensor").is_ok() {
        outcome.finding = Some("a tensor that is not in the checkpoint was read".into());
    }
    if let Some(expected) = expect {
        let same_names = variables.len() == expected.len()
            && variables.iter().zip(expected).all(|(v, e)| v.0 == e.0);
        if outcome.bundle == "ok" && !same_names {
            outcome.finding = Some("read without error but lists other tensors".into());
        }
    }
    outcome
}

/// The error's variant name (`Io` with the OS error's kind).
fn kind(e: &CheckpointError) -> String {
    match e {
        CheckpointError::Io { source, .. } => format!("Io({:?})", source.kind()),
        other => {
            let debug = format!("{other:?}");
            debug
                .split([' ', '{', '('])
                .next()
                .unwrap_or_default()
                .to_owned()
        }
    }
}

/// One iteration's mutated files.
fn make_input(rng: &mut Rng, seed: &Seed, seeds: &[Seed], donors: &[&[u8]]) -> Input {
    let mut input = Input {
        index: seed.index.clone(),
        data: seed.data.clone(),
        state: seed.state.clone(),
        unchanged_values: false,
        mode: "",
    };
    let rounds = 1 + rng.below(4);
    match rng.below(8) {
        0 => {
            input.mode = "raw index edits";
            (0..rounds).for_each(|_| mutate_bytes(rng, &mut input.index, donors));
            input.unchanged_values = true;
        }
        1 | 2 => {
            input.mode = "index edits, checksums repaired";
            (0..rounds).for_each(|_| mutate_bytes(rng, &mut input.index, donors));
            sstable::repair_checksums(&mut input.index);
        }
        3 | 4 => {
            input.mode = "entry edits";
            input.index = mutate_entries(rng, seed, seeds, donors);
        }
        5 => {
            input.mode = "data edits";
            (0..rounds).for_each(|_| mutate_bytes(rng, &mut input.data, donors));
            input.unchanged_values = true;
        }
        6 => {
            input.mode = "state file edits";
            (0..rounds).for_each(|_| mutate_state(rng, &mut input.state, donors));
        }
        _ => {
            input.mode = "another checkpoint's data";
            input.data = seeds[rng.below(seeds.len())].data.clone();
            if rng.below(2) == 0 {
                mutate_bytes(rng, &mut input.data, donors);
            }
        }
    }
    input
}

/// Entry-level edits, rebuilt into a well-formed table with a random block layout.
fn mutate_entries(rng: &mut Rng, seed: &Seed, seeds: &[Seed], donors: &[&[u8]]) -> Vec<u8> {
    let mut entries = seed.entries.clone();
    for _ in 0..1 + rng.below(3) {
        let i = rng.below(entries.len());
        match rng.below(10) {
            0..=3 => mutate_entry(rng, &mut entries[i].1, seed.data.len() as u64),
            4 => mutate_bytes(rng, &mut entries[i].1, donors),
            5 => mutate_bytes(rng, &mut entries[i].0, donors),
            6 => {
                let j = rng.below(entries.len());
                entries.swap(i, j);
            }
            7 => {
                let copy = entries[i].clone();
                entries.insert(rng.below(entries.len() + 1), copy);
            }
            8 if entries.len() > 1 => {
                entries.remove(i);
            }
            _ => {
                // An entry of another checkpoint, in sorted place.
                let other = &seeds[rng.below(seeds.len())].entries;
                let entry = other[rng.below(other.len())].clone();
                let at = entries.partition_point(|(k, _)| k < &entry.0);
                entries.insert(at, entry);
            }
        }
    }
    let block_size = *rng.pick(&[1, 16, 64, 256, 4096, 1 << 18]);
    sstable::build_table(&entries, block_size, 1 + rng.below(16))
}

/// The seed checkpoints: TF's fixture, one of ours with every dtype, and both with their
/// index rebuilt (one entry per block; small blocks with prefix compression).
fn make_seeds(work: &Path) -> Result<Vec<Seed>, String> {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tf_ckpt");
    let read = |p: PathBuf| std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()));
    let tf = (
        read(fixture.join(INDEX))?,
        read(fixture.join(DATA))?,
        read(fixture.join(STATE))?,
    );

    let ours_dir = work.join("ours");
    let tensors = our_tensors();
    let views: Vec<(&str, TensorView<'_>)> = tensors
        .iter()
        .map(|(n, d, s)| {
            let view = TensorView {
                data: d.view(),
                shape: s,
            };
            (n.as_str(), view)
        })
        .collect();
    write_bundle(ours_dir.join(PREFIX), &views).map_err(|e| e.to_string())?;
    let state = CheckpointState {
        model_checkpoint_path: PREFIX.into(),
        all_model_checkpoint_paths: vec!["model.ckpt-1".into(), PREFIX.into()],
    };
    write_checkpoint_state(&ours_dir, &state).map_err(|e| e.to_string())?;
    let ours = (
        read(ours_dir.join(INDEX))?,
        read(ours_dir.join(DATA))?,
        read(ours_dir.join(STATE))?,
    );

    let mut seeds = Vec::new();
    // (name, files, rebuilt index layout: block size and restart interval)
    let layouts = [
        ("TF's fixture", &tf, None),
        ("staticflow's bundle", &ours, None),
        ("TF's fixture, one entry per block", &tf, Some((1, 1))),
        ("staticflow's bundle, small blocks", &ours, Some((128, 3))),
    ];
    for (name, (index, data, state), layout) in layouts {
        let entries = sstable::parse_table(index).ok_or(format!("{name}: cannot parse"))?;
        let index = match layout {
            Some((block_size, restarts)) => sstable::build_table(&entries, block_size, restarts),
            None => index.clone(),
        };
        let dir = work.join("seed");
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        for (file, bytes) in [(INDEX, &index), (DATA, data), (STATE, state)] {
            std::fs::write(dir.join(file), bytes).map_err(|e| e.to_string())?;
        }
        let reader =
            CheckpointReader::open(dir.join(PREFIX)).map_err(|e| format!("{name}: {e}"))?;
        let values = reader
            .variables()
            .into_iter()
            .map(|(n, _, _)| reader.tensor(&n).map(|b| (n, b)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{name}: {e}"))?;
        read_checkpoint_state(&dir).map_err(|e| format!("{name}: {e}"))?;
        let names = values.iter().map(|(n, _)| n.clone()).collect();
        seeds.push(Seed {
            name,
            index,
            data: data.clone(),
            state: state.clone(),
            // The header (under the empty key) first: entry edits reach it too.
            entries,
            names,
            values,
        });
    }
    Ok(seeds)
}

/// Every dtype, ranks 0 to 4, empty tensors, scoped names: 40 tensors.
fn our_tensors() -> Vec<(String, Data, Vec<usize>)> {
    (0..40)
        .map(|i| {
            let shape: Vec<usize> = match i % 6 {
                0 => vec![],
                1 => vec![3],
                2 => vec![2, 3],
                3 => vec![1, 2, 2],
                4 => vec![2, 1, 1, 2],
                _ => vec![2, 0],
            };
            let n: usize = shape.iter().product();
            let x = i as f64;
            let data = match i % 5 {
                0 => Data::F32((0..n).map(|k| (x - k as f64) as f32 / 3.0).collect()),
                1 => Data::F64((0..n).map(|k| -x * 1e-300 + k as f64).collect()),
                2 => Data::I32((0..n).map(|k| i32::MAX - k as i32).collect()),
                3 => Data::I64((0..n).map(|k| i64::MIN + k as i64).collect()),
                _ => Data::Bool((0..n).map(|k| (k + i) % 2 == 0).collect()),
            };
            (format!("scope_{}/var_{i:02}", i / 8), data, shape)
        })
        .chain(std::iter::once((
            "global_step".to_string(),
            Data::I64(vec![1000]),
            vec![],
        )))
        .collect()
}

/// Writes each seed checkpoint as an input of the cargo-fuzz target
/// (`fuzz/fuzz_targets/checkpoint_reader.rs`): `u16` index length, index, `u16` state
/// length, state, data.
fn write_cargo_fuzz_seeds(dir: &Path, seeds: &[Seed]) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (i, seed) in seeds.iter().enumerate() {
        let mut framed = Vec::new();
        for part in [&seed.index, &seed.state] {
            let len = u16::try_from(part.len()).map_err(|_| format!("{}: too long", seed.name))?;
            framed.extend_from_slice(&len.to_le_bytes());
            framed.extend_from_slice(part);
        }
        framed.extend_from_slice(&seed.data);
        let path = dir.join(format!("seed-{i}"));
        std::fs::write(&path, framed).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("{} ({})", path.display(), seed.name);
    }
    Ok(())
}

fn keep_finding(findings: &Path, iteration: u64, input: &Input) {
    let dir = findings.join(format!("iteration-{iteration}"));
    if std::fs::create_dir_all(&dir).is_ok() {
        for (name, bytes) in [
            (INDEX, &input.index),
            (DATA, &input.data),
            (STATE, &input.state),
        ] {
            let _ = std::fs::write(dir.join(name), bytes);
        }
        eprintln!("  input kept in {}", dir.display());
    }
}

#[derive(Default)]
struct Stats {
    iterations: u64,
    bundle: BTreeMap<String, u64>,
    state: BTreeMap<String, u64>,
    panics: u64,
    inconsistent: u64,
    over_cap: u64,
    findings: usize,
    /// The largest single allocation and its input's size.
    largest: (usize, usize),
    /// The largest ratio of a single allocation to its input's size, with both.
    worst_ratio: (f64, usize, usize),
    /// The largest heap growth during one read and its input's size.
    peak_growth: (usize, usize),
}

impl Stats {
    fn note_usage(&mut self, usage: alloc::Usage, size: usize) {
        if usage.largest > self.largest.0 {
            self.largest = (usage.largest, size);
        }
        let ratio = usage.largest as f64 / size.max(1) as f64;
        if ratio > self.worst_ratio.0 {
            self.worst_ratio = (ratio, usage.largest, size);
        }
        if usage.peak_growth > self.peak_growth.0 {
            self.peak_growth = (usage.peak_growth, size);
        }
    }

    fn report(&self, options: &Options, elapsed: Duration) {
        let list = |map: &BTreeMap<String, u64>| {
            map.iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let secs = elapsed.as_secs_f64();
        println!(
            "fuzz_checkpoint: seed {:#x}, ran {secs:.1} s, {} iterations ({:.0}/s)",
            options.seed,
            self.iterations,
            self.iterations as f64 / secs.max(1e-9)
        );
        println!(
            "  bundle reads ({} distinct outcomes): {}",
            self.bundle.len(),
            list(&self.bundle)
        );
        println!(
            "  state file reads ({} distinct outcomes): {}",
            self.state.len(),
            list(&self.state)
        );
        println!("  panics: {}", self.panics);
        println!(
            "  wrong values or shapes read without error: {}",
            self.inconsistent
        );
        println!(
            "  largest single allocation in a read: {} bytes (input {} bytes); worst ratio {:.2} ({} bytes for {} bytes of input)",
            self.largest.0, self.largest.1, self.worst_ratio.0, self.worst_ratio.1, self.worst_ratio.2
        );
        println!(
            "  allocations above the cap (input size + {SLACK} bytes): {}",
            self.over_cap
        );
        println!(
            "  peak heap growth in a read: {} bytes (input {} bytes)",
            self.peak_growth.0, self.peak_growth.1
        );
        println!(
            "  findings: {}{}",
            self.findings,
            if self.findings > 0 {
                format!(
                    " (inputs of the first {KEPT_FINDINGS} in {})",
                    options.findings.display()
                )
            } else {
                String::new()
            }
        );
    }
}

/// The fuzzer's scratch directory, on a RAM file system when there is one (each
/// iteration rewrites three files); removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch, String> {
        let name = format!("staticflow-fuzz-{}", std::process::id());
        let candidates = [
            Path::new("/dev/shm").join(&name),
            std::env::temp_dir().join(&name),
        ];
        for dir in candidates {
            let _ = std::fs::remove_dir_all(&dir);
            if std::fs::create_dir_all(&dir).is_ok() {
                return Ok(Scratch(dir));
            }
        }
        Err(format!("cannot create a scratch directory {name}"))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
