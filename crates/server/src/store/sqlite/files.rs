//! The SQLite store's attachment bytes: files in a directory beside the
//! database (`suda.db` keeps them in `suda.db-attachments/`), two digits of
//! the id as a subdirectory so no directory grows past a few thousand.
//!
//! A file is written under `tmp/`, flushed to disk, then renamed into place
//! and its directory flushed: a file in place is whole, and a process killed
//! half-way leaves only `tmp/`, emptied at the next sweep. Its row is
//! written after it (`SqliteStore::add_attachment`), so a row always has its
//! bytes; bytes without a row (a kill between the two, a deleted message)
//! are removed by the sweep.

use std::{
    io,
    path::{Path, PathBuf},
    time::SystemTime,
};

use bytes::Bytes;
use suda_protocol::AttachmentId;
use tokio::io::AsyncWriteExt;

use crate::store::{ByteStream, Part};

/// Where an attachment's bytes are kept.
#[derive(Debug)]
pub(crate) struct Files {
    dir: PathBuf,
    /// For an in-memory database: a directory of its own, removed with it.
    _temporary: Option<tempfile::TempDir>,
}

impl Files {
    /// The directory beside the database file `db`, or a temporary one for
    /// an in-memory database (`None`); made if missing.
    pub(crate) fn beside(db: Option<&Path>) -> io::Result<Files> {
        let (dir, temporary) = match db {
            Some(db) => {
                let mut name = db.file_name().unwrap_or_default().to_owned();
                name.push("-attachments");
                (db.with_file_name(name), None)
            }
            None => {
                let temporary = tempfile::Builder::new()
                    .prefix("suda-attachments-")
                    .tempdir()?;
                (temporary.path().to_owned(), Some(temporary))
            }
        };
        std::fs::create_dir_all(dir.join("tmp"))?;
        Ok(Files {
            dir,
            _temporary: temporary,
        })
    }

    /// The directory.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Proves files can be written here, durably (a read-only or full
    /// disk is found at start).
    pub(crate) async fn check_writable(&self) -> io::Result<()> {
        let probe = self.dir.join("tmp").join("probe");
        let mut file = tokio::fs::File::create(&probe).await?;
        file.write_all(b"suda").await?;
        file.sync_all().await?;
        tokio::fs::remove_file(&probe).await
    }

    fn path(&self, id: AttachmentId, part: Part) -> PathBuf {
        let shard = format!("{:02}", id.get() % 100);
        self.dir.join(shard).join(format!("{id}.{}", part.as_str()))
    }

    /// Writes `bytes` durably as `id`'s `part`.
    pub(crate) async fn put(&self, id: AttachmentId, part: Part, bytes: &Bytes) -> io::Result<()> {
        let target = self.path(id, part);
        let parent = target.parent().unwrap_or(&self.dir).to_owned();
        tokio::fs::create_dir_all(&parent).await?;
        let staged =
            self.dir
                .join("tmp")
                .join(format!("{id}.{}.{}", part.as_str(), rand::random::<u32>()));
        let written = async {
            let mut file = tokio::fs::File::create(&staged).await?;
            file.write_all(bytes).await?;
            file.sync_all().await?;
            drop(file);
            tokio::fs::rename(&staged, &target).await?;
            sync_dir(&parent).await
        }
        .await;
        if written.is_err() {
            let _ = tokio::fs::remove_file(&staged).await;
        }
        written
    }

    /// `id`'s `part`, read a piece at a time; `None` if it is not kept.
    pub(crate) async fn open(
        &self,
        id: AttachmentId,
        part: Part,
    ) -> io::Result<Option<ByteStream>> {
        match tokio::fs::File::open(self.path(id, part)).await {
            Ok(file) => Ok(Some(Box::pin(tokio_util::io::ReaderStream::with_capacity(
                file,
                64 * 1024,
            )))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Removes `id`'s bytes, whatever of them there is.
    pub(crate) async fn remove(&self, id: AttachmentId) -> io::Result<()> {
        for part in [Part::File, Part::Thumbnail] {
            match tokio::fs::remove_file(self.path(id, part)).await {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        Ok(())
    }

    /// The ids of the bytes kept, last changed before `before`, and the
    /// staged files older than that, which are removed (what a killed
    /// upload left).
    pub(crate) async fn kept_before(&self, before: SystemTime) -> io::Result<Vec<AttachmentId>> {
        let mut ids = Vec::new();
        let mut shards = tokio::fs::read_dir(&self.dir).await?;
        while let Some(shard) = shards.next_entry().await? {
            let staging = shard.file_name() == "tmp";
            if !shard.file_type().await?.is_dir() {
                continue;
            }
            let mut files = tokio::fs::read_dir(shard.path()).await?;
            while let Some(file) = files.next_entry().await? {
                let old = file
                    .metadata()
                    .await?
                    .modified()
                    .is_ok_and(|at| at < before);
                if !old {
                    continue;
                }
                if staging {
                    let _ = tokio::fs::remove_file(file.path()).await;
                    continue;
                }
                let name = file.file_name();
                let id = name.to_str().and_then(|n| n.split('.').next());
                if let Some(id) = id.and_then(|id| id.parse().ok()) {
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
            }
        }
        Ok(ids)
    }
}

/// Flushes a directory's entries (a rename in it) to disk.
async fn sync_dir(dir: &Path) -> io::Result<()> {
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || std::fs::File::open(dir)?.sync_all())
        .await
        .map_err(io::Error::other)?
}
