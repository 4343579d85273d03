//! Reading a V2 checkpoint: [`CheckpointReader`] (TF's `BundleReader`,
//! `tf.train.load_checkpoint`).
//!
//! `open` reads and checks the whole `.index` file (it is small: one short entry per
//! tensor) and opens the data files; `tensor` then reads one tensor's bytes with a
//! positioned read and checks them against the entry's checksum. No allocation is sized
//! by a number read from a file unless that number has first been checked against the
//! length of the file it describes.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use prost::Message;
use staticflow_ir::DType;

use super::bundle::{
    self, BundleEntryProto, BundleHeaderProto, BUNDLE_MIN_PRODUCER, BUNDLE_VERSION, ENDIANNESS_BIG,
    ENDIANNESS_LITTLE,
};
use super::coding::unmask;
use super::error::{CheckpointError, Result};
use super::naming::{data_path, index_path};
use super::read_file::read_regular_file;
use super::sstable::read_table;
use crate::tensor::{Buffer, Data};

/// TF's `TensorShape::MaxDimensions()`; a deeper shape is corrupt.
const MAX_RANK: usize = 254;

/// An open checkpoint: its index in memory, its data files open for positioned reads.
///
/// `Send` and `Sync`: concurrent [`CheckpointReader::tensor`] calls take turns on each
/// data file.
#[derive(Debug)]
pub struct CheckpointReader {
    index_path: PathBuf,
    /// Every tensor entry, keyed by its raw key bytes (sorted bytewise, as in the file).
    entries: BTreeMap<Vec<u8>, Entry>,
    /// The data files that entries point into, by shard id.
    shards: BTreeMap<i32, Shard>,
    big_endian: bool,
}

/// One tensor's checked index entry.
#[derive(Debug)]
struct Entry {
    /// The dtype, or TF's `DataType` number when staticflow has no such dtype.
    dtype: std::result::Result<DType, i32>,
    shape: Vec<usize>,
    shard: i32,
    offset: u64,
    size: u64,
    /// The stored CRC32C, unmasked.
    crc: u32,
    /// A partitioned variable's full-tensor entry, whose bytes live in slice entries.
    sliced: bool,
}

/// One open data file.
#[derive(Debug)]
struct Shard {
    path: PathBuf,
    file: Mutex<File>,
}

impl CheckpointReader {
    /// Opens `PREFIX.index` and the data files its entries point into
    /// (`PREFIX.data-00000-of-00001` for a single-shard checkpoint).
    ///
    /// Checks the footer, every block checksum, the key order, the bundle header and its
    /// version, and every entry: dtype, shape (known rank, at most 254 non-negative dims
    /// whose element count does not overflow), shard, and `size == elements * element
    /// size`, with `offset + size` within its data file.
    ///
    /// # Errors
    /// [`CheckpointError::Io`] if a file cannot be read (a missing data file included);
    /// [`CheckpointError::Truncated`], [`CheckpointError::BadMagic`],
    /// [`CheckpointError::BadChecksum`], [`CheckpointError::UnsupportedCompression`],
    /// [`CheckpointError::Corrupt`], [`CheckpointError::CorruptEntry`] or
    /// [`CheckpointError::UnsupportedVersion`] for a file that fails a check.
    pub fn open(prefix: impl AsRef<Path>) -> Result<CheckpointReader> {
        let prefix = prefix.as_ref();
        let index_path = index_path(prefix);
        let bytes =
            read_regular_file(&index_path).map_err(|e| CheckpointError::io(&index_path, e))?;
        let table = read_table(&bytes, &index_path)?;
        let mut table = table.into_iter();

        let header = match table.next() {
            Some((key, value)) if key.is_empty() => {
                BundleHeaderProto::decode(value).map_err(|e| {
                    CheckpointError::corrupt(&index_path, format!("bad bundle header: {e}"))
                })?
            }
            _ => {
                return Err(CheckpointError::corrupt(
                    &index_path,
                    "no bundle header (the entry under the empty key)",
                ))
            }
        };
        let num_shards = check_header(&header, &index_path)?;

        let mut entries = BTreeMap::new();
        for (key, value) in table {
            let name = String::from_utf8_lossy(&key).into_owned();
            let entry =
                BundleEntryProto::decode(value).map_err(|e| CheckpointError::CorruptEntry {
                    path: index_path.clone(),
                    tensor: name.clone(),
                    reason: format!("not a BundleEntryProto: {e}"),
                })?;
            let entry = check_entry(&entry, num_shards).map_err(|reason| {
                CheckpointError::CorruptEntry {
                    path: index_path.clone(),
                    tensor: name,
                    reason,
                }
            })?;
            entries.insert(key, entry);
        }

        let mut reader = CheckpointReader {
            index_path,
            entries,
            shards: BTreeMap::new(),
            big_endian: header.endianness == ENDIANNESS_BIG,
        };
        reader.open_shards(prefix, num_shards)?;
        Ok(reader)
    }

    /// Opens every data file an entry points into and checks each entry's byte range
    /// against that file's length.
    fn open_shards(&mut self, prefix: &Path, num_shards: i32) -> Result<()> {
        // Per shard, the entry whose bytes end last: one pass, however many shards.
        let mut furthest: BTreeMap<i32, (u64, &[u8])> = BTreeMap::new();
        for (key, e) in self.entries.iter().filter(|(_, e)| !e.sliced) {
            let end = e.offset.saturating_add(e.size);
            let slot = furthest.entry(e.shard).or_insert((end, key));
            if end > slot.0 {
                *slot = (end, key);
            }
        }
        for (shard, (needed, key)) in furthest {
            let path = data_path(prefix, shard, num_shards);
            let file = File::open(&path).map_err(|e| CheckpointError::io(&path, e))?;
            let meta = file.metadata().map_err(|e| CheckpointError::io(&path, e))?;
            if !meta.is_file() {
                let not_file =
                    std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file");
                return Err(CheckpointError::io(&path, not_file));
            }
            if needed > meta.len() {
                return Err(CheckpointError::Truncated {
                    what: format!("tensor '{}'", String::from_utf8_lossy(key)),
                    needed,
                    len: meta.len(),
                    path,
                });
            }
            self.shards.insert(
                shard,
                Shard {
                    path,
                    file: Mutex::new(file),
                },
            );
        }
        Ok(())
    }

    /// `(name, dtype, shape)` of every tensor, sorted by name, as
    /// `tf.train.list_variables` lists them.
    ///
    /// Leaves out tensors whose dtype staticflow lacks (such as the string tensor
    /// `_CHECKPOINTABLE_OBJECT_GRAPH` of TF2 checkpoints) and the slice entries of
    /// partitioned variables, whose keys are binary.
    pub fn variables(&self) -> Vec<(String, DType, Vec<usize>)> {
        self.entries
            .iter()
            .filter(|(key, _)| key.first() != Some(&0))
            .filter_map(|(key, entry)| {
                let name = std::str::from_utf8(key).ok()?;
                Some((name.to_owned(), entry.dtype.ok()?, entry.shape.clone()))
            })
            .collect()
    }

    /// True if the checkpoint holds a tensor of that name (of any dtype).
    pub fn contains(&self, name: &str) -> bool {
        self.entries.contains_key(name.as_bytes())
    }

    /// The `.index` file this reader was opened from.
    pub fn index_path(&self) -> &Path {
        &self.index_path
    }

    /// Reads one tensor, checking its bytes against the entry's checksum.
    ///
    /// # Errors
    /// [`CheckpointError::MissingTensor`] for an unknown name,
    /// [`CheckpointError::UnsupportedDtype`] or [`CheckpointError::Unsupported`] for a
    /// tensor staticflow cannot hold, [`CheckpointError::Io`] if the read fails,
    /// [`CheckpointError::TensorChecksum`] if the bytes do not match, and
    /// [`CheckpointError::CorruptEntry`] for a bool byte other than 0 or 1.
    pub fn tensor(&self, name: &str) -> Result<Buffer> {
        let entry =
            self.entries
                .get(name.as_bytes())
                .ok_or_else(|| CheckpointError::MissingTensor {
                    path: self.index_path.clone(),
                    tensor: name.to_owned(),
                })?;
        let dtype = entry
            .dtype
            .map_err(|dtype| CheckpointError::UnsupportedDtype {
                path: self.index_path.clone(),
                tensor: name.to_owned(),
                dtype,
            })?;
        let shard = self
            .shards
            .get(&entry.shard)
            .filter(|_| !entry.sliced)
            .ok_or_else(|| CheckpointError::Unsupported {
                path: self.index_path.clone(),
                tensor: name.to_owned(),
                feature: "a partitioned variable (saved in slices)",
            })?;
        let bytes = read_range(shard, entry.offset, entry.size)?;
        let computed = crc32c::crc32c(&bytes);
        if computed != entry.crc {
            return Err(CheckpointError::TensorChecksum {
                path: shard.path.clone(),
                tensor: name.to_owned(),
                stored: entry.crc,
                computed,
            });
        }
        let data = super::elements::decode(&Data::empty(dtype), &bytes, self.big_endian).map_err(
            |reason| CheckpointError::CorruptEntry {
                path: shard.path.clone(),
                tensor: name.to_owned(),
                reason,
            },
        )?;
        Ok(Buffer {
            data,
            shape: entry.shape.clone(),
        })
    }
}

/// Reads `size` bytes at `offset`; `open` checked the range against the file's length,
/// so the allocation is bounded by it (a file that shrank since fails the read).
fn read_range(shard: &Shard, offset: u64, size: u64) -> Result<Vec<u8>> {
    let io = |e| CheckpointError::io(&shard.path, e);
    let len = usize::try_from(size)
        .map_err(|_| io(std::io::Error::other("tensor too large for memory")))?;
    let mut bytes = vec![0u8; len];
    // A panic elsewhere while holding the lock cannot leave the file in a state we rely
    // on (every read seeks first), so a poisoned lock is still usable.
    let mut file = shard
        .file
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    file.seek(SeekFrom::Start(offset)).map_err(io)?;
    file.read_exact(&mut bytes).map_err(io)?;
    Ok(bytes)
}

/// Checks the header's shard count, byte order and version; returns `num_shards`.
fn check_header(header: &BundleHeaderProto, path: &Path) -> Result<i32> {
    if header.num_shards < 1 {
        return Err(CheckpointError::corrupt(
            path,
            format!("bundle header says {} shards", header.num_shards),
        ));
    }
    if header.endianness != ENDIANNESS_LITTLE && header.endianness != ENDIANNESS_BIG {
        return Err(CheckpointError::corrupt(
            path,
            format!("bundle header has unknown endianness {}", header.endianness),
        ));
    }
    // TF's `CheckVersions` in tensor_bundle.cc, with the defaults of a missing VersionDef.
    let version = header.version.clone().unwrap_or_default();
    let unsupported = |reason: String| CheckpointError::UnsupportedVersion {
        path: path.to_path_buf(),
        reason,
    };
    if version.producer < BUNDLE_MIN_PRODUCER {
        return Err(unsupported(format!(
            "producer version {} is older than the oldest supported, {BUNDLE_MIN_PRODUCER}",
            version.producer
        )));
    }
    if version.min_consumer > BUNDLE_VERSION {
        return Err(unsupported(format!(
            "needs a reader of version {} or later; this reader is version {BUNDLE_VERSION}",
            version.min_consumer
        )));
    }
    if version.bad_consumers.contains(&BUNDLE_VERSION) {
        return Err(unsupported(format!(
            "reader version {BUNDLE_VERSION} is listed as a bad consumer"
        )));
    }
    Ok(header.num_shards)
}

/// Checks one tensor entry; `Err` says which rule failed.
fn check_entry(proto: &BundleEntryProto, num_shards: i32) -> std::result::Result<Entry, String> {
    let shape_proto = proto.shape.clone().unwrap_or_default();
    if shape_proto.unknown_rank {
        return Err("shape has unknown rank".into());
    }
    if shape_proto.dim.len() > MAX_RANK {
        return Err(format!(
            "shape has {} dims; at most {MAX_RANK} are allowed",
            shape_proto.dim.len()
        ));
    }
    let shape = shape_proto
        .dim
        .iter()
        .map(|d| usize::try_from(d.size).map_err(|_| format!("dim size {} is not a size", d.size)))
        .collect::<std::result::Result<Vec<usize>, String>>()?;
    let elements = shape
        .iter()
        .try_fold(1u64, |n, &d| n.checked_mul(d as u64))
        .ok_or_else(|| format!("shape {shape:?} has more elements than fit 64 bits"))?;
    let dtype = bundle::from_tf_dtype(proto.dtype).ok_or(proto.dtype);
    let sliced = !proto.slices.is_empty();
    let offset =
        u64::try_from(proto.offset).map_err(|_| format!("negative offset {}", proto.offset))?;
    let size = u64::try_from(proto.size).map_err(|_| format!("negative size {}", proto.size))?;
    if !sliced {
        if proto.shard_id < 0 || proto.shard_id >= num_shards {
            return Err(format!(
                "shard {} is not in 0..{num_shards}",
                proto.shard_id
            ));
        }
        offset
            .checked_add(size)
            .ok_or_else(|| format!("offset {offset} + size {size} overflows"))?;
        if let Ok(dtype) = dtype {
            let needed = elements.checked_mul(bundle::element_size(dtype) as u64);
            if needed != Some(size) {
                return Err(format!(
                    "holds {size} bytes, but {dtype} of shape {shape:?} needs {}",
                    needed.map_or_else(|| "more than 2^64".into(), |n| n.to_string())
                ));
            }
        }
    }
    Ok(Entry {
        dtype,
        shape,
        shard: proto.shard_id,
        offset,
        size,
        crc: unmask(proto.crc32c),
        sliced,
    })
}
