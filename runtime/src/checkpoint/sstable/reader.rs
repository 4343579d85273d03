//! Reads a whole SSTable from its bytes, checking every block (formats.md §1.2 "Lookup").

use std::path::Path;

use super::block::parse_block;
use super::format::{decode_footer, read_block, BlockHandle, FOOTER_LEN};
use crate::checkpoint::error::{CheckpointError, Result};

/// How much memory, as a multiple of the file's length, the keys may take once their
/// shared prefixes are expanded. Real TF indexes expand well under 4x; the cap stops a
/// crafted file of one long key followed by many one-byte variations from reconstructing
/// gigabytes of keys out of kilobytes.
const KEY_EXPANSION_LIMIT: u64 = 32;

/// Every `(key, value)` of the table in key order, values borrowed from `file`.
///
/// Checks the footer's magic number; the checksums of the metaindex block (whose
/// contents TF never reads), the index block and every data block; that block handles lie
/// before the footer; that keys strictly increase across the whole table; and that each
/// index key is `>=` every key of its block and `<` every key of the next one.
///
/// # Errors
/// [`CheckpointError::Truncated`], [`CheckpointError::BadMagic`],
/// [`CheckpointError::BadChecksum`], [`CheckpointError::UnsupportedCompression`] or
/// [`CheckpointError::Corrupt`], naming `path`.
pub(crate) fn read_table<'a>(file: &'a [u8], path: &Path) -> Result<Vec<(Vec<u8>, &'a [u8])>> {
    let (metaindex_handle, index_handle) = decode_footer(file, path)?;
    // `decode_footer` checked that the file holds a footer.
    let limit = file.len().saturating_sub(FOOTER_LEN);
    let mut key_budget = (file.len() as u64).saturating_mul(KEY_EXPANSION_LIMIT);

    read_block(file, limit, metaindex_handle, "metaindex block", path)?;
    let index_contents = read_block(file, limit, index_handle, "index block", path)?;
    let index = parse_block(index_contents, "index block", &mut key_budget, path)?;

    let mut entries: Vec<(Vec<u8>, &[u8])> = Vec::new();
    let mut previous_index_key: Option<&[u8]> = None;
    for (i, (index_key, handle_bytes)) in index.iter().enumerate() {
        let mut pos = 0;
        let handle = BlockHandle::decode_from(handle_bytes, &mut pos)
            .filter(|_| pos == handle_bytes.len())
            .ok_or_else(|| {
                CheckpointError::corrupt(path, format!("index entry {i} is not a block handle"))
            })?;
        let what = format!("data block {i}");
        let contents = read_block(file, limit, handle, &what, path)?;
        for (key, value) in parse_block(contents, &what, &mut key_budget, path)? {
            let after_previous_block = previous_index_key.is_none_or(|p| key.as_slice() > p);
            let within_this_block = key.as_slice() <= index_key.as_slice();
            let after_last_key = entries.last().is_none_or(|(last, _)| key > *last);
            if !(after_previous_block && within_this_block && after_last_key) {
                return Err(CheckpointError::corrupt(
                    path,
                    format!(
                        "key {:?} in {what} is out of order (duplicate, unsorted, or outside its index entry's range)",
                        String::from_utf8_lossy(&key)
                    ),
                ));
            }
            entries.push((key, value));
        }
        previous_index_key = Some(index_key);
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::super::TableBuilder;
    use super::*;

    fn table(block_size: usize, keys: &[String]) -> Vec<u8> {
        let mut builder = TableBuilder::with_block_size(block_size, 4);
        for key in keys {
            builder.add(key.as_bytes(), key.as_bytes());
        }
        builder.finish()
    }

    #[test]
    fn many_blocks_round_trip() {
        let keys: Vec<String> = (0..500).map(|i| format!("scope/v{i:04}")).collect();
        for block_size in [1, 64, 1000, 262_144] {
            let file = table(block_size, &keys);
            let entries = read_table(&file, Path::new("t")).unwrap();
            assert_eq!(entries.len(), keys.len());
            for (key, (k, v)) in keys.iter().zip(&entries) {
                assert_eq!(k, key.as_bytes());
                assert_eq!(*v, key.as_bytes());
            }
        }
    }

    #[test]
    fn empty_table_reads_as_empty() {
        let file = TableBuilder::default().finish();
        assert!(read_table(&file, Path::new("t")).unwrap().is_empty());
    }

    #[test]
    fn unsorted_across_blocks_is_rejected() {
        let mut builder = TableBuilder::with_block_size(1, 16);
        builder.add(b"b", b"");
        builder.add(b"a", b"");
        let file = builder.finish();
        let err = read_table(&file, Path::new("t")).unwrap_err();
        assert!(matches!(err, CheckpointError::Corrupt { .. }), "{err}");
    }

    #[test]
    fn huge_entry_gets_its_own_block() {
        let mut builder = TableBuilder::with_block_size(16, 16);
        builder.add(b"a", b"x");
        builder.add(b"b", &[7; 40]);
        builder.add(b"c", b"y");
        let file = builder.finish();
        let entries = read_table(&file, Path::new("t")).unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[1].1, &[7; 40]);
    }
}
