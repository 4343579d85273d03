//! The errors of event-file writing and reading.

use std::io;
use std::path::{Path, PathBuf};

/// Which of a TFRecord's two checksums failed (formats.md §2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checksum {
    /// The masked CRC32C of the 8 length bytes.
    Length,
    /// The masked CRC32C of the record's data.
    Data,
}

impl std::fmt::Display for Checksum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Checksum::Length => "length",
            Checksum::Data => "data",
        })
    }
}

/// Everything that can go wrong writing or reading summaries and event files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SummaryError {
    /// An I/O operation on a named file or directory failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done (`create directory`, `write`, ...).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// Reading a record stream that has no path failed.
    #[error("cannot read record stream: {0}")]
    Read(#[from] io::Error),
    /// A stored checksum does not match the bytes it covers.
    #[error(
        "corrupted record at byte {offset}{}: {checksum} checksum mismatch (stored {stored:#010x}, computed {computed:#010x})",
        in_path(.path.as_deref())
    )]
    CorruptRecord {
        /// The file, when the stream came from one.
        path: Option<PathBuf>,
        /// Where the record starts.
        offset: u64,
        /// Which checksum failed.
        checksum: Checksum,
        /// The masked CRC stored in the file.
        stored: u32,
        /// The masked CRC of the bytes read.
        computed: u32,
    },
    /// A record with valid checksums does not hold an `Event`.
    #[error("record at byte {offset} of {} is not an Event: {source}", path.display())]
    InvalidEvent {
        /// The file.
        path: PathBuf,
        /// Where the record starts.
        offset: u64,
        /// What the protobuf decoder reported.
        #[source]
        source: prost::DecodeError,
    },
    /// A serialized summary does not parse as a `Summary` (TF's `MergeSummary` message).
    #[error("Could not parse one of the summary inputs (input {index}: {source})")]
    InvalidSummary {
        /// Which input (0 for [`FileWriter::add_summary`](super::FileWriter::add_summary)).
        index: usize,
        /// What the protobuf decoder reported.
        #[source]
        source: prost::DecodeError,
    },
    /// Two merged summaries use one tag (TF's `MergeSummary` message).
    #[error("Duplicate tag {tag} found in summary inputs")]
    DuplicateTag {
        /// The tag.
        tag: String,
    },
}

fn in_path(path: Option<&Path>) -> String {
    path.map_or_else(String::new, |p| format!(" of {}", p.display()))
}

/// The summary module's result type.
pub type Result<T, E = SummaryError> = std::result::Result<T, E>;

impl SummaryError {
    /// Wraps an I/O error with what was being done to which path.
    pub(crate) fn io<'a>(
        action: &'static str,
        path: &'a Path,
    ) -> impl FnOnce(io::Error) -> Self + 'a {
        move |source| SummaryError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}
