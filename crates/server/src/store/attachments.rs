//! What a store keeps of files and images sent with messages: a row per
//! upload (`attachments`), its bytes (a directory beside a SQLite
//! database; PostgreSQL's own table, so every node of a cluster serves
//! every file), and each message's attachments as the stream carries them
//! (`events.attachments`, written once with the message).
//!
//! An upload is kept first, pending, by the one who uploaded it; a send
//! takes it for its message (`message_seq`), and only then can the
//! channel's members fetch it. Pending uploads nobody sent are removed
//! after [`PENDING_LIFETIME_MS`]; deleting the message removes its
//! attachments, rows and bytes.

use std::{io, pin::Pin};

use async_trait::async_trait;
use bytes::Bytes;
use futures::Stream;
use suda_protocol::{Attachment, AttachmentId, ChannelId, EventId, ImageSize, MemberId};

use crate::error::{ApiError, ApiResult};

/// How long an upload waits for a message to take it.
pub const PENDING_LIFETIME_MS: i64 = 24 * 3600 * 1000;

/// Bytes as they are read from storage, a piece at a time.
pub type ByteStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

/// Which bytes of an attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The file itself, as served (an image without its metadata).
    File,
    /// An image's thumbnail.
    Thumbnail,
}

impl Part {
    /// Its name in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Part::File => "file",
            Part::Thumbnail => "thumbnail",
        }
    }
}

/// An upload as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRow {
    pub id: AttachmentId,
    /// Who uploaded it: the only one who may send it.
    pub uploader: MemberId,
    pub name: String,
    /// As declared (checked against the bytes for inline images).
    pub content_type: String,
    /// Of the bytes served.
    pub size: u64,
    /// An inline image's size as shown; it has a thumbnail.
    pub image: Option<ImageSize>,
    /// The thumbnail's media type.
    pub thumbnail_type: Option<String>,
    /// The message that took it; `None` while pending.
    pub message: Option<EventId>,
    /// That message's channel.
    pub channel: Option<ChannelId>,
    pub created_at: i64,
}

impl AttachmentRow {
    /// As a message carries it.
    pub fn wire(&self) -> Attachment {
        Attachment {
            id: self.id,
            name: self.name.clone(),
            size: self.size,
            content_type: self.content_type.clone(),
            image: self.image,
        }
    }
}

/// An upload to keep: its row and its bytes.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub row: AttachmentRow,
    pub file: Bytes,
    pub thumbnail: Option<Bytes>,
}

/// The attachment reads and writes of a store, beside [`super::Store`].
#[async_trait]
pub trait AttachmentStore {
    /// Keeps an upload, pending: its bytes durably, then its row. A
    /// failure (a full disk, the database away) keeps neither.
    async fn add_attachment(&self, upload: NewAttachment) -> ApiResult<()>;
    /// An upload by id, pending or sent; `None` if there is none (or its
    /// message was deleted).
    async fn attachment(&self, id: AttachmentId) -> ApiResult<Option<AttachmentRow>>;
    /// An attachment's bytes; `None` if they are not kept (an image's
    /// thumbnail of a file that has none).
    async fn attachment_bytes(&self, id: AttachmentId, part: Part)
        -> ApiResult<Option<ByteStream>>;
    /// How many bytes `member` uploaded since `since` (unix ms), sent or
    /// pending: what their daily allowance counts.
    async fn uploaded_since(&self, member: MemberId, since: i64) -> ApiResult<u64>;
    /// Removes uploads still pending from before `pending_before`, and
    /// bytes whose upload is gone (a message deleted, a process stopped
    /// between keeping the bytes and the row) and older than
    /// `orphans_before`. How many uploads' bytes went.
    async fn sweep_attachments(&self, pending_before: i64, orphans_before: i64) -> ApiResult<u64>;
}

/// The attachment primitives of a write transaction; as [`super::Tx`]'s,
/// none refuses anything (the rules do).
#[async_trait]
pub trait AttachmentTx {
    /// The uploads `ids` names that exist, in no particular order.
    async fn uploads(&mut self, ids: &[AttachmentId]) -> ApiResult<Vec<AttachmentRow>>;
    /// Gives `attachments` (in this order) to `message` of `channel`, and
    /// writes them on the message as the stream carries them.
    async fn attach(
        &mut self,
        message: EventId,
        channel: ChannelId,
        attachments: &[Attachment],
    ) -> ApiResult<()>;
}
// Deleting a message removes its attachments (`Tx::delete_message`): the
// rows with it, the bytes with them (files once the transaction is
// committed).

/// The columns of [`AttachmentRecord`] (attachments `a`).
pub(super) const ATTACHMENT_COLS: &str =
    "a.id, a.uploader_id, a.name, a.content_type, a.size, a.width, a.height, a.thumbnail_type,
     a.message_seq, a.channel_id, a.created_at";

/// An attachment's row as both stores read it.
#[derive(sqlx::FromRow)]
pub(super) struct AttachmentRecord {
    id: i64,
    uploader_id: i64,
    name: String,
    content_type: String,
    size: i64,
    width: Option<i64>,
    height: Option<i64>,
    thumbnail_type: Option<String>,
    message_seq: Option<i64>,
    channel_id: Option<i64>,
    created_at: i64,
}

impl From<AttachmentRecord> for AttachmentRow {
    fn from(r: AttachmentRecord) -> Self {
        AttachmentRow {
            id: AttachmentId(r.id),
            uploader: MemberId(r.uploader_id),
            name: r.name,
            content_type: r.content_type,
            size: r.size.max(0) as u64,
            image: match (r.width, r.height) {
                (Some(w), Some(h)) => Some(ImageSize {
                    width: w.clamp(0, i64::from(u32::MAX)) as u32,
                    height: h.clamp(0, i64::from(u32::MAX)) as u32,
                }),
                _ => None,
            },
            thumbnail_type: r.thumbnail_type,
            message: r.message_seq.map(EventId),
            channel: r.channel_id.map(ChannelId),
            created_at: r.created_at,
        }
    }
}

/// A message's attachments as `events.attachments` keeps them: the JSON the
/// stream carries; `None` for none.
pub(super) fn stored_attachments(attachments: &[Attachment]) -> ApiResult<Option<String>> {
    if attachments.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(attachments)
        .map(Some)
        .map_err(|e| ApiError::Internal(format!("attachments not written: {e}")))
}

/// `events.attachments` read back (failing closed on what this server did
/// not write).
pub(super) fn attachments_of(stored: Option<&str>) -> ApiResult<Vec<Attachment>> {
    match stored {
        None => Ok(Vec::new()),
        Some(json) => serde_json::from_str(json).map_err(|e| {
            tracing::error!(error = %e, "a stored message's attachments cannot be read");
            ApiError::Internal("a stored message's attachments cannot be read".into())
        }),
    }
}

/// The error of bytes that could not be kept or read (a full or failing
/// disk): nothing was saved, and the log says why.
pub(super) fn unstorable(e: io::Error) -> ApiError {
    tracing::error!(error = %e, "attachment bytes could not be stored or read");
    ApiError::Unavailable
}
