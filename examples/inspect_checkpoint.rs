//! Lists the variables of a TensorFlow V2 checkpoint, like TF's `inspect_checkpoint` tool.
//!
//! ```sh
//! cargo run --release --example inspect_checkpoint -- tests/fixtures/tf_ckpt/model.ckpt
//! cargo run --release --example inspect_checkpoint -- --json checkpoints/
//! ```
//!
//! Prints `NAME DTYPE [d0,d1,...]` per variable, sorted by name; with `--json`, one JSON
//! object of every variable's dtype, shape and exact value (see `inspect_checkpoint/format.rs`
//! for how floats, NaN and infinities are written). The argument is a checkpoint prefix
//! or a directory whose `checkpoint` state file names the latest one. Any error is one
//! line on stderr and exit code 1.

#[path = "inspect_checkpoint/format.rs"]
mod format;

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match format::run(&args) {
        Ok(text) => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a message.
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("inspect_checkpoint: {message}");
            ExitCode::FAILURE
        }
    }
}
