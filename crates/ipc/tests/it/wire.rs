//! Every key on the wire is camelCase.
//!
//! The bindings test compares the TypeScript with the Rust types, but both
//! are generated from the same serde attributes, so a field that escapes the
//! renaming (`rename_all` on an enum renames its variants, not their fields)
//! looks the same on both sides. This test serialises a sample of every event
//! variant and of every command's argument and result, and checks the JSON
//! itself. The variants and commands are read from the crate, so a new one
//! without a sample here fails the test instead of going unchecked.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;
use suda_ipc::*;
use ts_rs::TS;

fn json(value: impl Serialize) -> Value {
    serde_json::to_value(value).expect("every IPC type serialises")
}

fn member() -> MemberView {
    MemberView {
        id: "1".into(),
        name: "Mina".into(),
        profile_image: Some("data:image/png;base64,AA==".into()),
    }
}

fn channel() -> ChannelView {
    ChannelView {
        id: "2".into(),
        kind: ChannelKind::Group,
        name: "general".into(),
        unread: 1,
        last_event_id: Some("9".into()),
        last_read_event_id: Some("8".into()),
        member_count: 3,
        muted: false,
        mentions: 1,
        level: NotificationLevel::Mentions,
        direct_member_id: None,
        topic: "Everything, with everyone".into(),
        private: false,
        archived: false,
        creator_id: Some("1".into()),
    }
}

fn listed() -> ListedGroupView {
    ListedGroupView {
        id: "2".into(),
        name: "Design".into(),
        topic: "Pixels and fonts".into(),
        member_count: 12,
        joined: false,
    }
}

fn event() -> EventView {
    EventView {
        id: "9".into(),
        channel_id: "2".into(),
        kind: EventKind::Chat,
        created_at: "2026-12-01T10:00:00Z".into(),
        member: member(),
        text: Some("hi".into()),
        client_key: Some("k1".into()),
        mentions: vec!["1".into()],
        edited_at: Some("2026-12-01T10:01:00Z".into()),
        deleted: false,
        reply_to: Some(ReplyView {
            id: "8".into(),
            member: member(),
            preview: "lunch?".into(),
            deleted: false,
        }),
        reactions: vec![ReactionView {
            emoji: "👍".into(),
            count: 2,
            mine: true,
            members: vec![member()],
        }],
        thread_root: Some("3".into()),
        thread: Some(ThreadView {
            reply_count: 2,
            last_reply_at: "2026-12-01T10:02:00Z".into(),
            following: true,
            unread: 1,
        }),
        in_thread: Some(InThreadView {
            root_id: "3".into(),
            reply_count: 2,
            following: true,
        }),
        attachments: vec![AttachmentView {
            id: "123456789012345678".into(),
            name: "beach.png".into(),
            size: 2048,
            content_type: "image/png".into(),
            image: Some(ImageSizeView {
                width: 600,
                height: 300,
            }),
            url: "suda-file://localhost/123456789012345678".into(),
            thumbnail_url: Some("suda-file://localhost/123456789012345678/thumbnail".into()),
            openable: true,
        }],
        removed_by: None,
    }
}

/// One of each change.
fn changes() -> Vec<ChangeView> {
    vec![
        ChangeView::Edited {
            channel_id: "2".into(),
            message_id: "9".into(),
            text: "hi!".into(),
            edited_at: "2026-12-01T10:01:00Z".into(),
        },
        ChangeView::Deleted {
            channel_id: "2".into(),
            message_id: "9".into(),
            thread_root: Some("3".into()),
            reply_count: Some(1),
        },
        ChangeView::ThreadRead {
            channel_id: "2".into(),
            root_id: "3".into(),
        },
        ChangeView::Reaction {
            channel_id: "2".into(),
            message_id: "9".into(),
            emoji: "👍".into(),
            member: member(),
            on: true,
            count: 1,
            by_me: false,
        },
    ]
}

fn outbox_item() -> OutboxItem {
    OutboxItem {
        client_key: "k1".into(),
        channel_id: "2".into(),
        text: "hi".into(),
        state: OutboxState::Failed,
        error: Some("Too long".into()),
        event_id: None,
        reply_to: Some("8".into()),
        thread_root: Some("3".into()),
        attachments: event().attachments,
    }
}

fn session() -> SessionView {
    SessionView {
        member: member(),
        server_url: "https://chat.example".into(),
    }
}

fn settings() -> Settings {
    Settings {
        language: Some("ko".into()),
        muted_channels: vec!["2".into()],
        last_server_url: Some("https://chat.example".into()),
        ..Settings::default()
    }
}

fn device() -> DeviceView {
    DeviceView {
        id: "a1".into(),
        device: Some("Suda desktop".into()),
        address: Some("192.0.2.1".into()),
        created_at: "2026-12-01T10:00:00Z".into(),
        last_seen_at: Some("2026-12-01T10:01:00Z".into()),
        current: true,
    }
}

fn connections() -> Vec<ConnectionView> {
    vec![
        ConnectionView::Connecting,
        ConnectionView::Live {
            transport: "sse".into(),
        },
        ConnectionView::Reconnecting {
            in_secs: 4,
            attempt: 2,
        },
        ConnectionView::SignedOut,
        ConnectionView::SignInAgain,
    ]
}

/// One of each `AppEvent` variant, and every connection state.
fn events() -> Vec<AppEvent> {
    let mut all = vec![
        AppEvent::Event {
            event: Box::new(event()),
        },
        AppEvent::Events {
            events: vec![event()],
        },
        AppEvent::Channels {
            channels: vec![channel()],
        },
        AppEvent::Outbox {
            item: outbox_item(),
        },
        AppEvent::Resynced,
        AppEvent::Session {
            session: Some(session()),
        },
        AppEvent::Settings {
            settings: settings(),
        },
        AppEvent::OpenChannel {
            channel_id: "2".into(),
        },
        AppEvent::Notice {
            message: "Settings were reset".into(),
        },
        AppEvent::Typing {
            channel_id: "2".into(),
            thread_root: Some("3".into()),
            member: member(),
            typing: true,
            for_ms: 6_000,
        },
        AppEvent::Presence {
            member_id: "1".into(),
            presence: PresenceView::Away,
        },
        AppEvent::UploadProgress {
            upload_id: "u1".into(),
            sent: 65_536,
            total: 1_000_000,
        },
    ];
    all.extend(
        connections()
            .into_iter()
            .map(|connection| AppEvent::Connection { connection }),
    );
    all.extend(
        changes()
            .into_iter()
            .map(|change| AppEvent::Changed { change }),
    );
    all
}

/// A sample of a command's argument or result, by its TypeScript name.
fn sample(ts_name: &str) -> Value {
    match ts_name {
        "null" => Value::Null,
        "boolean" => Value::Bool(true),
        "Snapshot" => json(Snapshot {
            session: Some(session()),
            channels: vec![channel()],
            connection: ConnectionView::Reconnecting {
                in_secs: 1,
                attempt: 1,
            },
            outbox: vec![outbox_item()],
            settings: settings(),
            notice: Some("n".into()),
            open_channel: Some("1".into()),
            drafts: vec![DraftView {
                channel_id: "2".into(),
                text: "half".into(),
            }],
        }),
        "SessionView" => json(session()),
        "ChannelView" => json(channel()),
        "Array<ChannelView>" => json(vec![channel()]),
        "HistoryPage" => json(HistoryPage {
            channel_id: "2".into(),
            events: vec![event()],
            has_more: true,
            next_cursor: Some("9".into()),
        }),
        "OutboxItem" => json(outbox_item()),
        "Array<MemberView>" => json(vec![member()]),
        "Settings" => json(settings()),
        "Array<DeviceView>" => json(vec![device()]),
        "SignInArgs" => json(SignInArgs {
            server_url: "https://chat.example".into(),
            member_name: "mina".into(),
            password: "secret".into(),
        }),
        "HistoryArgs" => json(HistoryArgs {
            channel_id: "2".into(),
            before: Some("9".into()),
            around: None,
        }),
        "SendArgs" => json(SendArgs {
            channel_id: "2".into(),
            text: "hi".into(),
            reply_to: Some("8".into()),
            thread_root: Some("3".into()),
            attachment_ids: vec!["123456789012345678".into()],
        }),
        "EditArgs" => json(EditArgs {
            message_id: "9".into(),
            text: "hi!".into(),
        }),
        "MessageArgs" => json(MessageArgs {
            message_id: "9".into(),
        }),
        "ReactArgs" => json(ReactArgs {
            message_id: "9".into(),
            emoji: "👍".into(),
            on: true,
        }),
        "OutboxArgs" => json(OutboxArgs {
            client_key: "k1".into(),
        }),
        "MarkReadArgs" => json(MarkReadArgs {
            channel_id: "2".into(),
            up_to: Some("9".into()),
        }),
        "CreateGroupArgs" => json(CreateGroupArgs {
            name: "g".into(),
            member_names: vec!["bo".into()],
            topic: "plans".into(),
            private: true,
        }),
        "DirectoryArgs" => json(DirectoryArgs {
            query: "des".into(),
            offset: 50,
        }),
        "ListedGroupView" => json(listed()),
        "DirectoryView" => json(DirectoryView {
            groups: vec![listed()],
            has_more: true,
        }),
        "UpdateGroupArgs" => json(UpdateGroupArgs {
            channel_id: "2".into(),
            name: Some("launch".into()),
            topic: None,
            archived: Some(true),
        }),
        "RemoveMemberArgs" => json(RemoveMemberArgs {
            channel_id: "2".into(),
            member_id: "4".into(),
        }),
        "MemberArgs" => json(MemberArgs {
            member_name: "bo".into(),
        }),
        "ChannelArgs" => json(ChannelArgs {
            channel_id: "2".into(),
        }),
        "LevelArgs" => json(LevelArgs {
            channel_id: "2".into(),
            level: NotificationLevel::Nothing,
        }),
        "InviteArgs" => json(InviteArgs {
            channel_id: "2".into(),
            member_name: "bo".into(),
        }),
        "DraftView" => json(DraftView {
            channel_id: "2".into(),
            text: "half".into(),
        }),
        "FocusArgs" => json(FocusArgs {
            channel_id: Some("2".into()),
            thread_root: Some("3".into()),
        }),
        "ThreadArgs" => json(ThreadArgs {
            root_id: "3".into(),
            before: Some("9".into()),
        }),
        "ThreadReadArgs" => json(ThreadReadArgs {
            channel_id: "2".into(),
            root_id: "3".into(),
        }),
        "ThreadPageView" => json(ThreadPageView {
            channel_id: "2".into(),
            root: event(),
            replies: vec![event()],
            has_more: false,
            next_cursor: None,
        }),
        "SearchArgs" => json(SearchArgs {
            query: "lunch from:bo".into(),
            channel_id: Some("2".into()),
            before: Some("9".into()),
        }),
        "SearchPageView" => json(SearchPageView {
            hits: vec![SearchHitView {
                message: event(),
                highlights: vec![TextRangeView {
                    start: 0,
                    length: 5,
                }],
            }],
            has_more: true,
            next_cursor: Some("9".into()),
        }),
        "DeviceArgs" => json(DeviceArgs { id: "a1".into() }),
        "AttachmentLimitsView" => json(AttachmentLimitsView {
            max_bytes: 26_214_400,
            per_message: 10,
        }),
        "Array<ChosenFileView>" => json(vec![ChosenFileView {
            file_id: "f1".into(),
            name: "notes.txt".into(),
            size: 17,
        }]),
        "AttachmentView" => json(&event().attachments[0]),
        "UploadFileArgs" => json(UploadFileArgs {
            upload_id: "u1".into(),
            file_id: "f1".into(),
        }),
        "UploadBytesArgs" => json(UploadBytesArgs {
            upload_id: "u1".into(),
            name: "pasted.png".into(),
            media_type: "image/png".into(),
        }),
        "UploadArgs" => json(UploadArgs {
            upload_id: "u1".into(),
        }),
        "PresenceArgs" => json(PresenceArgs {
            member_ids: vec!["1".into()],
        }),
        "Array<MemberPresenceView>" => json(vec![MemberPresenceView {
            member_id: "1".into(),
            presence: PresenceView::Online,
        }]),
        "AwayArgs" => json(AwayArgs { away: true }),
        "TypingArgs" => json(TypingArgs {
            channel_id: "2".into(),
            thread_root: None,
            typing: true,
        }),
        "TypingView" => json(TypingView {
            shown: true,
            again_in_ms: 3_000,
        }),
        "AttachmentArgs" => json(AttachmentArgs {
            attachment_id: "123456789012345678".into(),
            name: "notes.txt".into(),
        }),
        "MemberIdArgs" => json(MemberIdArgs {
            member_id: "1".into(),
        }),
        other => {
            panic!("no sample of {other}: add one to tests/it/wire.rs so its keys are checked")
        }
    }
}

fn is_camel_case(key: &str) -> bool {
    key.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && key.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Every object key in `value`, at any depth, that is not camelCase, with its path.
fn bad_keys(value: &Value, path: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let here = format!("{path}.{key}");
                if !is_camel_case(key) {
                    out.push(here.clone());
                }
                bad_keys(v, &here, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                bad_keys(v, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// The tags a tagged enum's TypeScript declares (`"type": "event"` ...).
fn declared_tags<T: TS>(tag: &str) -> BTreeSet<String> {
    let decl = T::decl(&ts_rs::Config::default());
    let marker = format!("\"{tag}\": \"");
    decl.split(&marker)
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap_or_default().to_owned())
        .collect()
}

fn tags(values: &[Value], tag: &str) -> BTreeSet<String> {
    values
        .iter()
        .map(|v| {
            v[tag]
                .as_str()
                .expect("a tagged enum has its tag")
                .to_owned()
        })
        .collect()
}

#[test]
fn the_samples_cover_every_event_variant_and_connection_state() {
    let events: Vec<Value> = events().into_iter().map(json).collect();
    assert_eq!(tags(&events, "type"), declared_tags::<AppEvent>("type"));
    let connections: Vec<Value> = connections().into_iter().map(json).collect();
    assert_eq!(
        tags(&connections, "state"),
        declared_tags::<ConnectionView>("state")
    );
    let changes: Vec<Value> = changes().into_iter().map(json).collect();
    assert_eq!(tags(&changes, "kind"), declared_tags::<ChangeView>("kind"));
}

#[test]
fn every_event_the_shell_emits_has_only_camel_case_keys() {
    let mut bad = Vec::new();
    for event in events() {
        let v = json(&event);
        bad_keys(&v, &format!("{}", v["type"]), &mut bad);
    }
    assert!(bad.is_empty(), "keys that are not camelCase: {bad:?}");
}

#[test]
fn every_command_argument_result_and_error_has_only_camel_case_keys() {
    let mut bad = Vec::new();
    for spec in command_specs() {
        if let Some(args) = &spec.args {
            bad_keys(&sample(args), &format!("{}(args)", spec.name), &mut bad);
        }
        bad_keys(
            &sample(&spec.returns),
            &format!("{}()", spec.name),
            &mut bad,
        );
    }
    let error = json(AppError {
        kind: ErrorKind::NotASudaServer,
        message: "m".into(),
    });
    bad_keys(&error, "AppError", &mut bad);
    assert!(bad.is_empty(), "keys that are not camelCase: {bad:?}");
}

#[test]
fn open_channel_carries_channel_id_in_camel_case() {
    let v = json(AppEvent::OpenChannel {
        channel_id: "2".into(),
    });
    assert_eq!(
        v,
        serde_json::json!({"type": "openChannel", "channelId": "2"})
    );
}

#[test]
fn the_key_check_sees_a_snake_case_key_at_any_depth() {
    let mut bad = Vec::new();
    bad_keys(
        &serde_json::json!({"ok": [{"alsoOk": {"channel_id": 1}}]}),
        "v",
        &mut bad,
    );
    assert_eq!(bad, ["v.ok[0].alsoOk.channel_id"]);
}
