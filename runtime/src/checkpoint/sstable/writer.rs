//! Writes a whole SSTable into memory exactly as TensorFlow's `TableBuilder` does
//! (`tsl/lib/io/table_builder.cc`), so our `.index` files equal TF's byte for byte.

use super::block::BlockBuilder;
use super::format::{encode_footer, write_block, BlockHandle};

/// TF's `Options::block_size`: a data block is cut once its estimate reaches this.
pub(crate) const BLOCK_SIZE: usize = 262_144;
/// TF's `Options::block_restart_interval` for data blocks (the index block uses 1).
pub(crate) const RESTART_INTERVAL: usize = 16;

/// Accumulates sorted `(key, value)` pairs and lays them out in data blocks, an empty
/// metaindex block, an index block and a footer.
#[derive(Debug)]
pub(crate) struct TableBuilder {
    block_size: usize,
    out: Vec<u8>,
    data_block: BlockBuilder,
    index_block: BlockBuilder,
    last_key: Vec<u8>,
    num_entries: u64,
    /// The handle of the last flushed data block, whose index entry waits for the next
    /// key so its key can be shortened (`pending_index_entry`).
    pending_handle: Option<BlockHandle>,
}

impl Default for TableBuilder {
    fn default() -> Self {
        TableBuilder::with_block_size(BLOCK_SIZE, RESTART_INTERVAL)
    }
}

impl TableBuilder {
    /// A builder with another block size and restart interval (tests use small ones to
    /// get many blocks from few entries).
    pub(crate) fn with_block_size(block_size: usize, restart_interval: usize) -> TableBuilder {
        TableBuilder {
            block_size,
            out: Vec::new(),
            data_block: BlockBuilder::new(restart_interval),
            index_block: BlockBuilder::new(1),
            last_key: Vec::new(),
            num_entries: 0,
            pending_handle: None,
        }
    }

    /// Adds an entry. Keys must be added in strictly increasing bytewise order (the
    /// bundle writer sorts and deduplicates them first); tests break this on purpose.
    pub(crate) fn add(&mut self, key: &[u8], value: &[u8]) {
        // An entry twice the block size goes in a block of its own.
        if self.num_entries > 0 && key.len() + value.len() >= 2 * self.block_size {
            self.flush();
        }
        if let Some(handle) = self.pending_handle.take() {
            find_shortest_separator(&mut self.last_key, key);
            self.add_index_entry(handle);
        }
        self.last_key.clear();
        self.last_key.extend_from_slice(key);
        self.num_entries += 1;
        self.data_block.add(key, value);
        if self.data_block.size_estimate() >= self.block_size {
            self.flush();
        }
    }

    /// Writes the current data block, if it has entries.
    fn flush(&mut self) {
        if self.data_block.is_empty() {
            return;
        }
        let contents = self.data_block.finish();
        self.pending_handle = Some(write_block(&contents, &mut self.out));
    }

    fn add_index_entry(&mut self, handle: BlockHandle) {
        let mut encoded = Vec::with_capacity(20);
        handle.encode_to(&mut encoded);
        self.index_block.add(&self.last_key, &encoded);
    }

    /// Finishes the table and returns the file's bytes.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.flush();
        let metaindex = write_block(&BlockBuilder::new(1).finish(), &mut self.out);
        if let Some(handle) = self.pending_handle.take() {
            find_short_successor(&mut self.last_key);
            self.add_index_entry(handle);
        }
        let index_contents = self.index_block.finish();
        let index = write_block(&index_contents, &mut self.out);
        encode_footer(metaindex, index, &mut self.out);
        self.out
    }
}

/// Shortens `start` to a key `>= start` and `< limit` where one byte suffices
/// (`FindShortestSeparator` of TF's bytewise comparator).
pub(crate) fn find_shortest_separator(start: &mut Vec<u8>, limit: &[u8]) {
    let diff = start.iter().zip(limit).take_while(|(a, b)| a == b).count();
    if let (Some(&a), Some(&b)) = (start.get(diff), limit.get(diff)) {
        if a < 0xff && a + 1 < b {
            start.truncate(diff + 1);
            if let Some(byte) = start.get_mut(diff) {
                *byte = a + 1;
            }
        }
    }
}

/// Replaces `key` by a short key `>= key` (`FindShortSuccessor`): the first byte that is
/// not `0xff` is incremented and the rest dropped; a run of `0xff`s is left alone.
pub(crate) fn find_short_successor(key: &mut Vec<u8>) {
    if let Some(i) = key.iter().position(|&b| b != 0xff) {
        key.truncate(i + 1);
        if let Some(byte) = key.get_mut(i) {
            *byte += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_match_leveldb() {
        let mut k = b"abc1".to_vec();
        find_shortest_separator(&mut k, b"abc9");
        assert_eq!(k, b"abc2");
        let mut k = b"abc1".to_vec();
        find_shortest_separator(&mut k, b"abc2");
        assert_eq!(k, b"abc1");
        let mut k = b"ab".to_vec();
        find_shortest_separator(&mut k, b"abc");
        assert_eq!(k, b"ab");
        let mut k = b"the quick brown fox".to_vec();
        find_shortest_separator(&mut k, b"the who");
        assert_eq!(k, b"the r");
        let mut k = b"target_net/l2/w2".to_vec();
        find_short_successor(&mut k);
        assert_eq!(k, b"u");
        let mut k = vec![0xff, 0xff];
        find_short_successor(&mut k);
        assert_eq!(k, [0xff, 0xff]);
        let mut k = vec![0xff, 0x10, 0x20];
        find_short_successor(&mut k);
        assert_eq!(k, [0xff, 0x11]);
    }
}
