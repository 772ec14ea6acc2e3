//! What the UI asks of files it attaches, saves or opens, and is told back.
//!
//! The web view never names a path on disk: a file chosen in the system's
//! dialog is known to it by an opaque `fileId` the shell hands out, and a
//! pasted or dropped file is its bytes (the web view holds them already).
//! Saving and opening go through the shell too, which asks where.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A file the member chose in the system's file dialog, ready to upload
/// with `upload_file`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChosenFileView {
    /// The shell's name for it (not its path), good until the app quits.
    pub file_id: String,
    /// Its name, without directories (render as text).
    pub name: String,
    /// Bytes.
    #[ts(type = "number")]
    pub size: u64,
}

/// What the server takes of uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentLimitsView {
    /// The largest file, in bytes.
    #[ts(type = "number")]
    pub max_bytes: u64,
    /// The most files one message carries.
    pub per_message: u32,
}

/// Upload a chosen file. `uploadId` is the UI's own name for the upload,
/// which its progress (`uploadProgress`) and `cancel_upload` use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UploadFileArgs {
    pub upload_id: String,
    pub file_id: String,
}

/// Upload bytes the web view holds (a pasted or dropped file); the bytes
/// are the request's body, these its `suda-args` header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UploadBytesArgs {
    pub upload_id: String,
    /// The file's name (a pasted image has none: the UI names it).
    pub name: String,
    /// Its media type as the web view knows it (empty: from the name).
    pub media_type: String,
}

/// The upload to act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UploadArgs {
    pub upload_id: String,
}

/// An attachment of a message, to save or open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentArgs {
    pub attachment_id: String,
    /// Its name, as the message shows it: what the file is called on disk.
    pub name: String,
}
