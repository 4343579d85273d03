//! Just enough of LevelDB's table format (TF's `.index` files, formats.md §1.2) for the
//! fuzzer to take valid files apart, rebuild them with other block layouts, and repair
//! block checksums after a mutation. Independent of the reader under test on purpose:
//! the fuzzer must not share its bugs.

/// Length of the footer: two block handles padded to 40 bytes, then the magic number.
pub const FOOTER_LEN: usize = 48;
/// A block's trailer: compression type byte and masked CRC32C.
pub const TRAILER_LEN: usize = 5;
const MAGIC: u64 = 0xdb47_7524_8b80_fb57;

/// CRC32C (Castagnoli), bitwise-reflected, table driven.
pub fn crc32c(bytes: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut crc = i as u32;
            let mut bit = 0;
            while bit < 8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0x82f6_3b78
                } else {
                    crc >> 1
                };
                bit += 1;
            }
            table[i] = crc;
            i += 1;
        }
        table
    };
    !bytes.iter().fold(!0u32, |crc, &b| {
        TABLE[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8)
    })
}

/// LevelDB's checksum masking (`crc32c::Mask`).
pub fn mask(crc: u32) -> u32 {
    crc.rotate_right(15).wrapping_add(0xa282_ead8)
}

/// Appends a base-128 varint.
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads a varint at `*pos`, advancing it; `None` if malformed or cut short.
pub fn get_varint(bytes: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*pos)?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(v);
        }
    }
    None
}

/// `(offset, size)` of a block, as handles encode them.
#[derive(Clone, Copy, Debug)]
pub struct Handle {
    pub offset: u64,
    pub size: u64,
}

impl Handle {
    fn decode(bytes: &[u8], pos: &mut usize) -> Option<Handle> {
        Some(Handle {
            offset: get_varint(bytes, pos)?,
            size: get_varint(bytes, pos)?,
        })
    }

    fn encode(self, out: &mut Vec<u8>) {
        put_varint(out, self.offset);
        put_varint(out, self.size);
    }

    /// The block's byte range, if it and its trailer lie before the footer.
    fn range(self, file_len: usize) -> Option<(usize, usize)> {
        let start = usize::try_from(self.offset).ok()?;
        let end = start.checked_add(usize::try_from(self.size).ok()?)?;
        (end.checked_add(TRAILER_LEN)? <= file_len.checked_sub(FOOTER_LEN)?).then_some((start, end))
    }
}

/// The metaindex and index handles of the footer.
fn footer(file: &[u8]) -> Option<(Handle, Handle)> {
    let footer = file.get(file.len().checked_sub(FOOTER_LEN)?..)?;
    let mut pos = 0;
    Some((
        Handle::decode(footer, &mut pos)?,
        Handle::decode(footer, &mut pos)?,
    ))
}

/// The entries of one block's contents (prefix-compressed keys expanded).
pub fn parse_block(block: &[u8]) -> Option<Vec<(Vec<u8>, Vec<u8>)>> {
    let restarts = block.len().checked_sub(4)?;
    let count = u32::from_le_bytes(block.get(restarts..)?.try_into().ok()?) as usize;
    let limit = restarts.checked_sub(count.checked_mul(4)?)?;
    let mut entries = Vec::new();
    let mut key: Vec<u8> = Vec::new();
    let mut pos = 0;
    while pos < limit {
        let shared = usize::try_from(get_varint(block, &mut pos)?).ok()?;
        let unshared = usize::try_from(get_varint(block, &mut pos)?).ok()?;
        let value_len = usize::try_from(get_varint(block, &mut pos)?).ok()?;
        if shared > key.len() {
            return None;
        }
        key.truncate(shared);
        let key_end = pos.checked_add(unshared)?;
        key.extend_from_slice(block.get(pos..key_end)?);
        let value_end = key_end.checked_add(value_len)?;
        entries.push((key.clone(), block.get(key_end..value_end)?.to_vec()));
        pos = value_end;
    }
    Some(entries)
}

/// Every `(key, value)` of a valid table, in file order.
pub fn parse_table(file: &[u8]) -> Option<Vec<(Vec<u8>, Vec<u8>)>> {
    let (_, index) = footer(file)?;
    let (start, end) = index.range(file.len())?;
    let mut entries = Vec::new();
    for (_, handle) in parse_block(&file[start..end])? {
        let handle = Handle::decode(&handle, &mut 0)?;
        let (start, end) = handle.range(file.len())?;
        entries.extend(parse_block(&file[start..end])?);
    }
    Some(entries)
}

/// One block's contents: entries with keys prefix-compressed against the previous key,
/// a restart point every `restart_interval` entries.
fn build_block(entries: &[(&[u8], &[u8])], restart_interval: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut restarts = Vec::new();
    let mut previous: &[u8] = &[];
    for (i, (key, value)) in entries.iter().enumerate() {
        let shared = if i % restart_interval.max(1) == 0 {
            restarts.push(out.len() as u32);
            0
        } else {
            previous
                .iter()
                .zip(key.iter())
                .take_while(|(a, b)| a == b)
                .count()
        };
        put_varint(&mut out, shared as u64);
        put_varint(&mut out, (key.len() - shared) as u64);
        put_varint(&mut out, value.len() as u64);
        out.extend_from_slice(&key[shared..]);
        out.extend_from_slice(value);
        previous = key;
    }
    if restarts.is_empty() {
        restarts.push(0);
    }
    for r in &restarts {
        out.extend_from_slice(&r.to_le_bytes());
    }
    out.extend_from_slice(&(restarts.len() as u32).to_le_bytes());
    out
}

/// Appends a block with its trailer; returns its handle.
fn push_block(file: &mut Vec<u8>, contents: &[u8]) -> Handle {
    let handle = Handle {
        offset: file.len() as u64,
        size: contents.len() as u64,
    };
    file.extend_from_slice(contents);
    file.push(0);
    let crc = crc32c(&file[handle.offset as usize..]);
    file.extend_from_slice(&mask(crc).to_le_bytes());
    handle
}

/// A table of `entries` as given (sorted or not: the fuzzer feeds unsorted ones too),
/// cut into data blocks of about `block_size` bytes; each index key is its block's last
/// key.
pub fn build_table(
    entries: &[(Vec<u8>, Vec<u8>)],
    block_size: usize,
    restart_interval: usize,
) -> Vec<u8> {
    let mut file = Vec::new();
    let mut index: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut block: Vec<(&[u8], &[u8])> = Vec::new();
    let mut block_bytes = 0;
    let mut flush = |file: &mut Vec<u8>, block: &mut Vec<(&[u8], &[u8])>| {
        if let Some((last, _)) = block.last() {
            let handle = push_block(file, &build_block(block, restart_interval));
            let mut encoded = Vec::new();
            handle.encode(&mut encoded);
            index.push((last.to_vec(), encoded));
            block.clear();
        }
    };
    for (key, value) in entries {
        block.push((key, value));
        block_bytes += key.len() + value.len() + 3;
        if block_bytes >= block_size {
            flush(&mut file, &mut block);
            block_bytes = 0;
        }
    }
    flush(&mut file, &mut block);
    let metaindex = push_block(&mut file, &build_block(&[], 1));
    let index_pairs: Vec<(&[u8], &[u8])> = index
        .iter()
        .map(|(k, v)| (k.as_slice(), v.as_slice()))
        .collect();
    let index = push_block(&mut file, &build_block(&index_pairs, 1));
    let mut footer = Vec::new();
    metaindex.encode(&mut footer);
    index.encode(&mut footer);
    footer.resize(FOOTER_LEN - 8, 0);
    footer.extend_from_slice(&MAGIC.to_le_bytes());
    file.extend_from_slice(&footer);
    file
}

/// Recomputes the checksum of every block the footer and the index block point at, as
/// far as they can be followed, so a mutated block gets past its CRC.
pub fn repair_checksums(file: &mut [u8]) {
    let Some((metaindex, index)) = footer(file) else {
        return;
    };
    let repair = |file: &mut [u8], handle: Handle| -> Option<(usize, usize)> {
        let (start, end) = handle.range(file.len())?;
        let crc = mask(crc32c(&file[start..=end]));
        file[end + 1..end + TRAILER_LEN].copy_from_slice(&crc.to_le_bytes());
        Some((start, end))
    };
    repair(file, metaindex);
    let Some((start, end)) = repair(file, index) else {
        return;
    };
    let Some(entries) = parse_block(&file[start..end]) else {
        return;
    };
    for (_, value) in entries {
        if let Some(handle) = Handle::decode(&value, &mut 0) {
            repair(file, handle);
        }
    }
}
