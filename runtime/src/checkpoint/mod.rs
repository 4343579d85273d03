//! TensorFlow's V2 checkpoint format, the "tensor bundle" (formats.md §1): what
//! `tf.train.Saver` writes and `tf.train.load_checkpoint` reads, so TensorFlow reads our
//! checkpoints and we read TensorFlow's.
//!
//! A checkpoint with prefix `P` is `P.index`, an SSTable mapping each tensor name to its
//! dtype, shape and place in `P.data-00000-of-00001`, which holds the raw little-endian
//! bytes. A directory's `checkpoint` file records which prefixes a saver keeps.
//!
//! * [`write_bundle`] writes a checkpoint atomically, byte-identical to TF's.
//! * [`CheckpointReader`] reads one, checking every checksum and every length against
//!   the file it points into; no input makes it panic.
//! * [`read_checkpoint_state`], [`write_checkpoint_state`] and [`latest_checkpoint`]
//!   handle the state file.
//!
//! ```no_run
//! use staticflow_runtime::checkpoint::{latest_checkpoint, CheckpointReader};
//!
//! if let Some(prefix) = latest_checkpoint("checkpoints")? {
//!     let reader = CheckpointReader::open(&prefix)?;
//!     for (name, dtype, shape) in reader.variables() {
//!         println!("{name} {dtype} {shape:?}");
//!     }
//! }
//! # Ok::<(), staticflow_runtime::checkpoint::CheckpointError>(())
//! ```

mod atomic;
mod bundle;
mod coding;
mod elements;
mod error;
mod naming;
mod read_file;
mod reader;
mod sstable;
mod state;
mod text_format;
mod writer;

#[cfg(test)]
mod tests;

pub use error::{CheckpointError, Result};
pub use reader::CheckpointReader;
pub use state::{
    latest_checkpoint, read_checkpoint_state, write_checkpoint_state, CheckpointState,
    STATE_FILE_NAME,
};
pub use writer::write_bundle;
