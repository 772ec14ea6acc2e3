//! Where a front end keeps a secret (a token, a kept session) between runs.
//!
//! In the OS keychain (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows) when there is one; when there is none (a
//! minimal Linux desktop, a headless machine) or the caller turned it off,
//! in one file that only the user can read. The desktop app and the CLI
//! both keep their secrets through a [`CredentialStore`], so they agree on
//! what "kept safely" means: the file is written atomically (a temporary
//! file, then a rename, so a crash never leaves half a token) with mode
//! 0600 on unix, and a secret the keychain took is removed from the file.
//!
//! The store is configured explicitly by its caller; nothing here reads the
//! environment. The binaries turn their `SUDA_NO_KEYCHAIN` variable into
//! [`CredentialMode::FileOnly`] at start-up.

use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
};

/// Whether the keychain is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialMode {
    /// The OS keychain; the file only when the keychain refuses or is absent.
    KeychainWithFileFallback,
    /// The file only (tests, scripts, or a keychain the user turned off).
    FileOnly,
}

impl CredentialMode {
    /// `FileOnly` when the user asked for no keychain (the binaries pass
    /// whether `SUDA_NO_KEYCHAIN` is set), else the keychain first.
    pub fn keychain_unless(no_keychain: bool) -> Self {
        if no_keychain {
            CredentialMode::FileOnly
        } else {
            CredentialMode::KeychainWithFileFallback
        }
    }
}

/// How a [`CredentialStore`] is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialConfig {
    /// The keychain's service name, e.g. `app.suda.desktop`.
    pub service: String,
    /// The file used when the keychain is not.
    pub file: PathBuf,
    /// Whether the keychain is tried.
    pub mode: CredentialMode,
}

/// Where [`CredentialStore::save`] put the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kept {
    /// In the OS keychain (and no longer in the file).
    Keychain,
    /// In the file, readable only by the user.
    File {
        /// The file.
        path: PathBuf,
        /// Why not the keychain.
        why: NoKeychain,
    },
}

/// Why a secret went to the file rather than the keychain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoKeychain {
    /// The store is [`CredentialMode::FileOnly`].
    TurnedOff,
    /// The keychain was tried and is absent or refused the secret.
    Unavailable,
}

/// Why a secret could not be kept.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// The keychain was not used and the file could not be written.
    #[error("the secret could not be saved in {}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}

/// The keychain, else a private file. Cheap to clone.
///
/// A secret is saved under an account name (the keychain's user name); the
/// file holds one secret, the last one saved there, whatever its account.
#[derive(Debug, Clone)]
pub struct CredentialStore {
    config: CredentialConfig,
}

impl CredentialStore {
    /// A store set up as `config` says; touches nothing yet.
    pub fn new(config: CredentialConfig) -> Self {
        CredentialStore { config }
    }

    /// The file used when the keychain is not.
    pub fn file(&self) -> &Path {
        &self.config.file
    }

    /// Whether the keychain is tried.
    pub fn mode(&self) -> CredentialMode {
        self.config.mode
    }

    fn entry(&self, account: &str) -> Option<keyring::Entry> {
        match self.config.mode {
            CredentialMode::FileOnly => None,
            CredentialMode::KeychainWithFileFallback => {
                keyring::Entry::new(&self.config.service, account).ok()
            }
        }
    }

    /// Keeps `secret` for `account`: in the keychain (then removing the
    /// file, so no copy stays on disk), else in the file. Says where it went.
    pub fn save(&self, account: &str, secret: &str) -> Result<Kept, CredentialError> {
        let why = match self.entry(account) {
            None => NoKeychain::TurnedOff,
            Some(entry) => match entry.set_password(secret) {
                Ok(()) => {
                    remove_if_there(&self.config.file);
                    return Ok(Kept::Keychain);
                }
                Err(e) => {
                    tracing::info!(error = %e, "no keychain; keeping the secret in a file");
                    NoKeychain::Unavailable
                }
            },
        };
        write_private(&self.config.file, secret.as_bytes()).map_err(|source| {
            CredentialError::File {
                path: self.config.file.clone(),
                source,
            }
        })?;
        Ok(Kept::File {
            path: self.config.file.clone(),
            why,
        })
    }

    /// The secret kept for `account`: the keychain's, else the file's.
    /// Nothing kept (or a file that cannot be read) is `None`.
    pub fn load(&self, account: &str) -> Option<String> {
        if let Some(entry) = self.entry(account) {
            if let Ok(secret) = entry.get_password() {
                return Some(secret);
            }
        }
        let bytes = fs::read(&self.config.file).ok()?;
        String::from_utf8(bytes).ok()
    }

    /// Forgets the secret for `account` in the keychain, and the file.
    pub fn clear(&self, account: &str) {
        if let Some(entry) = self.entry(account) {
            let _ = entry.delete_credential();
        }
        remove_if_there(&self.config.file);
    }
}

fn remove_if_there(path: &Path) {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(error = %e, path = %path.display(), "could not remove"),
    }
}

/// Writes `bytes` to `path` so that only the user can read it and a reader
/// sees the old contents or the new, never part of them: a temporary file
/// beside it (created 0600 on unix, so the secret is never readable by
/// others, not even for a moment), synced, then renamed over `path`.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map_or_else(|| "secret".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        #[cfg(unix)]
        {
            // A temporary file left by an earlier crash keeps its mode.
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(fs::Permissions::from_mode(0o600))?;
        }
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_only(dir: &Path) -> CredentialStore {
        CredentialStore::new(CredentialConfig {
            service: "app.suda.test".into(),
            file: dir.join("nested").join("secret.json"),
            mode: CredentialMode::FileOnly,
        })
    }

    #[test]
    fn file_only_keeps_the_secret_in_a_private_file_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let store = file_only(dir.path());
        let kept = store.save("me", "s3cret").unwrap();
        assert_eq!(
            kept,
            Kept::File {
                path: store.file().to_owned(),
                why: NoKeychain::TurnedOff
            }
        );
        assert_eq!(store.load("me").as_deref(), Some("s3cret"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(store.file()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn saving_again_replaces_the_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = file_only(dir.path());
        store.save("me", "a much longer first secret").unwrap();
        store.save("me", "second").unwrap();
        assert_eq!(store.load("me").as_deref(), Some("second"));
        let names: Vec<_> = fs::read_dir(store.file().parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("secret.json")]);
    }

    #[cfg(unix)]
    #[test]
    fn a_file_that_was_readable_by_others_is_replaced_by_a_private_one() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = file_only(dir.path());
        fs::create_dir_all(store.file().parent().unwrap()).unwrap();
        fs::write(store.file(), "old").unwrap();
        fs::set_permissions(store.file(), fs::Permissions::from_mode(0o644)).unwrap();
        store.save("me", "new").unwrap();
        let mode = fs::metadata(store.file()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn clear_forgets_the_secret_and_nothing_kept_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let store = file_only(dir.path());
        assert_eq!(store.load("me"), None);
        store.clear("me"); // nothing to clear is fine
        store.save("me", "s3cret").unwrap();
        store.clear("me");
        assert_eq!(store.load("me"), None);
        assert!(!store.file().exists());
    }

    #[test]
    fn a_failed_write_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        // A file where the store's directory should be.
        fs::write(dir.path().join("nested"), "not a directory").unwrap();
        let err = file_only(dir.path()).save("me", "s3cret").unwrap_err();
        assert!(err.to_string().contains("secret.json"), "{err}");
    }

    #[test]
    fn the_mode_follows_the_no_keychain_switch() {
        assert_eq!(
            CredentialMode::keychain_unless(true),
            CredentialMode::FileOnly
        );
        assert_eq!(
            CredentialMode::keychain_unless(false),
            CredentialMode::KeychainWithFileFallback
        );
    }
}
