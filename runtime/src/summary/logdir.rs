//! Where event files go: run directories and event file names (formats.md §2.2).

use super::clock::{unix_seconds, utc_stamp};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The seed's run directory, `root_logdir/run-<UTC %Y%m%d%H%M%S>` (Python's
/// `"{}/run-{}/".format(root_logdir, datetime.utcnow().strftime("%Y%m%d%H%M%S"))`, with
/// `root_logdir = "tf_logs"` in the seed), for the current time. Nothing is created.
pub fn run_logdir(root_logdir: impl AsRef<Path>) -> PathBuf {
    let stamp = utc_stamp(unix_seconds(SystemTime::now()));
    root_logdir.as_ref().join(format!("run-{stamp}"))
}

/// TF's event file name: `events.out.tfevents.<secs:%010d>.<hostname>`, then `.<n>`
/// for the `n`-th retry when a file of that name already exists.
pub(crate) fn event_file_name(secs: i64, host: &str, retry: u32) -> String {
    let base = format!("events.out.tfevents.{secs:010}.{host}");
    match retry {
        0 => base,
        n => format!("{base}.{n}"),
    }
}

/// This machine's host name, made safe for a file name (`localhost` when unknown).
pub(crate) fn hostname() -> String {
    let name = gethostname::gethostname().to_string_lossy().into_owned();
    let name: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    if name.is_empty() {
        "localhost".to_string()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            event_file_name(1_700_000_000, "oracle", 0),
            "events.out.tfevents.1700000000.oracle"
        );
        assert_eq!(
            event_file_name(5, "h", 2),
            "events.out.tfevents.0000000005.h.2"
        );
        assert!(!hostname().is_empty());
        let dir = run_logdir("out/tf_logs");
        assert_eq!(dir.parent(), Some(Path::new("out/tf_logs")));
        let name = dir.file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with("run-20") && name.len() == 18, "{name}");
    }
}
