//! Where the session token is kept between runs.
//!
//! In the OS keychain (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows) when there is one. When there is none (a
//! minimal Linux desktop, a headless test), in a file in the app's data
//! directory that only the member can read, and the member is told so once.

use std::{
    fs,
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};

const SERVICE: &str = "app.suda.desktop";
const ACCOUNT: &str = "session";

/// What is remembered of a signed-in session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredSession {
    pub server_url: String,
    pub token: String,
    /// Who the token belongs to, to start while the server is away.
    #[serde(default)]
    pub member: Option<suda_protocol::MemberRef>,
}

/// Why the session could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum KeychainError {
    #[error("the session could not be saved in {0}: {1}")]
    File(String, std::io::Error),
    #[error("the keychain refused the session: {0}")]
    Keychain(String),
}

/// Keychain first, file when there is no keychain.
#[derive(Clone)]
pub struct TokenStore {
    file: PathBuf,
    use_keychain: bool,
}

impl TokenStore {
    /// A store that tries the keychain, falling back to `dir/session.json`.
    /// `SUDA_NO_KEYCHAIN=1` skips the keychain (tests, or a broken one).
    pub fn new(dir: &Path) -> Self {
        TokenStore {
            file: dir.join("session.json"),
            use_keychain: std::env::var_os("SUDA_NO_KEYCHAIN").is_none(),
        }
    }

    /// The file used when there is no keychain.
    pub fn fallback_path(&self) -> &Path {
        &self.file
    }

    fn entry(&self) -> Option<keyring::Entry> {
        if !self.use_keychain {
            return None;
        }
        keyring::Entry::new(SERVICE, ACCOUNT).ok()
    }

    /// Saves the session. Returns a notice when it went to the file because
    /// there is no keychain.
    pub fn save(&self, session: &StoredSession) -> Result<Option<String>, KeychainError> {
        let json = serde_json::to_string(session).expect("sessions serialize");
        if let Some(entry) = self.entry() {
            match entry.set_password(&json) {
                Ok(()) => {
                    let _ = fs::remove_file(&self.file);
                    return Ok(None);
                }
                Err(e) => tracing::info!(error = %e, "no keychain; keeping the session in a file"),
            }
        }
        write_private(&self.file, json.as_bytes())
            .map_err(|e| KeychainError::File(self.file.display().to_string(), e))?;
        let why = if self.use_keychain {
            "No system keychain is available"
        } else {
            "The system keychain is turned off (SUDA_NO_KEYCHAIN)"
        };
        Ok(Some(format!(
            "{why}, so your session is kept in {} (readable only by you).",
            self.file.display()
        )))
    }

    /// The saved session, if any. A damaged record counts as none.
    pub fn load(&self) -> Option<StoredSession> {
        if let Some(entry) = self.entry() {
            if let Ok(json) = entry.get_password() {
                if let Ok(s) = serde_json::from_str(&json) {
                    return Some(s);
                }
            }
        }
        let bytes = fs::read(&self.file).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Forgets the session everywhere.
    pub fn clear(&self) {
        if let Some(entry) = self.entry() {
            let _ = entry.delete_credential();
        }
        let _ = fs::remove_file(&self.file);
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    fs::write(&tmp, bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o600))?;
    }
    fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(dir: &Path) -> TokenStore {
        TokenStore {
            file: dir.join("session.json"),
            use_keychain: false,
        }
    }

    #[test]
    fn without_a_keychain_the_session_goes_to_a_private_file_with_a_notice() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        let session = StoredSession {
            server_url: "http://127.0.0.1:8080".into(),
            token: "t".into(),
            member: None,
        };
        let notice = s.save(&session).unwrap().expect("a notice");
        assert!(notice.contains("keychain is turned off"), "{notice}");
        assert_eq!(s.load(), Some(session));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(s.fallback_path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        s.clear();
        assert_eq!(s.load(), None);
    }

    #[test]
    fn a_damaged_session_record_counts_as_signed_out() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("session.json"), b"garbage").unwrap();
        assert_eq!(store(dir.path()).load(), None);
    }
}
