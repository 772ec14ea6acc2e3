//! Pictures for tests: PNGs made here, of a given size, with or without an
//! EXIF block that names a place (what the server must strip).

use image::{codecs::png::PngEncoder, ImageEncoder, RgbImage};

/// The bytes the EXIF block of [`photo_with_place`] carries, to look for.
pub const PLACE: &[u8] = b"GPSLAT1";

/// A `width × height` PNG of a colour gradient.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    encode(width, height, None)
}

/// A `width × height` PNG whose EXIF block names a place ([`PLACE`]), as
/// a phone's photo does.
pub fn photo_with_place(width: u32, height: u32) -> Vec<u8> {
    let mut exif = b"II\x2a\0\x08\0\0\0\x01\0".to_vec();
    exif.extend_from_slice(&[0x0E, 0x01, 2, 0, 8, 0, 0, 0, 26, 0, 0, 0, 0, 0, 0, 0]);
    exif.extend_from_slice(PLACE);
    exif.push(0);
    encode(width, height, Some(exif))
}

/// A `width × height` JPEG of one colour.
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let picture = RgbImage::from_pixel(width, height, image::Rgb([200, 100, 50]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut out)
        .write_image(
            picture.as_raw(),
            width,
            height,
            image::ExtendedColorType::Rgb8,
        )
        .expect("a JPEG encodes");
    out
}

fn encode(width: u32, height: u32, exif: Option<Vec<u8>>) -> Vec<u8> {
    let picture = RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = Vec::new();
    let mut encoder = PngEncoder::new(&mut out);
    if let Some(exif) = exif {
        encoder.set_exif_metadata(exif).expect("PNG takes EXIF");
    }
    encoder
        .write_image(
            picture.as_raw(),
            width,
            height,
            image::ExtendedColorType::Rgb8,
        )
        .expect("a PNG encodes");
    out
}
