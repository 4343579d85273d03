//! Reading a whole small file (an `.index` or a `checkpoint` state file) with the
//! allocation bounded by the file's size as the file system reports it.

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Reads a regular file whole. Unlike `std::fs::read`, refuses anything that is not a
/// regular file (a device such as `/dev/zero` would otherwise be read forever) and never
/// reads past the length reported when it was opened.
pub(crate) fn read_regular_file(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let len = meta.len();
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(len).read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_files_and_refuses_directories() {
        let dir = crate::checkpoint::tests::util::TempDir::new("read-file");
        let path = dir.path().join("f");
        std::fs::write(&path, b"abc").unwrap();
        assert_eq!(read_regular_file(&path).unwrap(), b"abc");
        assert!(read_regular_file(dir.path()).is_err());
        let missing = read_regular_file(&dir.path().join("missing")).unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    }
}
