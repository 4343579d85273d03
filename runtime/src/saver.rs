//! `tf.train.Saver`: a session's variables saved to and restored from TensorFlow's V2
//! checkpoint format, with TF's `max_to_keep` bookkeeping and `checkpoint` state file.

use crate::checkpoint::{
    read_checkpoint_state, write_bundle, write_checkpoint_state, CheckpointReader, CheckpointState,
};
use crate::graph::GraphId;
use crate::session::Session;
use crate::tensor::TensorView;
use crate::{Error, Result};
use staticflow_ir::shape::ShapeDisplay;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Saves and restores variables. `graph!` makes one for each `Saver(...)` statement.
#[derive(Debug)]
pub struct Saver {
    /// The graph whose variables it saves.
    graph: GraphId,
    /// (name in the checkpoint, variable slot), sorted by name.
    entries: &'static [(&'static str, u32)],
    max_to_keep: usize,
    /// The checkpoints this saver wrote and still keeps, oldest first.
    kept: Mutex<Vec<PathBuf>>,
}

impl Saver {
    /// Used by generated code.
    #[doc(hidden)]
    pub const fn __new(
        graph: GraphId,
        entries: &'static [(&'static str, u32)],
        max_to_keep: usize,
    ) -> Saver {
        Saver {
            graph,
            entries,
            max_to_keep,
            kept: Mutex::new(Vec::new()),
        }
    }

    /// The names this saver writes, sorted.
    pub fn names(&self) -> Vec<&'static str> {
        self.entries.iter().map(|(n, _)| *n).collect()
    }

    /// Saves every variable of the saver to `prefix` (`prefix-STEP` with a global step),
    /// keeps the newest `max_to_keep` checkpoints (deleting older ones), rewrites the
    /// directory's `checkpoint` state file, and returns the path written.
    ///
    /// # Errors
    /// An uninitialized variable, or an I/O failure; the previous checkpoints stay intact.
    pub fn save(
        &self,
        sess: &Session,
        prefix: impl AsRef<Path>,
        global_step: Option<i64>,
    ) -> Result<PathBuf> {
        self.check_graph(sess)?;
        let prefix = prefix.as_ref();
        let path = match global_step {
            Some(step) => {
                let mut p = prefix.as_os_str().to_owned();
                p.push(format!("-{step}"));
                PathBuf::from(p)
            }
            None => prefix.to_path_buf(),
        };
        let mut tensors: Vec<(&str, TensorView<'_>)> = Vec::with_capacity(self.entries.len());
        for (name, slot) in self.entries {
            let value = sess.variable(*slot).ok_or_else(|| Error::Uninitialized {
                name: sess.variable_name(*slot).to_string(),
            })?;
            tensors.push((name, value.view()));
        }
        write_bundle(&path, &tensors)?;

        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.retain(|p| p != &path);
        kept.push(path.clone());
        while kept.len() > self.max_to_keep.max(1) {
            let old = kept.remove(0);
            delete_checkpoint(&old);
        }
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let relative = |p: &Path| -> String {
            p.strip_prefix(&dir)
                .unwrap_or(p)
                .to_string_lossy()
                .into_owned()
        };
        let state = CheckpointState {
            model_checkpoint_path: relative(&path),
            all_model_checkpoint_paths: kept.iter().map(|p| relative(p)).collect(),
        };
        write_checkpoint_state(dir_or_current(&dir), &state)?;
        Ok(path)
    }

    /// Restores every variable of the saver from the checkpoint at `path` (any kept one,
    /// not only the latest). Variables the checkpoint holds beyond the saver's are
    /// ignored, as in TF; a restored session needs no initializer.
    ///
    /// # Errors
    /// A missing file, a corrupt file, a variable missing from the checkpoint, or one
    /// stored with another dtype or shape; the session is unchanged on error.
    pub fn restore(&self, sess: &mut Session, path: impl AsRef<Path>) -> Result<()> {
        self.check_graph(sess)?;
        let path = path.as_ref();
        let reader = CheckpointReader::open(path)?;
        let mut values = Vec::with_capacity(self.entries.len());
        for (name, slot) in self.entries {
            let value = reader.tensor(name)?;
            let (dtype, shape) = sess.variable_type(*slot);
            let dims: Vec<Option<usize>> = value.shape.iter().map(|&d| Some(d)).collect();
            if value.data.dtype() != dtype || value.shape != shape {
                let want: Vec<Option<usize>> = shape.iter().map(|&d| Some(d)).collect();
                return Err(Error::RestoreMismatch {
                    file: path.display().to_string(),
                    tensor: name.to_string(),
                    expected: format!("{dtype} {}", ShapeDisplay::brackets(&want)),
                    got: format!("{} {}", value.data.dtype(), ShapeDisplay::brackets(&dims)),
                });
            }
            values.push((*slot, value));
        }
        for (slot, value) in values {
            sess.set_variable(slot, value);
        }
        Ok(())
    }

    /// A saver's variable slots index its own graph's variables: refuse another graph's
    /// session, as TF refuses to run a saver's ops in a session of another graph.
    fn check_graph(&self, sess: &Session) -> Result<()> {
        if sess.graph_id() == self.graph {
            return Ok(());
        }
        Err(Error::ForeignHandle {
            message: format!(
                "The Saver of graph {} is not an element of this graph (the session runs graph {}).",
                self.graph.def().type_name,
                sess.graph_id().def().type_name
            ),
        })
    }

    /// The checkpoints this saver keeps, oldest first.
    pub fn last_checkpoints(&self) -> Vec<PathBuf> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

fn dir_or_current(dir: &Path) -> &Path {
    if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }
}

/// Removes a checkpoint's index and data files (best effort, as TF's Saver).
fn delete_checkpoint(prefix: &Path) {
    for suffix in [".index", ".data-00000-of-00001"] {
        let mut p = prefix.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// `tf.train.latest_checkpoint(dir)`: the newest checkpoint the state file names.
///
/// # Errors
/// An unreadable or malformed state file.
pub fn latest_checkpoint(dir: impl AsRef<Path>) -> Result<Option<PathBuf>> {
    Ok(crate::checkpoint::latest_checkpoint(dir)?)
}

/// The checkpoint state of `dir` (`model_checkpoint_path`, `all_model_checkpoint_paths`).
///
/// # Errors
/// An unreadable or malformed state file.
pub fn checkpoint_state(dir: impl AsRef<Path>) -> Result<Option<CheckpointState>> {
    Ok(read_checkpoint_state(dir)?)
}
