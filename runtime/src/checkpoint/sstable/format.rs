//! Block handles, block trailers and the 48-byte footer (formats.md §1.2;
//! TensorFlow's `tsl/lib/io/format.h`, `format.cc`).

use std::path::Path;

use crate::checkpoint::coding::{
    get_fixed32, get_fixed64, get_varint64, put_fixed32, put_varint64,
};
use crate::checkpoint::error::{CheckpointError, Result};

/// Bytes after every block: a type byte and a masked CRC32C.
pub(crate) const BLOCK_TRAILER_LEN: usize = 5;
/// The footer's fixed length: two handles padded to 40 bytes, then the magic number.
pub(crate) const FOOTER_LEN: usize = 48;
/// `kTableMagicNumber`, stored as two `fixed32`s, low word first (= one LE `fixed64`).
pub(crate) const TABLE_MAGIC: u64 = 0xdb47_7524_8b80_fb57;
/// The trailer type byte of an uncompressed block, the only kind TF writes (1 would be
/// Snappy, which TF's `BundleWriter` never uses).
pub(crate) const NO_COMPRESSION: u8 = 0;
/// Space for the two handles in the footer (2 x 2 varint64s of at most 10 bytes).
const HANDLES_LEN: usize = FOOTER_LEN - 8;

/// Where a block lies in the file: `varint64 offset, varint64 size` (size excludes the trailer).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct BlockHandle {
    /// Byte offset of the block's first byte.
    pub(crate) offset: u64,
    /// Length of the block's contents, without the 5-byte trailer.
    pub(crate) size: u64,
}

impl BlockHandle {
    /// Appends the handle's encoding.
    pub(crate) fn encode_to(self, out: &mut Vec<u8>) {
        put_varint64(out, self.offset);
        put_varint64(out, self.size);
    }

    /// Decodes a handle at `*pos`, advancing it; `None` if the varints are bad or cut short.
    pub(crate) fn decode_from(bytes: &[u8], pos: &mut usize) -> Option<BlockHandle> {
        let offset = get_varint64(bytes, pos)?;
        let size = get_varint64(bytes, pos)?;
        Some(BlockHandle { offset, size })
    }
}

/// Encodes the footer: both handles, zero padding to byte 40, the magic number.
pub(crate) fn encode_footer(metaindex: BlockHandle, index: BlockHandle, out: &mut Vec<u8>) {
    let start = out.len();
    metaindex.encode_to(out);
    index.encode_to(out);
    out.resize(start + HANDLES_LEN, 0);
    // Two fixed32 words, low first, as `Footer::EncodeTo` writes them.
    put_fixed32(out, (TABLE_MAGIC & 0xffff_ffff) as u32);
    put_fixed32(out, (TABLE_MAGIC >> 32) as u32);
}

/// Decodes the footer at the end of `file`: `(metaindex handle, index handle)`.
///
/// # Errors
/// [`CheckpointError::Truncated`] if the file is shorter than a footer,
/// [`CheckpointError::BadMagic`] if it does not end with the magic number,
/// [`CheckpointError::Corrupt`] if the handles cannot be decoded.
pub(crate) fn decode_footer(file: &[u8], path: &Path) -> Result<(BlockHandle, BlockHandle)> {
    let len = file.len();
    let start = len
        .checked_sub(FOOTER_LEN)
        .ok_or_else(|| CheckpointError::Truncated {
            path: path.to_path_buf(),
            what: "the 48-byte sstable footer".into(),
            needed: FOOTER_LEN as u64,
            len: len as u64,
        })?;
    let footer = file.get(start..).unwrap_or_default();
    let magic = get_fixed64(footer, HANDLES_LEN).unwrap_or_default();
    if magic != TABLE_MAGIC {
        return Err(CheckpointError::BadMagic {
            path: path.to_path_buf(),
            found: magic,
        });
    }
    // The handles must decode within their 40 bytes; the padding after them is not
    // checked, as TF's `Footer::DecodeFrom` does not check it either.
    let handles = footer.get(..HANDLES_LEN).unwrap_or_default();
    let mut pos = 0;
    let metaindex = BlockHandle::decode_from(handles, &mut pos)
        .ok_or_else(|| CheckpointError::corrupt(path, "bad metaindex block handle in footer"))?;
    let index = BlockHandle::decode_from(handles, &mut pos)
        .ok_or_else(|| CheckpointError::corrupt(path, "bad index block handle in footer"))?;
    Ok((metaindex, index))
}

/// Returns a block's contents after checking that it and its trailer lie within
/// `file[..limit]`, that its checksum matches and that it is uncompressed.
///
/// # Errors
/// [`CheckpointError::Truncated`], [`CheckpointError::BadChecksum`] or
/// [`CheckpointError::UnsupportedCompression`], naming `what`.
pub(crate) fn read_block<'a>(
    file: &'a [u8],
    limit: usize,
    handle: BlockHandle,
    what: &str,
    path: &Path,
) -> Result<&'a [u8]> {
    let end = handle
        .offset
        .checked_add(handle.size)
        .and_then(|end| end.checked_add(BLOCK_TRAILER_LEN as u64));
    let in_bounds = end.filter(|&end| end <= limit as u64);
    let (Some(end), Ok(offset), Ok(size)) = (
        in_bounds.and_then(|end| usize::try_from(end).ok()),
        usize::try_from(handle.offset),
        usize::try_from(handle.size),
    ) else {
        return Err(CheckpointError::Truncated {
            path: path.to_path_buf(),
            what: format!(
                "{what} (offset {}, size {}) and the footer after it",
                handle.offset, handle.size
            ),
            needed: end.map_or(u64::MAX, |end| end.saturating_add(FOOTER_LEN as u64)),
            len: file.len() as u64,
        });
    };
    // All three are within `limit <= file.len()`, checked just above.
    let contents_end = offset + size;
    let contents = file.get(offset..contents_end).unwrap_or_default();
    let trailer = file.get(contents_end..end).unwrap_or_default();
    let block_type = trailer.first().copied().unwrap_or_default();
    let stored = crate::checkpoint::coding::unmask(get_fixed32(trailer, 1).unwrap_or_default());
    let computed = crc32c::crc32c_append(crc32c::crc32c(contents), &[block_type]);
    if stored != computed {
        return Err(CheckpointError::BadChecksum {
            path: path.to_path_buf(),
            what: format!("{what} at offset {}", handle.offset),
            stored,
            computed,
        });
    }
    if block_type != NO_COMPRESSION {
        return Err(CheckpointError::UnsupportedCompression {
            path: path.to_path_buf(),
            what: format!("{what} at offset {}", handle.offset),
            block_type,
        });
    }
    Ok(contents)
}

/// Appends a block's contents and its trailer (type 0, masked CRC of contents + type).
pub(crate) fn write_block(contents: &[u8], out: &mut Vec<u8>) -> BlockHandle {
    let handle = BlockHandle {
        offset: out.len() as u64,
        size: contents.len() as u64,
    };
    out.extend_from_slice(contents);
    out.push(NO_COMPRESSION);
    let crc = crc32c::crc32c_append(crc32c::crc32c(contents), &[NO_COMPRESSION]);
    put_fixed32(out, crate::checkpoint::coding::mask(crc));
    handle
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_block_trailer_matches_formats_md() {
        let mut out = Vec::new();
        write_block(&[0, 0, 0, 0, 1, 0, 0, 0], &mut out);
        assert_eq!(&out[8..], &[0x00, 0xc0, 0xf2, 0xa1, 0xb0]);
        let handle = BlockHandle { offset: 0, size: 8 };
        assert_eq!(
            read_block(&out, out.len(), handle, "block", Path::new("t")).unwrap(),
            &out[..8]
        );
    }

    #[test]
    fn footer_round_trips_and_ends_in_magic() {
        let mut out = Vec::new();
        let meta = BlockHandle {
            offset: 155,
            size: 8,
        };
        let index = BlockHandle {
            offset: 168,
            size: 15,
        };
        encode_footer(meta, index, &mut out);
        assert_eq!(out.len(), FOOTER_LEN);
        assert_eq!(
            &out[40..],
            &[0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb]
        );
        assert_eq!(decode_footer(&out, Path::new("t")).unwrap(), (meta, index));
    }

    #[test]
    fn out_of_range_handles_are_truncation_errors() {
        let file = [0u8; 20];
        for handle in [
            BlockHandle {
                offset: u64::MAX,
                size: 1,
            },
            BlockHandle {
                offset: 1,
                size: u64::MAX,
            },
            BlockHandle {
                offset: 10,
                size: 6,
            },
        ] {
            let err = read_block(&file, file.len(), handle, "block", Path::new("t")).unwrap_err();
            assert!(matches!(err, CheckpointError::Truncated { .. }), "{err}");
        }
    }
}
