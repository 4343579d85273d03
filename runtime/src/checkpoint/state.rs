//! The `checkpoint` state file of a checkpoint directory (formats.md §1.7;
//! `python/training/checkpoint_state.proto`, `checkpoint_management.py`): which
//! checkpoints a `Saver` keeps, newest last, as a text-format `CheckpointState`.

use std::path::{Path, PathBuf};

use super::atomic::{write_file, FaultPlan};
use super::error::{CheckpointError, Result};
use super::naming::index_path;

/// The state file's name inside its directory (TF's default `latest_filename`).
pub const STATE_FILE_NAME: &str = "checkpoint";

/// The contents of a `checkpoint` state file.
///
/// Paths are kept as the file spells them: relative to the state file's directory (as
/// TF writes them with `save_relative_paths`) or absolute (as older TF writes them).
/// [`CheckpointState::model_checkpoint_prefix`] resolves them. The timestamp fields newer
/// TF writes are accepted when reading and not kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckpointState {
    /// The newest checkpoint's prefix (field 1).
    pub model_checkpoint_path: String,
    /// Every kept checkpoint's prefix, oldest first; TF keeps the newest last (field 2).
    pub all_model_checkpoint_paths: Vec<String>,
}

impl CheckpointState {
    /// [`CheckpointState::model_checkpoint_path`] joined with `dir` when relative, as
    /// `tf.train.get_checkpoint_state` resolves it.
    pub fn model_checkpoint_prefix(&self, dir: impl AsRef<Path>) -> PathBuf {
        dir.as_ref().join(&self.model_checkpoint_path)
    }

    /// Every [`CheckpointState::all_model_checkpoint_paths`] entry, joined with `dir`
    /// when relative.
    pub fn all_model_checkpoint_prefixes(&self, dir: impl AsRef<Path>) -> Vec<PathBuf> {
        let dir = dir.as_ref();
        self.all_model_checkpoint_paths
            .iter()
            .map(|p| dir.join(p))
            .collect()
    }

    /// The text TF's `text_format.MessageToString` writes for this state.
    fn to_text(&self) -> String {
        let mut out = String::new();
        push_field(
            &mut out,
            "model_checkpoint_path",
            &self.model_checkpoint_path,
        );
        for path in &self.all_model_checkpoint_paths {
            push_field(&mut out, "all_model_checkpoint_paths", path);
        }
        out
    }
}

/// Reads `dir/checkpoint`; `Ok(None)` if there is no such file.
///
/// # Errors
/// [`CheckpointError::Io`] if the file exists but cannot be read;
/// [`CheckpointError::BadState`] if it is not a valid text-format `CheckpointState` or has
/// no `model_checkpoint_path` (TF logs a warning and ignores such a file; we report it).
pub fn read_checkpoint_state(dir: impl AsRef<Path>) -> Result<Option<CheckpointState>> {
    let path = dir.as_ref().join(STATE_FILE_NAME);
    let bytes = match super::read_file::read_regular_file(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(CheckpointError::io(&path, e)),
    };
    let state =
        super::text_format::parse_state(&bytes).map_err(|reason| CheckpointError::BadState {
            path: path.clone(),
            reason,
        })?;
    if state.model_checkpoint_path.is_empty() {
        return Err(CheckpointError::BadState {
            path,
            reason: "model_checkpoint_path is missing or empty".into(),
        });
    }
    Ok(Some(state))
}

/// Writes `dir/checkpoint` atomically (temporary file, fsync, rename), exactly as given,
/// in the text TF writes.
///
/// # Errors
/// [`CheckpointError::BadState`] if `model_checkpoint_path` is empty (TF's reader would
/// reject the file); [`CheckpointError::Io`] if the file cannot be written.
pub fn write_checkpoint_state(dir: impl AsRef<Path>, state: &CheckpointState) -> Result<()> {
    write_checkpoint_state_with(dir.as_ref(), state, &FaultPlan::default())
}

/// [`write_checkpoint_state`] with injected faults (the test seam).
pub(crate) fn write_checkpoint_state_with(
    dir: &Path,
    state: &CheckpointState,
    faults: &FaultPlan,
) -> Result<()> {
    let path = dir.join(STATE_FILE_NAME);
    if state.model_checkpoint_path.is_empty() {
        return Err(CheckpointError::BadState {
            path,
            reason: "model_checkpoint_path is empty".into(),
        });
    }
    write_file(&path, state.to_text().as_bytes(), faults)
}

/// `tf.train.latest_checkpoint(dir)`: the newest checkpoint's prefix (joined with `dir`
/// when relative) if the state file names one whose `.index` file exists.
///
/// # Errors
/// As [`read_checkpoint_state`]; [`CheckpointError::Io`] if the index's existence cannot
/// be checked for a reason other than its absence.
pub fn latest_checkpoint(dir: impl AsRef<Path>) -> Result<Option<PathBuf>> {
    let dir = dir.as_ref();
    let Some(state) = read_checkpoint_state(dir)? else {
        return Ok(None);
    };
    let prefix = state.model_checkpoint_prefix(dir);
    let index = index_path(&prefix);
    match std::fs::metadata(&index) {
        Ok(meta) if meta.is_file() => Ok(Some(prefix)),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CheckpointError::io(&index, e)),
    }
}

/// Appends `name: "value"\n` with the value escaped as Python's `text_format` escapes a
/// string field (`CEscape` without `as_utf8`: `\n \r \t \" \' \\`, other bytes outside
/// printable ASCII as three-digit octal).
fn push_field(out: &mut String, name: &str, value: &str) {
    out.push_str(name);
    out.push_str(": \"");
    for &byte in value.as_bytes() {
        match byte {
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b'"' => out.push_str("\\\""),
            b'\'' => out.push_str("\\'"),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(byte)),
            _ => out.push_str(&format!("\\{byte:03o}")),
        }
    }
    out.push_str("\"\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::tests::util::{fixture_dir, TempDir};

    #[test]
    fn reads_the_tf_fixture_and_writes_it_back_identically() {
        let dir = fixture_dir();
        let state = read_checkpoint_state(&dir).unwrap().unwrap();
        assert_eq!(state.model_checkpoint_path, "model.ckpt");
        assert_eq!(state.all_model_checkpoint_paths, ["model.ckpt"]);
        assert_eq!(state.model_checkpoint_prefix(&dir), dir.join("model.ckpt"));
        assert_eq!(
            latest_checkpoint(&dir).unwrap(),
            Some(dir.join("model.ckpt"))
        );

        let out = TempDir::new("state-fixture");
        write_checkpoint_state(out.path(), &state).unwrap();
        assert_eq!(
            std::fs::read(out.path().join("checkpoint")).unwrap(),
            std::fs::read(dir.join("checkpoint")).unwrap()
        );
        assert_eq!(out.file_names(), ["checkpoint"]);
    }

    #[test]
    fn round_trips_odd_paths_and_resolves_absolute_ones() {
        let out = TempDir::new("state-odd");
        let state = CheckpointState {
            model_checkpoint_path: "/abs/dir with space/m\"q'\\\n\té-7".into(),
            all_model_checkpoint_paths: vec![
                "rel/m-5".into(),
                "/abs/dir with space/m\"q'\\\n\té-7".into(),
            ],
        };
        write_checkpoint_state(out.path(), &state).unwrap();
        let text = std::fs::read_to_string(out.path().join("checkpoint")).unwrap();
        assert!(
            text.contains(r#""/abs/dir with space/m\"q\'\\\n\t\303\251-7""#),
            "{text}"
        );
        let back = read_checkpoint_state(out.path()).unwrap().unwrap();
        assert_eq!(back, state);
        assert_eq!(
            back.all_model_checkpoint_prefixes("/x"),
            [
                PathBuf::from("/x/rel/m-5"),
                PathBuf::from("/abs/dir with space/m\"q'\\\n\té-7")
            ]
        );
    }

    #[test]
    fn missing_file_is_none_and_missing_index_is_no_latest() {
        let out = TempDir::new("state-missing");
        assert_eq!(read_checkpoint_state(out.path()).unwrap(), None);
        assert_eq!(latest_checkpoint(out.path()).unwrap(), None);
        assert_eq!(
            latest_checkpoint(out.path().join("no/such/dir")).unwrap(),
            None
        );
        let state = CheckpointState {
            model_checkpoint_path: "model.ckpt-3".into(),
            all_model_checkpoint_paths: vec!["model.ckpt-3".into()],
        };
        write_checkpoint_state(out.path(), &state).unwrap();
        assert_eq!(latest_checkpoint(out.path()).unwrap(), None);
        std::fs::write(out.path().join("model.ckpt-3.index"), b"").unwrap();
        assert_eq!(
            latest_checkpoint(out.path()).unwrap(),
            Some(out.path().join("model.ckpt-3"))
        );
    }

    #[test]
    fn garbage_and_empty_states_are_errors() {
        let out = TempDir::new("state-garbage");
        let path = out.path().join("checkpoint");
        for garbage in [
            &b"\x00\xff\x13garbage"[..],
            b"",
            b"model_checkpoint_path \"no colon\"",
            b"model_checkpoint_path: \"unterminated",
            b"all_model_checkpoint_paths: \"only\"\n",
            b"model_checkpoint_path: \"a\"\nmodel_checkpoint_path: \"b\"\n",
            b"unknown_field: \"a\"\n",
            b"model_checkpoint_path: 12\n",
            b"model_checkpoint_path: \"\\xff\"\n",
        ] {
            std::fs::write(&path, garbage).unwrap();
            let err = read_checkpoint_state(out.path()).unwrap_err();
            assert!(matches!(err, CheckpointError::BadState { .. }), "{err}");
            assert_eq!(err.path(), path);
            assert!(latest_checkpoint(out.path()).is_err());
        }
        let empty = CheckpointState::default();
        assert!(matches!(
            write_checkpoint_state(out.path(), &empty),
            Err(CheckpointError::BadState { .. })
        ));
    }

    #[test]
    fn failed_state_write_keeps_the_old_file() {
        let out = TempDir::new("state-fault");
        let old = CheckpointState {
            model_checkpoint_path: "m-1".into(),
            all_model_checkpoint_paths: vec!["m-1".into()],
        };
        write_checkpoint_state(out.path(), &old).unwrap();
        let new = CheckpointState {
            model_checkpoint_path: "m-2".into(),
            all_model_checkpoint_paths: vec!["m-1".into(), "m-2".into()],
        };
        for budget in [0, 10, 40, 80] {
            assert!(
                write_checkpoint_state_with(out.path(), &new, &FaultPlan::fail_after(budget))
                    .is_err()
            );
            assert_eq!(
                read_checkpoint_state(out.path()).unwrap(),
                Some(old.clone())
            );
            assert_eq!(out.file_names(), ["checkpoint"]);
        }
    }
}
