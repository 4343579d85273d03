//! Files that appear whole or not at all: written to a temporary name in the same
//! directory, flushed to disk, then renamed over the final name (formats.md §1.1,
//! style.md §4.14).
//!
//! A [`FaultPlan`] is the seam for fault-injection tests: it can make the writes fail
//! after a given number of bytes, as a full disk would.

use std::cell::Cell;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::{CheckpointError, Result};

/// Where injected write failures happen; [`FaultPlan::default`] injects none.
#[derive(Debug, Default)]
pub(crate) struct FaultPlan {
    /// Bytes that may still be written before writes fail; `None` = unlimited.
    bytes_left: Cell<Option<u64>>,
}

impl FaultPlan {
    /// A plan whose writes fail once `bytes` bytes (over all files sharing it) are written.
    #[cfg(test)]
    pub(crate) fn fail_after(bytes: u64) -> FaultPlan {
        FaultPlan {
            bytes_left: Cell::new(Some(bytes)),
        }
    }

    /// How many of `wanted` bytes may be written now.
    fn allow(&self, wanted: usize) -> usize {
        match self.bytes_left.get() {
            None => wanted,
            Some(left) => {
                let allowed = usize::try_from(left).unwrap_or(usize::MAX).min(wanted);
                self.bytes_left.set(Some(left - allowed as u64));
                allowed
            }
        }
    }
}

/// A file being written under a temporary name; removed on drop unless committed.
#[derive(Debug)]
pub(crate) struct AtomicFile<'p> {
    final_path: PathBuf,
    temp_path: PathBuf,
    writer: Option<BufWriter<File>>,
    committed: bool,
    faults: &'p FaultPlan,
}

impl<'p> AtomicFile<'p> {
    /// Creates `<final_path>.tempstate<unique>` next to `final_path`.
    ///
    /// # Errors
    /// [`CheckpointError::Io`] if the temporary file cannot be created.
    pub(crate) fn create(final_path: &Path, faults: &'p FaultPlan) -> Result<AtomicFile<'p>> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let unique = format!(
            ".tempstate{}{nanos:09}{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let mut temp_name = final_path.as_os_str().to_owned();
        temp_name.push(unique);
        let temp_path = PathBuf::from(temp_name);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp_path)
            .map_err(|e| CheckpointError::io(&temp_path, e))?;
        Ok(AtomicFile {
            final_path: final_path.to_path_buf(),
            temp_path,
            writer: Some(BufWriter::new(file)),
            committed: false,
            faults,
        })
    }

    /// Appends bytes.
    ///
    /// # Errors
    /// [`CheckpointError::Io`] naming the temporary file.
    pub(crate) fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        let allowed = self.faults.allow(bytes.len());
        let result = match self.writer.as_mut() {
            Some(writer) => writer.write_all(bytes.get(..allowed).unwrap_or_default()),
            None => Err(std::io::Error::other("file already synced")),
        };
        result.map_err(|e| CheckpointError::io(&self.temp_path, e))?;
        if allowed < bytes.len() {
            return Err(CheckpointError::io(
                &self.temp_path,
                std::io::Error::other("injected write failure (fault-injection test)"),
            ));
        }
        Ok(())
    }

    /// Flushes and fsyncs the temporary file, keeping its temporary name.
    ///
    /// # Errors
    /// [`CheckpointError::Io`] naming the temporary file.
    pub(crate) fn sync(&mut self) -> Result<()> {
        let writer = self.writer.take();
        let synced = writer.map(|w| {
            w.into_inner()
                .map_err(|e| e.into_error())
                .and_then(|f| f.sync_all())
        });
        match synced {
            Some(result) => result.map_err(|e| CheckpointError::io(&self.temp_path, e)),
            None => Ok(()),
        }
    }

    /// Syncs if not yet synced, then renames the temporary file over the final name and
    /// (on Unix, best effort) fsyncs the directory so the rename itself is durable.
    ///
    /// # Errors
    /// [`CheckpointError::Io`] naming the file that could not be synced or renamed.
    pub(crate) fn commit(mut self) -> Result<()> {
        self.sync()?;
        std::fs::rename(&self.temp_path, &self.final_path)
            .map_err(|e| CheckpointError::io(&self.final_path, e))?;
        self.committed = true;
        sync_parent_dir(&self.final_path);
        Ok(())
    }
}

impl Drop for AtomicFile<'_> {
    fn drop(&mut self) {
        if !self.committed {
            // Close before removing (Windows cannot remove an open file); errors are moot
            // here, the caller already has the one that made it give up.
            drop(self.writer.take());
            let _ = std::fs::remove_file(&self.temp_path);
        }
    }
}

/// Fsyncs the directory holding `path`, so a rename survives a crash. Best effort:
/// some file systems refuse to fsync directories, and the data is already safe.
fn sync_parent_dir(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(handle) = File::open(dir) {
            let _ = handle.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Writes a whole small file atomically.
///
/// # Errors
/// [`CheckpointError::Io`] naming the file.
pub(crate) fn write_file(path: &Path, bytes: &[u8], faults: &FaultPlan) -> Result<()> {
    let mut file = AtomicFile::create(path, faults)?;
    file.write_all(bytes)?;
    file.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_write_leaves_old_file_and_no_temp() {
        let dir = crate::checkpoint::tests::util::TempDir::new("atomic");
        let path = dir.path().join("f");
        write_file(&path, b"old", &FaultPlan::default()).unwrap();
        for budget in 0..5 {
            let err =
                write_file(&path, b"new content", &FaultPlan::fail_after(budget)).unwrap_err();
            assert!(matches!(err, CheckpointError::Io { .. }));
            assert_eq!(std::fs::read(&path).unwrap(), b"old");
            assert_eq!(dir.file_names(), ["f"]);
        }
        write_file(&path, b"new", &FaultPlan::fail_after(3)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
    }
}
