//! The app's settings, persisted as JSON in its config directory.
//!
//! A settings file that cannot be read is never fatal and never silently
//! overwritten: it is set aside next to itself (`settings.json.corrupt-N`),
//! defaults are used, and the member is told where the old file went.
//! Writes go to a temporary file that is renamed over the old one, so a
//! crash mid-write leaves the previous settings intact.

use std::{
    fs,
    path::{Path, PathBuf},
    sync::Mutex,
    time::{SystemTime, UNIX_EPOCH},
};

use suda_ipc::Settings;

/// Settings on disk, and the copy in memory.
pub struct SettingsStore {
    path: PathBuf,
    current: Mutex<Settings>,
}

/// Why settings could not be saved.
#[derive(Debug, thiserror::Error)]
#[error("could not save settings to {path}: {source}")]
pub struct SaveError {
    path: String,
    source: std::io::Error,
}

impl SettingsStore {
    /// Loads `settings.json` from `dir` (creating nothing yet). Returns a
    /// notice for the member when a corrupt file was set aside.
    pub fn load(dir: &Path) -> (SettingsStore, Option<String>) {
        let path = dir.join("settings.json");
        let (settings, notice) = match fs::read(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Settings::default(), None),
            Err(e) => (
                Settings::default(),
                Some(format!(
                    "Your settings could not be read ({e}); defaults are used for now."
                )),
            ),
            Ok(bytes) => match serde_json::from_slice::<Settings>(&bytes) {
                Ok(s) => (s, None),
                Err(e) => (Settings::default(), Some(set_aside(&path, &e.to_string()))),
            },
        };
        (
            SettingsStore {
                path,
                current: Mutex::new(settings),
            },
            notice,
        )
    }

    /// The settings now.
    pub fn get(&self) -> Settings {
        self.current.lock().expect("settings lock").clone()
    }

    /// Replaces the settings and writes them to disk.
    pub fn set(&self, settings: Settings) -> Result<Settings, SaveError> {
        let mut current = self.current.lock().expect("settings lock");
        write_atomically(&self.path, &settings).map_err(|source| SaveError {
            path: self.path.display().to_string(),
            source,
        })?;
        *current = settings.clone();
        Ok(settings)
    }

    /// Changes the settings with `f` and saves them.
    pub fn update(&self, f: impl FnOnce(&mut Settings)) -> Result<Settings, SaveError> {
        let mut next = self.get();
        f(&mut next);
        self.set(next)
    }
}

fn set_aside(path: &Path, why: &str) -> String {
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let aside = path.with_extension(format!("json.corrupt-{stamp}"));
    match fs::rename(path, &aside) {
        Ok(()) => format!(
            "Your settings file could not be read ({why}). It was kept as {} and defaults are used.",
            aside.display()
        ),
        Err(e) => format!(
            "Your settings file could not be read ({why}) nor set aside ({e}); defaults are used."
        ),
    }
}

fn write_atomically(path: &Path, settings: &Settings) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    let json = serde_json::to_vec_pretty(settings).map_err(std::io::Error::other)?;
    fs::write(&tmp, json)?;
    fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_gives_defaults_without_a_notice() {
        let dir = tempfile::tempdir().unwrap();
        let (store, notice) = SettingsStore::load(dir.path());
        assert_eq!(store.get(), Settings::default());
        assert!(notice.is_none());
    }

    #[test]
    fn settings_round_trip_through_disk() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = SettingsStore::load(dir.path());
        store.update(|s| s.do_not_disturb = true).unwrap();
        let (again, notice) = SettingsStore::load(dir.path());
        assert!(again.get().do_not_disturb);
        assert!(notice.is_none());
    }

    #[test]
    fn a_corrupt_file_is_set_aside_with_a_notice_and_defaults_used() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("settings.json"), b"{ not json").unwrap();
        let (store, notice) = SettingsStore::load(dir.path());
        assert_eq!(store.get(), Settings::default());
        let notice = notice.expect("a notice");
        assert!(notice.contains("could not be read"), "{notice}");
        let kept: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with("settings.json.corrupt-"))
            .collect();
        assert_eq!(kept.len(), 1, "the old file is kept, not lost");
        assert_eq!(fs::read(dir.path().join(&kept[0])).unwrap(), b"{ not json");
    }

    #[test]
    fn saving_into_an_unwritable_place_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        fs::write(&file, b"x").unwrap();
        let (store, _) = SettingsStore::load(&file);
        let err = store.update(|s| s.do_not_disturb = true).unwrap_err();
        assert!(err.to_string().contains("could not save settings"));
        assert!(!store.get().do_not_disturb, "memory matches disk");
    }
}
