//! Server-Sent Events framing: a response body cut into event blocks.
//!
//! Suda's stream and nchan's EventSource subscribers speak the same framing
//! and differ only in what `data:` carries, so both read blocks here and
//! interpret them in their own module.

use bytes::Bytes;
use futures::{stream::BoxStream, StreamExt};

use crate::error::{Error, Result};

/// One event: its `id:` (if any) and its `data:` lines joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The `id:` field, trimmed.
    pub id: Option<String>,
    /// The `data:` lines, joined with `\n` as the SSE specification says.
    pub data: String,
}

/// Reads event blocks from an SSE response body.
pub struct Reader {
    body: BoxStream<'static, reqwest::Result<Bytes>>,
    /// Bytes read; those before `start` are already parsed.
    buf: Vec<u8>,
    /// Where the next event starts in `buf`. Parsed bytes are dropped once
    /// per chunk read, not once per event: a chunk read while behind holds
    /// hundreds of events, and shifting the rest after each one would make
    /// a slow client slower.
    start: usize,
}

impl Reader {
    /// Reads the events of `body`.
    pub fn new(body: BoxStream<'static, reqwest::Result<Bytes>>) -> Reader {
        Reader {
            body,
            buf: Vec::new(),
            start: 0,
        }
    }

    /// The next event with data; `Ok(None)` when the body ended or failed
    /// (the server closed the stream). Comment-only blocks (keep-alives) are
    /// consumed here and never seen.
    pub async fn next(&mut self) -> Result<Option<Block>> {
        loop {
            if let Some(end) = find_blank_line(&self.buf[self.start..]) {
                let block = &self.buf[self.start..self.start + end + 2];
                self.start += end + 2;
                if let Some(block) = parse_block(block)? {
                    return Ok(Some(block));
                }
                continue;
            }
            self.buf.drain(..self.start);
            self.start = 0;
            match self.body.next().await {
                Some(Ok(chunk)) => self.buf.extend_from_slice(&chunk),
                Some(Err(_)) | None => return Ok(None),
            }
        }
    }
}

fn find_blank_line(buf: &[u8]) -> Option<usize> {
    buf.windows(2).position(|w| w == b"\n\n")
}

/// One SSE event block (`id:`, `data:`, `event:` and comment lines); `None`
/// for a block without data (comments only: keep-alives, nchan's `: hi`).
pub fn parse_block(block: &[u8]) -> Result<Option<Block>> {
    let text =
        std::str::from_utf8(block).map_err(|_| Error::Protocol("SSE event is not UTF-8".into()))?;
    let mut id = None;
    let mut data: Option<String> = None;
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("id:") {
            id = Some(v.trim().to_owned());
        } else if let Some(v) = line.strip_prefix("data:") {
            let v = v.strip_prefix(' ').unwrap_or(v);
            match &mut data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(v);
                }
                None => data = Some(v.to_owned()),
            }
        }
    }
    Ok(data
        .filter(|d| !d.is_empty())
        .map(|data| Block { id, data }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(id: &str, data: &str) -> Block {
        Block {
            id: Some(id.into()),
            data: data.into(),
        }
    }

    #[tokio::test]
    async fn events_split_and_packed_across_chunks_all_arrive() {
        let all = ": hi\n\nid: 1\ndata: a\n\nid: 2\ndata: b\n\n: keep-alive\n\nid: 3\ndata: c\n\n";
        let (a, b) = all.as_bytes().split_at(17);
        let chunks: Vec<reqwest::Result<Bytes>> =
            vec![Ok(Bytes::copy_from_slice(a)), Ok(Bytes::copy_from_slice(b))];
        let mut reader = Reader::new(futures::stream::iter(chunks).boxed());
        for (id, data) in [("1", "a"), ("2", "b"), ("3", "c")] {
            assert_eq!(reader.next().await.unwrap(), Some(block(id, data)));
        }
        assert_eq!(reader.next().await.unwrap(), None);
    }

    #[test]
    fn comment_blocks_are_nothing_and_data_lines_join() {
        assert_eq!(parse_block(b": hi\n\n").unwrap(), None);
        assert_eq!(
            parse_block(b"id: 1795659478:0\ndata: t=1 s0 n0\n\n").unwrap(),
            Some(block("1795659478:0", "t=1 s0 n0"))
        );
        assert_eq!(
            parse_block(b"event: x\ndata:one\ndata: two\n\n").unwrap(),
            Some(Block {
                id: None,
                data: "one\ntwo".into()
            })
        );
        assert!(parse_block(b"data: \xff\n\n").is_err());
    }
}
