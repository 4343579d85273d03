//! The checkpoint module's error type: one structured variant per check that can fail,
//! each naming the file involved (and the tensor, where there is one).

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Everything that can go wrong reading or writing a checkpoint or its state file.
///
/// Corrupt input is always reported as one of these values, never as a panic or a
/// partially filled result. `Clone` (the I/O error is shared through an `Arc`), so it
/// can sit inside other cloneable errors.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The operating system refused a read, write, rename or open.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: Arc<std::io::Error>,
    },
    /// A stored checksum does not match the bytes it covers.
    #[error("{}: checksum mismatch in {what}: stored {stored:#010x}, calculated {computed:#010x}", path.display())]
    BadChecksum {
        /// The file.
        path: PathBuf,
        /// The checked region (`index block at offset 171`).
        what: String,
        /// The CRC32C the file stores (unmasked).
        stored: u32,
        /// The CRC32C of the bytes read.
        computed: u32,
    },
    /// A tensor's bytes do not match the checksum in its index entry; TF says
    /// "Checksum does not match: stored … vs. calculated on the restored bytes …".
    #[error("{}: tensor '{tensor}': Checksum does not match: stored {stored:#010x} vs. calculated on the restored bytes {computed:#010x}", path.display())]
    TensorChecksum {
        /// The data file.
        path: PathBuf,
        /// The tensor's name.
        tensor: String,
        /// The CRC32C the index entry stores (unmasked).
        stored: u32,
        /// The CRC32C of the bytes read.
        computed: u32,
    },
    /// Something the file points at lies past its end.
    #[error("{}: truncated: {what} needs bytes up to offset {needed}, but the file has {len}", path.display())]
    Truncated {
        /// The file.
        path: PathBuf,
        /// What was being read (`footer`, `tensor 'dense/kernel'`).
        what: String,
        /// The end offset that was needed.
        needed: u64,
        /// The file's length.
        len: u64,
    },
    /// The footer does not end with the SSTable magic number: not a TF `.index` file.
    #[error("{}: not an sstable (bad magic number {found:#018x})", path.display())]
    BadMagic {
        /// The file.
        path: PathBuf,
        /// The 8 bytes found where the magic number belongs.
        found: u64,
    },
    /// The file's structure is invalid (bad varint, bad block layout, unsorted keys, ...).
    #[error("{}: corrupt checkpoint: {reason}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The check that failed.
        reason: String,
    },
    /// One tensor's index entry is invalid (shape, size, offset, ...).
    #[error("{}: corrupt entry for tensor '{tensor}': {reason}", path.display())]
    CorruptEntry {
        /// The index file.
        path: PathBuf,
        /// The tensor's name.
        tensor: String,
        /// The check that failed.
        reason: String,
    },
    /// A block is compressed (Snappy, type 1) or has an unknown block type; TF writes
    /// uncompressed blocks only.
    #[error("{}: {what} uses compression type {block_type}, which is not supported", path.display())]
    UnsupportedCompression {
        /// The file.
        path: PathBuf,
        /// The block (`data block at offset 0`).
        what: String,
        /// The trailer's type byte.
        block_type: u8,
    },
    /// The bundle header's version says this reader may not read the file.
    #[error("{}: unsupported bundle version: {reason}", path.display())]
    UnsupportedVersion {
        /// The index file.
        path: PathBuf,
        /// Which version rule failed.
        reason: String,
    },
    /// The checkpoint has no tensor of that name; TF says "Key … not found in checkpoint".
    #[error("{}: Key {tensor} not found in checkpoint", path.display())]
    MissingTensor {
        /// The index file.
        path: PathBuf,
        /// The name looked up.
        tensor: String,
    },
    /// The tensor's dtype (a TF `DataType` number) has no staticflow equivalent.
    #[error("{}: tensor '{tensor}' has dtype {dtype} ({}), which staticflow does not support", path.display(), super::bundle::tf_dtype_name(*dtype))]
    UnsupportedDtype {
        /// The index file.
        path: PathBuf,
        /// The tensor's name.
        tensor: String,
        /// The TF `DataType` enum number.
        dtype: i32,
    },
    /// The tensor uses a bundle feature this reader does not implement.
    #[error("{}: tensor '{tensor}' is {feature}, which is not supported", path.display())]
    Unsupported {
        /// The index file.
        path: PathBuf,
        /// The tensor's name.
        tensor: String,
        /// The feature (`a partitioned variable (slices)`).
        feature: &'static str,
    },
    /// Two tensors passed to the writer share a name.
    #[error("{}: duplicate tensor name '{tensor}'", path.display())]
    DuplicateTensor {
        /// The index file that was to be written.
        path: PathBuf,
        /// The repeated name.
        tensor: String,
    },
    /// A tensor passed to the writer cannot be saved (empty name, data that does not
    /// match its shape).
    #[error("{}: cannot save tensor '{tensor}': {reason}", path.display())]
    InvalidTensor {
        /// The index file that was to be written.
        path: PathBuf,
        /// The tensor's name.
        tensor: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The `checkpoint` state file cannot be parsed, or a state to write is invalid.
    #[error("{}: invalid checkpoint state: {reason}", path.display())]
    BadState {
        /// The state file.
        path: PathBuf,
        /// What is wrong (with the line number when parsing).
        reason: String,
    },
}

impl CheckpointError {
    /// The file this error is about.
    pub fn path(&self) -> &Path {
        match self {
            CheckpointError::Io { path, .. }
            | CheckpointError::BadChecksum { path, .. }
            | CheckpointError::TensorChecksum { path, .. }
            | CheckpointError::Truncated { path, .. }
            | CheckpointError::BadMagic { path, .. }
            | CheckpointError::Corrupt { path, .. }
            | CheckpointError::CorruptEntry { path, .. }
            | CheckpointError::UnsupportedCompression { path, .. }
            | CheckpointError::UnsupportedVersion { path, .. }
            | CheckpointError::MissingTensor { path, .. }
            | CheckpointError::UnsupportedDtype { path, .. }
            | CheckpointError::Unsupported { path, .. }
            | CheckpointError::DuplicateTensor { path, .. }
            | CheckpointError::InvalidTensor { path, .. }
            | CheckpointError::BadState { path, .. } => path,
        }
    }

    /// An [`CheckpointError::Io`] for `path`.
    pub(crate) fn io(path: &Path, source: std::io::Error) -> CheckpointError {
        CheckpointError::Io {
            path: path.to_path_buf(),
            source: Arc::new(source),
        }
    }

    /// A [`CheckpointError::Corrupt`] for `path`.
    pub(crate) fn corrupt(path: &Path, reason: impl Into<String>) -> CheckpointError {
        CheckpointError::Corrupt {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }
}

/// `Result` with a [`CheckpointError`].
pub type Result<T, E = CheckpointError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_cloneable_thread_safe_values_naming_their_file() {
        fn assert_traits<T: Clone + Send + Sync + std::error::Error + 'static>() {}
        fn assert_shareable<T: Send + Sync>() {}
        assert_traits::<CheckpointError>();
        assert_shareable::<crate::checkpoint::CheckpointReader>();
        let err = CheckpointError::io(
            Path::new("dir/m.index"),
            std::io::Error::new(std::io::ErrorKind::NotFound, "gone"),
        );
        assert_eq!(err.to_string(), "dir/m.index: gone");
        assert_eq!(err.clone().path(), Path::new("dir/m.index"));
        assert!(std::error::Error::source(&err).is_some());
    }
}
