//! The system tray: an icon that shows whether anything is unread, the
//! count in the tooltip and the menu, and a menu with show/hide, the
//! channels with unread messages, do-not-disturb and quit.
//!
//! [`model`] decides what the tray shows from the app's state; it is a pure
//! function, tested without a tray host (there is none under Xvfb). The
//! desktop-only code below turns the model into Tauri's tray and menu.

use suda_ipc::{ChannelView, NotificationLevel};

/// How many channels the menu lists at most.
const MAX_CHANNELS: usize = 10;

/// One entry of the tray menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayItem {
    /// "Show Suda" or "Hide Suda".
    ToggleWindow { visible: bool },
    /// A channel with unread messages; opens it.
    Channel { id: String, label: String },
    /// The do-not-disturb switch.
    DoNotDisturb { on: bool },
    /// A line.
    Separator,
    /// "Quit Suda".
    Quit,
}

impl TrayItem {
    /// The menu id the click handler reads back.
    pub fn id(&self) -> String {
        match self {
            TrayItem::ToggleWindow { .. } => "toggle".into(),
            TrayItem::Channel { id, .. } => format!("channel:{id}"),
            TrayItem::DoNotDisturb { .. } => "dnd".into(),
            TrayItem::Separator => "separator".into(),
            TrayItem::Quit => "quit".into(),
        }
    }

    /// The label shown.
    pub fn label(&self) -> String {
        match self {
            TrayItem::ToggleWindow { visible: true } => "Hide Suda".into(),
            TrayItem::ToggleWindow { visible: false } => "Show Suda".into(),
            TrayItem::Channel { label, .. } => label.clone(),
            TrayItem::DoNotDisturb { .. } => "Do not disturb".into(),
            TrayItem::Separator => String::new(),
            TrayItem::Quit => "Quit Suda".into(),
        }
    }
}

/// What the tray shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayModel {
    /// Whether to show the unread icon (with a dot).
    pub unread: bool,
    /// The unread count beside the icon ("99+" past 99), where the platform
    /// shows one (the indicator's label on Linux, the title on macOS;
    /// Windows has the tooltip only). `None` when nothing is unread.
    pub badge: Option<String>,
    pub tooltip: String,
    pub items: Vec<TrayItem>,
}

/// What a menu click asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayAction {
    ToggleWindow,
    OpenChannel(String),
    ToggleDoNotDisturb,
    Quit,
}

/// Reads a menu id back into an action.
pub fn action(menu_id: &str) -> Option<TrayAction> {
    match menu_id {
        "toggle" => Some(TrayAction::ToggleWindow),
        "dnd" => Some(TrayAction::ToggleDoNotDisturb),
        "quit" => Some(TrayAction::Quit),
        other => other
            .strip_prefix("channel:")
            .map(|id| TrayAction::OpenChannel(id.to_owned())),
    }
}

/// What of a channel's unread messages the tray counts: all of them, only
/// those that mention the member for a "mentions only" channel, none of a
/// muted one (a muted chat counted in the tray is what others get wrong).
pub fn counted(c: &ChannelView) -> u32 {
    match c.level {
        _ if c.muted => 0,
        NotificationLevel::All => c.unread,
        NotificationLevel::Mentions => c.mentions,
        NotificationLevel::Nothing => 0,
    }
}

/// The tray for these channels (muted ones do not count), window
/// visibility and do-not-disturb state.
pub fn model(channels: &[ChannelView], window_visible: bool, do_not_disturb: bool) -> TrayModel {
    let mut unread: Vec<&ChannelView> = channels.iter().filter(|c| counted(c) > 0).collect();
    let newest = |c: &ChannelView| {
        c.last_event_id
            .as_deref()
            .and_then(|id| id.parse::<u64>().ok())
            .unwrap_or(0)
    };
    unread.sort_by_key(|c| std::cmp::Reverse(newest(c)));
    let total: u64 = unread.iter().map(|c| u64::from(counted(c))).sum();
    let tooltip = match (total, do_not_disturb) {
        (0, false) => "Suda".to_owned(),
        (0, true) => "Suda (do not disturb)".to_owned(),
        (1, dnd) => format!(
            "Suda: 1 unread message{}",
            if dnd { " (do not disturb)" } else { "" }
        ),
        (n, dnd) => format!(
            "Suda: {n} unread messages{}",
            if dnd { " (do not disturb)" } else { "" }
        ),
    };
    let mut items = vec![TrayItem::ToggleWindow {
        visible: window_visible,
    }];
    if !unread.is_empty() {
        items.push(TrayItem::Separator);
        for c in unread.iter().take(MAX_CHANNELS) {
            let name = match c.kind {
                suda_ipc::ChannelKind::Group => format!("#{}", c.name),
                suda_ipc::ChannelKind::Direct => c.name.clone(),
            };
            items.push(TrayItem::Channel {
                id: c.id.clone(),
                label: format!("{name} ({})", counted(c)),
            });
        }
    }
    items.push(TrayItem::Separator);
    items.push(TrayItem::DoNotDisturb { on: do_not_disturb });
    items.push(TrayItem::Quit);
    let badge = match total {
        0 => None,
        1..=99 => Some(total.to_string()),
        _ => Some("99+".to_owned()),
    };
    TrayModel {
        unread: total > 0,
        badge,
        tooltip,
        items,
    }
}

#[cfg(desktop)]
pub use desktop::{apply, install};

#[cfg(desktop)]
mod desktop {
    use tauri::{
        image::Image,
        menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem},
        tray::TrayIconBuilder,
        AppHandle, Runtime,
    };

    use super::{TrayItem, TrayModel};

    const TRAY_ID: &str = "suda";
    const ICON: &[u8] = include_bytes!("../icons/tray.png");
    const ICON_UNREAD: &[u8] = include_bytes!("../icons/tray-unread.png");

    fn menu<R: Runtime>(app: &AppHandle<R>, model: &TrayModel) -> tauri::Result<Menu<R>> {
        let menu = Menu::new(app)?;
        for item in &model.items {
            match item {
                TrayItem::Separator => menu.append(&PredefinedMenuItem::separator(app)?)?,
                TrayItem::DoNotDisturb { on } => menu.append(&CheckMenuItem::with_id(
                    app,
                    item.id(),
                    item.label(),
                    true,
                    *on,
                    None::<&str>,
                )?)?,
                other => menu.append(&MenuItem::with_id(
                    app,
                    other.id(),
                    other.label(),
                    true,
                    None::<&str>,
                )?)?,
            }
        }
        Ok(menu)
    }

    fn icon(model: &TrayModel) -> tauri::Result<Image<'static>> {
        Image::from_bytes(if model.unread { ICON_UNREAD } else { ICON })
    }

    /// Creates the tray icon; menu clicks go to `on_action`.
    pub fn install<R: Runtime>(
        app: &AppHandle<R>,
        model: &TrayModel,
        on_action: impl Fn(&AppHandle<R>, super::TrayAction) + Send + Sync + 'static,
    ) -> tauri::Result<()> {
        TrayIconBuilder::with_id(TRAY_ID)
            .icon(icon(model)?)
            .tooltip(&model.tooltip)
            .title(model.badge.as_deref().unwrap_or_default())
            .menu(&menu(app, model)?)
            .on_menu_event(move |app, event| {
                if let Some(action) = super::action(event.id().as_ref()) {
                    on_action(app, action);
                }
            })
            .build(app)?;
        Ok(())
    }

    /// Shows a new model on the existing tray icon.
    pub fn apply<R: Runtime>(app: &AppHandle<R>, model: &TrayModel) -> tauri::Result<()> {
        if let Some(tray) = app.tray_by_id(TRAY_ID) {
            tray.set_icon(Some(icon(model)?))?;
            tray.set_tooltip(Some(&model.tooltip))?;
            tray.set_title(model.badge.as_deref())?;
            tray.set_menu(Some(menu(app, model)?))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use suda_ipc::ChannelKind;

    use super::*;

    fn channel(id: &str, kind: ChannelKind, unread: u32, muted: bool, last: &str) -> ChannelView {
        ChannelView {
            id: id.into(),
            kind,
            name: format!("c{id}"),
            unread,
            last_event_id: Some(last.into()),
            last_read_event_id: None,
            member_count: 2,
            muted,
            mentions: 0,
            level: NotificationLevel::All,
            direct_member_id: None,
            topic: String::new(),
            private: false,
            archived: false,
            creator_id: None,
        }
    }

    #[test]
    fn a_channel_counts_in_the_tray_as_its_level_says() {
        let all = channel("1", ChannelKind::Group, 4, false, "9");
        let mentions = ChannelView {
            mentions: 1,
            level: NotificationLevel::Mentions,
            ..channel("2", ChannelKind::Group, 5, false, "8")
        };
        let nothing = ChannelView {
            mentions: 2,
            level: NotificationLevel::Nothing,
            ..channel("3", ChannelKind::Group, 6, false, "7")
        };
        let quiet = ChannelView {
            mentions: 0,
            ..mentions.clone()
        };
        let m = model(&[all, mentions, nothing, quiet], true, false);
        assert_eq!(
            m.badge.as_deref(),
            Some("5"),
            "4 + 1 mention, nothing of muted"
        );
        let labels: Vec<_> = m
            .items
            .iter()
            .filter_map(|i| match i {
                TrayItem::Channel { label, .. } => Some(label.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(labels, ["#c1 (4)", "#c2 (1)"]);
    }

    #[test]
    fn nothing_unread_shows_the_plain_icon() {
        let m = model(
            &[channel("1", ChannelKind::Group, 0, false, "5")],
            true,
            false,
        );
        assert!(!m.unread);
        assert_eq!(m.badge, None);
        assert_eq!(m.tooltip, "Suda");
        assert_eq!(
            m.items,
            [
                TrayItem::ToggleWindow { visible: true },
                TrayItem::Separator,
                TrayItem::DoNotDisturb { on: false },
                TrayItem::Quit
            ]
        );
    }

    #[test]
    fn unread_channels_show_the_badge_count_and_entries_newest_first() {
        let m = model(
            &[
                channel("1", ChannelKind::Group, 2, false, "10"),
                channel("2", ChannelKind::Direct, 1, false, "12"),
                channel("4", ChannelKind::Group, 1, false, "9"),
                channel("3", ChannelKind::Group, 7, true, "20"),
            ],
            false,
            false,
        );
        assert!(m.unread);
        assert_eq!(m.badge.as_deref(), Some("4"));
        assert_eq!(
            m.tooltip, "Suda: 4 unread messages",
            "muted channels do not count"
        );
        assert_eq!(m.items[0], TrayItem::ToggleWindow { visible: false });
        assert_eq!(m.items[0].label(), "Show Suda");
        assert_eq!(
            m.items[2],
            TrayItem::Channel {
                id: "2".into(),
                label: "c2 (1)".into()
            }
        );
        assert_eq!(
            m.items[3].label(),
            "#c1 (2)",
            "ids compare as numbers: 12 > 10 > 9"
        );
        assert_eq!(m.items[4].label(), "#c4 (1)");
        assert_eq!(
            action(&m.items[3].id()),
            Some(TrayAction::OpenChannel("1".into()))
        );
    }

    #[test]
    fn do_not_disturb_shows_in_the_tooltip_and_menu() {
        let m = model(
            &[channel("1", ChannelKind::Group, 1, false, "1")],
            true,
            true,
        );
        assert_eq!(m.tooltip, "Suda: 1 unread message (do not disturb)");
        assert!(m.items.contains(&TrayItem::DoNotDisturb { on: true }));
        assert_eq!(action("dnd"), Some(TrayAction::ToggleDoNotDisturb));
        assert_eq!(action("quit"), Some(TrayAction::Quit));
        assert_eq!(action("toggle"), Some(TrayAction::ToggleWindow));
        assert_eq!(action("bogus"), None);
    }

    #[test]
    fn the_menu_lists_at_most_ten_channels() {
        let many: Vec<ChannelView> = (0..15)
            .map(|i| {
                channel(
                    &i.to_string(),
                    ChannelKind::Group,
                    1,
                    false,
                    &format!("{i:03}"),
                )
            })
            .collect();
        let m = model(&many, true, false);
        let channels = m
            .items
            .iter()
            .filter(|i| matches!(i, TrayItem::Channel { .. }))
            .count();
        assert_eq!(channels, 10);
        assert_eq!(m.tooltip, "Suda: 15 unread messages");
        let lots = [channel("1", ChannelKind::Group, 150, false, "1")];
        assert_eq!(model(&lots, true, false).badge.as_deref(), Some("99+"));
    }
}
