//! What an uploaded file is, read from its bytes: whether it is an image
//! shown inline (PNG, JPEG, GIF, WebP) and whether it says what it is; an
//! image's size, its thumbnail, and its bytes without what a camera or an
//! editor wrote beside the pixels (GPS position, device, times, comments).
//!
//! Decoding is where an upload can cost the most: a 40 KB PNG can declare
//! 100,000 × 100,000 pixels. The size is read from the header first and an
//! image over [`MAX_IMAGE_PIXELS`] or [`MAX_IMAGE_SIDE`] is refused before
//! anything is decoded; the decoder runs under [`image::Limits`] as well.

use std::io::Cursor;

use image::{
    codecs::{jpeg::JpegEncoder, png::PngEncoder},
    DynamicImage, ImageDecoder, ImageFormat, ImageReader,
};
use suda_protocol::{attachment::THUMBNAIL_MAX_SIDE, ImageSize};

/// The most pixels an image may have to be shown inline (a 50-megapixel
/// photo decodes to 150 MB).
pub const MAX_IMAGE_PIXELS: u64 = 50_000_000;
/// The longest side an image may have, in pixels.
pub const MAX_IMAGE_SIDE: u32 = 16_384;
/// The most memory the decoder may take for one image.
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;
/// JPEG quality of thumbnails and of photos turned upright.
const THUMBNAIL_QUALITY: u8 = 80;
const UPRIGHT_QUALITY: u8 = 92;

/// The kinds of image shown inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
    Gif,
    Webp,
}

impl ImageKind {
    /// Its media type.
    pub fn media_type(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Gif => "image/gif",
            ImageKind::Webp => "image/webp",
        }
    }

    fn from_media_type(media_type: &str) -> Option<Self> {
        match media_type {
            "image/png" => Some(ImageKind::Png),
            "image/jpeg" | "image/jpg" | "image/pjpeg" => Some(ImageKind::Jpeg),
            "image/gif" => Some(ImageKind::Gif),
            "image/webp" => Some(ImageKind::Webp),
            _ => None,
        }
    }

    fn format(self) -> ImageFormat {
        match self {
            ImageKind::Png => ImageFormat::Png,
            ImageKind::Jpeg => ImageFormat::Jpeg,
            ImageKind::Gif => ImageFormat::Gif,
            ImageKind::Webp => ImageFormat::WebP,
        }
    }

    /// The kind the bytes are, by their first bytes.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageKind::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageKind::Jpeg)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(ImageKind::Gif)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(ImageKind::Webp)
        } else {
            None
        }
    }
}

/// Why an upload's bytes were refused (each a `BAD_USER_INPUT`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// The declared type is an inline image kind the bytes are not.
    #[error("the file says it is {declared} but its bytes are not one")]
    NotWhatItSays { declared: String },
    /// The bytes are an inline image but the declared type is another.
    #[error("the file says it is {declared} but its bytes are a {actual} image")]
    ImageCalledOther {
        declared: String,
        actual: &'static str,
    },
    /// Too many pixels to decode: most likely a decompression bomb.
    #[error(
        "the image is {width} × {height} pixels; the server takes images of at most \
         {MAX_IMAGE_PIXELS} pixels and {MAX_IMAGE_SIDE} on a side"
    )]
    TooManyPixels { width: u32, height: u32 },
    /// The bytes start as an image but do not decode as one.
    #[error("the {kind} image cannot be read: {reason}")]
    Unreadable { kind: &'static str, reason: String },
}

/// What is kept of an uploaded image.
#[derive(Debug, Clone)]
pub struct Processed {
    /// The bytes served as the file: the upload's without its metadata, or
    /// (a JPEG or PNG stored turned, by its EXIF orientation) made again
    /// upright in the same format.
    pub original: Vec<u8>,
    /// The thumbnail, as JPEG (PNG when the image has transparency).
    pub thumbnail: Vec<u8>,
    /// The thumbnail's media type.
    pub thumbnail_type: &'static str,
    /// The image's size as shown.
    pub size: ImageSize,
}

/// Checks the declared media type against the bytes: the kind of image to
/// show inline, `None` for any other file (served only as a download).
pub fn classify(declared: &str, bytes: &[u8]) -> Result<Option<ImageKind>, MediaError> {
    let actual = ImageKind::sniff(bytes);
    match (ImageKind::from_media_type(declared), actual) {
        (Some(said), Some(is)) if said == is => Ok(Some(is)),
        (Some(_), _) => Err(MediaError::NotWhatItSays {
            declared: declared.to_owned(),
        }),
        (None, Some(is)) => Err(MediaError::ImageCalledOther {
            declared: declared.to_owned(),
            actual: is.media_type(),
        }),
        (None, None) => Ok(None),
    }
}

/// The image's size from its header, refused past the limits before any
/// pixel is decoded.
pub fn dimensions(kind: ImageKind, bytes: &[u8]) -> Result<(u32, u32), MediaError> {
    // The header alone: no limits needed, none would say why.
    let mut header = ImageReader::with_format(Cursor::new(bytes), kind.format());
    header.no_limits();
    let (width, height) = header.into_dimensions().map_err(|e| unreadable(kind, e))?;
    if width > MAX_IMAGE_SIDE
        || height > MAX_IMAGE_SIDE
        || u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS
    {
        return Err(MediaError::TooManyPixels { width, height });
    }
    Ok((width, height))
}

/// Decodes the image (its first frame), turns it upright, makes its
/// thumbnail and the bytes to serve without metadata. CPU-bound: run it on
/// a blocking thread.
pub fn process(kind: ImageKind, bytes: &[u8]) -> Result<Processed, MediaError> {
    dimensions(kind, bytes)?;
    let mut decoder = reader(kind, bytes)
        .into_decoder()
        .map_err(|e| unreadable(kind, e))?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| unreadable(kind, e))?;
    let turned = orientation != image::metadata::Orientation::NoTransforms;
    image.apply_orientation(orientation);
    let original = if turned && kind == ImageKind::Jpeg {
        // Stripping the EXIF block would lose the turn: the pixels are
        // stored upright instead.
        jpeg(&image, UPRIGHT_QUALITY)?
    } else if turned && kind == ImageKind::Png {
        png(&image, kind)?
    } else {
        strip(kind, bytes).ok_or_else(|| MediaError::Unreadable {
            kind: kind.media_type(),
            reason: "its structure is damaged".into(),
        })?
    };
    // Smaller, never larger: a small image is its own thumbnail.
    let small = if image.width().max(image.height()) > THUMBNAIL_MAX_SIDE {
        image.thumbnail(THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE)
    } else {
        image.clone()
    };
    let (thumbnail, thumbnail_type) = if small.color().has_alpha() {
        (png(&small, kind)?, "image/png")
    } else {
        (jpeg(&small, THUMBNAIL_QUALITY)?, "image/jpeg")
    };
    Ok(Processed {
        original,
        thumbnail,
        thumbnail_type,
        size: ImageSize {
            width: image.width(),
            height: image.height(),
        },
    })
}

fn reader(kind: ImageKind, bytes: &[u8]) -> ImageReader<Cursor<&[u8]>> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), kind.format());
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    reader
}

fn png(image: &DynamicImage, kind: ImageKind) -> Result<Vec<u8>, MediaError> {
    let mut out = Vec::new();
    image
        .write_with_encoder(PngEncoder::new(&mut out))
        .map_err(|e| unreadable(kind, e))?;
    Ok(out)
}

fn jpeg(image: &DynamicImage, quality: u8) -> Result<Vec<u8>, MediaError> {
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(image.to_rgb8())
        .write_with_encoder(JpegEncoder::new_with_quality(&mut out, quality))
        .map_err(|e| unreadable(ImageKind::Jpeg, e))?;
    Ok(out)
}

fn unreadable(kind: ImageKind, e: image::ImageError) -> MediaError {
    match e {
        image::ImageError::Limits(_) => MediaError::Unreadable {
            kind: kind.media_type(),
            reason: "decoding it would take more memory than the server gives an image".into(),
        },
        other => MediaError::Unreadable {
            kind: kind.media_type(),
            reason: other.to_string(),
        },
    }
}

/// The image's bytes without metadata, its pixels untouched; `None` when
/// its structure cannot be followed.
pub fn strip(kind: ImageKind, bytes: &[u8]) -> Option<Vec<u8>> {
    match kind {
        ImageKind::Png => strip_png(bytes),
        ImageKind::Jpeg => strip_jpeg(bytes),
        ImageKind::Webp => strip_webp(bytes),
        // GIF holds no EXIF; its comments and application blocks are
        // left as they are (an animation's loop count is one).
        ImageKind::Gif => Some(bytes.to_vec()),
    }
}

/// PNG without its text, time and EXIF chunks (every chunk is copied
/// whole, its CRC with it).
fn strip_png(bytes: &[u8]) -> Option<Vec<u8>> {
    const DROPPED: [&[u8; 4]; 5] = [b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"];
    let mut out = bytes.get(..8)?.to_vec();
    let mut at = 8;
    while at < bytes.len() {
        let len = u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize;
        let end = at.checked_add(12)?.checked_add(len)?;
        let chunk = bytes.get(at..end)?;
        let name = &chunk[4..8];
        if !DROPPED.iter().any(|d| &d[..] == name) {
            out.extend_from_slice(chunk);
        }
        at = end;
        if name == b"IEND" {
            break;
        }
    }
    Some(out)
}

/// JPEG without its APP1 (EXIF, XMP) and other application segments and
/// comments; APP0 (JFIF), APP2 (the colour profile) and APP14 (Adobe's,
/// which says how the colours are coded) stay. Everything from the start
/// of the scan on is copied as it is.
fn strip_jpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut out = vec![0xFF, 0xD8];
    let mut at = 2;
    loop {
        // Markers may be padded with 0xFF.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        if marker == 0xDA {
            // Start of scan: the entropy-coded data and the rest.
            out.extend_from_slice(&bytes[at..]);
            return Some(out);
        }
        if marker == 0xD9 {
            out.extend_from_slice(&bytes[at..at + 2]);
            return Some(out);
        }
        let len = usize::from(u16::from_be_bytes([
            *bytes.get(at + 2)?,
            *bytes.get(at + 3)?,
        ]));
        if len < 2 {
            return None;
        }
        let end = at + 2 + len;
        let segment = bytes.get(at..end)?;
        let kept = match marker {
            0xE0 | 0xE2 | 0xEE => true,
            0xE1 | 0xE3..=0xED | 0xEF | 0xFE => false,
            _ => true,
        };
        if kept {
            out.extend_from_slice(segment);
        }
        at = end;
    }
}

/// WebP without its EXIF and XMP chunks, the container's size and the
/// extended header's flags for them corrected.
fn strip_webp(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.len() < 12 || &bytes[..4] != b"RIFF" || &bytes[8..12] != b"WEBP" {
        return None;
    }
    let mut out = b"RIFF\0\0\0\0WEBP".to_vec();
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let name = &bytes[at..at + 4];
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().ok()?) as usize;
        // Chunks are padded to an even length.
        let end = at
            .checked_add(8)?
            .checked_add(len + (len & 1))?
            .min(bytes.len());
        let chunk = bytes.get(at..end)?;
        match name {
            b"EXIF" | b"XMP " => {}
            b"VP8X" if chunk.len() >= 9 => {
                let mut header = chunk.to_vec();
                // Bit 3: EXIF present; bit 2: XMP present.
                header[8] &= !0b0000_1100;
                out.extend_from_slice(&header);
            }
            _ => out.extend_from_slice(chunk),
        }
        at = end;
    }
    let size = u32::try_from(out.len() - 8).ok()?;
    out[4..8].copy_from_slice(&size.to_le_bytes());
    Some(out)
}

#[cfg(test)]
mod tests;
