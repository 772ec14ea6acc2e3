//! The shell's test harness: a demo server on a runtime of its own, and the
//! app under Tauri's mock runtime with what it emitted, notified and
//! showed in the tray.

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use suda_client::credentials::CredentialMode;
use suda_desktop::{
    dialogs::{Dialogs, Pasted},
    notify::Recording,
    shell::{Shell, ShellParts},
    tray::TrayModel,
};
use suda_testkit::BackgroundServer;
use tauri::{
    ipc::{CallbackFn, InvokeBody},
    test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY},
    webview::InvokeRequest,
    App, Listener, Manager, WebviewWindow, WebviewWindowBuilder,
};

/// The test kit's server with the demo data, on a runtime of its own (the
/// shell's tests run Tauri's, not tokio's).
pub struct Server {
    pub url: String,
    inner: BackgroundServer,
}

impl Server {
    pub fn start() -> Server {
        Self::start_with(|_| {})
    }

    pub fn start_with(adjust: impl FnOnce(&mut suda_server::Config)) -> Server {
        let mut config = suda_server::Config {
            demo: true,
            ..suda_testkit::config()
        };
        adjust(&mut config);
        let inner = BackgroundServer::start(config);
        Server {
            url: inner.base(),
            inner,
        }
    }

    /// Runs a future on the server's runtime (to act as another member).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.inner.block_on(f)
    }

    /// A signed-in client session for a demo member.
    pub fn member(&self, name: &str) -> suda_client::Session {
        self.block_on(async {
            let session =
                suda_client::Session::new(suda_client::SessionOptions::new(&self.url)).unwrap();
            session.sign_in(name, "suda-demo").await.unwrap();
            session
        })
    }
}

pub fn wait(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The system's dialogs as a test answers them: the files "picked", where
/// a file is "saved" (`None`: cancelled), and what was opened.
#[derive(Default)]
pub struct Answers {
    pub picks: Mutex<Vec<PathBuf>>,
    pub save_to: Mutex<Option<PathBuf>>,
    /// The name each save dialog offered.
    pub offered: Mutex<Vec<String>>,
    pub opened: Mutex<Vec<PathBuf>>,
    pub clipboard: Mutex<Option<Pasted>>,
}

impl Dialogs for Answers {
    fn pick_files(&self) -> Vec<PathBuf> {
        self.picks.lock().unwrap().clone()
    }

    fn save_to(&self, name: &str) -> Option<PathBuf> {
        self.offered.lock().unwrap().push(name.to_owned());
        self.save_to.lock().unwrap().clone()
    }

    fn open(&self, path: &Path) -> Result<(), String> {
        self.opened.lock().unwrap().push(path.to_owned());
        Ok(())
    }

    fn clipboard(&self) -> Pasted {
        self.clipboard
            .lock()
            .unwrap()
            .clone()
            .unwrap_or(Pasted::Nothing)
    }
}

/// The app under test, with what it emitted, notified and showed in the tray.
pub struct Desktop {
    _app: App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
    pub events: Arc<Mutex<Vec<Value>>>,
    pub notified: Recording,
    pub trays: Arc<Mutex<Vec<TrayModel>>>,
    pub dialogs: Arc<Answers>,
}

impl Desktop {
    pub fn start(dirs: &Path) -> Desktop {
        Self::start_with(dirs, |_| {})
    }

    pub fn start_with(dirs: &Path, before: impl FnOnce(&Path)) -> Desktop {
        before(dirs);
        let app = mock_builder()
            .invoke_handler(suda_desktop::handlers())
            .build(mock_context(noop_assets()))
            .unwrap();
        let notified = Recording::default();
        let trays: Arc<Mutex<Vec<TrayModel>>> = Arc::default();
        let emitter = app.handle().clone();
        let tray_log = Arc::clone(&trays);
        let dialogs = Arc::new(Answers::default());
        app.manage(Shell::new(ShellParts {
            data_dir: dirs.join("data"),
            config_dir: dirs.join("config"),
            // The keychain is per user and would be shared between tests.
            credentials: CredentialMode::FileOnly,
            notifier: Arc::new(notified.clone()),
            emit: Arc::new(move |event| {
                use tauri::Emitter;
                emitter.emit(suda_ipc::EVENT, event).unwrap();
            }),
            show_tray: Arc::new(move |model| tray_log.lock().unwrap().push(model.clone())),
            autostart: Arc::new(|_| Ok(())),
            dialogs: Arc::clone(&dialogs) as Arc<dyn Dialogs>,
        }));
        let events: Arc<Mutex<Vec<Value>>> = Arc::default();
        let log = Arc::clone(&events);
        app.listen_any(suda_ipc::EVENT, move |e| {
            log.lock()
                .unwrap()
                .push(serde_json::from_str(e.payload()).unwrap());
        });
        let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap();
        Desktop {
            _app: app,
            webview,
            events,
            notified,
            trays,
            dialogs,
        }
    }

    pub fn invoke(&self, cmd: &str, args: Option<Value>) -> Result<Value, Value> {
        let body = match args {
            Some(args) => json!({ "args": args }),
            None => json!({}),
        };
        self.request(cmd, InvokeBody::Json(body), Default::default())
    }

    /// Invokes a `#[bytes]` command as the generated TypeScript does: the
    /// bytes as the body, the arguments in the `suda-args` header.
    pub fn invoke_bytes(&self, cmd: &str, args: Value, bytes: Vec<u8>) -> Result<Value, Value> {
        invoke_bytes(&self.webview, cmd, args, bytes)
    }

    /// Invokes a command with raw bytes and exactly these headers.
    pub fn request_raw(
        &self,
        cmd: &str,
        bytes: Vec<u8>,
        headers: tauri::http::HeaderMap,
    ) -> Result<Value, Value> {
        request(&self.webview, cmd, InvokeBody::Raw(bytes), headers)
    }

    fn request(
        &self,
        cmd: &str,
        body: InvokeBody,
        headers: tauri::http::HeaderMap,
    ) -> Result<Value, Value> {
        request(&self.webview, cmd, body, headers)
    }

    /// The web view, to invoke from another thread.
    pub fn webview(&self) -> WebviewWindow<MockRuntime> {
        self.webview.clone()
    }

    pub fn sign_in(&self, server: &Server, name: &str) -> Value {
        self.invoke(
            "sign_in",
            Some(json!({"serverUrl": server.url, "memberName": name, "password": "suda-demo"})),
        )
        .unwrap()
    }

    pub fn shell(&self) -> tauri::State<'_, Shell> {
        self.webview.state::<Shell>()
    }

    pub fn count_events(&self, kind: &str) -> usize {
        let events = self.events.lock().unwrap();
        events.iter().filter(|e| e["type"] == kind).count()
    }

    pub fn wait_event(&self, what: &str, check: impl Fn(&Value) -> bool) -> Value {
        let mut found = None;
        wait(what, || {
            found = self
                .events
                .lock()
                .unwrap()
                .iter()
                .find(|e| check(e))
                .cloned();
            found.is_some()
        });
        found.unwrap()
    }

    pub fn channel_id(&self, name: &str) -> String {
        let channels = self.invoke("channels", None).unwrap();
        channels
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// [`Desktop::invoke_bytes`], on a web view.
pub fn invoke_bytes(
    webview: &WebviewWindow<MockRuntime>,
    cmd: &str,
    args: Value,
    bytes: Vec<u8>,
) -> Result<Value, Value> {
    let encoded: String = args
        .to_string()
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let mut headers = tauri::http::HeaderMap::new();
    headers.insert(suda_ipc::ARGS_HEADER, encoded.parse().unwrap());
    request(webview, cmd, InvokeBody::Raw(bytes), headers)
}

fn request(
    webview: &WebviewWindow<MockRuntime>,
    cmd: &str,
    body: InvokeBody,
    headers: tauri::http::HeaderMap,
) -> Result<Value, Value> {
    get_ipc_response(
        webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body,
            headers,
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}
