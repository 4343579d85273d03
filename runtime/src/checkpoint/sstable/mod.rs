//! The LevelDB-style SSTable that a checkpoint's `.index` file is (formats.md §1.2): the
//! subset TensorFlow writes, with no compression and no filter blocks.
//!
//! [`TableBuilder`] reproduces TensorFlow's `table_builder.cc` byte for byte (block size,
//! restart intervals, shortened index keys); [`read_table`] checks every block checksum
//! and every structural rule before returning the entries in key order.

mod block;
mod format;
mod reader;
mod writer;

#[cfg(test)]
pub(crate) use block::parse_block;
#[cfg(test)]
pub(crate) use format::{BlockHandle, BLOCK_TRAILER_LEN, FOOTER_LEN};
pub(crate) use reader::read_table;
pub(crate) use writer::TableBuilder;
