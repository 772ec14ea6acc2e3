//! Messages the member wrote that the server has not yet acknowledged.
//!
//! A send must survive a dead network, a crash and a restart, and must never
//! turn into two messages. So every send is first written to an append-only
//! JSON-lines file (one record per state change, flushed to disk before the
//! network is tried) under a client-chosen idempotency key; the server
//! returns the first message for a repeated key, so retrying after an
//! unknown outcome is safe. A send the server refuses for good is marked
//! failed and kept for the member to see, never dropped silently.

use std::{
    fs::{File, OpenOptions},
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};
use suda_protocol::{Attachment, ChannelId, EventId, MemberId};

/// Where one send stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum OutboxState {
    /// Not yet acknowledged; retried on every reconnect.
    Pending,
    /// Committed by the server as this event.
    Sent {
        /// The message's event id.
        event_id: EventId,
    },
    /// Refused by the server for good (not a member, empty text, ...).
    Failed {
        /// The server's reason.
        reason: String,
    },
}

/// One send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    /// The idempotency key (`clientKey`).
    pub key: String,
    /// Who is sending it.
    pub member: MemberId,
    /// Where it goes.
    pub channel: ChannelId,
    /// The text.
    pub text: String,
    /// The message it replies to, if it is a reply. (Absent in outboxes
    /// written before replies, which read as no reply.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<EventId>,
    /// The root of the thread it is a reply in, if it is one. (Absent in
    /// outboxes written before threads, which read as none.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_root: Option<EventId>,
    /// The files it carries, uploaded already (absent when none, and in
    /// outboxes written before files).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// Where it stands.
    #[serde(flatten)]
    pub state: OutboxState,
}

/// Where in its channel a message goes: as a reply to a message, in a
/// thread, both or neither (`Default`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Placement {
    /// The message it replies to.
    pub reply_to: Option<EventId>,
    /// The root of the thread it is posted in.
    pub thread_root: Option<EventId>,
}

/// The outbox: in memory, mirrored to `outbox.jsonl` when given a directory.
#[derive(Debug, Default)]
pub struct Outbox {
    path: Option<PathBuf>,
    entries: Vec<OutboxEntry>,
}

impl Outbox {
    /// An outbox that lives only as long as the process (for the CLI).
    pub fn in_memory() -> Self {
        Outbox::default()
    }

    /// Opens (or creates) the outbox in `dir`. Entries already sent are
    /// dropped and the file is rewritten compactly; pending and failed ones
    /// are kept.
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join("outbox.jsonl");
        let mut entries: Vec<OutboxEntry> = Vec::new();
        if path.exists() {
            for line in BufReader::new(File::open(&path)?).lines() {
                let line = line?;
                // A torn last line (crash mid-write) is the only bad line possible.
                let Ok(record) = serde_json::from_str::<OutboxEntry>(&line) else {
                    tracing::warn!("skipping an unreadable outbox record");
                    continue;
                };
                match entries.iter_mut().find(|e| e.key == record.key) {
                    Some(existing) => *existing = record,
                    None => entries.push(record),
                }
            }
        }
        entries.retain(|e| !matches!(e.state, OutboxState::Sent { .. }));
        let outbox = Outbox {
            path: Some(path),
            entries,
        };
        outbox.rewrite()?;
        Ok(outbox)
    }

    fn rewrite(&self) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let tmp = path.with_extension("jsonl.tmp");
        let mut file = File::create(&tmp)?;
        for entry in &self.entries {
            writeln!(file, "{}", serde_json::to_string(entry)?)?;
        }
        file.sync_all()?;
        std::fs::rename(tmp, path)
    }

    fn append(&self, entry: &OutboxEntry) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let mut file = OpenOptions::new().create(true).append(true).open(path)?;
        writeln!(file, "{}", serde_json::to_string(entry)?)?;
        file.sync_data()
    }

    /// Records a new send as pending, on disk before it returns.
    pub fn enqueue(
        &mut self,
        member: MemberId,
        channel: ChannelId,
        text: String,
        at: Placement,
    ) -> std::io::Result<OutboxEntry> {
        self.enqueue_with_files(member, channel, text, at, Vec::new())
    }

    /// [`Outbox::enqueue`], carrying uploaded files.
    pub fn enqueue_with_files(
        &mut self,
        member: MemberId,
        channel: ChannelId,
        text: String,
        at: Placement,
        attachments: Vec<Attachment>,
    ) -> std::io::Result<OutboxEntry> {
        let entry = OutboxEntry {
            key: new_key(),
            member,
            channel,
            text,
            reply_to: at.reply_to,
            thread_root: at.thread_root,
            attachments,
            state: OutboxState::Pending,
        };
        self.append(&entry)?;
        self.entries.push(entry.clone());
        Ok(entry)
    }

    /// Moves a send to a new state; `false` when the key is unknown or the
    /// send is already settled (so the change is not news).
    pub fn settle(&mut self, key: &str, state: OutboxState) -> std::io::Result<bool> {
        let Some(entry) = self.entries.iter_mut().find(|e| e.key == key) else {
            return Ok(false);
        };
        if entry.state != OutboxState::Pending {
            return Ok(false);
        }
        entry.state = state;
        let entry = entry.clone();
        self.append(&entry)?;
        Ok(true)
    }

    /// Removes a failed send the member has seen.
    pub fn dismiss(&mut self, key: &str) -> std::io::Result<()> {
        self.entries
            .retain(|e| e.key != key || e.state == OutboxState::Pending);
        self.rewrite()
    }

    /// A member's pending sends, oldest first.
    pub fn pending(&self, member: MemberId) -> Vec<OutboxEntry> {
        self.entries
            .iter()
            .filter(|e| e.member == member && e.state == OutboxState::Pending)
            .cloned()
            .collect()
    }

    /// Every entry this process knows, oldest first.
    pub fn entries(&self) -> &[OutboxEntry] {
        &self.entries
    }

    /// One entry by key.
    pub fn get(&self, key: &str) -> Option<&OutboxEntry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

/// 128 random bits in hex: within the server's 1 to 64 `[A-Za-z0-9_-]`.
fn new_key() -> String {
    format!("{:032x}", rand::random::<u128>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_and_failed_sends_survive_a_restart_and_sent_ones_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = {
            let mut outbox = Outbox::open(dir.path()).unwrap();
            let a = outbox
                .enqueue(MemberId(1), ChannelId(2), "a".into(), Placement::default())
                .unwrap();
            let b = outbox
                .enqueue(MemberId(1), ChannelId(2), "b".into(), Placement::default())
                .unwrap();
            let c = outbox
                .enqueue(MemberId(1), ChannelId(2), "c".into(), Placement::default())
                .unwrap();
            let sent = OutboxState::Sent {
                event_id: EventId(9),
            };
            assert!(outbox.settle(&a.key, sent.clone()).unwrap());
            assert!(!outbox.settle(&a.key, sent).unwrap(), "settled once");
            let failed = OutboxState::Failed {
                reason: "no".into(),
            };
            outbox.settle(&c.key, failed).unwrap();
            (a, b, c)
        };
        let outbox = Outbox::open(dir.path()).unwrap();
        assert!(outbox.get(&a.key).is_none());
        assert_eq!(outbox.pending(MemberId(1)), vec![b]);
        assert!(matches!(
            outbox.get(&c.key).unwrap().state,
            OutboxState::Failed { .. }
        ));
        assert!(outbox.pending(MemberId(5)).is_empty());
    }

    #[test]
    fn a_reply_keeps_its_original_and_thread_across_a_restart_and_older_records_read_as_neither() {
        let dir = tempfile::tempdir().unwrap();
        // A pending send as the outbox wrote it before replies existed.
        std::fs::write(
            dir.path().join("outbox.jsonl"),
            r#"{"key":"old","member":"1","channel":"2","text":"before","state":"pending"}"#
                .to_owned()
                + "\n",
        )
        .unwrap();
        let reply = {
            let mut outbox = Outbox::open(dir.path()).unwrap();
            outbox
                .enqueue(
                    MemberId(1),
                    ChannelId(2),
                    "yes".into(),
                    Placement {
                        reply_to: Some(EventId(7)),
                        thread_root: Some(EventId(5)),
                    },
                )
                .unwrap()
        };
        let outbox = Outbox::open(dir.path()).unwrap();
        let pending = outbox.pending(MemberId(1));
        assert_eq!(pending.len(), 2, "{pending:?}");
        assert_eq!(
            (
                pending[0].key.as_str(),
                pending[0].reply_to,
                pending[0].thread_root
            ),
            ("old", None, None)
        );
        assert_eq!(pending[1], reply);
        assert_eq!(pending[1].reply_to, Some(EventId(7)));
        assert_eq!(pending[1].thread_root, Some(EventId(5)));
    }

    #[test]
    fn keys_are_what_the_server_accepts() {
        let k = new_key();
        assert_eq!(k.len(), 32);
        assert!(k.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(k, new_key());
    }
}
