//! The session kept between runs, so a member who signed in once finds
//! themselves signed in at the next start.
//!
//! It goes through `suda_client`'s credential store (the OS keychain, else
//! a file in the app's data directory that only the member can read); this
//! module decides what is kept and what the member is told about where.

use std::path::Path;

use serde::{Deserialize, Serialize};
use suda_client::credentials::{
    CredentialConfig, CredentialError, CredentialMode, CredentialStore, Kept, NoKeychain,
};

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

/// The kept session: keychain first, `session.json` when there is none.
#[derive(Clone)]
pub struct KeptSession {
    store: CredentialStore,
}

impl KeptSession {
    /// The kept session of the app whose data directory is `dir`; the
    /// keychain is tried unless `mode` says the file only.
    pub fn new(dir: &Path, mode: CredentialMode) -> Self {
        KeptSession {
            store: CredentialStore::new(CredentialConfig {
                service: SERVICE.to_owned(),
                file: dir.join("session.json"),
                mode,
            }),
        }
    }

    /// The file used when there is no keychain.
    pub fn fallback_path(&self) -> &Path {
        self.store.file()
    }

    /// Saves the session. Returns a notice for the member when it went to
    /// the file rather than the keychain; an error is a sentence too.
    pub fn save(&self, session: &StoredSession) -> Result<Option<String>, String> {
        let json = serde_json::to_string(session).expect("sessions serialize");
        match self.store.save(ACCOUNT, &json) {
            Ok(Kept::Keychain) => Ok(None),
            Ok(Kept::File { path, why }) => {
                let why = match why {
                    NoKeychain::Unavailable => "No system keychain is available",
                    NoKeychain::TurnedOff => "The system keychain is turned off (SUDA_NO_KEYCHAIN)",
                };
                Ok(Some(format!(
                    "{why}, so your session is kept in {} (readable only by you).",
                    path.display()
                )))
            }
            Err(CredentialError::File { path, source }) => Err(format!(
                "Your session could not be saved in {}: {source}",
                path.display()
            )),
        }
    }

    /// The saved session, if any. A damaged record counts as none.
    pub fn load(&self) -> Option<StoredSession> {
        serde_json::from_str(&self.store.load(ACCOUNT)?).ok()
    }

    /// Forgets the session everywhere.
    pub fn clear(&self) {
        self.store.clear(ACCOUNT);
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    fn kept(dir: &Path) -> KeptSession {
        KeptSession::new(dir, CredentialMode::FileOnly)
    }

    #[test]
    fn without_a_keychain_the_session_goes_to_a_private_file_with_a_notice() {
        let dir = tempfile::tempdir().unwrap();
        let s = kept(dir.path());
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
        assert_eq!(kept(dir.path()).load(), None);
    }

    #[test]
    fn a_session_that_cannot_be_saved_is_an_error_in_words() {
        let dir = tempfile::tempdir().unwrap();
        // A file where the data directory should be.
        fs::write(dir.path().join("data"), "not a directory").unwrap();
        let s = kept(&dir.path().join("data"));
        let session = StoredSession {
            server_url: "http://127.0.0.1:8080".into(),
            token: "t".into(),
            member: None,
        };
        let err = s.save(&session).unwrap_err();
        assert!(
            err.starts_with("Your session could not be saved in"),
            "{err}"
        );
    }
}
