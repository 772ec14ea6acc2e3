//! `uploads`: how fast files reach the server, and what keeping them costs
//! it.
//!
//! A member's uploads (`POST /v1/attachments`, docs/contract.md "Files and
//! images") go `--concurrency` at a time until `--files` are kept; every
//! one is answered `201` or the run fails. The files are bytes that do not
//! compress (`bytes`) or a photo (`photo`: a JPEG of `--megapixels`, made
//! once here), which the server decodes, turns, strips and makes a
//! thumbnail of. Measured from outside: the wall time, each upload's
//! latency, and the server's own CPU time and peak memory from `/proc`
//! (sampled every 20 ms), which no client can flatter.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use bytes::Bytes;
use futures::{stream, StreamExt};
use serde::Serialize;

use crate::{
    api::{self, Api},
    error::{Error, Result},
    proc,
    target::Target,
};

/// What is uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Bytes that do not compress, sent as `application/octet-stream`.
    Bytes,
    /// A JPEG photo, decoded and reworked by the server.
    Photo,
}

/// The `uploads` scenario's settings.
#[derive(Debug, Clone, clap::Args, Serialize)]
pub struct UploadsConfig {
    /// Files to upload.
    #[arg(long, default_value_t = 40)]
    pub files: usize,
    /// Uploads in flight at once (the server takes 2 per member at a time:
    /// the bench signs up one member per upload in flight).
    #[arg(long, default_value_t = 2)]
    pub concurrency: usize,
    /// What the files are.
    #[arg(long, value_enum, default_value_t = Kind::Bytes)]
    pub kind: Kind,
    /// Size of each file of `bytes`, MiB.
    #[arg(long, default_value_t = 5.0)]
    pub mib: f64,
    /// Size of the photo, megapixels (4:3).
    #[arg(long, default_value_t = 12.0)]
    pub megapixels: f64,
}

/// What the `uploads` scenario measured.
#[derive(Debug, Clone, Serialize)]
pub struct UploadsReport {
    pub config: UploadsConfig,
    /// Bytes of one file.
    pub file_bytes: u64,
    /// Seconds from the first upload's start to the last one's answer.
    pub wall_secs: f64,
    /// MiB per second over the run.
    pub mib_per_sec: f64,
    /// Files per second over the run.
    pub files_per_sec: f64,
    /// Per upload, milliseconds.
    pub latency_p50_ms: f64,
    pub latency_p99_ms: f64,
    /// Server CPU (user + system) over the run, seconds, when its pid is
    /// known; and per file, and per MiB.
    pub server_cpu_secs: Option<f64>,
    pub server_cpu_ms_per_file: Option<f64>,
    pub server_cpu_ms_per_mib: Option<f64>,
    /// The server's resident memory before the run and at its highest
    /// during it, KiB.
    pub server_rss_before_kib: Option<u64>,
    pub server_rss_peak_kib: Option<u64>,
}

/// A photo of about `megapixels` (4:3): smooth gradients with some grain,
/// so it compresses as a photo does, not as a flat colour.
fn photo(megapixels: f64) -> Result<Vec<u8>> {
    let height = ((megapixels.max(0.01) * 1e6 * 3.0 / 4.0).sqrt()) as u32;
    let width = height * 4 / 3;
    let mut seed = 0x9E37_79B9u32;
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let grain = (seed % 24) as u8;
        image::Rgb([
            ((x * 255 / width) as u8).saturating_add(grain),
            ((y * 255 / height) as u8).saturating_add(grain),
            (((x + y) % 256) as u8).saturating_add(grain),
        ])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(picture)
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut out, 90,
        ))
        .map_err(|e| Error::Local(format!("making the photo: {e}")))?;
    Ok(out)
}

/// Bytes that do not compress (xorshift), `mib` MiB of them.
fn noise(mib: f64) -> Vec<u8> {
    let n = (mib.max(0.001) * 1024.0 * 1024.0) as usize;
    let mut seed = 0x2545_F491u64;
    (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect()
}

/// Runs the `uploads` scenario against `target`.
pub async fn run_uploads(target: &Target, config: UploadsConfig) -> Result<UploadsReport> {
    let http = reqwest::Client::new();
    let api = Api::new(http.clone(), &target.base);
    let members = api
        .sign_up_many(&api::run_prefix(), config.concurrency.max(1), 8)
        .await?;
    let (file, name, media_type) = match config.kind {
        Kind::Bytes => (noise(config.mib), "data.bin", "application/octet-stream"),
        Kind::Photo => (photo(config.megapixels)?, "photo.jpg", "image/jpeg"),
    };
    let file = Bytes::from(file);
    let file_bytes = file.len() as u64;

    // The server's memory, sampled while the uploads run.
    let peak = Arc::new(AtomicU64::new(0));
    let before = target.pid.map(proc::memory).transpose()?;
    let sampler = target.pid.map(|pid| {
        let peak = Arc::clone(&peak);
        tokio::spawn(async move {
            loop {
                if let Ok(m) = proc::memory(pid) {
                    peak.fetch_max(m.rss_kib, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    });
    let cpu_before = target.pid.map(proc::cpu_time).transpose()?;
    let started = Instant::now();
    let url = format!("{}/v1/attachments", target.base);
    let results: Vec<Result<Duration>> = stream::iter(0..config.files)
        .map(|i| {
            let (http, url, file) = (http.clone(), url.clone(), file.clone());
            let token = members[i % members.len()].token.clone();
            async move {
                let at = Instant::now();
                let response = http
                    .post(&url)
                    .query(&[("name", name)])
                    .bearer_auth(token)
                    .header("content-type", media_type)
                    .body(file)
                    .send()
                    .await
                    .map_err(|e| Error::Local(format!("upload {i}: {e}")))?;
                let status = response.status();
                let body = response.text().await.unwrap_or_default();
                if status.as_u16() != 201 {
                    return Err(Error::Local(format!("upload {i}: {status} {body}")));
                }
                Ok(at.elapsed())
            }
        })
        .buffer_unordered(config.concurrency.max(1))
        .collect()
        .await;
    let wall = started.elapsed();
    let cpu_after = target.pid.map(proc::cpu_time).transpose()?;
    if let Some(sampler) = sampler {
        sampler.abort();
    }
    let mut latencies = results.into_iter().collect::<Result<Vec<_>>>()?;
    latencies.sort();
    let at = |q: f64| {
        let i = ((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1));
        latencies.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    let n = config.files.max(1) as f64;
    let mib = file_bytes as f64 * n / (1024.0 * 1024.0);
    let cpu = match (cpu_before, cpu_after) {
        (Some(b), Some(a)) => Some(a.saturating_sub(b).as_secs_f64()),
        _ => None,
    };
    Ok(UploadsReport {
        file_bytes,
        wall_secs: wall.as_secs_f64(),
        mib_per_sec: mib / wall.as_secs_f64(),
        files_per_sec: n / wall.as_secs_f64(),
        latency_p50_ms: at(0.5),
        latency_p99_ms: at(0.99),
        server_cpu_secs: cpu,
        server_cpu_ms_per_file: cpu.map(|c| c * 1e3 / n),
        server_cpu_ms_per_mib: cpu.map(|c| c * 1e3 / mib),
        server_rss_before_kib: before.map(|m| m.rss_kib),
        server_rss_peak_kib: target.pid.map(|_| {
            peak.load(Ordering::Relaxed)
                .max(before.map_or(0, |m| m.rss_kib))
        }),
        config,
    })
}
