use image::{codecs::webp::WebPEncoder, ImageEncoder, RgbImage, RgbaImage};

use super::*;

/// A little-endian EXIF block: the orientation, and a GPS latitude entry
/// whose bytes ("GPSLAT") a test can look for.
fn exif(orientation: u16) -> Vec<u8> {
    let mut exif = b"II\x2a\0\x08\0\0\0".to_vec();
    // Two entries: orientation (0x0112, SHORT), and an ASCII one.
    exif.extend_from_slice(&2u16.to_le_bytes());
    exif.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0]);
    exif.extend_from_slice(&orientation.to_le_bytes());
    exif.extend_from_slice(&[0, 0]);
    // ImageDescription (0x010E), ASCII, 8 bytes at offset 38.
    exif.extend_from_slice(&[0x0E, 0x01, 2, 0, 8, 0, 0, 0, 38, 0, 0, 0]);
    exif.extend_from_slice(&[0, 0, 0, 0]);
    exif.extend_from_slice(b"GPSLAT1\0");
    exif
}

/// A 4 × 2 picture: left half red, right half blue.
fn picture() -> RgbImage {
    RgbImage::from_fn(4, 2, |x, _| {
        if x < 2 {
            image::Rgb([255, 0, 0])
        } else {
            image::Rgb([0, 0, 255])
        }
    })
}

fn png_with(orientation: Option<u16>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = PngEncoder::new(&mut out);
    if let Some(o) = orientation {
        encoder.set_exif_metadata(exif(o)).unwrap();
    }
    let p = picture();
    encoder
        .write_image(p.as_raw(), 4, 2, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

fn jpeg_with(orientation: Option<u16>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut out, 95);
    if let Some(o) = orientation {
        encoder.set_exif_metadata(exif(o)).unwrap();
    }
    let p = picture();
    encoder
        .write_image(p.as_raw(), 4, 2, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// A PNG with a text chunk (an editor's comment) before its pixels.
fn with_text_chunk(png: &[u8]) -> Vec<u8> {
    let mut chunk = Vec::new();
    let data = b"Comment\0shot at home";
    chunk.extend_from_slice(&(data.len() as u32).to_be_bytes());
    chunk.extend_from_slice(b"tEXt");
    chunk.extend_from_slice(data);
    chunk.extend_from_slice(&crc32(&[b"tEXt".as_slice(), data].concat()).to_be_bytes());
    // After the 8-byte signature and the IHDR chunk (25 bytes).
    [&png[..33], &chunk, &png[33..]].concat()
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_declared_image_type_must_be_what_the_bytes_are() {
    let png = png_with(None);
    assert_eq!(classify("image/png", &png), Ok(Some(ImageKind::Png)));
    assert_eq!(
        classify("image/jpeg", &png),
        Err(MediaError::NotWhatItSays {
            declared: "image/jpeg".into()
        })
    );
    // A page that says it is a picture.
    let page = b"<html><script>alert(1)</script></html>";
    assert!(matches!(
        classify("image/png", page),
        Err(MediaError::NotWhatItSays { .. })
    ));
    // A picture that says it is something else.
    assert_eq!(
        classify("application/pdf", &png),
        Err(MediaError::ImageCalledOther {
            declared: "application/pdf".into(),
            actual: "image/png"
        })
    );
    // Any other file is a file, whatever it says it is (SVG included:
    // it is never shown inline).
    assert_eq!(classify("application/pdf", b"%PDF-1.7"), Ok(None));
    assert_eq!(classify("image/svg+xml", b"<svg/>"), Ok(None));
}

#[test]
fn an_image_declaring_more_pixels_than_allowed_is_refused_before_decoding() {
    // A PNG header of 100,000 × 100,000 (40 GB of pixels) and no pixels:
    // the header is all that is read.
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    let mut bomb = b"\x89PNG\r\n\x1a\n".to_vec();
    bomb.extend_from_slice(&13u32.to_be_bytes());
    bomb.extend_from_slice(&ihdr);
    bomb.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    // A few bytes of compressed pixels, and the end.
    for (name, data) in [
        (&b"IDAT"[..], &[0x78, 0x9c, 0x03, 0, 0, 0, 0, 1][..]),
        (b"IEND", &[]),
    ] {
        bomb.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let chunk = [name, data].concat();
        bomb.extend_from_slice(&chunk);
        bomb.extend_from_slice(&crc32(&chunk).to_be_bytes());
    }
    assert!(bomb.len() < 100, "the whole file is {} bytes", bomb.len());
    let err = process(ImageKind::Png, &bomb).unwrap_err();
    assert_eq!(
        err,
        MediaError::TooManyPixels {
            width: 100_000,
            height: 100_000
        }
    );
    assert!(err.to_string().contains("100000 × 100000"), "{err}");
    // Under the side limit but over the pixel count.
    assert!(dimensions(ImageKind::Png, &png_with(None)).is_ok());
    let mut wide = bomb.clone();
    wide[16..20].copy_from_slice(&9_000u32.to_be_bytes());
    wide[20..24].copy_from_slice(&9_000u32.to_be_bytes());
    let crc = crc32(&wide[12..29]);
    wide[29..33].copy_from_slice(&crc.to_be_bytes());
    assert_eq!(
        dimensions(ImageKind::Png, &wide),
        Err(MediaError::TooManyPixels {
            width: 9_000,
            height: 9_000
        })
    );
}

#[test]
fn a_damaged_image_is_refused_with_what_is_wrong() {
    let png = png_with(None);
    let cut = &png[..png.len() / 2];
    let err = process(ImageKind::Png, cut).unwrap_err();
    assert!(
        matches!(
            err,
            MediaError::Unreadable {
                kind: "image/png",
                ..
            }
        ),
        "{err:?}"
    );
    let err = process(ImageKind::Jpeg, &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]).unwrap_err();
    assert!(matches!(err, MediaError::Unreadable { .. }), "{err:?}");
}

#[test]
fn a_png_keeps_its_pixels_and_loses_its_text_and_exif() {
    let png = with_text_chunk(&png_with(Some(1)));
    assert!(contains(&png, b"shot at home") && contains(&png, b"GPSLAT"));
    let done = process(ImageKind::Png, &png).unwrap();
    assert!(!contains(&done.original, b"shot at home"));
    assert!(!contains(&done.original, b"GPSLAT"));
    let back = image::load_from_memory_with_format(&done.original, ImageFormat::Png).unwrap();
    assert_eq!(back.to_rgb8(), picture(), "the pixels are untouched");
    assert_eq!(
        done.size,
        ImageSize {
            width: 4,
            height: 2
        }
    );
    assert_eq!(done.thumbnail_type, "image/jpeg");
}

#[test]
fn a_jpeg_loses_its_exif_and_a_turned_one_is_made_upright() {
    let plain = process(ImageKind::Jpeg, &jpeg_with(Some(1))).unwrap();
    assert!(!contains(&plain.original, b"GPSLAT"));
    assert!(!contains(&plain.original, b"Exif"));
    assert_eq!(
        plain.size,
        ImageSize {
            width: 4,
            height: 2
        }
    );
    // Orientation 6: shown turned a quarter clockwise, so 2 across, 4 down,
    // the red half on top.
    let turned = process(ImageKind::Jpeg, &jpeg_with(Some(6))).unwrap();
    assert_eq!(
        turned.size,
        ImageSize {
            width: 2,
            height: 4
        }
    );
    assert!(!contains(&turned.original, b"GPSLAT"));
    let upright = image::load_from_memory(&turned.original).unwrap().to_rgb8();
    assert_eq!(upright.dimensions(), (2, 4));
    let top = upright.get_pixel(0, 0);
    assert!(top[0] > 200 && top[2] < 60, "red on top: {top:?}");
    let thumb = image::load_from_memory(&turned.thumbnail).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (2, 4));
}

#[test]
fn a_thumbnail_fits_the_longest_side_and_keeps_transparency() {
    let big = RgbaImage::from_pixel(1200, 600, image::Rgba([0, 128, 0, 100]));
    let mut png = Vec::new();
    PngEncoder::new(&mut png)
        .write_image(big.as_raw(), 1200, 600, image::ExtendedColorType::Rgba8)
        .unwrap();
    let done = process(ImageKind::Png, &png).unwrap();
    assert_eq!(done.thumbnail_type, "image/png");
    let thumb = image::load_from_memory(&done.thumbnail).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (480, 240));
    assert!(thumb.color().has_alpha());
}

#[test]
fn a_webp_loses_its_exif_chunk_and_flag() {
    let mut webp = Vec::new();
    let p = picture();
    WebPEncoder::new_lossless(&mut webp)
        .write_image(p.as_raw(), 4, 2, image::ExtendedColorType::Rgb8)
        .unwrap();
    // Made extended: a VP8X header with the EXIF flag, then an EXIF chunk.
    let body = &webp[12..];
    let mut vp8x = b"VP8X".to_vec();
    vp8x.extend_from_slice(&10u32.to_le_bytes());
    vp8x.extend_from_slice(&[0b0000_1000, 0, 0, 0, 3, 0, 0, 1, 0, 0]);
    let data = exif(1);
    let mut chunk = b"EXIF".to_vec();
    chunk.extend_from_slice(&(data.len() as u32).to_le_bytes());
    chunk.extend_from_slice(&data);
    if data.len() % 2 == 1 {
        chunk.push(0);
    }
    let mut extended = b"RIFF\0\0\0\0WEBP".to_vec();
    extended.extend_from_slice(&vp8x);
    extended.extend_from_slice(body);
    extended.extend_from_slice(&chunk);
    let size = (extended.len() - 8) as u32;
    extended[4..8].copy_from_slice(&size.to_le_bytes());
    assert!(contains(&extended, b"GPSLAT"));

    let stripped = strip(ImageKind::Webp, &extended).unwrap();
    assert!(!contains(&stripped, b"GPSLAT"));
    assert_eq!(stripped[20] & 0b0000_1000, 0, "the EXIF flag is cleared");
    let size = u32::from_le_bytes(stripped[4..8].try_into().unwrap()) as usize;
    assert_eq!(size, stripped.len() - 8);
    let back = image::load_from_memory_with_format(&stripped, ImageFormat::WebP).unwrap();
    assert_eq!(back.to_rgb8(), picture());
}
