//! The shell's test harness: a demo server on a runtime of its own, and the
//! app under Tauri's mock runtime with what it emitted, notified and
//! showed in the tray.

use std::{
    path::Path,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use suda_client::credentials::CredentialMode;
use suda_desktop::{
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

/// The app under test, with what it emitted, notified and showed in the tray.
pub struct Desktop {
    _app: App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
    pub events: Arc<Mutex<Vec<Value>>>,
    pub notified: Recording,
    pub trays: Arc<Mutex<Vec<TrayModel>>>,
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
        }
    }

    pub fn invoke(&self, cmd: &str, args: Option<Value>) -> Result<Value, Value> {
        let body = match args {
            Some(args) => json!({ "args": args }),
            None => json!({}),
        };
        get_ipc_response(
            &self.webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: InvokeBody::Json(body),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<Value>().unwrap())
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
