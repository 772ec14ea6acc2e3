//! Files: uploaded over HTTP beside GraphQL (docs/contract.md "Files and
//! images"), a piece at a time with the bytes sent so far told as they go,
//! and fetched back with the member's token.
//!
//! An upload is cancelled by dropping its future (the request is
//! abandoned; the server keeps nothing of a body it did not get whole).

use std::path::Path;

use futures::StreamExt;
use suda_protocol::{
    attachment::{attachment_path, thumbnail_path, ATTACHMENTS_PATH},
    Attachment, AttachmentId, ErrorBody,
};
use tokio::io::AsyncWriteExt;

use crate::{
    error::{ClientError, ClientResult},
    graphql::{ops, Api},
};

/// How many bytes go in one piece of an upload's body (and so how often
/// progress is told).
const PIECE: usize = 64 * 1024;

/// Which bytes of an attachment to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The file itself.
    File,
    /// An image's thumbnail.
    Thumbnail,
}

/// The media type a file is sent as, by its name's extension: what the
/// server shows inline needs the right one (and refuses a wrong one);
/// anything unknown is `application/octet-stream`.
pub fn media_type_for(name: &str) -> &'static str {
    let extension = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "pdf" => "application/pdf",
        "txt" | "log" | "md" => "text/plain",
        "csv" => "text/csv",
        "json" => "application/json",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        "mp4" => "video/mp4",
        "mp3" => "audio/mpeg",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ => "application/octet-stream",
    }
}

/// What the server takes of uploads (its `attachmentLimits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest file, in bytes.
    pub max_bytes: u64,
    /// The most files one message carries.
    pub per_message: usize,
}

/// What to upload: a name, a type, and its bytes.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The name it is shown by (no directories).
    pub name: String,
    /// Its media type ([`media_type_for`] its name, unless known better).
    pub media_type: String,
    /// Its bytes.
    pub bytes: bytes::Bytes,
}

impl Upload {
    /// The file at `path`, named as it is there, typed by its extension;
    /// refused without reading it when it is larger than `max_bytes` (what
    /// the server takes, [`Api::attachment_limits`]).
    pub async fn read(path: &Path, max_bytes: u64) -> ClientResult<Upload> {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| ClientError::Protocol(format!("{} has no file name", path.display())))?
            .to_owned();
        let file = tokio::fs::File::open(path).await?;
        let meta = file.metadata().await?;
        if !meta.is_file() {
            return Err(ClientError::Storage(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{} is not a file", path.display()),
            )));
        }
        let too_large = || too_large(&name, meta.len(), max_bytes);
        if meta.len() > max_bytes {
            return Err(too_large());
        }
        // Read no more than the limit allows, should the file grow meanwhile.
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        tokio::io::AsyncReadExt::read_to_end(
            &mut tokio::io::AsyncReadExt::take(file, max_bytes + 1),
            &mut bytes,
        )
        .await?;
        if bytes.len() as u64 > max_bytes {
            return Err(too_large());
        }
        Ok(Upload {
            media_type: media_type_for(&name).to_owned(),
            name,
            bytes: bytes.into(),
        })
    }
}

/// The refusal of a file larger than the server takes, said before any of
/// it is sent (the server would refuse it with the same code).
pub fn too_large(name: &str, size: u64, max_bytes: u64) -> ClientError {
    ClientError::Api {
        code: suda_protocol::ErrorCode::PayloadTooLarge,
        message: format!(
            "“{name}” is {}; this server takes files up to {}.",
            size_text(size),
            size_text(max_bytes)
        ),
    }
}

/// A size for people, in binary units as file managers show them
/// ("25 MB" for 25 × 1024 × 1024 bytes).
pub fn size_text(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    let shown = format!("{value:.1}");
    let shown = shown.strip_suffix(".0").unwrap_or(&shown);
    format!("{shown} {}", UNITS[unit])
}

impl Api {
    /// What the server takes of uploads.
    pub async fn attachment_limits(&self) -> ClientResult<Limits> {
        let limits = self
            .run::<ops::AttachmentLimits>(ops::attachment_limits::Variables {})
            .await?
            .attachment_limits;
        Ok(Limits {
            max_bytes: u64::try_from(limits.max_bytes).unwrap_or(0),
            per_message: usize::try_from(limits.per_message).unwrap_or(0),
        })
    }

    /// Uploads `upload`, telling `progress` the bytes sent so far and the
    /// total as each piece goes. The answer is the upload as a message
    /// will carry it; it is the member's to send for a day.
    pub async fn upload(
        &self,
        upload: Upload,
        progress: impl Fn(u64, u64) + Send + Sync + 'static,
    ) -> ClientResult<Attachment> {
        let token = self.token().ok_or(ClientError::NotSignedIn)?;
        let url = format!("{}{ATTACHMENTS_PATH}", self.base());
        let total = upload.bytes.len() as u64;
        let bytes = upload.bytes;
        let pieces = futures::stream::iter(
            (0..bytes.len())
                .step_by(PIECE)
                .map(move |at| bytes.slice(at..(at + PIECE).min(bytes.len()))),
        );
        let mut sent = 0u64;
        let body = pieces.map(move |piece| {
            sent += piece.len() as u64;
            progress(sent, total);
            Ok::<_, std::io::Error>(piece)
        });
        let response = self
            .http()
            .post(&url)
            .query(&[("name", upload.name.as_str())])
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, upload.media_type)
            .header(reqwest::header::CONTENT_LENGTH, total)
            .body(reqwest::Body::wrap_stream(body))
            .send()
            .await
            .map_err(|e| ClientError::unreachable(&url, &e))?;
        let status = response.status().as_u16();
        let answer = response
            .bytes()
            .await
            .map_err(|e| ClientError::unreachable(&url, &e))?;
        if status == 201 {
            return serde_json::from_slice(&answer).map_err(|e| {
                ClientError::Protocol(format!("an upload's answer this client cannot read: {e}"))
            });
        }
        Err(refusal(status, &answer))
    }

    /// An attachment's bytes (or its thumbnail), as they come.
    pub async fn attachment(
        &self,
        id: AttachmentId,
        part: Part,
    ) -> ClientResult<reqwest::Response> {
        let token = self.token().ok_or(ClientError::NotSignedIn)?;
        let path = match part {
            Part::File => attachment_path(id),
            Part::Thumbnail => thumbnail_path(id),
        };
        let url = format!("{}{path}", self.base());
        let response = self
            .http()
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| ClientError::unreachable(&url, &e))?;
        let status = response.status().as_u16();
        if status == 200 {
            return Ok(response);
        }
        let answer = response.bytes().await.unwrap_or_default();
        Err(refusal(status, &answer))
    }

    /// Saves an attachment's bytes to `dest`: written beside it first and
    /// moved into place once whole, so a broken download leaves no half
    /// file under the name. Refuses to replace a file that is there. The
    /// number of bytes written.
    pub async fn download(&self, id: AttachmentId, part: Part, dest: &Path) -> ClientResult<u64> {
        if tokio::fs::try_exists(dest).await? {
            return Err(ClientError::Storage(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} is there already", dest.display()),
            )));
        }
        let response = self.attachment(id, part).await?;
        let url = response.url().to_string();
        let staged = dest.with_extension(format!("part-{}", rand::random::<u32>()));
        let written = async {
            let mut file = tokio::fs::File::create(&staged).await?;
            let mut stream = response.bytes_stream();
            let mut total = 0u64;
            while let Some(piece) = stream.next().await {
                let piece = piece.map_err(|e| ClientError::unreachable(&url, &e))?;
                file.write_all(&piece).await?;
                total += piece.len() as u64;
            }
            file.sync_all().await?;
            tokio::fs::rename(&staged, dest).await?;
            Ok::<_, ClientError>(total)
        }
        .await;
        if written.is_err() {
            let _ = tokio::fs::remove_file(&staged).await;
        }
        written
    }
}

/// The error an HTTP answer other than success says.
fn refusal(status: u16, body: &[u8]) -> ClientError {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(body) => ClientError::Api {
            code: body.error.code,
            message: body.error.message,
        },
        Err(_) => ClientError::Http {
            status,
            message: String::from_utf8_lossy(body).chars().take(200).collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_typed_by_its_extension_in_any_case() {
        assert_eq!(media_type_for("Photo.JPG"), "image/jpeg");
        assert_eq!(media_type_for("a.tar.gz"), "application/gzip");
        assert_eq!(media_type_for("notes"), "application/octet-stream");
        assert_eq!(media_type_for(".png"), "image/png");
    }

    #[test]
    fn sizes_read_as_file_managers_show_them() {
        assert_eq!(size_text(17), "17 B");
        assert_eq!(size_text(1536), "1.5 KB");
        assert_eq!(size_text(25 * 1024 * 1024), "25 MB");
        assert_eq!(size_text(4_500_000_000), "4.2 GB");
    }

    #[tokio::test]
    async fn a_file_larger_than_the_server_takes_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.bin");
        std::fs::write(&path, vec![7u8; 2048]).unwrap();
        match Upload::read(&path, 1024).await {
            Err(ClientError::Api { code, message }) => {
                assert_eq!(code, suda_protocol::ErrorCode::PayloadTooLarge);
                assert_eq!(
                    message,
                    "“big.bin” is 2 KB; this server takes files up to 1 KB."
                );
            }
            other => panic!("{other:?}"),
        }
        let read = Upload::read(&path, 2048).await.unwrap();
        assert_eq!((read.name.as_str(), read.bytes.len()), ("big.bin", 2048));
        assert!(matches!(
            Upload::read(dir.path(), 2048).await,
            Err(ClientError::Storage(_))
        ));
    }

    #[test]
    fn a_refusal_keeps_the_servers_code_and_words() {
        let body = br#"{"error":{"code":"PAYLOAD_TOO_LARGE","message":"the request body is larger than 10 bytes"}}"#;
        match refusal(413, body) {
            ClientError::Api { code, message } => {
                assert_eq!(code, suda_protocol::ErrorCode::PayloadTooLarge);
                assert!(message.contains("10 bytes"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            refusal(502, b"bad gateway"),
            ClientError::Http { status: 502, .. }
        ));
    }
}
