//! An empty Tauri app: one window, a static page.
fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("the empty app could not start");
}
