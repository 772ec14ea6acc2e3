//! Files and images sent with messages: what the upload answers, and what
//! a message carries of each (on the stream, in history).
//!
//! A file is uploaded first (`POST` [`ATTACHMENTS_PATH`], its bytes as the
//! body), then sent with a message by its id. Its bytes are fetched from
//! [`attachment_path`]; an image's thumbnail from [`thumbnail_path`].

use serde::{Deserialize, Serialize};

use crate::AttachmentId;

/// Where files are uploaded (`POST`, the file's bytes as the body, its
/// name as the `name` query parameter, its type as `Content-Type`).
pub const ATTACHMENTS_PATH: &str = "/v1/attachments";

/// The most files one message carries.
pub const MAX_ATTACHMENTS_PER_MESSAGE: usize = 10;

/// The largest file a server takes unless configured otherwise (25 MiB).
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 25 * 1024 * 1024;

/// The longest file name kept, in characters.
pub const MAX_FILE_NAME_CHARS: usize = 255;

/// A thumbnail's longer side at most, in pixels (it keeps its shape).
pub const THUMBNAIL_MAX_SIDE: u32 = 480;

/// The path of an attachment's bytes.
pub fn attachment_path(id: AttachmentId) -> String {
    format!("{ATTACHMENTS_PATH}/{id}")
}

/// The path of an image's thumbnail.
pub fn thumbnail_path(id: AttachmentId) -> String {
    format!("{ATTACHMENTS_PATH}/{id}/thumbnail")
}

/// A file as a message carries it (and as the upload answers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    /// Its id.
    pub id: AttachmentId,
    /// Its name as the sender's file had it (no directories).
    pub name: String,
    /// Its size in bytes, as it is served.
    pub size: u64,
    /// Its type as the sender declared it (`application/octet-stream` when
    /// none was), checked against its bytes for the types shown inline.
    pub content_type: String,
    /// For an image shown inline (PNG, JPEG, GIF, WebP), its size in
    /// pixels as it is shown (upright); it has a thumbnail. Absent for any
    /// other file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageSize>,
}

/// An image's size in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageSize {
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
}
