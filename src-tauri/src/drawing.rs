//! How the web view draws on Linux.
//!
//! WebKitGTK composites the page through OpenGL on a thread of its web
//! process (the threaded compositor). Where the machine has no GPU (no DRM
//! render node: virtual machines, remote desktops, Xvfb), that OpenGL is
//! Mesa's software rasterizer, and under a burst of updates the compositor
//! thread crashed inside it (a segfault in `swrast_dri.so` on the
//! `ThreadedCompositor` thread, taking the web process with it: issue 18,
//! docs/benchmarks.md "The web view under a burst"). There the app asks
//! WebKit to draw without compositing: the page is painted on the CPU, which
//! is what the software rasterizer did anyway, without the GL threads.
//!
//! A choice the member made stays theirs: `WEBKIT_DISABLE_COMPOSITING_MODE`
//! set to anything (`0` keeps compositing) is left as it is.

use std::ffi::OsString;
use std::path::Path;

/// The variable WebKitGTK reads once, when its first web view is made.
pub const DISABLE_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// How the web view will draw.
#[derive(Debug, PartialEq, Eq)]
pub enum Drawing {
    /// WebKit's default: composited through the GPU's OpenGL.
    Composited,
    /// Painted on the CPU: OpenGL here would be software (the reason).
    Software(&'static str),
    /// The environment already says (`WEBKIT_DISABLE_COMPOSITING_MODE`).
    AsAsked,
}

/// Chooses from the environment (`var`) and whether a GPU's render node
/// exists.
pub fn choose(var: impl Fn(&str) -> Option<OsString>, render_node: bool) -> Drawing {
    if var(DISABLE_COMPOSITING).is_some() {
        return Drawing::AsAsked;
    }
    let software_gl = var("LIBGL_ALWAYS_SOFTWARE").is_some_and(|v| !v.is_empty() && v != "0");
    if software_gl {
        Drawing::Software("OpenGL is software (LIBGL_ALWAYS_SOFTWARE)")
    } else if !render_node {
        Drawing::Software("there is no GPU (no render node in /dev/dri)")
    } else {
        Drawing::Composited
    }
}

/// Whether `dir` (normally /dev/dri) holds a GPU's render node.
pub fn has_render_node(dir: &Path) -> bool {
    dir.read_dir().is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// Chooses and tells WebKit; before the first window is made, while the
/// process has no other threads that read the environment.
pub fn apply() -> Drawing {
    let drawing = choose(
        |name| std::env::var_os(name),
        has_render_node(Path::new("/dev/dri")),
    );
    if let Drawing::Software(why) = drawing {
        std::env::set_var(DISABLE_COMPOSITING, "1");
        tracing::info!(why, "the web view draws without GPU compositing");
    }
    drawing
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let map: HashMap<String, OsString> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn a_machine_with_a_gpu_composites_as_webkit_does() {
        assert_eq!(choose(env(&[]), true), Drawing::Composited);
    }

    #[test]
    fn without_a_gpu_the_page_is_painted_on_the_cpu() {
        assert!(matches!(choose(env(&[]), false), Drawing::Software(_)));
    }

    #[test]
    fn software_opengl_asked_for_by_name_also_paints_on_the_cpu() {
        let software = env(&[("LIBGL_ALWAYS_SOFTWARE", "1")]);
        assert!(matches!(choose(software, true), Drawing::Software(_)));
        // "0" and empty mean no.
        assert_eq!(
            choose(env(&[("LIBGL_ALWAYS_SOFTWARE", "0")]), true),
            Drawing::Composited
        );
        assert_eq!(
            choose(env(&[("LIBGL_ALWAYS_SOFTWARE", "")]), true),
            Drawing::Composited
        );
    }

    #[test]
    fn the_members_own_setting_is_kept_either_way() {
        // "0": keep compositing even without a GPU; "1": never composite.
        assert_eq!(
            choose(env(&[(DISABLE_COMPOSITING, "0")]), false),
            Drawing::AsAsked
        );
        assert_eq!(
            choose(env(&[(DISABLE_COMPOSITING, "1")]), true),
            Drawing::AsAsked
        );
    }

    #[test]
    fn a_render_node_is_found_by_its_name() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!has_render_node(dir.path()));
        std::fs::write(dir.path().join("card0"), b"").unwrap();
        assert!(
            !has_render_node(dir.path()),
            "a card alone is not a render node"
        );
        std::fs::write(dir.path().join("renderD128"), b"").unwrap();
        assert!(has_render_node(dir.path()));
        assert!(!has_render_node(&dir.path().join("missing")));
    }
}
