//! The system's file dialogs, its clipboard and its "open with", behind a
//! trait: the shell asks through it, the app answers with Tauri's dialog
//! and opener plugins (and GTK's clipboard on Linux), and the shell's
//! tests with files they name. Each call blocks while the member chooses;
//! the shell makes them off the async runtime.

use std::path::{Path, PathBuf};

/// What the system's clipboard holds that a message can carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pasted {
    /// Nothing of the kind (text, say).
    Nothing,
    /// Files copied in a file manager.
    Files(Vec<PathBuf>),
    /// A picture (a screenshot, an image copied in a browser): its bytes
    /// as the clipboard offers them, and the extension of their type.
    Image {
        bytes: Vec<u8>,
        extension: &'static str,
    },
}

/// What the shell asks of the desktop about files.
pub trait Dialogs: Send + Sync + 'static {
    /// The files the member picks to attach; none when they cancel.
    fn pick_files(&self) -> Vec<PathBuf>;
    /// Where the member saves a file offered as `name`; `None` when they
    /// cancel. (The dialog asks before replacing a file.)
    fn save_to(&self, name: &str) -> Option<PathBuf>;
    /// Opens `path` with the application the system has for its type.
    fn open(&self, path: &Path) -> Result<(), String>;
    /// The files or picture on the system's clipboard. Asked where the
    /// web view does not show the page what a paste carries (WebKitGTK
    /// gives a paste event neither files nor images).
    fn clipboard(&self) -> Pasted;
}

/// The dialogs of the app's own window.
pub struct NativeDialogs<R: tauri::Runtime> {
    pub app: tauri::AppHandle<R>,
}

impl<R: tauri::Runtime> Dialogs for NativeDialogs<R> {
    fn pick_files(&self) -> Vec<PathBuf> {
        use tauri_plugin_dialog::DialogExt;
        self.app
            .dialog()
            .file()
            .set_title("Attach files")
            .blocking_pick_files()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|f| f.into_path().ok())
            .collect()
    }

    fn save_to(&self, name: &str) -> Option<PathBuf> {
        use tauri_plugin_dialog::DialogExt;
        let mut dialog = self
            .app
            .dialog()
            .file()
            .set_title("Save file")
            .set_file_name(name);
        if let Some(downloads) = dirs_downloads(&self.app) {
            dialog = dialog.set_directory(downloads);
        }
        dialog.blocking_save_file()?.into_path().ok()
    }

    fn open(&self, path: &Path) -> Result<(), String> {
        use tauri_plugin_opener::OpenerExt;
        self.app
            .opener()
            .open_path(path.to_string_lossy(), None::<&str>)
            .map_err(|e| e.to_string())
    }

    #[cfg(target_os = "linux")]
    fn clipboard(&self) -> Pasted {
        // GTK's clipboard is the main thread's.
        let (tx, rx) = std::sync::mpsc::channel();
        let asked = self.app.run_on_main_thread(move || {
            let _ = tx.send(gtk_clipboard());
        });
        if asked.is_err() {
            return Pasted::Nothing;
        }
        rx.recv().unwrap_or(Pasted::Nothing)
    }

    /// WebView2 and WKWebView give the page the files of a paste
    /// themselves: nothing is asked of the shell there.
    #[cfg(not(target_os = "linux"))]
    fn clipboard(&self) -> Pasted {
        Pasted::Nothing
    }
}

/// The kinds of picture taken as they are, most wanted first.
#[cfg(target_os = "linux")]
const PICTURES: [(&str, &str); 4] = [
    ("image/png", "png"),
    ("image/jpeg", "jpg"),
    ("image/gif", "gif"),
    ("image/webp", "webp"),
];

#[cfg(target_os = "linux")]
fn gtk_clipboard() -> Pasted {
    use gtk::{gdk, glib, Clipboard};
    let clipboard = Clipboard::get(&gdk::Atom::intern("CLIPBOARD"));
    let targets: Vec<String> = clipboard
        .wait_for_targets()
        .unwrap_or_default()
        .iter()
        .map(|a| a.name().to_string())
        .collect();
    let offers = |kind: &str| targets.iter().any(|t| t == kind);
    if offers("text/uri-list") {
        let files: Vec<PathBuf> = clipboard
            .wait_for_uris()
            .iter()
            .filter_map(|uri| glib::filename_from_uri(uri).ok().map(|(path, _)| path))
            .collect();
        if !files.is_empty() {
            return Pasted::Files(files);
        }
    }
    for (kind, extension) in PICTURES {
        if !offers(kind) {
            continue;
        }
        if let Some(data) = clipboard.wait_for_contents(&gdk::Atom::intern(kind)) {
            let bytes = data.data();
            if !bytes.is_empty() {
                return Pasted::Image { bytes, extension };
            }
        }
    }
    // Another kind of picture (a BMP, say): GTK makes it a PNG.
    if targets.iter().any(|t| t.starts_with("image/")) {
        if let Some(bytes) = clipboard
            .wait_for_image()
            .and_then(|picture| picture.save_to_bufferv("png", &[]).ok())
        {
            return Pasted::Image {
                bytes,
                extension: "png",
            };
        }
    }
    Pasted::Nothing
}

fn dirs_downloads<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Option<PathBuf> {
    use tauri::Manager;
    app.path().download_dir().ok().filter(|d| d.is_dir())
}
