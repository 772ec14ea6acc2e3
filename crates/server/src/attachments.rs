//! Files and images: `POST /v1/attachments` keeps an upload (pending, its
//! uploader's to send), `GET /v1/attachments/{id}` and `…/thumbnail`
//! serve it to whoever may read the message that took it.
//!
//! What an upload can make the server do, and its bound:
//! - hold its bytes in memory: at most `Config::max_upload_bytes`, read
//!   with a deadline between pieces (`Config::body_timeout`), at most
//!   `Config::uploads_at_once` server-wide and [`UPLOADS_PER_MEMBER`] per
//!   member at once;
//! - decode an image: its size is read from the header and refused past
//!   [`media::MAX_IMAGE_PIXELS`] before any pixel is decoded, and
//!   [`DECODES_AT_ONCE`] decode at once, on blocking threads;
//! - fill the disk: `Config::upload_bytes_per_day` per member, counted
//!   from the store (the same on every node); pending uploads nobody sent
//!   go after a day.
//!
//! What is served is never a page of the server's origin: only PNG, JPEG,
//! GIF and WebP whose bytes are what they say are served as images (inline);
//! anything else is `application/octet-stream`, `Content-Disposition:
//! attachment`, and every answer carries `nosniff` and a CSP that allows
//! nothing.

pub mod media;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    body::Body,
    extract::{Path, Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use serde::Deserialize;
use suda_protocol::{attachment::MAX_FILE_NAME_CHARS, Attachment, AttachmentId, MemberId};
use tokio::sync::Semaphore;

use crate::{
    auth,
    error::{ApiError, ApiResult},
    rules,
    store::{now_millis, AttachmentRow, NewAttachment, Part, PENDING_LIFETIME_MS},
    AppState,
};

/// Uploads one member may have in flight at once.
pub const UPLOADS_PER_MEMBER: usize = 2;
/// Images decoded at once, server-wide (each can take 200 MB).
pub const DECODES_AT_ONCE: usize = 2;
/// How often pending uploads and orphaned bytes are swept.
const SWEEP_EVERY: Duration = Duration::from_secs(3600);
/// How old bytes without a row must be before they are swept: an upload
/// keeps its bytes a moment before its row.
const ORPHAN_AGE_MS: i64 = 3600 * 1000;

/// What bounds uploads while they run; one per server.
pub struct Uploads {
    at_once: Semaphore,
    decodes: Semaphore,
    by_member: Mutex<HashMap<MemberId, usize>>,
}

impl Uploads {
    /// Room for `at_once` uploads.
    pub fn new(at_once: usize) -> Arc<Self> {
        Arc::new(Uploads {
            at_once: Semaphore::new(at_once.max(1)),
            decodes: Semaphore::new(DECODES_AT_ONCE),
            by_member: Mutex::new(HashMap::new()),
        })
    }

    /// A place for one more upload of `member`'s: `Busy` when the server
    /// runs as many as it takes, `RATE_LIMITED` when the member does.
    fn enter(self: &Arc<Self>, member: MemberId) -> ApiResult<Entered> {
        let permit = self.at_once.try_acquire().map_err(|_| {
            ApiError::Busy(
                "the server is taking as many uploads as it can; retry in a moment".into(),
            )
        })?;
        {
            let mut by_member = self.by_member.lock().unwrap_or_else(|e| e.into_inner());
            let running = by_member.entry(member).or_default();
            if *running >= UPLOADS_PER_MEMBER {
                // The permit goes back as it is dropped.
                return Err(ApiError::RateLimited(format!(
                    "you have {UPLOADS_PER_MEMBER} uploads running; wait for one to finish"
                )));
            }
            *running += 1;
        }
        // Held for the upload's whole life; `Entered` gives it back.
        permit.forget();
        Ok(Entered {
            uploads: Arc::clone(self),
            member,
        })
    }
}

/// One running upload: leaves its places when dropped.
struct Entered {
    uploads: Arc<Uploads>,
    member: MemberId,
}

impl Drop for Entered {
    fn drop(&mut self) {
        let mut by_member = self
            .uploads
            .by_member
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(running) = by_member.get_mut(&self.member) {
            *running -= 1;
            if *running == 0 {
                by_member.remove(&self.member);
            }
        }
        drop(by_member);
        self.uploads.at_once.add_permits(1);
    }
}

/// `POST /v1/attachments`'s query.
#[derive(Debug, Deserialize)]
pub struct UploadParams {
    name: Option<String>,
}

/// `POST /v1/attachments?name=…`: the body is the file, `Content-Type` its
/// type. Answers `201` with the upload as a message will carry it.
pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<UploadParams>,
    body: Body,
) -> ApiResult<Response> {
    let token = auth::bearer(&headers)?.ok_or(ApiError::Unauthenticated)?;
    let me = auth::authenticate(&state, &token).await?.member;
    let name = file_name(params.name.as_deref())?;
    let content_type = media_type(headers.get(header::CONTENT_TYPE))?;
    let max = state.config.max_upload_bytes;
    let declared = declared_length(&headers)?;
    if declared.is_some_and(|n| n > max) {
        return Err(too_large(max));
    }
    state.limits.upload(me.id).await?;
    let _entered = state.uploads.enter(me.id)?;
    let since = now_millis() - 24 * 3600 * 1000;
    let today = state.store.uploaded_since(me.id, since).await?;
    let allowance = state.config.upload_bytes_per_day;
    if today + declared.unwrap_or(0) > allowance {
        return Err(ApiError::RateLimited(format!(
            "you have uploaded {today} bytes in the last 24 hours; the allowance is {allowance}"
        )));
    }
    let file = read_body(body, max, state.config.body_timeout).await?;
    if file.is_empty() {
        return Err(ApiError::BadInput("the file is empty".into()));
    }
    if today + file.len() as u64 > allowance {
        return Err(ApiError::RateLimited(format!(
            "this file would take you past the allowance of {allowance} bytes in 24 hours"
        )));
    }
    let kind = media::classify(&content_type, &file).map_err(bad_media)?;
    // An image is kept as its kind's one name (`image/jpg` is `image/jpeg`).
    let content_type = kind.map_or(content_type, |k| k.media_type().to_owned());
    let (file, thumbnail, image, thumbnail_type) = match kind {
        None => (file, None, None, None),
        Some(kind) => {
            let _decoding = state
                .uploads
                .decodes
                .acquire()
                .await
                .map_err(|_| ApiError::Internal("the decoders are closed".into()))?;
            let processed = tokio::task::spawn_blocking(move || media::process(kind, &file))
                .await
                .map_err(|e| ApiError::Internal(format!("decoding failed: {e}")))?
                .map_err(bad_media)?;
            (
                Bytes::from(processed.original),
                Some(Bytes::from(processed.thumbnail)),
                Some(processed.size),
                Some(processed.thumbnail_type.to_owned()),
            )
        }
    };
    let row = AttachmentRow {
        id: AttachmentId(rand::random_range(
            100_000_000_000_000_000..1_000_000_000_000_000_000,
        )),
        uploader: me.id,
        name,
        content_type,
        size: file.len() as u64,
        image,
        thumbnail_type,
        message: None,
        channel: None,
        created_at: now_millis(),
    };
    let wire = row.wire();
    state
        .store
        .add_attachment(NewAttachment {
            row,
            file,
            thumbnail,
        })
        .await?;
    Ok((StatusCode::CREATED, Json::<Attachment>(wire)).into_response())
}

/// `GET /v1/attachments/{id}`: the file.
pub async fn download(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    serve(&state, &headers, &id, Part::File).await
}

/// `GET /v1/attachments/{id}/thumbnail`: an image's thumbnail.
pub async fn thumbnail(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    serve(&state, &headers, &id, Part::Thumbnail).await
}

async fn serve(state: &AppState, headers: &HeaderMap, id: &str, part: Part) -> ApiResult<Response> {
    let token = auth::bearer(headers)?.ok_or(ApiError::Unauthenticated)?;
    let me = auth::authenticate(state, token.as_str()).await?.member;
    let id: AttachmentId = id.parse()?;
    let row = readable(state, me.id, id).await?;
    let etag = format!("\"{id}-{}\"", part.as_str());
    let mut response = if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let bytes = state
            .store
            .attachment_bytes(id, part)
            .await?
            .ok_or_else(|| gone(id))?;
        let mut response = Body::from_stream(bytes).into_response();
        let (served_type, disposition) = served_as(&row, part);
        let h = response.headers_mut();
        h.insert(header::CONTENT_TYPE, served_type);
        h.insert(header::CONTENT_DISPOSITION, disposition);
        if part == Part::File {
            h.insert(header::CONTENT_LENGTH, HeaderValue::from(row.size));
        }
        response
    };
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, etag);
    }
    Ok(response)
}

/// The upload, if `member` may read it: its uploader while it is pending;
/// once sent, whoever may read its message. Anyone else is told there is
/// no such file, so ids tell nothing.
async fn readable(
    state: &AppState,
    member: MemberId,
    id: AttachmentId,
) -> ApiResult<AttachmentRow> {
    let row = state.store.attachment(id).await?.ok_or_else(|| gone(id))?;
    match row.message {
        None if row.uploader == member => Ok(row),
        None => Err(gone(id)),
        Some(message) => match rules::readable_message(state.store.as_ref(), member, message).await
        {
            Ok(_) => Ok(row),
            Err(ApiError::Forbidden(_) | ApiError::NotFound(_)) => Err(gone(id)),
            Err(other) => Err(other),
        },
    }
}

fn gone(id: AttachmentId) -> ApiError {
    ApiError::NotFound(format!("there is no file {id} you can see"))
}

/// The type and disposition a part is served with: an inline image as
/// itself, anything else as bytes to save.
fn served_as(row: &AttachmentRow, part: Part) -> (HeaderValue, HeaderValue) {
    let inline = row.image.is_some();
    let media_type = match part {
        Part::Thumbnail => row.thumbnail_type.as_deref().unwrap_or("image/jpeg"),
        Part::File if inline => row.content_type.as_str(),
        Part::File => "application/octet-stream",
    };
    let disposition = format!(
        "{}; filename=\"{}\"; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        ascii_name(&row.name),
        percent_encoded(&row.name)
    );
    (
        HeaderValue::from_str(media_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")),
    )
}

/// The name with anything but printable ASCII (and quotes, backslashes)
/// as `_`: the fallback of clients that do not read `filename*`.
fn ascii_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// RFC 5987's encoding of a header parameter.
fn percent_encoded(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The file's name as the upload gives it: required, at most
/// [`MAX_FILE_NAME_CHARS`], no directories, no control characters.
pub fn file_name(name: Option<&str>) -> ApiResult<String> {
    let name = name.map(str::trim).unwrap_or_default();
    if name.is_empty() {
        return Err(ApiError::BadInput(
            "say the file's name: POST /v1/attachments?name=…".into(),
        ));
    }
    let chars = name.chars().count();
    if chars > MAX_FILE_NAME_CHARS {
        return Err(ApiError::BadInput(format!(
            "the file name is {chars} characters; at most {MAX_FILE_NAME_CHARS}"
        )));
    }
    if name
        .chars()
        .any(|c| c.is_control() || c == '/' || c == '\\')
        || name == "."
        || name == ".."
    {
        return Err(ApiError::BadInput(
            "a file name holds no directories (/ or \\) and no control characters".into(),
        ));
    }
    Ok(name.to_owned())
}

/// The declared media type, `type/subtype` in lower case without
/// parameters; `application/octet-stream` when none is declared.
pub fn media_type(value: Option<&HeaderValue>) -> ApiResult<String> {
    let Some(value) = value else {
        return Ok("application/octet-stream".into());
    };
    let bad = || ApiError::BadInput("Content-Type is not a media type (type/subtype)".into());
    let value = value.to_str().map_err(|_| bad())?;
    let essence = value.split(';').next().unwrap_or_default().trim();
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 127
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    match essence.split_once('/') {
        Some((kind, sub)) if token(kind) && token(sub) => Ok(essence.to_ascii_lowercase()),
        _ => Err(bad()),
    }
}

fn declared_length(headers: &HeaderMap) -> ApiResult<Option<u64>> {
    match headers.get(header::CONTENT_LENGTH) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|v| v.parse().ok())
            .map(Some)
            .ok_or_else(|| ApiError::BadInput("Content-Length is not a number".into())),
    }
}

fn too_large(max: u64) -> ApiError {
    ApiError::TooLarge(usize::try_from(max).unwrap_or(usize::MAX))
}

fn bad_media(e: media::MediaError) -> ApiError {
    ApiError::BadInput(e.to_string())
}

/// The longest one upload may take in all: 25 MiB in it is 43 KB/s. A
/// body that trickles a byte just inside every idle deadline would hold
/// its place for ever without it.
const UPLOAD_DEADLINE: Duration = Duration::from_secs(600);

/// The body, at most `max` bytes, each piece within `idle` of the last,
/// all of it within [`UPLOAD_DEADLINE`].
async fn read_body(body: Body, max: u64, idle: Duration) -> ApiResult<Bytes> {
    read_body_within(body, max, idle, UPLOAD_DEADLINE).await
}

async fn read_body_within(
    body: Body,
    max: u64,
    idle: Duration,
    deadline: Duration,
) -> ApiResult<Bytes> {
    let mut stream = body.into_data_stream();
    let mut file = BytesMut::new();
    let end = tokio::time::Instant::now() + deadline;
    loop {
        let wait = idle.min(end.saturating_duration_since(tokio::time::Instant::now()));
        let piece = match tokio::time::timeout(wait, stream.next()).await {
            Err(_) if tokio::time::Instant::now() >= end => {
                return Err(ApiError::BadInput(format!(
                    "the upload took longer than {deadline:?}; send it again on a faster connection"
                )))
            }
            Err(_) => {
                return Err(ApiError::BadInput(format!(
                    "the upload stalled: nothing arrived for {idle:?}"
                )))
            }
            Ok(None) => return Ok(file.freeze()),
            Ok(Some(Err(e))) => {
                return Err(ApiError::BadInput(format!("the upload broke off: {e}")))
            }
            Ok(Some(Ok(piece))) => piece,
        };
        if file.len() as u64 + piece.len() as u64 > max {
            return Err(too_large(max));
        }
        file.extend_from_slice(&piece);
    }
}

/// Every hour (and at start): removes uploads pending for more than a day,
/// and bytes no upload names any more.
pub async fn sweep_every_hour(
    store: Arc<dyn crate::store::Store>,
    stop: tokio_util::sync::CancellationToken,
) {
    loop {
        let now = now_millis();
        match store
            .sweep_attachments(now - PENDING_LIFETIME_MS, now - ORPHAN_AGE_MS)
            .await
        {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "swept attachments no message took"),
            Err(e) => tracing::warn!(error = %e, "could not sweep attachments"),
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(SWEEP_EVERY) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_their_letters_and_lose_nothing_else() {
        assert_eq!(file_name(Some(" 보고서 v2.pdf ")).unwrap(), "보고서 v2.pdf");
        for bad in [
            None,
            Some(""),
            Some("  "),
            Some("../etc/passwd"),
            Some("a\\b"),
            Some("a\nb"),
            Some(".."),
        ] {
            assert!(
                matches!(file_name(bad), Err(ApiError::BadInput(_))),
                "{bad:?}"
            );
        }
        assert!(file_name(Some(&"a".repeat(256))).is_err());
        assert!(file_name(Some(&"가".repeat(255))).is_ok());
    }

    #[test]
    fn media_types_are_read_strictly() {
        let v = |s: &'static str| HeaderValue::from_static(s);
        assert_eq!(media_type(None).unwrap(), "application/octet-stream");
        assert_eq!(
            media_type(Some(&v("Image/PNG; charset=x"))).unwrap(),
            "image/png"
        );
        for bad in ["png", "image/", "/png", "image/p ng", "text/html/x"] {
            assert!(media_type(Some(&v(bad))).is_err(), "{bad}");
        }
    }

    #[test]
    fn places_are_given_back_whatever_was_refused() {
        let uploads = Uploads::new(2);
        let (a, b, c) = (MemberId(1), MemberId(2), MemberId(3));
        let first = uploads.enter(a).unwrap();
        let second = uploads.enter(a);
        assert!(
            matches!(uploads.enter(b), Err(ApiError::Busy(_))),
            "the server is full"
        );
        drop(second);
        let third = uploads.enter(a).unwrap();
        assert!(matches!(uploads.enter(a), Err(ApiError::Busy(_))));
        drop(third);
        let _ = uploads.enter(c).unwrap();
        // Refusals of either kind never add places.
        for _ in 0..5 {
            let _ = uploads.enter(a);
            let _ = uploads.enter(b);
        }
        drop(first);
        assert_eq!(uploads.at_once.available_permits(), 2);
        let held: Vec<_> = [a, b]
            .into_iter()
            .map(|m| uploads.enter(m).unwrap())
            .collect();
        assert!(matches!(uploads.enter(c), Err(ApiError::Busy(_))));
        drop(held);
        assert_eq!(uploads.at_once.available_permits(), 2);
        assert!(uploads.by_member.lock().unwrap().is_empty());
        // Two per member, whatever room the server has.
        let roomy = Uploads::new(8);
        let one = roomy.enter(a).unwrap();
        let two = roomy.enter(a).unwrap();
        assert!(matches!(roomy.enter(a), Err(ApiError::RateLimited(_))));
        assert!(roomy.enter(b).is_ok());
        drop((one, two));
        assert_eq!(roomy.at_once.available_permits(), 8);
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_trickles_is_cut_off_at_the_deadline_and_one_that_stalls_sooner() {
        // A byte every 20 s: inside the idle deadline every time.
        let trickle = futures::stream::unfold(0u32, |n| async move {
            tokio::time::sleep(Duration::from_secs(20)).await;
            Some((Ok::<_, std::io::Error>(Bytes::from_static(b"x")), n + 1))
        });
        let cut = read_body_within(
            Body::from_stream(trickle),
            1_000_000,
            Duration::from_secs(30),
            Duration::from_secs(600),
        )
        .await
        .unwrap_err();
        assert!(cut.to_string().contains("took longer than 600s"), "{cut}");
        // Nothing for longer than the idle deadline.
        let stalled = futures::stream::once(async {
            tokio::time::sleep(Duration::from_secs(31)).await;
            Ok::<_, std::io::Error>(Bytes::from_static(b"x"))
        });
        let cut = read_body_within(
            Body::from_stream(stalled),
            1_000_000,
            Duration::from_secs(30),
            Duration::from_secs(600),
        )
        .await
        .unwrap_err();
        assert!(cut.to_string().contains("stalled"), "{cut}");
    }

    #[test]
    fn names_are_given_safely_in_the_disposition() {
        assert_eq!(ascii_name("résumé \"final\".pdf"), "r_sum_ _final_.pdf");
        assert_eq!(percent_encoded("a b.pdf"), "a%20b.pdf");
        assert_eq!(percent_encoded("안"), "%EC%95%88");
    }
}
