//! The fuzzer's mutations: byte-level edits (flips, interesting bytes and varints,
//! truncations, insertions, deletions, splices from other valid files) and
//! protobuf-aware edits of index entries (a field appended with an interesting value
//! overrides the original, as protobuf's last-one-wins rule says).

use super::sstable::put_varint;

/// SplitMix64: small, seeded, reproducible.
pub struct Rng(u64);

impl Rng {
    /// The generator for one iteration: each iteration can be replayed alone.
    pub fn for_iteration(seed: u64, iteration: u64) -> Rng {
        let mut rng = Rng(seed ^ iteration.wrapping_mul(0xd1b5_4a32_d192_ed03));
        rng.next_u64();
        rng
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`; 0 when `n` is 0.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    pub fn byte(&mut self) -> u8 {
        self.next_u64() as u8
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Numbers that sit on boundaries: sizes, offsets, dims, dtypes, shard ids.
const INTERESTING: [u64; 22] = [
    0,
    1,
    2,
    3,
    4,
    7,
    8,
    9,
    10,
    127,
    128,
    255,
    256,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x1_0000_0000,
    1 << 53,
    1 << 62,
    i64::MAX as u64,
    u64::MAX,   // -1 as an int64 field
    1u64 << 63, // i64::MIN
];

/// One random byte-level edit; `donors` supply splice material.
pub fn mutate_bytes(rng: &mut Rng, bytes: &mut Vec<u8>, donors: &[&[u8]]) {
    let len = bytes.len();
    match rng.below(9) {
        0 | 1 if len > 0 => {
            let i = rng.below(len);
            bytes[i] ^= 1 << rng.below(8);
        }
        2 if len > 0 => {
            let i = rng.below(len);
            bytes[i] = *rng.pick(&[0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff]);
        }
        3 => bytes.truncate(rng.below(len + 1)),
        4 => {
            let at = rng.below(len + 1);
            let extra: Vec<u8> = (0..1 + rng.below(16)).map(|_| rng.byte()).collect();
            bytes.splice(at..at, extra);
        }
        5 if len > 0 => {
            let at = rng.below(len);
            let end = (at + 1 + rng.below(32)).min(len);
            bytes.drain(at..end);
        }
        6 | 7 => {
            // A chunk of another valid file, replacing or inserted.
            let donor = *rng.pick(donors);
            if donor.is_empty() {
                return;
            }
            let from = rng.below(donor.len());
            let chunk = &donor[from..(from + 1 + rng.below(64)).min(donor.len())];
            let at = rng.below(len + 1);
            let end = if rng.below(2) == 0 {
                at
            } else {
                (at + chunk.len()).min(len)
            };
            bytes.splice(at..end, chunk.iter().copied());
        }
        _ if len > 0 => {
            // An interesting varint where a length or offset may live.
            let mut varint = Vec::new();
            put_varint(&mut varint, *rng.pick(&INTERESTING));
            let at = rng.below(len);
            let end = (at + varint.len()).min(len);
            bytes.splice(at..end, varint);
        }
        _ => bytes.push(rng.byte()),
    }
}

/// A `BundleEntryProto` edit: appends a field that overrides (scalars) or extends
/// (shape dims, slices) what the entry says. Field numbers from `tensor_bundle.proto`:
/// dtype 1, shape 2, shard_id 3, offset 4, size 5, crc32c 6 (fixed32), slices 7.
pub fn mutate_entry(rng: &mut Rng, value: &mut Vec<u8>, data_len: u64) {
    let interesting = |rng: &mut Rng| -> u64 {
        match rng.below(4) {
            0 => data_len.wrapping_add(rng.below(9) as u64).wrapping_sub(4),
            1 => rng.below(64) as u64,
            _ => *rng.pick(&INTERESTING),
        }
    };
    match rng.below(8) {
        0 => {
            // dtype: every TF DataType staticflow knows, some it does not, and junk.
            value.push(0x08);
            put_varint(
                value,
                *rng.pick(&[0, 1, 2, 3, 5, 7, 9, 10, 14, 19, 23, 101, u64::MAX]),
            );
        }
        1 => {
            // One more dim, or unknown_rank: shape { dim { size: N } }.
            let mut dim = vec![0x08];
            put_varint(&mut dim, interesting(rng));
            let mut shape = Vec::new();
            if rng.below(5) == 0 {
                shape.extend_from_slice(&[0x18, 0x01]);
            } else {
                shape.push(0x12);
                put_varint(&mut shape, dim.len() as u64);
                shape.extend_from_slice(&dim);
            }
            value.push(0x12);
            put_varint(value, shape.len() as u64);
            value.extend_from_slice(&shape);
        }
        2 => {
            value.push(0x18);
            put_varint(value, *rng.pick(&[0, 1, 2, u64::MAX, 0x7fff_ffff]));
        }
        3 => {
            value.push(0x20);
            put_varint(value, interesting(rng));
        }
        4 => {
            value.push(0x28);
            put_varint(value, interesting(rng));
        }
        5 => {
            value.push(0x35);
            value.extend_from_slice(&(rng.next_u64() as u32).to_le_bytes());
        }
        6 => {
            // A slice spec: slices { extent { start: 0 length: 1 } }.
            value.extend_from_slice(&[0x3a, 0x06, 0x0a, 0x04, 0x08, 0x00, 0x10, 0x01]);
        }
        _ => {
            // A length-delimited field whose length runs past the end.
            value.push(*rng.pick(&[0x12u8, 0x3a, 0x0a]));
            put_varint(value, interesting(rng));
        }
    }
}

/// Text edits of a `checkpoint` state file: escapes, quotes, field names, octal.
pub fn mutate_state(rng: &mut Rng, text: &mut Vec<u8>, donors: &[&[u8]]) {
    const PIECES: [&[u8]; 14] = [
        b"\"",
        b"\\",
        b"\\\"",
        b"\\777",
        b"\\x",
        b"\\n",
        b"model_checkpoint_path: \"",
        b"all_model_checkpoint_paths: \"x\"\n",
        b"last_preserved_timestamp: 1e308\n",
        b":",
        b"\n",
        b"# comment\n",
        b"\xff\xfe",
        b"../../../../../../etc/passwd",
    ];
    if rng.below(2) == 0 {
        let at = rng.below(text.len() + 1);
        text.splice(at..at, rng.pick(&PIECES).iter().copied());
    } else {
        mutate_bytes(rng, text, donors);
    }
}
