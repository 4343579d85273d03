//! libFuzzer target for the checkpoint reader (`cargo +nightly fuzz run checkpoint_reader`).
//!
//! The input is split into a `.index` file, a `checkpoint` state file and a data file by
//! two little-endian `u16` lengths at its start (each taken modulo what is left, so every
//! input is valid framing); the files are written to a scratch directory and read the
//! way `Saver::restore` and `inspect_checkpoint` read them. Any panic is a crash; the
//! tensors read must match the dtype and shape the index lists.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use staticflow_runtime::checkpoint::{latest_checkpoint, read_checkpoint_state, CheckpointReader};

/// A directory of this process's own, on a RAM file system when there is one.
fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let name = format!("staticflow-cargo-fuzz-{}", std::process::id());
        let shm = PathBuf::from("/dev/shm");
        let base = if shm.is_dir() {
            shm
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(name);
        std::fs::create_dir_all(&dir).expect("create the scratch directory");
        dir
    })
}

/// Splits off a prefix whose length is the next `u16` (modulo what is left).
fn take<'a>(bytes: &mut &'a [u8]) -> &'a [u8] {
    let Some((len, rest)) = bytes.split_first_chunk::<2>() else {
        return std::mem::take(bytes);
    };
    let len = usize::from(u16::from_le_bytes(*len)) % (rest.len() + 1);
    let (head, tail) = rest.split_at(len);
    *bytes = tail;
    head
}

fuzz_target!(|input: &[u8]| {
    let mut rest = input;
    let index = take(&mut rest);
    let state = take(&mut rest);
    let data = rest;
    let dir = scratch();
    std::fs::write(dir.join("model.ckpt.index"), index).expect("write");
    std::fs::write(dir.join("checkpoint"), state).expect("write");
    std::fs::write(dir.join("model.ckpt.data-00000-of-00001"), data).expect("write");

    let _ = read_checkpoint_state(dir);
    let _ = latest_checkpoint(dir);
    let Ok(reader) = CheckpointReader::open(dir.join("model.ckpt")) else {
        return;
    };
    for (name, dtype, shape) in reader.variables() {
        if let Ok(buffer) = reader.tensor(&name) {
            assert_eq!(buffer.data.dtype(), dtype, "{name}");
            assert_eq!(buffer.shape, shape, "{name}");
            assert_eq!(buffer.data.len(), shape.iter().product::<usize>(), "{name}");
        }
    }
    assert!(reader.tensor("no/such/tensor").is_err());
});
