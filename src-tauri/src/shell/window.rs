//! What the window is doing, and what follows from it: a channel counts as
//! read only while the member can see the window, and the tray's menu says
//! "Show" or "Hide".
//!
//! Window events arrive on the main thread in the order they happen (a
//! focus lost and regained within a moment must end focused). Each is
//! applied there, at once, and the session and tray are told in the same
//! call: nothing waits for a task, so nothing can apply them out of order.

use super::Shell;

/// What the window is doing, as the OS reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowState {
    pub visible: bool,
    pub focused: bool,
}

impl Shell {
    /// Applies a change to the window's state, tells the session whether
    /// the member sees the window now, and redraws the tray.
    pub fn change_window(&self, change: impl FnOnce(&mut WindowState)) {
        // The session's lock is taken before the window's is let go of, so
        // of two changes racing, the last one applied is the last one told.
        let active = self.active.lock().expect("active");
        let seen = {
            let mut window = self.shared.window.lock().expect("window");
            change(&mut window);
            window.visible && window.focused
        };
        if let Some(a) = active.as_ref() {
            a.session.set_focused(seen);
        }
        drop(active);
        self.refresh_tray();
    }

    /// [`Shell::change_window`], for callers on a task (the tests).
    pub async fn window_changed(&self, change: impl FnOnce(&mut WindowState)) {
        self.change_window(change);
    }

    /// Whether the member can see the window now.
    pub fn window_seen(&self) -> bool {
        let w = *self.shared.window.lock().expect("window");
        w.visible && w.focused
    }
}
