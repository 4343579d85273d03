//! A seeded mutation loop: flips, truncations, insertions, deletions and splices of valid
//! files, raw and with their block checksums repaired (so the mutations reach the block,
//! entry and proto checks behind the CRCs), and entry-level edits rebuilt into valid
//! SSTables. Every outcome must be a value: the loop counts panics and demands zero.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use super::util::{fixture_dir, read_all, views, Rng, TempDir};
use crate::checkpoint::coding::mask;
use crate::checkpoint::sstable::{
    parse_block, read_table, BlockHandle, TableBuilder, BLOCK_TRAILER_LEN, FOOTER_LEN,
};
use crate::checkpoint::text_format::parse_state;
use crate::checkpoint::{write_bundle, CheckpointReader};
use crate::tensor::Data;

/// Iterations and seed of the loop; `STATICFLOW_FUZZ_ITERATIONS` and
/// `STATICFLOW_FUZZ_SEED` override them for longer runs by hand.
const ITERATIONS: usize = 6000;
const SEED: u64 = 0x5eed_c0de_2024;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One random edit of `bytes`; `donors` supply splice material.
fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>, donors: &[&[u8]]) {
    let len = bytes.len();
    match rng.below(8) {
        0 | 1 if len > 0 => {
            let i = rng.below(len);
            bytes[i] ^= rng.byte() | 1;
        }
        2 if len > 0 => {
            let i = rng.below(len);
            bytes[i] = [0x00, 0x01, 0x7f, 0x80, 0xff][rng.below(5)];
        }
        3 => bytes.truncate(rng.below(len + 1)),
        4 => {
            let at = rng.below(len + 1);
            let extra: Vec<u8> = (0..1 + rng.below(8)).map(|_| rng.byte()).collect();
            bytes.splice(at..at, extra);
        }
        5 if len > 0 => {
            let at = rng.below(len);
            let end = (at + 1 + rng.below(16)).min(len);
            bytes.drain(at..end);
        }
        6 => {
            // Splice a chunk of another valid file in, replacing or inserting.
            let donor = donors[rng.below(donors.len())];
            if donor.is_empty() {
                return;
            }
            let from = rng.below(donor.len());
            let chunk = &donor[from..(from + 1 + rng.below(64)).min(donor.len())];
            let at = rng.below(len + 1);
            let replace_end = if rng.below(2) == 0 {
                at
            } else {
                (at + chunk.len()).min(len)
            };
            bytes.splice(at..replace_end, chunk.iter().copied());
        }
        _ => {
            // Interesting varints where lengths live.
            if len > 0 {
                let at = rng.below(len);
                let varint: &[u8] = [
                    &[0xff, 0xff, 0xff, 0xff, 0x0f][..],
                    &[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
                    &[0x00],
                ][rng.below(3)];
                let end = (at + varint.len()).min(len);
                bytes.splice(at..end, varint.iter().copied());
            }
        }
    }
}

/// Recomputes the trailer checksum of every block the footer and index point at, as far
/// as they can be followed, so mutated block contents get past the CRC check.
fn repair_crcs(index: &mut [u8]) {
    let Some(limit) = index.len().checked_sub(FOOTER_LEN) else {
        return;
    };
    let footer = index[limit..].to_vec();
    let mut pos = 0;
    let handles = [
        BlockHandle::decode_from(&footer, &mut pos),
        BlockHandle::decode_from(&footer, &mut pos),
    ];
    let repair = |index: &mut [u8], h: BlockHandle| -> Option<(usize, usize)> {
        let start = usize::try_from(h.offset).ok()?;
        let end = start.checked_add(usize::try_from(h.size).ok()?)?;
        if end.checked_add(BLOCK_TRAILER_LEN)? > limit {
            return None;
        }
        let crc = crc32c::crc32c_append(crc32c::crc32c(&index[start..end]), &[index[end]]);
        index[end + 1..end + 5].copy_from_slice(&mask(crc).to_le_bytes());
        Some((start, end))
    };
    for h in handles.iter().flatten() {
        repair(index, *h);
    }
    let Some(Some((start, end))) = handles[1].map(|h| repair(index, h)) else {
        return;
    };
    let block = index[start..end].to_vec();
    if let Ok(entries) = parse_block(&block, "index", &mut u64::MAX.clone(), Path::new("f")) {
        for (_, value) in entries {
            if let Some(h) = BlockHandle::decode_from(value, &mut 0) {
                repair(index, h);
            }
        }
    }
}

/// Entry-level edits: mutate keys, values or their order, then rebuild a valid table.
fn mutate_entries(rng: &mut Rng, index: &[u8], donors: &[&[u8]]) -> Vec<u8> {
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = read_table(index, Path::new("f"))
        .expect("seed indexes are valid")
        .into_iter()
        .map(|(k, v)| (k, v.to_vec()))
        .collect();
    for _ in 0..1 + rng.below(3) {
        let i = rng.below(pairs.len());
        match rng.below(6) {
            0..=2 => mutate(rng, &mut pairs[i].1, donors),
            3 => mutate(rng, &mut pairs[i].0, donors),
            4 => {
                let j = rng.below(pairs.len());
                pairs.swap(i, j);
            }
            _ => {
                let copy = pairs[i].clone();
                pairs.insert(rng.below(pairs.len() + 1), copy);
            }
        }
    }
    let mut table =
        TableBuilder::with_block_size([64, 512, 262_144][rng.below(3)], 1 + rng.below(16));
    for (k, v) in &pairs {
        table.add(k, v);
    }
    table.finish()
}

/// Opens and reads everything; returns `"ok"` or the first error's variant name.
/// Checks that every tensor read has as many elements as its shape says.
fn exercise(prefix: &Path) -> String {
    let kind = |e: crate::checkpoint::CheckpointError| {
        let debug = format!("{e:?}");
        debug
            .split([' ', '{', '('])
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let reader = match CheckpointReader::open(prefix) {
        Ok(reader) => reader,
        Err(e) => return kind(e),
    };
    let mut outcome = "ok".to_owned();
    for (name, dtype, shape) in reader.variables() {
        match reader.tensor(&name) {
            Ok(buffer) => {
                assert_eq!(buffer.data.dtype(), dtype);
                assert_eq!(buffer.data.len(), shape.iter().product::<usize>());
                assert_eq!(buffer.shape, shape);
            }
            Err(e) if outcome == "ok" => outcome = kind(e),
            Err(_) => {}
        }
    }
    assert!(reader.tensor("no/such/tensor").is_err());
    outcome
}

#[test]
fn seeded_mutations_never_panic() {
    let dir = TempDir::in_memory("fuzz");
    // Seeds: TF's fixture, and a bundle of ours with every dtype and 40 entries, whose
    // index is also rebuilt with small blocks so several data blocks exist.
    let tf_index = std::fs::read(fixture_dir().join("model.ckpt.index")).unwrap();
    let tf_data = std::fs::read(fixture_dir().join("model.ckpt.data-00000-of-00001")).unwrap();
    let tensors: Vec<(String, Data, Vec<usize>)> = (0..40)
        .map(|i| {
            let data = match i % 5 {
                0 => Data::F32(vec![i as f32; i % 4]),
                1 => Data::F64(vec![-(i as f64); 2]),
                2 => Data::I32(vec![i as i32; 3]),
                3 => Data::I64(vec![i as i64]),
                _ => Data::Bool(vec![i % 2 == 0; 4]),
            };
            let n = data.len();
            (
                format!("scope_{}/var_{i:02}", i / 8),
                data,
                if i % 5 == 3 { vec![] } else { vec![n] },
            )
        })
        .collect();
    let named: Vec<(&str, Data, Vec<usize>)> = tensors
        .iter()
        .map(|(n, d, s)| (n.as_str(), d.clone(), s.clone()))
        .collect();
    write_bundle(dir.path().join("ours"), &views(&named)).unwrap();
    let our_index = std::fs::read(dir.path().join("ours.index")).unwrap();
    let our_data = std::fs::read(dir.path().join("ours.data-00000-of-00001")).unwrap();
    let mut small_blocks = TableBuilder::with_block_size(128, 3);
    for (k, v) in read_table(&our_index, Path::new("ours")).unwrap() {
        small_blocks.add(&k, v);
    }
    let small_index = small_blocks.finish();
    let state = std::fs::read(fixture_dir().join("checkpoint")).unwrap();
    let seeds = [
        (&tf_index, &tf_data),
        (&our_index, &our_data),
        (&small_index, &our_data),
    ];
    let donors: Vec<&[u8]> = vec![&tf_index, &tf_data, &our_index, &small_index, &state];
    let mut seed_values = Vec::new();
    for (index, data) in seeds {
        std::fs::write(dir.path().join("m.index"), index).unwrap();
        std::fs::write(dir.path().join("m.data-00000-of-00001"), data).unwrap();
        assert_eq!(
            exercise(&dir.path().join("m")),
            "ok",
            "seeds must read cleanly"
        );
        seed_values.push(read_all(&dir.path().join("m")).unwrap());
    }

    let iterations = env_or("STATICFLOW_FUZZ_ITERATIONS", ITERATIONS);
    let seed = env_or("STATICFLOW_FUZZ_SEED", SEED);
    let mut rng = Rng::new(seed);
    let (mut panics, mut state_ok) = (0usize, 0usize);
    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    let mut first_panics = Vec::new();
    let prefix = dir.path().join("m");
    for iteration in 0..iterations {
        let which = rng.below(seeds.len());
        let (index, data) = seeds[which];
        let (mut index, mut data) = (index.clone(), data.clone());
        let mode = iteration % 6;
        let rounds = 1 + rng.below(4);
        match mode {
            0 => (0..rounds).for_each(|_| mutate(&mut rng, &mut index, &donors)),
            1 | 2 => {
                (0..rounds).for_each(|_| mutate(&mut rng, &mut index, &donors));
                repair_crcs(&mut index);
            }
            3 => index = mutate_entries(&mut rng, &index, &donors),
            4 => (0..rounds).for_each(|_| mutate(&mut rng, &mut data, &donors)),
            _ => {
                let mut text = state.clone();
                (0..rounds).for_each(|_| mutate(&mut rng, &mut text, &donors));
                match catch_unwind(|| parse_state(&text)) {
                    Ok(result) => state_ok += usize::from(result.is_ok()),
                    Err(_) => {
                        panics += 1;
                        first_panics.push(format!(
                            "state {iteration}: {:?}",
                            String::from_utf8_lossy(&text)
                        ));
                    }
                }
                continue;
            }
        }
        std::fs::write(dir.path().join("m.index"), &index).unwrap();
        std::fs::write(dir.path().join("m.data-00000-of-00001"), &data).unwrap();
        match catch_unwind(AssertUnwindSafe(|| exercise(&prefix))) {
            Ok(outcome) => {
                // Without repaired checksums, a mutation may only go unnoticed if it
                // changes nothing that is read (footer padding, bytes after the data).
                if outcome == "ok" && (mode == 0 || mode == 4) {
                    assert_eq!(
                        read_all(&prefix).unwrap(),
                        seed_values[which],
                        "iteration {iteration}"
                    );
                }
                *outcomes.entry(outcome).or_default() += 1;
            }
            Err(_) => {
                panics += 1;
                if first_panics.len() < 5 {
                    first_panics.push(format!(
                        "iteration {iteration} mode {mode}: index {index:02x?}"
                    ));
                }
            }
        }
    }
    eprintln!(
        "fuzz: {iterations} iterations (seed {seed:#x}), {panics} panics, {state_ok} mutated state files parsed, bundle outcomes {outcomes:?}"
    );
    assert_eq!(panics, 0, "{first_panics:#?}");
    // The repaired and entry-level modes must reach the checks behind the checksums.
    for kind in [
        "ok",
        "BadChecksum",
        "BadMagic",
        "Corrupt",
        "CorruptEntry",
        "TensorChecksum",
        "Truncated",
    ] {
        assert!(
            outcomes.get(kind).is_some_and(|&n| n > 0),
            "no {kind} outcome: {outcomes:?}"
        );
    }
}
