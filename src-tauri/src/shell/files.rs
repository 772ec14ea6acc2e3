//! Files the member attaches, saves and opens.
//!
//! The web view never holds a path: a file chosen in the system's dialog
//! is kept here under an opaque id, so the UI can upload what the member
//! picked and nothing else on the disk. Uploads run as tasks of their own
//! (a cancel aborts one; the server keeps nothing of a body it did not get
//! whole), telling their progress a few times a second. What is uploaded
//! waits here, by its attachment id, until a message carries it.
//!
//! Everything here belongs to the session: it goes when the session ends.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use suda_client::attachments::{media_type_for, too_large, Part, Upload};
use suda_ipc::{
    AppEvent, AttachmentArgs, AttachmentLimitsView, AttachmentView, ChosenFileView, ErrorKind,
    UploadBytesArgs, UploadFileArgs,
};
use suda_protocol::{Attachment, AttachmentId};
use tokio::task::AbortHandle;

use super::{Shell, ShellResult};
use crate::{
    dialogs::Pasted,
    view::{self, app_error},
};

/// How many chosen files, and uploads waiting for their message, are kept
/// (the oldest go first): more than anyone attaches at once.
const KEPT: usize = 256;

/// The longest upload id the UI may name an upload by.
const MAX_UPLOAD_ID: usize = 64;

/// How often an upload's progress is told, at most.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// The kinds of file the system is asked to open: documents, pictures,
/// sound and video. Never a program, a script or a page (an `.exe`, a
/// `.sh`, an `.html` opened from a chat is how machines are taken over):
/// those the member saves, and opens themselves if they trust them.
const OPENABLE: &[&str] = &[
    "pdf", "txt", "md", "csv", "log", "json", "rtf", "odt", "ods", "odp", "doc", "docx", "xls",
    "xlsx", "ppt", "pptx", "png", "jpg", "jpeg", "gif", "webp", "bmp", "heic", "mp3", "m4a", "wav",
    "ogg", "flac", "mp4", "m4v", "mov", "webm", "mkv",
];

/// The session's files in hand.
#[derive(Default)]
pub(super) struct Files {
    next: AtomicU64,
    /// Chosen in the dialog: id → path, oldest first.
    chosen: Mutex<Vec<(String, PathBuf)>>,
    /// Uploading now, by the UI's upload id.
    running: Mutex<HashMap<String, AbortHandle>>,
    /// Uploaded and waiting for their message, oldest first.
    ready: Mutex<Vec<Attachment>>,
}

impl Files {
    /// The session ended: every upload stops, and nothing is kept.
    pub(super) fn clear(&self) {
        for (_, task) in self.running.lock().expect("running").drain() {
            task.abort();
        }
        self.chosen.lock().expect("chosen").clear();
        self.ready.lock().expect("ready").clear();
    }
}

/// Forgets an upload's task however its command ends (also when the UI
/// that asked went away).
struct Running<'a> {
    files: &'a Files,
    id: String,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.files.running.lock().expect("running").remove(&self.id);
    }
}

fn bad_input(message: impl Into<String>) -> suda_ipc::AppError {
    app_error(ErrorKind::BadInput, message)
}

/// A name from the UI made safe to be a file's name: no directories, no
/// control characters, no dots or spaces at the ends (Windows drops them),
/// at most 200 characters; "file" if nothing is left.
pub fn safe_name(given: &str) -> String {
    let last = given.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|'))
        .take(200)
        .collect();
    let trimmed = cleaned.trim_matches(|c: char| c == '.' || c.is_whitespace());
    if trimmed.is_empty() {
        "file".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Whether the system may be asked to open a file of this name.
pub fn openable(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| OPENABLE.contains(&ext.to_ascii_lowercase().as_str()))
}

/// Writes `bytes` to `dest`, replacing what is there only once they are
/// all written (beside it first, then moved into place).
fn write_replacing(dest: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staged = dest.with_file_name(format!(".{name}.suda-part"));
    let written = (|| {
        let mut file = std::fs::File::create(&staged)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&staged, dest)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&staged);
    }
    written
}

/// Now, as a pasted picture's name says it: `2026-12-04 10.31.05`, local time
/// where the system says which (else UTC).
fn pasted_at() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    // Days to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}.{:02}.{:02}",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

/// Refuses `len` bytes named `name` when the server takes fewer, before
/// any of them is sent.
async fn within_limit(session: &suda_client::Session, name: &str, len: usize) -> ShellResult<()> {
    let limits = session
        .attachment_limits()
        .await
        .map_err(|e| view::error(&e))?;
    if len as u64 > limits.max_bytes {
        return Err(view::error(&too_large(name, len as u64, limits.max_bytes)));
    }
    Ok(())
}

fn attachment_id(given: &str) -> ShellResult<AttachmentId> {
    given
        .parse()
        .map_err(|_| bad_input(format!("“{given}” is not a valid file id.")))
}

impl Shell {
    /// What the server takes of uploads.
    pub async fn attachment_limits(&self) -> ShellResult<AttachmentLimitsView> {
        let limits = self
            .active()?
            .attachment_limits()
            .await
            .map_err(|e| view::error(&e))?;
        Ok(AttachmentLimitsView {
            max_bytes: limits.max_bytes,
            per_message: u32::try_from(limits.per_message).unwrap_or(u32::MAX),
        })
    }

    /// Asks the member for files to attach, in the system's dialog.
    pub async fn choose_files(&self) -> ShellResult<Vec<ChosenFileView>> {
        self.active()?;
        let dialogs = Arc::clone(&self.parts.dialogs);
        let paths = tokio::task::spawn_blocking(move || dialogs.pick_files())
            .await
            .map_err(|e| app_error(ErrorKind::Internal, format!("The file dialog failed: {e}")))?;
        Ok(self.keep_chosen(paths))
    }

    /// The files or picture on the system's clipboard, to attach as chosen
    /// ones: where the web view shows a paste event neither (WebKitGTK).
    /// A picture is kept in the member's cache to be uploaded from there,
    /// named for when it was pasted.
    pub async fn paste_files(&self) -> ShellResult<Vec<ChosenFileView>> {
        let session = self.active()?;
        let dialogs = Arc::clone(&self.parts.dialogs);
        let pasted = tokio::task::spawn_blocking(move || dialogs.clipboard())
            .await
            .map_err(|e| app_error(ErrorKind::Internal, format!("The clipboard failed: {e}")))?;
        let paths = match pasted {
            Pasted::Nothing => Vec::new(),
            Pasted::Files(paths) => paths,
            Pasted::Image { bytes, extension } => {
                let name = format!("Pasted {}.{extension}", pasted_at());
                within_limit(&session, &name, bytes.len()).await?;
                let cache = self
                    .file_cache()
                    .ok_or_else(|| app_error(ErrorKind::Unauthenticated, "Sign in first."))?;
                let n = self.files.next.fetch_add(1, Ordering::Relaxed);
                let path = cache.pasted_path(n, &name);
                let kept = path.clone();
                tokio::task::spawn_blocking(move || {
                    std::fs::create_dir_all(kept.parent().expect("in a folder"))?;
                    write_replacing(&kept, &bytes)
                })
                .await
                .map_err(|e| app_error(ErrorKind::Internal, e.to_string()))?
                .map_err(|e| {
                    app_error(
                        ErrorKind::Storage,
                        format!("The pasted picture could not be kept on this computer: {e}"),
                    )
                })?;
                vec![path]
            }
        };
        Ok(self.keep_chosen(paths))
    }

    /// Keeps files the member gave (chosen, pasted) under ids for the UI.
    fn keep_chosen(&self, paths: Vec<PathBuf>) -> Vec<ChosenFileView> {
        let mut chosen = Vec::new();
        for path in paths {
            // A folder, or a file gone since it was picked, is passed over.
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if !meta.is_file() {
                continue;
            }
            let name = safe_name(&path.file_name().unwrap_or_default().to_string_lossy());
            let file_id = format!("f{}", self.files.next.fetch_add(1, Ordering::Relaxed));
            let mut kept = self.files.chosen.lock().expect("chosen");
            if kept.len() >= KEPT {
                kept.remove(0);
            }
            kept.push((file_id.clone(), path));
            chosen.push(ChosenFileView {
                file_id,
                name,
                size: meta.len(),
            });
        }
        chosen
    }

    /// Uploads a file the member chose ([`Shell::choose_files`]).
    pub async fn upload_file(&self, args: UploadFileArgs) -> ShellResult<AttachmentView> {
        let path = self
            .files
            .chosen
            .lock()
            .expect("chosen")
            .iter()
            .find(|(id, _)| *id == args.file_id)
            .map(|(_, path)| path.clone())
            .ok_or_else(|| bad_input("That file is no longer at hand; choose it again."))?;
        let session = self.active()?;
        let limits = session
            .attachment_limits()
            .await
            .map_err(|e| view::error(&e))?;
        let upload = Upload::read(&path, limits.max_bytes)
            .await
            .map_err(|e| match e {
                suda_client::ClientError::Storage(e) => app_error(
                    ErrorKind::Storage,
                    format!("{} could not be read: {e}", path.display()),
                ),
                e => view::error(&e),
            })?;
        self.run_upload(args.upload_id, upload).await
    }

    /// Uploads bytes the web view holds: a pasted or dropped file.
    pub async fn upload_bytes(
        &self,
        args: UploadBytesArgs,
        bytes: Vec<u8>,
    ) -> ShellResult<AttachmentView> {
        let session = self.active()?;
        let name = safe_name(&args.name);
        within_limit(&session, &name, bytes.len()).await?;
        // The web view's type when it looks like one (the server checks it
        // against the bytes either way), else the name's.
        let given = args.media_type.trim();
        let media_type = if given.len() <= 127
            && given
                .split_once('/')
                .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
        {
            given.to_ascii_lowercase()
        } else {
            media_type_for(&name).to_owned()
        };
        let upload = Upload {
            name,
            media_type,
            bytes: bytes.into(),
        };
        self.run_upload(args.upload_id, upload).await
    }

    async fn run_upload(&self, upload_id: String, upload: Upload) -> ShellResult<AttachmentView> {
        if upload_id.is_empty() || upload_id.len() > MAX_UPLOAD_ID {
            return Err(bad_input(format!(
                "An upload is named by 1 to {MAX_UPLOAD_ID} characters."
            )));
        }
        let session = self.active()?;
        let emit = Arc::clone(&self.parts.emit);
        let told = Mutex::new(None::<Instant>);
        let id = upload_id.clone();
        let progress = move |sent: u64, total: u64| {
            let mut last = told.lock().expect("told");
            let now = Instant::now();
            if sent < total && last.is_some_and(|at| now - at < PROGRESS_EVERY) {
                return;
            }
            *last = Some(now);
            emit(AppEvent::UploadProgress {
                upload_id: id.clone(),
                sent,
                total,
            });
        };
        let guard = {
            let mut running = self.files.running.lock().expect("running");
            if running.contains_key(&upload_id) {
                return Err(bad_input("That upload is under way already."));
            }
            let task = tokio::spawn(async move { session.upload(upload, progress).await });
            running.insert(upload_id.clone(), task.abort_handle());
            (
                Running {
                    files: &self.files,
                    id: upload_id,
                },
                task,
            )
        };
        let (_running, task) = guard;
        let attachment = match task.await {
            Ok(Ok(attachment)) => attachment,
            Ok(Err(e)) => return Err(view::error(&e)),
            Err(e) if e.is_cancelled() => {
                return Err(app_error(ErrorKind::Cancelled, "The upload was cancelled."))
            }
            Err(e) => {
                return Err(app_error(
                    ErrorKind::Internal,
                    format!("The upload failed: {e}"),
                ))
            }
        };
        let mut ready = self.files.ready.lock().expect("ready");
        if ready.len() >= KEPT {
            ready.remove(0);
        }
        ready.push(attachment.clone());
        Ok(view::attachment(&attachment))
    }

    /// Stops an upload; it was not under way (any more), nothing happens.
    pub fn cancel_upload(&self, upload_id: &str) {
        if let Some(task) = self.files.running.lock().expect("running").get(upload_id) {
            task.abort();
        }
    }

    /// The uploads a message is to carry, in the order given.
    pub(crate) fn ready_attachments(&self, ids: &[String]) -> ShellResult<Vec<Attachment>> {
        let ready = self.files.ready.lock().expect("ready");
        ids.iter()
            .map(|given| {
                let id = attachment_id(given)?;
                ready.iter().find(|a| a.id == id).cloned().ok_or_else(|| {
                    bad_input("A file of this message is no longer at hand; attach it again.")
                })
            })
            .collect()
    }

    /// A message carries these uploads now: they no longer wait.
    pub(crate) fn attachments_sent(&self, sent: &[Attachment]) {
        self.files
            .ready
            .lock()
            .expect("ready")
            .retain(|a| !sent.iter().any(|s| s.id == a.id));
    }

    /// Saves an attachment where the member says, in the system's dialog:
    /// `false` when they cancelled.
    pub async fn save_attachment(&self, args: AttachmentArgs) -> ShellResult<bool> {
        let id = attachment_id(&args.attachment_id)?;
        let name = safe_name(&args.name);
        self.active()?;
        let dialogs = Arc::clone(&self.parts.dialogs);
        let Some(dest) = tokio::task::spawn_blocking(move || dialogs.save_to(&name))
            .await
            .map_err(|e| app_error(ErrorKind::Internal, format!("The file dialog failed: {e}")))?
        else {
            return Ok(false);
        };
        let bytes = self.file(id, Part::File).await?;
        let shown = dest.display().to_string();
        tokio::task::spawn_blocking(move || write_replacing(&dest, &bytes))
            .await
            .map_err(|e| app_error(ErrorKind::Internal, e.to_string()))?
            .map_err(|e| {
                app_error(
                    ErrorKind::Storage,
                    format!("It could not be saved to {shown}: {e}"),
                )
            })?;
        Ok(true)
    }

    /// Opens an attachment with the system's application for its type
    /// (documents, pictures, sound and video only: [`openable`]).
    pub async fn open_attachment(&self, args: AttachmentArgs) -> ShellResult<()> {
        let id = attachment_id(&args.attachment_id)?;
        let name = safe_name(&args.name);
        if !openable(&name) {
            return Err(bad_input(format!(
                "Suda opens documents, pictures, sound and video, not “{name}”: save it, \
                 and open it yourself if you trust it."
            )));
        }
        let cache = self
            .file_cache()
            .ok_or_else(|| app_error(ErrorKind::Unauthenticated, "Sign in first."))?;
        let bytes = self.file(id, Part::File).await?;
        let path = cache.opened_path(id, &name);
        let dialogs = Arc::clone(&self.parts.dialogs);
        tokio::task::spawn_blocking(move || {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            write_replacing(&path, &bytes)?;
            dialogs.open(&path).map_err(std::io::Error::other)
        })
        .await
        .map_err(|e| app_error(ErrorKind::Internal, e.to_string()))?
        .map_err(|e| {
            app_error(
                ErrorKind::Internal,
                format!("“{}” could not be opened: {e}", args.name),
            )
        })
    }
}

#[cfg(test)]
mod tests;
