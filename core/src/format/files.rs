//! Files on disk: reading within a size bound (only regular files: never a
//! device or a pipe that could stream without end or block), and writing
//! atomically without changing what a user set up around the file: a
//! symbolic link keeps pointing at the file it named, the file keeps its
//! permissions, and the comment block at its top is kept.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::SaveError;

/// What a bounded read found.
#[derive(Debug)]
pub enum Bounded {
    /// The whole file.
    Bytes(Vec<u8>),
    /// The file is bigger than the bound (only the bound was read).
    TooLarge,
}

/// Reads the file at `path` if it is a regular file of at most `limit`
/// bytes. The bound holds for the read itself, not only for what the
/// file's metadata claims; a device, a pipe or a folder is refused before
/// it is opened (opening a pipe would wait for a writer).
pub fn read_bounded(path: &Path, limit: u64) -> io::Result<Bounded> {
    let metadata = fs::metadata(path)?;
    if !metadata.is_file() {
        let what = if metadata.is_dir() {
            "a folder"
        } else {
            "not a regular file (a device, a pipe or a socket)"
        };
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {what}"),
        ));
    }
    if metadata.len() > limit {
        return Ok(Bounded::TooLarge);
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    fs::File::open(path)?
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Ok(Bounded::TooLarge);
    }
    Ok(Bounded::Bytes(bytes))
}

/// The text before a model's opening bracket: its comment block (and any
/// `#![enable(...)]` line), which saving keeps. A byte-order mark is not
/// part of it.
pub fn leading_block(src: &str) -> &str {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let bytes = src.as_bytes();
    let mut i = 0;
    let mut last_line_end = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b'#' if bytes.get(i + 1) == Some(&b'!') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'\n' => {
                i += 1;
                last_line_end = i;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            _ => break,
        }
    }
    &src[..last_line_end.min(src.len())]
}

/// Whether a model's text holds comments after its opening bracket (which
/// a rewrite in the canonical form would drop).
pub fn has_inner_comments(src: &str) -> bool {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let body = &src[leading_block(src).len()..];
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'/' if matches!(bytes.get(i + 1), Some(b'/' | b'*')) => return true,
            _ => i += 1,
        }
    }
    false
}

/// Where writing `path` really writes: through a symbolic link (or a chain
/// of them) to the file it names, so the link stays a link.
fn write_target(path: &Path) -> PathBuf {
    let mut target = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&target) {
            Ok(meta) if meta.file_type().is_symlink() => match fs::read_link(&target) {
                Ok(next) => {
                    target = match target.parent() {
                        Some(dir) if next.is_relative() => dir.join(next),
                        _ => next,
                    };
                }
                Err(_) => break,
            },
            _ => break,
        }
    }
    target
}

/// Writes a file atomically through `write`: a temporary file in the same
/// directory receives the bytes, takes the old file's permissions, is
/// synced and renamed over the file (through a symbolic link to the file
/// it names). If `write` or any step fails, the temporary file is removed
/// and the file is untouched.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut fs::File) -> io::Result<()>,
) -> Result<(), SaveError> {
    let io_error = |source| SaveError::Io {
        path: path.to_path_buf(),
        source,
    };
    let target = write_target(path);
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = target
        .file_name()
        .ok_or_else(|| io_error(io::Error::new(io::ErrorKind::InvalidInput, "no file name")))?;
    let temp = dir.join(format!(
        ".{}.saving-{}",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let permissions = fs::metadata(&target).ok().map(|m| m.permissions());
    let result = (|| {
        let mut file = fs::File::create(&temp)?;
        if let Some(permissions) = permissions {
            file.set_permissions(permissions)?;
        }
        write(&mut file)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, &target)?;
        // Make the rename itself durable where the platform allows it.
        if let Ok(dir) = fs::File::open(&dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.map_err(io_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn the_leading_comment_block_ends_at_the_model() {
        let src = "// Shop\n// owned by sales\n\n(\n    version: 1, // here\n)";
        assert_eq!(leading_block(src), "// Shop\n// owned by sales\n\n");
        assert!(has_inner_comments(src));
        assert!(!has_inner_comments("// top\n(name: \"a // b\")"));
        assert_eq!(leading_block("(version: 1)"), "");
    }

    #[test]
    fn a_failed_write_leaves_the_old_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("model.ron");
        fs::write(&path, "old contents").expect("write");
        let result = write_atomic(&path, |file| {
            file.write_all(b"half of the new")?;
            Err(io::Error::other("disk pulled out"))
        });
        assert!(result.is_err());
        assert_eq!(fs::read_to_string(&path).expect("read"), "old contents");
        let leftovers: Vec<_> = fs::read_dir(dir.path()).expect("list").collect();
        assert_eq!(leftovers.len(), 1, "the temporary file is removed");
    }

    #[cfg(unix)]
    #[test]
    fn writing_through_a_link_keeps_the_link_and_the_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let real = dir.path().join("real.ron");
        fs::write(&real, "old").expect("write");
        fs::set_permissions(&real, fs::Permissions::from_mode(0o600)).expect("chmod");
        let link = dir.path().join("link.ron");
        std::os::unix::fs::symlink("real.ron", &link).expect("symlink");
        write_atomic(&link, |file| file.write_all(b"new")).expect("writes");
        assert!(
            fs::symlink_metadata(&link)
                .expect("link")
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&real).expect("read"), "new");
        let mode = fs::metadata(&real).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_or_a_device_is_refused_before_it_is_opened() {
        let error = read_bounded(Path::new("/dev/zero"), 1024).expect_err("a device");
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        let dir = tempfile::tempdir().expect("temp dir");
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let error = read_bounded(&fifo, 1024).expect_err("a pipe");
            assert!(error.to_string().contains("not a regular file"), "{error}");
        }
    }

    #[test]
    fn a_file_larger_than_the_bound_is_not_read_whole() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("big.ron");
        fs::write(&path, vec![b' '; 2048]).expect("write");
        assert!(matches!(
            read_bounded(&path, 1024).expect("reads"),
            Bounded::TooLarge
        ));
    }
}
