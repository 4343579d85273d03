//! TensorBoard event files (formats.md §2): TFRecord framing, the `Event`/`Summary`/
//! `GraphDef` protos, TF's scalar and histogram summaries, and a `FileWriter` whose files
//! TensorBoard reads.
//!
//! ```no_run
//! use staticflow_runtime::summary::{run_logdir, FileWriter};
//! # fn main() -> Result<(), staticflow_runtime::summary::SummaryError> {
//! let mut writer = FileWriter::new(run_logdir("."), None)?;
//! for step in 0..3 {
//!     writer.add_scalar("loss/MSE", 1.0 / (step + 1) as f32, step)?;
//!     writer.add_histogram("theta", &[-0.5, 0.25, 0.5], step)?;
//! }
//! writer.close()?;
//! # Ok(())
//! # }
//! ```

mod clock;
mod error;
mod graphdef;
mod histogram;
mod logdir;
mod ops;
pub mod proto;
mod reader;
mod record;
mod writer;

pub use error::{Checksum, Result, SummaryError};
pub use graphdef::graph_def;
pub use histogram::histogram_proto;
pub use logdir::run_logdir;
pub use ops::{histogram_summary, merge_summaries, scalar_summary};
pub use proto::Event;
pub use reader::read_events;
pub use record::{write_record, RecordReader};
pub use writer::FileWriter;

#[cfg(test)]
mod tests;
