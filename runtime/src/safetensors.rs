//! A session's variables as a [safetensors] file, so the weights open in the Python and
//! Hugging Face ecosystem (`safetensors.numpy.load_file`, `safetensors.torch.load_file`)
//! and can be read back into a session.
//!
//! Each variable is stored under its TF name (`dense/kernel`, `theta/Adam_1`), row-major,
//! little-endian, as `F32`, `F64`, `I32`, `I64` or `BOOL` (one byte, 0 or 1). The file is
//! written atomically: to a temporary name in the same directory, fsynced, then renamed.
//!
//! [safetensors]: https://huggingface.co/docs/safetensors

use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use ::safetensors::tensor::{Dtype, SafeTensors, View};
use staticflow_ir::shape::ShapeDisplay;
use staticflow_ir::DType;

use crate::session::Session;
use crate::tensor::{Buffer, Data, DataView};
use crate::{Error, Result};

impl Session {
    /// Writes every variable of the session to a safetensors file at `path`, under its
    /// TF name, replacing any file there atomically.
    ///
    /// # Errors
    /// [`Error::Uninitialized`] if a variable has no value yet;
    /// [`Error::Safetensors`] if the file cannot be written (the previous file, if any,
    /// is left intact).
    pub fn save_safetensors(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let mut tensors = Vec::with_capacity(self.num_variables());
        for slot in 0..self.num_variables() as u32 {
            let value = self.variable(slot).ok_or_else(|| Error::Uninitialized {
                name: self.variable_name(slot).to_string(),
            })?;
            tensors.push((self.variable_name(slot), Export::new(value)));
        }
        let bytes = ::safetensors::tensor::serialize(tensors, None)
            .map_err(|e| failure(path, format!("cannot serialize: {e}")))?;
        write_atomically(path, &bytes)
    }

    /// Sets every variable of the session from the safetensors file at `path`, looked up
    /// by TF name. Tensors in the file that are not variables of the graph are ignored,
    /// as [`crate::Saver::restore`] ignores them; a restored session needs no initializer.
    ///
    /// # Errors
    /// [`Error::Safetensors`] for an unreadable or invalid file, a missing variable, a
    /// dtype staticflow lacks, or a bool byte other than 0 or 1;
    /// [`Error::RestoreMismatch`] for a tensor of another dtype or shape than its
    /// variable. The session is unchanged on error.
    pub fn load_safetensors(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| failure(path, e.to_string()))?;
        let file = SafeTensors::deserialize(&bytes)
            .map_err(|e| failure(path, format!("not a safetensors file: {e}")))?;
        let mut values = Vec::with_capacity(self.num_variables());
        for slot in 0..self.num_variables() as u32 {
            let name = self.variable_name(slot);
            let view = file
                .tensor(name)
                .map_err(|_| failure(path, format!("tensor '{name}' not found")))?;
            let (dtype, shape) = self.variable_type(slot);
            let stored = from_safetensors_dtype(view.dtype());
            if stored != Some(dtype) || view.shape() != shape.as_slice() {
                let dims = |s: &[usize]| {
                    let known: Vec<Option<usize>> = s.iter().map(|&d| Some(d)).collect();
                    ShapeDisplay::brackets(&known).to_string()
                };
                let got_dtype = match stored {
                    Some(d) => d.name().to_string(),
                    None => format!("{:?}", view.dtype()),
                };
                return Err(Error::RestoreMismatch {
                    file: path.display().to_string(),
                    tensor: name.to_string(),
                    expected: format!("{dtype} {}", dims(&shape)),
                    got: format!("{got_dtype} {}", dims(view.shape())),
                });
            }
            let data = decode(dtype, view.data())
                .map_err(|reason| failure(path, format!("tensor '{name}': {reason}")))?;
            values.push((slot, Buffer { data, shape }));
        }
        for (slot, value) in values {
            self.set_variable(slot, value);
        }
        Ok(())
    }
}

/// An [`Error::Safetensors`] for `path`.
fn failure(path: &Path, reason: impl Into<String>) -> Error {
    Error::Safetensors {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

/// One variable as the `safetensors` crate serializes it: dtype, shape, little-endian
/// bytes.
struct Export<'a> {
    dtype: Dtype,
    shape: &'a [usize],
    bytes: Vec<u8>,
}

impl<'a> Export<'a> {
    fn new(value: &'a Buffer) -> Export<'a> {
        fn le<T: Copy, const N: usize>(values: &[T], to_le: impl Fn(T) -> [u8; N]) -> Vec<u8> {
            values.iter().flat_map(|&v| to_le(v)).collect()
        }
        let (dtype, bytes) = match value.data.view() {
            DataView::F32(v) => (Dtype::F32, le(v, f32::to_le_bytes)),
            DataView::F64(v) => (Dtype::F64, le(v, f64::to_le_bytes)),
            DataView::I32(v) => (Dtype::I32, le(v, i32::to_le_bytes)),
            DataView::I64(v) => (Dtype::I64, le(v, i64::to_le_bytes)),
            DataView::Bool(v) => (Dtype::BOOL, v.iter().map(|&b| u8::from(b)).collect()),
        };
        Export {
            dtype,
            shape: &value.shape,
            bytes,
        }
    }
}

impl View for Export<'_> {
    fn dtype(&self) -> Dtype {
        self.dtype
    }

    fn shape(&self) -> &[usize] {
        self.shape
    }

    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.bytes)
    }

    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

/// The staticflow dtype of a safetensors dtype, if there is one.
fn from_safetensors_dtype(dtype: Dtype) -> Option<DType> {
    Some(match dtype {
        Dtype::F32 => DType::Float32,
        Dtype::F64 => DType::Float64,
        Dtype::I32 => DType::Int32,
        Dtype::I64 => DType::Int64,
        Dtype::BOOL => DType::Bool,
        _ => return None,
    })
}

/// Little-endian bytes as elements of `dtype`; the `safetensors` crate has checked that
/// their length matches the shape.
fn decode(dtype: DType, bytes: &[u8]) -> std::result::Result<Data, String> {
    fn words<T, const N: usize>(bytes: &[u8], from_le: impl Fn([u8; N]) -> T) -> Vec<T> {
        bytes
            .chunks_exact(N)
            .map(|chunk| {
                let mut word = [0u8; N];
                word.copy_from_slice(chunk);
                from_le(word)
            })
            .collect()
    }
    Ok(match dtype {
        DType::Float32 => Data::F32(words(bytes, f32::from_le_bytes)),
        DType::Float64 => Data::F64(words(bytes, f64::from_le_bytes)),
        DType::Int32 => Data::I32(words(bytes, i32::from_le_bytes)),
        DType::Int64 => Data::I64(words(bytes, i64::from_le_bytes)),
        DType::Bool => Data::Bool(
            bytes
                .iter()
                .enumerate()
                .map(|(i, &b)| match b {
                    0 => Ok(false),
                    1 => Ok(true),
                    other => Err(format!("bool element {i} is byte {other}, not 0 or 1")),
                })
                .collect::<std::result::Result<_, _>>()?,
        ),
    })
}

/// Writes `bytes` to a fresh temporary file next to `path`, fsyncs it and renames it over
/// `path`; the temporary file is removed on failure.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut temp = path.as_os_str().to_owned();
    temp.push(format!(
        ".tmp{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let temp = PathBuf::from(temp);
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(failure(path, e.to_string()));
    }
    // Make the rename itself durable (best effort: some file systems refuse).
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_little_endian_and_rejects_bad_bools() {
        let bytes = [0u8, 0, 0x80, 0x3f, 0, 0, 0, 0xc0];
        assert_eq!(
            decode(DType::Float32, &bytes),
            Ok(Data::F32(vec![1.0, -2.0]))
        );
        assert_eq!(
            decode(DType::Bool, &[1, 0]),
            Ok(Data::Bool(vec![true, false]))
        );
        let err = decode(DType::Bool, &[1, 2]).unwrap_err();
        assert_eq!(err, "bool element 1 is byte 2, not 0 or 1");
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_file() {
        let dir = std::env::temp_dir().join(format!("staticflow-st-atomic-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("w.safetensors");
        write_atomically(&path, b"old").unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        let err = write_atomically(&dir.join("missing/w.safetensors"), b"x").unwrap_err();
        assert!(err.to_string().contains("missing/w.safetensors"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
