//! The byte-level primitives the checkpoint files share (formats.md §0): LevelDB/protobuf
//! varints, little-endian `fixed32`/`fixed64`, and TensorFlow's masked CRC32C.
//!
//! Every decoder takes a slice and an offset, and returns `None` rather than reading past
//! the end, so callers turn a short read into an error naming their file.

/// The constant TensorFlow adds to a rotated CRC (`crc32c::Mask` in `tsl/lib/hash/crc32c.h`).
const MASK_DELTA: u32 = 0xa282_ead8;

/// `mask(crc)`: rotate right by 15 and add a constant, so a CRC stored next to the bytes it
/// covers does not checksum to a fixed value.
pub(crate) fn mask(crc: u32) -> u32 {
    crc.rotate_right(15).wrapping_add(MASK_DELTA)
}

/// The inverse of [`mask`].
pub(crate) fn unmask(masked: u32) -> u32 {
    masked.wrapping_sub(MASK_DELTA).rotate_left(15)
}

/// Appends `value` as an unsigned LEB128 varint (at most 10 bytes).
pub(crate) fn put_varint64(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        // Truncation intended: the low 7 bits plus the continuation bit.
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Appends `value` as a varint; LevelDB's `PutVarint32`.
pub(crate) fn put_varint32(out: &mut Vec<u8>, value: u32) {
    put_varint64(out, u64::from(value));
}

/// Appends `value` as 4 little-endian bytes.
pub(crate) fn put_fixed32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

/// Decodes a varint of at most 10 bytes at `*pos`, advancing `*pos`.
///
/// `None` if the varint runs past `bytes`, is longer than 10 bytes, or overflows 64 bits.
pub(crate) fn get_varint64(bytes: &[u8], pos: &mut usize) -> Option<u64> {
    let mut result = 0u64;
    for i in 0..10u32 {
        let byte = *bytes.get(pos.checked_add(i as usize)?)?;
        let low = u64::from(byte & 0x7f);
        // The 10th byte may carry only the top bit of a u64.
        if i == 9 && low > 1 {
            return None;
        }
        result |= low << (7 * i);
        if byte & 0x80 == 0 {
            *pos = pos.checked_add(i as usize + 1)?;
            return Some(result);
        }
    }
    None
}

/// Decodes a varint that must fit 32 bits (LevelDB's `GetVarint32`: at most 5 bytes).
pub(crate) fn get_varint32(bytes: &[u8], pos: &mut usize) -> Option<u32> {
    let mut result = 0u32;
    for i in 0..5u32 {
        let byte = *bytes.get(pos.checked_add(i as usize)?)?;
        let low = u32::from(byte & 0x7f);
        if i == 4 && low > 0x0f {
            return None;
        }
        result |= low << (7 * i);
        if byte & 0x80 == 0 {
            *pos = pos.checked_add(i as usize + 1)?;
            return Some(result);
        }
    }
    None
}

/// Reads 4 little-endian bytes at `pos`.
pub(crate) fn get_fixed32(bytes: &[u8], pos: usize) -> Option<u32> {
    let end = pos.checked_add(4)?;
    let chunk: [u8; 4] = bytes.get(pos..end)?.try_into().ok()?;
    Some(u32::from_le_bytes(chunk))
}

/// Reads 8 little-endian bytes at `pos`.
pub(crate) fn get_fixed64(bytes: &[u8], pos: usize) -> Option<u64> {
    let end = pos.checked_add(8)?;
    let chunk: [u8; 8] = bytes.get(pos..end)?.try_into().ok()?;
    Some(u64::from_le_bytes(chunk))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_test_vectors_from_formats_md() {
        assert_eq!(crc32c::crc32c(b"123456789"), 0xe306_9283);
        assert_eq!(crc32c::crc32c(b""), 0);
        assert_eq!(mask(0xe306_9283), 0xc78a_b0e5);
        assert_eq!(unmask(0xc78a_b0e5), 0xe306_9283);
        for crc in [0, 1, 0xffff_ffff, 0x1234_5678] {
            assert_eq!(unmask(mask(crc)), crc);
        }
    }

    #[test]
    fn varints_round_trip_and_reject_overlong() {
        for value in [0u64, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            let mut out = Vec::new();
            put_varint64(&mut out, value);
            let mut pos = 0;
            assert_eq!(get_varint64(&out, &mut pos), Some(value));
            assert_eq!(pos, out.len());
        }
        // -1 as protobuf writes it: ten bytes.
        let minus_one = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(get_varint64(&minus_one, &mut 0), Some(u64::MAX));
        // An 11-byte or overflowing varint, and one cut short.
        assert_eq!(get_varint64(&[0xff; 11], &mut 0), None);
        assert_eq!(
            get_varint64(
                &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02],
                &mut 0
            ),
            None
        );
        assert_eq!(get_varint64(&[0x80], &mut 0), None);
        let mut pos = 0;
        assert_eq!(
            get_varint32(&[0xff, 0xff, 0xff, 0xff, 0x0f], &mut pos),
            Some(u32::MAX)
        );
        assert_eq!(get_varint32(&[0xff, 0xff, 0xff, 0xff, 0x1f], &mut 0), None);
        assert_eq!(get_varint32(&[0x80, 0x80], &mut 0), None);
        let mut at_end = usize::MAX;
        assert_eq!(get_varint32(&[1], &mut at_end), None);
    }

    #[test]
    fn fixed_widths_are_bounds_checked() {
        assert_eq!(get_fixed32(&[1, 0, 0, 0], 0), Some(1));
        assert_eq!(get_fixed32(&[1, 0, 0], 0), None);
        assert_eq!(get_fixed32(&[1, 0, 0, 0], usize::MAX), None);
        assert_eq!(
            get_fixed64(&0xdb47_7524_8b80_fb57u64.to_le_bytes(), 0),
            Some(0xdb47_7524_8b80_fb57)
        );
    }
}
