//! TFRecord framing (formats.md §2.1): writing whole records and reading them back with
//! both checksums verified.
//!
//! ```text
//! u64 len (LE) · u32 mask(crc32c(len bytes)) · data[len] · u32 mask(crc32c(data))
//! ```

use super::error::{Checksum, Result, SummaryError};
use std::fs::File;
use std::io::{self, BufReader, ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

/// Added after the rotation when masking a CRC (TF's `kMaskDelta`).
const MASK_DELTA: u32 = 0xA282_EAD8;
/// Length field plus its checksum.
const HEADER_LEN: usize = 12;
/// The data checksum.
const FOOTER_LEN: usize = 4;
/// First read size for a record whose length the stream cannot vouch for.
const FIRST_CHUNK: usize = 64 * 1024;

/// TF's CRC mask: rotate right by 15 bits, then add a constant (`crc32c::Mask`).
pub(crate) fn mask(crc: u32) -> u32 {
    crc.rotate_right(15).wrapping_add(MASK_DELTA)
}

/// Inverse of [`mask`].
#[cfg(test)]
pub(crate) fn unmask(masked: u32) -> u32 {
    masked.wrapping_sub(MASK_DELTA).rotate_left(15)
}

/// The masked CRC32C of `data`, as stored in records.
pub(crate) fn masked_crc32c(data: &[u8]) -> u32 {
    mask(crc32c::crc32c(data))
}

/// One framed record, header and footer included.
pub(crate) fn encode_record(data: &[u8]) -> Vec<u8> {
    let len = (data.len() as u64).to_le_bytes();
    let mut out = Vec::with_capacity(HEADER_LEN + data.len() + FOOTER_LEN);
    out.extend_from_slice(&len);
    out.extend_from_slice(&masked_crc32c(&len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc32c(data).to_le_bytes());
    out
}

/// Writes `data` as one TFRecord: the whole frame is built in memory and handed to `w`
/// in a single `write_all`, so a reader never sees a header without its data unless the
/// write itself is cut short.
///
/// # Errors
/// Whatever `w` reports.
pub fn write_record(w: &mut impl Write, data: &[u8]) -> io::Result<()> {
    w.write_all(&encode_record(data))
}

/// Reads TFRecords one by one, checking both checksums of each.
///
/// A record cut short by the end of the stream (a writer still writing, or a crash)
/// ends the iteration cleanly, as TensorBoard waits for the rest; [`truncated`]
/// tells that this happened. A checksum mismatch is an `Err`, after which the iterator
/// yields nothing more. A record's claimed length is never trusted for allocation: with
/// a known stream length ([`with_len`], [`open`]) a record longer than what is left is
/// reported truncated before anything is allocated; without one, the buffer grows with
/// the bytes that actually arrive (at most twice those, plus 64 KiB).
///
/// [`with_len`]: RecordReader::with_len
/// [`open`]: RecordReader::open
///
/// [`truncated`]: RecordReader::truncated
#[derive(Debug)]
pub struct RecordReader<R> {
    inner: R,
    path: Option<PathBuf>,
    /// Byte offset of the next record.
    offset: u64,
    /// Bytes left in the stream, when known.
    remaining: Option<u64>,
    done: bool,
    truncated: bool,
}

impl<R: Read> RecordReader<R> {
    /// Reads records from a stream of unknown length.
    pub fn new(inner: R) -> Self {
        RecordReader {
            inner,
            path: None,
            offset: 0,
            remaining: None,
            done: false,
            truncated: false,
        }
    }

    /// Reads records from a stream that holds exactly `len` more bytes: a record claiming
    /// more than that is known to be truncated before anything is allocated for it.
    pub fn with_len(inner: R, len: u64) -> Self {
        RecordReader {
            remaining: Some(len),
            ..RecordReader::new(inner)
        }
    }

    /// The byte offset where the next record starts.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// True once the iteration has ended on a record cut short by the end of the stream.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    fn read_record(&mut self) -> Result<Option<Vec<u8>>> {
        let mut header = [0u8; HEADER_LEN];
        let got = read_full(&mut self.inner, &mut header).map_err(|e| self.read_error(e))?;
        if got < HEADER_LEN {
            self.truncated = got > 0;
            return Ok(None);
        }
        let (len_bytes, crc_bytes) = header.split_at(8);
        let stored = u32::from_le_bytes(crc_bytes.try_into().unwrap_or_default());
        self.check(Checksum::Length, stored, masked_crc32c(len_bytes))?;
        let len = u64::from_le_bytes(len_bytes.try_into().unwrap_or_default());
        let framed = len.saturating_add((HEADER_LEN + FOOTER_LEN) as u64);
        if self.remaining.is_some_and(|left| framed > left) {
            self.truncated = true;
            return Ok(None);
        }
        let Some(data) = self.read_data(len)? else {
            self.truncated = true;
            return Ok(None);
        };
        let mut footer = [0u8; FOOTER_LEN];
        let got = read_full(&mut self.inner, &mut footer).map_err(|e| self.read_error(e))?;
        if got < FOOTER_LEN {
            self.truncated = true;
            return Ok(None);
        }
        self.check(
            Checksum::Data,
            u32::from_le_bytes(footer),
            masked_crc32c(&data),
        )?;
        self.offset += framed;
        if let Some(left) = &mut self.remaining {
            *left -= framed;
        }
        Ok(Some(data))
    }

    /// Reads `len` data bytes, or `None` when the stream ends first. Without a known
    /// stream length the buffer grows with what actually arrives, so a corrupt or
    /// hostile length cannot make it allocate more than about twice the bytes present.
    fn read_data(&mut self, len: u64) -> Result<Option<Vec<u8>>> {
        let mut data = Vec::new();
        let mut want = match self.remaining {
            Some(_) => usize::try_from(len).unwrap_or(usize::MAX),
            None => FIRST_CHUNK,
        };
        loop {
            let have = data.len() as u64;
            if have == len {
                return Ok(Some(data));
            }
            let step = usize::try_from(len - have).map_or(want, |rest| rest.min(want));
            data.reserve_exact(step);
            let start = data.len();
            data.resize(start + step, 0);
            let got =
                read_full(&mut self.inner, &mut data[start..]).map_err(|e| self.read_error(e))?;
            if got < step {
                return Ok(None);
            }
            want = want.max(data.len());
        }
    }

    fn check(&mut self, checksum: Checksum, stored: u32, computed: u32) -> Result<()> {
        if stored == computed {
            return Ok(());
        }
        Err(SummaryError::CorruptRecord {
            path: self.path.clone(),
            offset: self.offset,
            checksum,
            stored,
            computed,
        })
    }

    fn read_error(&self, source: io::Error) -> SummaryError {
        match &self.path {
            Some(path) => SummaryError::Io {
                action: "read",
                path: path.clone(),
                source,
            },
            None => SummaryError::Read(source),
        }
    }
}

impl RecordReader<BufReader<File>> {
    /// Opens a record file; errors name its path.
    ///
    /// # Errors
    /// [`SummaryError::Io`] when the file cannot be opened or its length read.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(SummaryError::io("open", path))?;
        let len = file
            .metadata()
            .map_err(SummaryError::io("read metadata of", path))?
            .len();
        Ok(RecordReader {
            path: Some(path.to_path_buf()),
            ..RecordReader::with_len(BufReader::new(file), len)
        })
    }
}

impl<R: Read> Iterator for RecordReader<R> {
    type Item = Result<Vec<u8>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let result = self.read_record().transpose();
        if !matches!(result, Some(Ok(_))) {
            self.done = true;
        }
        result
    }
}

/// Fills `buf` from `r` until it is full or the stream ends; returns the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_test_vectors() {
        assert_eq!(crc32c::crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c::crc32c(b""), 0);
        assert_eq!(mask(0xE306_9283), 0xC78A_B0E5);
        assert_eq!(unmask(0xC78A_B0E5), 0xE306_9283);
        assert_eq!(masked_crc32c(b"123456789"), 0xC78A_B0E5);
    }

    #[test]
    fn header_matches_spec_example() {
        let framed = encode_record(&[7u8; 24]);
        assert_eq!(
            framed[..12],
            [0x18, 0, 0, 0, 0, 0, 0, 0, 0xa3, 0x7f, 0x4b, 0x22]
        );
        assert_eq!(framed.len(), 12 + 24 + 4);
        assert_eq!(framed[36..], masked_crc32c(&[7u8; 24]).to_le_bytes());
    }

    fn framed(records: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for r in records {
            write_record(&mut out, r).unwrap();
        }
        out
    }

    #[test]
    fn round_trip() {
        let big = vec![0xabu8; 200_000];
        let records: [&[u8]; 4] = [b"", b"x", b"hello world", &big];
        let bytes = framed(&records);
        for reader in [
            RecordReader::new(&bytes[..]),
            RecordReader::with_len(&bytes[..], bytes.len() as u64),
        ] {
            let mut reader = reader;
            let got: Vec<Vec<u8>> = reader.by_ref().map(|r| r.unwrap()).collect();
            assert_eq!(got, records.map(<[u8]>::to_vec));
            assert!(!reader.truncated());
            assert_eq!(reader.offset(), bytes.len() as u64);
        }
    }

    #[test]
    fn truncated_last_record_ends_cleanly_at_every_cut() {
        let bytes = framed(&[b"first", b"second record", b"third!"]);
        let last = bytes.len() - (12 + 6 + 4);
        for cut in last + 1..bytes.len() {
            for with_len in [false, true] {
                let part = &bytes[..cut];
                let mut reader = if with_len {
                    RecordReader::with_len(part, cut as u64)
                } else {
                    RecordReader::new(part)
                };
                let got: Vec<Vec<u8>> = reader.by_ref().map(|r| r.unwrap()).collect();
                assert_eq!(got, vec![b"first".to_vec(), b"second record".to_vec()]);
                assert!(reader.truncated(), "cut at {cut}");
            }
        }
    }

    #[test]
    fn flipped_bytes_are_errors() {
        let bytes = framed(&[b"first", b"second"]);
        // One byte in the second record's length, length CRC, data and data CRC.
        for (at, checksum) in [(21, Checksum::Length), (29, Checksum::Length)]
            .into_iter()
            .chain([(33, Checksum::Data), (39, Checksum::Data)])
        {
            let mut bad = bytes.clone();
            bad[at] ^= 0x01;
            let mut reader = RecordReader::new(&bad[..]);
            assert_eq!(reader.next().unwrap().unwrap(), b"first");
            match reader.next() {
                Some(Err(SummaryError::CorruptRecord {
                    offset,
                    checksum: c,
                    ..
                })) => {
                    assert_eq!((offset, c), (21, checksum), "flip at {at}");
                }
                other => panic!("flip at {at}: {other:?}"),
            }
            assert!(reader.next().is_none());
        }
    }

    #[test]
    fn huge_claimed_length_allocates_only_what_is_there() {
        // A valid header claiming an exabyte, followed by a few bytes.
        let len = (1u64 << 60).to_le_bytes();
        let mut bytes = len.to_vec();
        bytes.extend_from_slice(&masked_crc32c(&len).to_le_bytes());
        bytes.extend_from_slice(b"abc");
        let mut reader = RecordReader::new(&bytes[..]);
        assert!(reader.next().is_none());
        assert!(reader.truncated());
        let mut reader = RecordReader::with_len(&bytes[..], bytes.len() as u64);
        assert!(reader.next().is_none());
        assert!(reader.truncated());
    }
}
