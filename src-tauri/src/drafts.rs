//! What the member was typing in each conversation, kept in the app's data
//! directory so it survives switching conversations, a reload of the web
//! view, a restart of the app and an update.
//!
//! One JSON file (`drafts.json`), per member and channel. The UI saves a
//! draft a moment after the member stops typing, not at every keystroke;
//! each save rewrites the file through a temporary one renamed over it,
//! so a crash mid-write leaves the drafts as they were. A file that cannot
//! be read is set aside (`drafts.json.corrupt`) rather than overwritten.
//! Bounded: a draft keeps at most [`MAX_DRAFT_CHARS`] characters and a
//! member at most [`MAX_DRAFTS`] drafts (the oldest go first).

use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
    sync::Mutex,
};

use serde::{Deserialize, Serialize};

/// The longest draft kept, in characters (a message may have 4,000; a
/// draft may run over while being written, within reason).
pub const MAX_DRAFT_CHARS: usize = 16_000;
/// The most drafts one member keeps.
pub const MAX_DRAFTS: usize = 200;

#[derive(Debug, Default, Serialize, Deserialize)]
struct OnDisk {
    /// Member id → channel id → draft.
    members: BTreeMap<String, BTreeMap<String, Draft>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Draft {
    text: String,
    /// When it was last saved (unix milliseconds), to drop the oldest.
    saved_at: i64,
}

/// The drafts on disk and in memory.
pub struct DraftStore {
    path: PathBuf,
    current: Mutex<OnDisk>,
}

impl DraftStore {
    /// Loads `drafts.json` from `dir`; an unreadable one is set aside.
    pub fn load(dir: &Path) -> DraftStore {
        let path = dir.join("drafts.json");
        let current = match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "unreadable drafts set aside");
                let _ = fs::rename(&path, path.with_extension("json.corrupt"));
                OnDisk::default()
            }),
            Err(_) => OnDisk::default(),
        };
        DraftStore {
            path,
            current: Mutex::new(current),
        }
    }

    /// The member's drafts, by channel id.
    pub fn of(&self, member: &str) -> BTreeMap<String, String> {
        let current = self.current.lock().expect("drafts");
        current
            .members
            .get(member)
            .map(|d| d.iter().map(|(c, d)| (c.clone(), d.text.clone())).collect())
            .unwrap_or_default()
    }

    /// Keeps (or, when blank, forgets) the member's draft of a channel, and
    /// writes the file.
    pub fn set(&self, member: &str, channel: &str, text: &str, now: i64) -> std::io::Result<()> {
        let mut current = self.current.lock().expect("drafts");
        let drafts = current.members.entry(member.to_owned()).or_default();
        if text.trim().is_empty() {
            if drafts.remove(channel).is_none() {
                return Ok(());
            }
        } else {
            let text: String = text.chars().take(MAX_DRAFT_CHARS).collect();
            drafts.insert(
                channel.to_owned(),
                Draft {
                    text,
                    saved_at: now,
                },
            );
            while drafts.len() > MAX_DRAFTS {
                let oldest = drafts
                    .iter()
                    .min_by_key(|(_, d)| d.saved_at)
                    .map(|(c, _)| c.clone());
                if let Some(c) = oldest {
                    drafts.remove(&c);
                }
            }
        }
        let bytes = serde_json::to_vec(&*current)?;
        write_atomically(&self.path, &bytes)
    }
}

/// Now, in unix milliseconds.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    let written = (|| {
        use std::io::Write;
        let mut file = fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    if let Err(e) = written {
        // A full disk: the half-written copy goes, so it takes no room the
        // next try needs; the file as it was stays.
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    fs::rename(tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_survive_a_restart_per_member_and_blank_ones_are_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = DraftStore::load(dir.path());
            store.set("1", "10", "half a thought", 1).unwrap();
            store.set("1", "11", "other", 2).unwrap();
            store.set("2", "10", "someone else's", 3).unwrap();
            store.set("1", "11", "  \n", 4).unwrap();
        }
        let store = DraftStore::load(dir.path());
        let mine = store.of("1");
        assert_eq!(mine.len(), 1);
        assert_eq!(mine["10"], "half a thought");
        assert_eq!(store.of("2")["10"], "someone else's");
        assert!(store.of("3").is_empty());
    }

    #[test]
    fn drafts_are_bounded_in_length_and_number() {
        let dir = tempfile::tempdir().unwrap();
        let store = DraftStore::load(dir.path());
        store
            .set("1", "c", &"가".repeat(MAX_DRAFT_CHARS + 10), 0)
            .unwrap();
        assert_eq!(store.of("1")["c"].chars().count(), MAX_DRAFT_CHARS);
        for i in 0..(MAX_DRAFTS as i64 + 5) {
            store.set("1", &format!("ch{i}"), "x", i + 1).unwrap();
        }
        let mine = store.of("1");
        assert_eq!(mine.len(), MAX_DRAFTS);
        assert!(
            !mine.contains_key("c") && !mine.contains_key("ch0"),
            "the oldest went"
        );
    }

    #[test]
    fn a_full_disk_keeps_the_file_as_it_was_and_the_next_save_after_room_writes_all() {
        let disk = suda_testkit::disk::Tmpfs::mount("1m");
        let store = DraftStore::load(disk.path());
        store.set("m1", "10", "before the disk filled", 1).unwrap();
        let filler = suda_testkit::disk::fill(disk.path());
        let long = "x".repeat(MAX_DRAFT_CHARS);
        let err = store.set("m1", "11", &long, 2).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(28), "ENOSPC: {err}");
        // On disk: the file as it was, whole, and no half-written copy.
        let kept = DraftStore::load(disk.path());
        assert_eq!(kept.of("m1").len(), 1, "{:?}", kept.of("m1"));
        assert!(!disk.path().join("drafts.json.tmp").exists());
        // In memory: the new draft is still held, and the next save, once
        // there is room, writes both.
        assert_eq!(store.of("m1")["11"], long);
        fs::remove_file(filler).unwrap();
        store.set("m1", "10", "after", 3).unwrap();
        let reloaded = DraftStore::load(disk.path()).of("m1");
        assert_eq!(reloaded["10"], "after");
        assert_eq!(reloaded["11"], long);
    }

    #[test]
    fn an_unreadable_file_is_set_aside_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("drafts.json"), b"{ not json").unwrap();
        let store = DraftStore::load(dir.path());
        assert!(store.of("1").is_empty());
        assert_eq!(
            fs::read(dir.path().join("drafts.json.corrupt")).unwrap(),
            b"{ not json"
        );
        store.set("1", "c", "new", 1).unwrap();
        assert_eq!(DraftStore::load(dir.path()).of("1")["c"], "new");
    }
}
