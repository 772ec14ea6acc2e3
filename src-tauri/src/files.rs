//! Attachments reach the web view through the shell, never from the
//! server: `<img src>` names a `suda-file:` URL ([`url`]), and the handler
//! of that scheme answers from a cache on disk, fetching what it lacks with
//! the member's token. The CSP lets images come from this scheme and
//! nowhere else outside the app.
//!
//! The cache is the member's on that server (a directory per server and
//! member, removed at sign-out) and bounded: past [`CACHE_BYTES`] the files
//! used longest ago go first. A file is written beside its name and moved
//! into place once whole ([`suda_client::graphql::Api::download`]).

use std::{
    io,
    path::{Path, PathBuf},
};

use suda_client::{attachments::Part, ClientError, Session};
use suda_protocol::AttachmentId;

/// The most the cache keeps, all members together.
pub const CACHE_BYTES: u64 = 512 * 1024 * 1024;

/// The scheme the web view asks for attachments by.
pub const SCHEME: &str = "suda-file";

/// The URL of an attachment's bytes (or thumbnail) for the web view: the
/// scheme is `suda-file://localhost/…` on Linux and macOS, and, as WebView2
/// serves custom schemes, `http://suda-file.localhost/…` on Windows.
pub fn url(id: AttachmentId, part: Part) -> String {
    let base = if cfg!(windows) {
        format!("http://{SCHEME}.localhost")
    } else {
        format!("{SCHEME}://localhost")
    };
    match part {
        Part::File => format!("{base}/{id}"),
        Part::Thumbnail => format!("{base}/{id}/thumbnail"),
    }
}

/// What a `suda-file:` request's path asks for; `None` for anything else.
pub fn asked(path: &str) -> Option<(AttachmentId, Part)> {
    let mut pieces = path.trim_start_matches('/').split('/');
    let id: AttachmentId = pieces.next()?.parse().ok()?;
    let part = match pieces.next() {
        None | Some("") => Part::File,
        Some("thumbnail") => Part::Thumbnail,
        Some(_) => return None,
    };
    pieces.next().is_none().then_some((id, part))
}

/// The media type the bytes are, for the inline kinds; everything else is
/// bytes (the web view shows only what the UI puts in an `<img>`).
pub fn media_type(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if bytes.starts_with(b"GIF8") {
        "image/gif"
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        "image/webp"
    } else {
        "application/octet-stream"
    }
}

/// A member's cache on one server, under the app's data directory.
pub struct FileCache {
    root: PathBuf,
    dir: PathBuf,
}

impl FileCache {
    /// The cache of `member` on `server`, in `data_dir`.
    pub fn of(data_dir: &Path, server: &str, member: &str) -> FileCache {
        let root = data_dir.join("files");
        // A name for the pair that is safe as a directory name.
        let name: String = format!("{server} {member}")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        FileCache {
            dir: root.join(name),
            root,
        }
    }

    fn path(&self, id: AttachmentId, part: Part) -> PathBuf {
        self.dir.join(match part {
            Part::File => format!("{id}"),
            Part::Thumbnail => format!("{id}.thumbnail"),
        })
    }

    /// Where a copy of `id` named `name` goes for the system to open it
    /// (by its own name, which is how the system knows its type); it goes
    /// with the cache at sign-out.
    pub fn opened_path(&self, id: AttachmentId, name: &str) -> PathBuf {
        self.dir.join("opened").join(id.to_string()).join(name)
    }

    /// Where the `n`th picture pasted from the clipboard is kept, as
    /// `name`, until it is uploaded (it goes with the cache at sign-out).
    pub fn pasted_path(&self, n: u64, name: &str) -> PathBuf {
        self.dir.join("pasted").join(n.to_string()).join(name)
    }

    /// The bytes of `id`'s `part`: from the cache, or fetched into it.
    pub async fn get(
        &self,
        session: &Session,
        id: AttachmentId,
        part: Part,
    ) -> Result<Vec<u8>, ClientError> {
        let path = self.path(id, part);
        match tokio::fs::read(&path).await {
            Ok(bytes) => {
                // Used now: the last to go when room is made.
                let _ = touch(&path);
                return Ok(bytes);
            }
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e.into()),
            Err(_) => {}
        }
        tokio::fs::create_dir_all(&self.dir).await?;
        match session.download(id, part, &path).await {
            Ok(_) => {}
            // Fetched at the same moment by another request: theirs is whole.
            Err(ClientError::Storage(e)) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        let bytes = tokio::fs::read(&path).await?;
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || trim(&root, CACHE_BYTES));
        Ok(bytes)
    }

    /// Forgets the member's files (at sign-out).
    pub fn clear(&self) {
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            if e.kind() != io::ErrorKind::NotFound {
                tracing::warn!(error = %e, "the signed-out member's cached files stay");
            }
        }
    }
}

fn touch(path: &Path) -> io::Result<()> {
    std::fs::File::options()
        .append(true)
        .open(path)?
        .set_modified(std::time::SystemTime::now())
}

/// Removes the files used longest ago under `root` until at most `limit`
/// bytes are left.
pub fn trim(root: &Path, limit: u64) {
    let mut files = Vec::new();
    let Ok(members) = std::fs::read_dir(root) else {
        return;
    };
    for member in members.flatten() {
        let Ok(entries) = std::fs::read_dir(member.path()) else {
            continue;
        };
        for entry in entries.flatten() {
            if let Ok(meta) = entry.metadata() {
                let used = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
                files.push((used, meta.len(), entry.path()));
            }
        }
    }
    let mut total: u64 = files.iter().map(|(_, len, _)| len).sum();
    files.sort();
    for (_, len, path) in files {
        if total <= limit {
            break;
        }
        if std::fs::remove_file(&path).is_ok() {
            total -= len;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_what_they_ask_for_go_both_ways() {
        let id = AttachmentId(123_456_789_012_345_678);
        for part in [Part::File, Part::Thumbnail] {
            let url = url(id, part);
            let path = url
                .split_once(".localhost")
                .or(url.split_once("://localhost"))
                .unwrap()
                .1;
            assert_eq!(asked(path), Some((id, part)), "{url}");
        }
        for bad in [
            "/",
            "/x",
            "/123/other",
            "/123/thumbnail/more",
            "/-1",
            "/../etc",
        ] {
            assert_eq!(asked(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_cache_keeps_the_files_used_last_within_its_bound() {
        let dir = tempfile::tempdir().unwrap();
        let member = dir.path().join("m");
        std::fs::create_dir_all(&member).unwrap();
        for (i, name) in ["old", "mid", "new"].iter().enumerate() {
            let path = member.join(name);
            std::fs::write(&path, vec![0u8; 100]).unwrap();
            let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000 + i as u64);
            std::fs::File::options()
                .append(true)
                .open(&path)
                .unwrap()
                .set_modified(at)
                .unwrap();
        }
        trim(dir.path(), 250);
        assert!(!member.join("old").exists());
        assert!(member.join("mid").exists() && member.join("new").exists());
    }

    #[test]
    fn only_the_inline_kinds_are_served_as_images() {
        assert_eq!(media_type(b"\x89PNG\r\n\x1a\nrest"), "image/png");
        assert_eq!(media_type(b"<svg/>"), "application/octet-stream");
        assert_eq!(media_type(b"<html>"), "application/octet-stream");
    }
}
