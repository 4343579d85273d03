//! One SSTable block: prefix-compressed entries followed by a restart array
//! (formats.md §1.2; TensorFlow's `block_builder.cc` and `block.cc`).

use std::path::Path;

use crate::checkpoint::coding::{get_fixed32, get_varint32, put_fixed32, put_varint32};
use crate::checkpoint::error::{CheckpointError, Result};

/// Builds one block the way TF's `BlockBuilder` does.
#[derive(Debug)]
pub(crate) struct BlockBuilder {
    restart_interval: usize,
    buffer: Vec<u8>,
    restarts: Vec<u32>,
    counter: usize,
    last_key: Vec<u8>,
}

impl BlockBuilder {
    /// An empty block that stores every `restart_interval`-th key whole (TF: 16 for data
    /// blocks, 1 for the index block).
    pub(crate) fn new(restart_interval: usize) -> BlockBuilder {
        BlockBuilder {
            restart_interval: restart_interval.max(1),
            buffer: Vec::new(),
            restarts: vec![0],
            counter: 0,
            last_key: Vec::new(),
        }
    }

    /// True before the first [`BlockBuilder::add`].
    pub(crate) fn is_empty(&self) -> bool {
        self.buffer.is_empty()
    }

    /// The size the finished block would have (`CurrentSizeEstimate`), which TF compares
    /// with the block size to decide when to cut a data block.
    pub(crate) fn size_estimate(&self) -> usize {
        self.buffer.len() + self.restarts.len() * 4 + 4
    }

    /// Appends an entry; the caller keeps keys in increasing order.
    pub(crate) fn add(&mut self, key: &[u8], value: &[u8]) {
        let shared = if self.counter < self.restart_interval {
            self.last_key
                .iter()
                .zip(key)
                .take_while(|(a, b)| a == b)
                .count()
        } else {
            self.restarts.push(len_u32(self.buffer.len()));
            self.counter = 0;
            0
        };
        let unshared = key.get(shared..).unwrap_or_default();
        put_varint32(&mut self.buffer, len_u32(shared));
        put_varint32(&mut self.buffer, len_u32(unshared.len()));
        put_varint32(&mut self.buffer, len_u32(value.len()));
        self.buffer.extend_from_slice(unshared);
        self.buffer.extend_from_slice(value);
        self.last_key.clear();
        self.last_key.extend_from_slice(key);
        self.counter += 1;
    }

    /// Returns the finished block's bytes and resets the builder for the next block.
    pub(crate) fn finish(&mut self) -> Vec<u8> {
        let mut out = std::mem::take(&mut self.buffer);
        for &restart in &self.restarts {
            put_fixed32(&mut out, restart);
        }
        put_fixed32(&mut out, len_u32(self.restarts.len()));
        self.restarts.clear();
        self.restarts.push(0);
        self.counter = 0;
        self.last_key.clear();
        out
    }
}

/// A length as the `u32` the block format stores. Blocks are cut at 256 KiB and
/// [`super::TableBuilder`] rejects entries that do not fit, so this never saturates in
/// practice; saturating keeps a bad caller from wrapping silently.
fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// Parses a block's contents into its `(key, value)` entries, in stored order.
///
/// Checks the restart array (count, bounds, every restart on a whole-key entry), every
/// entry's lengths against the block, that keys strictly increase, and charges each
/// reconstructed key to `key_budget` so prefix compression cannot expand a small file
/// into unbounded memory.
///
/// # Errors
/// [`CheckpointError::Corrupt`] naming `what` and the failed check.
pub(crate) fn parse_block<'a>(
    block: &'a [u8],
    what: &str,
    key_budget: &mut u64,
    path: &Path,
) -> Result<Vec<(Vec<u8>, &'a [u8])>> {
    let corrupt = |reason: String| CheckpointError::corrupt(path, format!("{what}: {reason}"));
    let len = block.len();
    let count_at = len
        .checked_sub(4)
        .ok_or_else(|| corrupt(format!("{len} bytes is too short for a block")))?;
    let num_restarts = get_fixed32(block, count_at).unwrap_or_default() as usize;
    let max_restarts = count_at / 4;
    if num_restarts == 0 || num_restarts > max_restarts {
        return Err(corrupt(format!(
            "restart count {num_restarts} is not in 1..={max_restarts}"
        )));
    }
    // num_restarts <= count_at / 4, so this cannot underflow.
    let restarts_at = count_at - 4 * num_restarts;
    let data = block.get(..restarts_at).unwrap_or_default();

    let mut entries: Vec<(Vec<u8>, &[u8])> = Vec::new();
    // Offsets of entries stored with `shared == 0`, the only valid restart points.
    let mut whole_key_offsets = Vec::new();
    let mut pos = 0usize;
    while pos < data.len() {
        let start = pos;
        let bad_header = || corrupt(format!("bad entry header at offset {start}"));
        let shared = get_varint32(data, &mut pos).ok_or_else(bad_header)? as usize;
        let unshared = get_varint32(data, &mut pos).ok_or_else(bad_header)? as usize;
        let value_len = get_varint32(data, &mut pos).ok_or_else(bad_header)? as usize;
        let prev_key = entries
            .last()
            .map(|(k, _)| k.as_slice())
            .unwrap_or_default();
        if shared > prev_key.len() {
            return Err(corrupt(format!(
                "entry at offset {start} shares {shared} bytes with a {}-byte key",
                prev_key.len()
            )));
        }
        let key_end = pos.checked_add(unshared).filter(|&e| e <= data.len());
        let value_end = key_end
            .and_then(|e| e.checked_add(value_len))
            .filter(|&e| e <= data.len());
        let (Some(key_end), Some(value_end)) = (key_end, value_end) else {
            return Err(corrupt(format!(
                "entry at offset {start} ({unshared} key bytes, {value_len} value bytes) runs past the entries' end at {}",
                data.len()
            )));
        };
        let key_len = shared + unshared; // both <= block length
        *key_budget = key_budget.checked_sub(key_len as u64).ok_or_else(|| {
            corrupt("prefix-compressed keys expand to more memory than the file allows".into())
        })?;
        let mut key = Vec::with_capacity(key_len);
        key.extend_from_slice(prev_key.get(..shared).unwrap_or_default());
        key.extend_from_slice(data.get(pos..key_end).unwrap_or_default());
        if !entries.is_empty() && key.as_slice() <= prev_key {
            return Err(corrupt(format!(
                "key {:?} at offset {start} does not sort after the key before it",
                String::from_utf8_lossy(&key)
            )));
        }
        if shared == 0 {
            whole_key_offsets.push(start);
        }
        entries.push((key, data.get(key_end..value_end).unwrap_or_default()));
        pos = value_end;
    }

    let mut previous: Option<usize> = None;
    for i in 0..num_restarts {
        let restart = get_fixed32(block, restarts_at + 4 * i).unwrap_or_default() as usize;
        let valid = if entries.is_empty() {
            restart == 0 && num_restarts == 1
        } else {
            previous.is_none_or(|p| restart > p)
                && (i > 0 || restart == 0)
                && whole_key_offsets.binary_search(&restart).is_ok()
        };
        if !valid {
            return Err(corrupt(format!(
                "restart point {i} (offset {restart}) is not the start of a whole-key entry"
            )));
        }
        previous = Some(restart);
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(block: &[u8]) -> Result<Vec<(Vec<u8>, &[u8])>> {
        parse_block(block, "block", &mut u64::MAX.clone(), Path::new("t"))
    }

    #[test]
    fn empty_block_is_eight_bytes() {
        let block = BlockBuilder::new(16).finish();
        assert_eq!(block, [0, 0, 0, 0, 1, 0, 0, 0]);
        assert!(parse(&block).unwrap().is_empty());
    }

    #[test]
    fn prefix_compression_and_restarts_round_trip() {
        let mut builder = BlockBuilder::new(3);
        let keys: Vec<String> = (0..10).map(|i| format!("layer/{i:02}/kernel")).collect();
        for key in &keys {
            builder.add(key.as_bytes(), b"value");
        }
        let block = builder.finish();
        let entries = parse(&block).unwrap();
        assert_eq!(entries.len(), 10);
        for (key, (got, value)) in keys.iter().zip(&entries) {
            assert_eq!(got, key.as_bytes());
            assert_eq!(*value, b"value");
        }
        // Restarts at entries 0, 3, 6, 9.
        assert_eq!(
            u32::from_le_bytes(block[block.len() - 4..].try_into().unwrap()),
            4
        );
    }

    #[test]
    fn bad_restart_arrays_and_lengths_are_rejected() {
        let mut builder = BlockBuilder::new(16);
        builder.add(b"a", b"1");
        builder.add(b"ab", b"2");
        let good = builder.finish();
        let mut too_many = good.clone();
        let n = too_many.len();
        too_many[n - 4..].copy_from_slice(&100u32.to_le_bytes());
        assert!(parse(&too_many).is_err());
        let mut zero = good.clone();
        zero[n - 4..].copy_from_slice(&0u32.to_le_bytes());
        assert!(parse(&zero).is_err());
        // Restart pointing at the second entry, which shares a prefix.
        let mut mid = good.clone();
        mid[n - 8..n - 4].copy_from_slice(&5u32.to_le_bytes());
        assert!(parse(&mid).is_err());
        assert!(parse(&[1, 0, 0]).is_err());
        // Shared longer than the previous key; value running past the end.
        assert!(parse(&[5, 1, 0, b'a', 0, 0, 0, 0, 1, 0, 0, 0]).is_err());
        assert!(parse(&[0, 1, 9, b'a', 0, 0, 0, 0, 1, 0, 0, 0]).is_err());
    }

    #[test]
    fn unsorted_or_duplicate_keys_are_rejected() {
        for keys in [[&b"b"[..], b"a"], [b"a", b"a"]] {
            let mut builder = BlockBuilder::new(16);
            for key in keys {
                builder.add(key, b"");
            }
            assert!(parse(&builder.finish()).is_err());
        }
    }

    #[test]
    fn key_budget_limits_expansion() {
        let mut builder = BlockBuilder::new(16);
        builder.add(&[b'k'; 100], b"");
        builder.add(&[b'k'; 101], b"");
        let block = builder.finish();
        let mut budget = 150;
        assert!(parse_block(&block, "block", &mut budget, Path::new("t")).is_err());
        let mut budget = 201;
        assert!(parse_block(&block, "block", &mut budget, Path::new("t")).is_ok());
        assert_eq!(budget, 0);
    }
}
