//! Files the user names as configuration (ignore files, the config file, bookmarks, .netrc,
//! a CA bundle) are read whole: only a regular file, and only up to [`MAX_BYTES`]. A link
//! to `/dev/zero` or a FIFO would otherwise be read without end (or block forever).

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

/// The most such a file may hold: far above any real one (a system CA bundle is ~200 KiB).
pub const MAX_BYTES: u64 = 4 << 20;

/// The file's bytes, or an error saying it is not a regular file or is too large.
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    read_opened(open(path)?.0)
}

/// The file opened for reading, and its metadata (of the file opened: what is read is what
/// was checked), if it is a regular file of at most [`MAX_BYTES`].
pub fn open(path: &Path) -> io::Result<(File, std::fs::Metadata)> {
    // Checked before opening (opening a FIFO for reading waits for a writer), and again on
    // the file opened, in case it was swapped meanwhile.
    regular(&std::fs::metadata(path)?)?;
    let file = open_nonblocking(path)?;
    let meta = file.metadata()?;
    regular(&meta)?;
    Ok((file, meta))
}

/// The bytes of a file [`open`] gave, at most [`MAX_BYTES`] even if it grew meanwhile.
pub fn read_opened(file: File) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

fn regular(meta: &std::fs::Metadata) -> io::Result<()> {
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    if meta.len() > MAX_BYTES {
        return Err(too_large());
    }
    Ok(())
}

fn too_large() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("larger than {} MiB", MAX_BYTES >> 20),
    )
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // never waits on a FIFO swapped in after the check; a regular file reads the same
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    OpenOptions::new().read(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_of_a_bounded_size_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        std::fs::write(&plain, "*.tmp\n").unwrap();
        assert_eq!(read(&plain).unwrap(), b"*.tmp\n");
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'#'; MAX_BYTES as usize + 1]).unwrap();
        let err = read(&big).unwrap_err();
        assert_eq!(err.to_string(), "larger than 4 MiB");
        std::fs::write(&big, vec![b'#'; MAX_BYTES as usize]).unwrap();
        assert!(read(&big).is_ok());
        assert!(read(dir.path()).is_err(), "a folder");
        #[cfg(unix)]
        {
            let zero = dir.path().join("zero");
            std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
            assert_eq!(read(&zero).unwrap_err().to_string(), "not a regular file");
            let fifo = dir.path().join("fifo");
            let name = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
            // SAFETY: a valid NUL-terminated path.
            assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
            assert_eq!(read(&fifo).unwrap_err().to_string(), "not a regular file");
        }
    }
}
