//! Reading event files back, every checksum verified (for tests and tools).

use super::error::{Result, SummaryError};
use super::proto::Event;
use super::record::RecordReader;
use prost::Message;
use std::path::Path;

/// Every event of the file at `path`, in order. A last record cut short (a writer still
/// writing) is left out, as TensorBoard leaves it for its next poll.
///
/// # Errors
/// [`SummaryError::Io`] when the file cannot be read, [`SummaryError::CorruptRecord`]
/// for a checksum mismatch, [`SummaryError::InvalidEvent`] for a record that is not an
/// `Event`.
pub fn read_events(path: impl AsRef<Path>) -> Result<Vec<Event>> {
    let path = path.as_ref();
    let mut records = RecordReader::open(path)?;
    let mut events = Vec::new();
    loop {
        let offset = records.offset();
        let Some(record) = records.next() else {
            return Ok(events);
        };
        let event = Event::decode(&record?[..]).map_err(|source| SummaryError::InvalidEvent {
            path: path.to_path_buf(),
            offset,
            source,
        })?;
        events.push(event);
    }
}
