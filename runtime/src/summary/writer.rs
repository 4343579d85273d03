//! `FileWriter`: one new event file per writer, each event appended as a whole record
//! (formats.md §2.2–2.3).

use super::clock::{unix_seconds, unix_seconds_f64};
use super::error::{Result, SummaryError};
use super::graphdef::graph_def;
use super::logdir::{event_file_name, hostname};
use super::ops::{histogram_summary, scalar_summary};
use super::proto::{event::What, Event, Summary};
use super::record::encode_record;
use crate::graph::Graph;
use prost::encoding::{encode_key, encode_varint, WireType};
use prost::Message;
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The `file_version` of every event file.
pub(crate) const FILE_VERSION: &str = "brain.Event:2";
/// `Event.summary` (formats.md §2.3).
const SUMMARY_FIELD: u32 = 5;
/// How many `.<n>` suffixes to try when event file names collide.
const MAX_RETRIES: u32 = 1000;

/// Writes a TensorBoard event file, as TF1's `tf.summary.FileWriter`.
///
/// Every event is framed in memory and handed to the OS in one write, so TensorBoard
/// sees it at once and never a record with a header but no data (unless the process
/// dies inside that write, which readers treat as a truncated last record).
#[derive(Debug)]
pub struct FileWriter {
    path: PathBuf,
    file: File,
}

impl FileWriter {
    /// Creates `logdir` (and its parents) and a new file
    /// `logdir/events.out.tfevents.<secs>.<hostname>` (with a `.<n>` suffix if another
    /// writer created that name in the same second), writes the `file_version` event
    /// `brain.Event:2` and, if `graph` is given, the graph event.
    ///
    /// # Errors
    /// [`SummaryError::Io`] when the directory or file cannot be created or written.
    pub fn new(logdir: impl AsRef<Path>, graph: Option<&Graph>) -> Result<Self> {
        let logdir = logdir.as_ref();
        fs::create_dir_all(logdir).map_err(SummaryError::io("create directory", logdir))?;
        let now = SystemTime::now();
        let host = hostname();
        let mut retry = 0;
        let (path, file) = loop {
            let path = logdir.join(event_file_name(unix_seconds(now), &host, retry));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => break (path, file),
                Err(e) if e.kind() == ErrorKind::AlreadyExists && retry < MAX_RETRIES => {
                    retry += 1;
                }
                Err(e) => return Err(SummaryError::io("create", &path)(e)),
            }
        };
        let mut writer = FileWriter { path, file };
        writer.write_event(&Event {
            wall_time: unix_seconds_f64(now),
            what: Some(What::FileVersion(FILE_VERSION.to_string())),
            ..Event::default()
        })?;
        if let Some(graph) = graph {
            writer.add_graph(graph)?;
        }
        Ok(writer)
    }

    /// Adds a serialized `Summary` (from [`scalar_summary`], [`histogram_summary`],
    /// [`merge_summaries`](super::merge_summaries) or a graph's summary op) at `step`.
    /// The bytes are checked to parse and written unchanged.
    ///
    /// # Errors
    /// [`SummaryError::InvalidSummary`] (index 0) when `summary` is not a `Summary`;
    /// [`SummaryError::Io`] when the write fails.
    pub fn add_summary(&mut self, summary: &[u8], step: i64) -> Result<()> {
        Summary::decode(summary)
            .map_err(|source| SummaryError::InvalidSummary { index: 0, source })?;
        let mut event = Event {
            wall_time: unix_seconds_f64(SystemTime::now()),
            step,
            ..Event::default()
        }
        .encode_to_vec();
        // Fields are written in number order and `summary` (5) follows wall_time (1) and
        // step (2), so appending the field keeps the encoding canonical.
        encode_key(SUMMARY_FIELD, WireType::LengthDelimited, &mut event);
        encode_varint(summary.len() as u64, &mut event);
        event.extend_from_slice(summary);
        self.write_bytes(&event)
    }

    /// Adds a scalar summary at `step` (`0.0` included).
    ///
    /// # Errors
    /// [`SummaryError::Io`] when the write fails.
    pub fn add_scalar(&mut self, tag: &str, value: f32, step: i64) -> Result<()> {
        self.add_summary(&scalar_summary(tag, value), step)
    }

    /// Adds a histogram summary of `values` at `step`.
    ///
    /// # Errors
    /// [`SummaryError::Io`] when the write fails.
    pub fn add_histogram(&mut self, tag: &str, values: &[f64], step: i64) -> Result<()> {
        self.add_summary(&histogram_summary(tag, values), step)
    }

    /// Adds the graph event (the `GraphDef` of [`graph_def`]).
    ///
    /// # Errors
    /// [`SummaryError::Io`] when the write fails.
    pub fn add_graph(&mut self, graph: &Graph) -> Result<()> {
        self.write_event(&Event {
            wall_time: unix_seconds_f64(SystemTime::now()),
            what: Some(What::GraphDef(graph_def(graph.def()))),
            ..Event::default()
        })
    }

    /// Hands everything written to the OS. Events are written unbuffered, so this only
    /// exists for parity with TF; use [`close`](FileWriter::close) for durability.
    ///
    /// # Errors
    /// [`SummaryError::Io`] when flushing fails.
    pub fn flush(&mut self) -> Result<()> {
        self.file
            .flush()
            .map_err(SummaryError::io("flush", &self.path))
    }

    /// Flushes and syncs the file to disk, then closes it.
    ///
    /// # Errors
    /// [`SummaryError::Io`] when flushing or syncing fails.
    pub fn close(mut self) -> Result<()> {
        self.flush()?;
        self.file
            .sync_all()
            .map_err(SummaryError::io("sync", &self.path))
    }

    /// The event file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write_event(&mut self, event: &Event) -> Result<()> {
        self.write_bytes(&event.encode_to_vec())
    }

    fn write_bytes(&mut self, event: &[u8]) -> Result<()> {
        self.file
            .write_all(&encode_record(event))
            .map_err(SummaryError::io("write", &self.path))
    }
}

impl Drop for FileWriter {
    fn drop(&mut self) {
        // Errors cannot be reported from drop; `close` reports them.
        let _ = self.file.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::proto::summary::value::Value;
    use crate::summary::proto::GraphDef;
    use crate::summary::tests::{regression_graph, temp_dir};
    use crate::summary::{merge_summaries, read_events};

    #[test]
    fn writes_what_it_reads_back() {
        let dir = temp_dir("writer");
        let logdir = dir.join("tf_logs/run-1");
        let graph = Graph::from_static(regression_graph());
        let mut w = FileWriter::new(&logdir, Some(&graph)).unwrap();
        let name = w.path().file_name().unwrap().to_str().unwrap().to_string();
        assert!(name.starts_with("events.out.tfevents."), "{name}");
        assert_eq!(name.split('.').nth(3).map(str::len), Some(10), "{name}");
        assert_eq!(w.path().parent(), Some(logdir.as_path()));

        w.add_scalar("zero", 0.0, 0).unwrap();
        w.add_histogram("theta", &[-0.5, 0.5], 1).unwrap();
        let merged = merge_summaries(&[
            &scalar_summary("loss/MSE", 2.5),
            &histogram_summary("h", &[1.0]),
        ])
        .unwrap();
        w.add_summary(&merged, 7).unwrap();
        let err = w.add_summary(b"\x0a\x05ab", 8).unwrap_err();
        assert!(
            matches!(err, SummaryError::InvalidSummary { index: 0, .. }),
            "{err}"
        );
        w.flush().unwrap();
        let path = w.path().to_path_buf();
        w.close().unwrap();

        let events = read_events(&path).unwrap();
        assert_eq!(events.len(), 5);
        assert_eq!(events[0].what, Some(What::FileVersion(FILE_VERSION.into())));
        assert!(events[0].wall_time > 1.5e9);
        let Some(What::GraphDef(bytes)) = &events[1].what else {
            panic!("{:?}", events[1].what)
        };
        assert_eq!(bytes, &graph_def(regression_graph()));
        assert_eq!(GraphDef::decode(&bytes[..]).unwrap().node.len(), 14);
        let summary = |i: usize| match &events[i].what {
            Some(What::Summary(s)) => (events[i].step, s.encode_to_vec()),
            other => panic!("{other:?}"),
        };
        assert_eq!(summary(2), (0, scalar_summary("zero", 0.0)));
        assert_eq!(summary(3), (1, histogram_summary("theta", &[-0.5, 0.5])));
        assert_eq!(summary(4), (7, merged));
        let Some(What::Summary(s)) = &events[2].what else {
            unreachable!()
        };
        assert_eq!(s.value[0].value, Some(Value::SimpleValue(0.0)));

        // A second writer in the same second gets a file of its own; dropping it without
        // `close` leaves a complete file.
        let mut second = FileWriter::new(&logdir, None).unwrap();
        assert_ne!(second.path(), path);
        second.add_scalar("x", 1.0, 3).unwrap();
        let second_path = second.path().to_path_buf();
        drop(second);
        assert_eq!(read_events(&second_path).unwrap().len(), 2);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn unwritable_logdir_is_an_error_naming_it() {
        let dir = temp_dir("unwritable");
        let file = dir.join("not-a-dir");
        std::fs::write(&file, b"").unwrap();
        let err = FileWriter::new(file.join("run"), None).unwrap_err();
        assert!(
            matches!(&err, SummaryError::Io { action: "create directory", path, .. } if path.starts_with(&file)),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
