use serde_json::json;

use super::*;

fn sample() -> ChatEvent {
    ChatEvent {
        chat_channel_id: ChannelId(3),
        id: EventId(42),
        event_type: EventType::Chat,
        created_at: "2026-01-02T03:04:05.678Z".into(),
        message: Some("hi <b>".into()),
        sender: MemberRef {
            id: MemberId(1),
            member_name: "alice".into(),
            profile_image: None,
        },
        client_key: None,
        reply_to: None,
        mentions: Vec::new(),
        in_thread: None,
        attachments: Vec::new(),
        removed_by: None,
    }
}

#[test]
fn a_message_carries_its_files_and_no_key_for_none() {
    let plain = serde_json::to_value(sample()).unwrap();
    assert!(plain.get("attachments").is_none(), "{plain}");
    let mut with = sample();
    with.attachments = vec![
        crate::Attachment {
            id: crate::AttachmentId(123_456_789_012_345_678),
            name: "여름.png".into(),
            size: 2048,
            content_type: "image/png".into(),
            image: Some(crate::ImageSize {
                width: 600,
                height: 300,
            }),
        },
        crate::Attachment {
            id: crate::AttachmentId(223_456_789_012_345_678),
            name: "notes.txt".into(),
            size: 5,
            content_type: "text/plain".into(),
            image: None,
        },
    ];
    let v = serde_json::to_value(&with).unwrap();
    assert_eq!(
        v["attachments"],
        json!([
            {"id": "123456789012345678", "name": "여름.png", "size": 2048,
             "contentType": "image/png", "image": {"width": 600, "height": 300}},
            {"id": "223456789012345678", "name": "notes.txt", "size": 5,
             "contentType": "text/plain"}
        ])
    );
    let back: ChatEvent = serde_json::from_value(v).unwrap();
    assert_eq!(back, with);
}

fn alice() -> MemberRef {
    MemberRef {
        id: MemberId(1),
        member_name: "alice".into(),
        profile_image: None,
    }
}

/// One of each change, as the stream sends them.
fn changes() -> [SseEnvelope; 4] {
    [
        SseEnvelope::ChatMessageEdited(MessageEdited {
            chat_channel_id: ChannelId(3),
            message_id: EventId(42),
            message: "fixed".into(),
            edited_at: "2026-01-02T03:04:06.000Z".into(),
        }),
        SseEnvelope::ChatMessageDeleted(MessageDeleted {
            chat_channel_id: ChannelId(3),
            message_id: EventId(42),
            deleted_at: "2026-01-02T03:04:07.000Z".into(),
            in_thread: None,
        }),
        SseEnvelope::ChatReactionChanged(ReactionChanged {
            chat_channel_id: ChannelId(3),
            message_id: EventId(42),
            emoji: "👍".into(),
            member: alice(),
            on: true,
            count: 2,
        }),
        SseEnvelope::ChatReadMarkerMoved(ReadMarkerMoved {
            chat_channel_id: ChannelId(3),
            up_to: EventId(42),
            un_read_cnt: 0,
        }),
    ]
}

#[test]
fn changes_have_their_own_sse_types_and_the_documented_payloads() {
    let [edited, deleted, reacted, read] = changes().map(|e| serde_json::to_value(e).unwrap());
    assert_eq!(
        edited,
        json!({"sseType": "CHAT_MESSAGE_EDITED", "ssePayload": {"chatChannelId": "3",
            "messageId": "42", "message": "fixed", "editedAt": "2026-01-02T03:04:06.000Z"}})
    );
    assert_eq!(
        deleted,
        json!({"sseType": "CHAT_MESSAGE_DELETED", "ssePayload": {"chatChannelId": "3",
            "messageId": "42", "deletedAt": "2026-01-02T03:04:07.000Z"}})
    );
    assert_eq!(
        reacted,
        json!({"sseType": "CHAT_REACTION_CHANGED", "ssePayload": {"chatChannelId": "3",
            "messageId": "42", "emoji": "👍", "on": true, "count": 2,
            "member": {"id": "1", "memberName": "alice", "profileImage": null}}})
    );
    assert_eq!(
        read,
        json!({"sseType": "CHAT_READ_MARKER_MOVED", "ssePayload": {"chatChannelId": "3",
            "upTo": "42", "unReadCnt": 0}})
    );
}

#[test]
fn a_reply_carries_a_preview_of_the_original_and_other_messages_none() {
    let mut reply = sample();
    reply.reply_to = Some(Box::new(MessagePreview {
        id: EventId(40),
        sender: alice(),
        preview: "first line".into(),
        deleted: false,
    }));
    let v = serde_json::to_value(SseEnvelope::ChatMessagePublished(reply)).unwrap();
    assert_eq!(v["ssePayload"]["replyTo"]["id"], "40");
    assert_eq!(v["ssePayload"]["replyTo"]["preview"], "first line");
    assert_eq!(v["ssePayload"]["replyTo"]["deleted"], false);
    let plain = serde_json::to_value(SseEnvelope::ChatMessagePublished(sample())).unwrap();
    assert!(plain["ssePayload"].get("replyTo").is_none());
}

#[test]
fn a_thread_reply_says_its_thread_and_whether_the_reader_follows_it() {
    let mut reply = sample();
    reply.in_thread = Some(Box::new(InThread {
        root_id: EventId(40),
        reply_count: 3,
        following: true,
    }));
    let v = serde_json::to_value(SseEnvelope::ChatMessagePublished(reply)).unwrap();
    assert_eq!(
        v["ssePayload"]["inThread"],
        json!({"rootId": "40", "replyCount": 3, "following": true})
    );
    assert_eq!(
        v["ssePayload"]["eventType"], "CHAT",
        "still a message to old clients"
    );
    let read = SseEnvelope::ChatThreadReadMarkerMoved(ThreadReadMarkerMoved {
        chat_channel_id: ChannelId(3),
        thread_root: EventId(40),
        up_to: EventId(44),
        un_read_cnt: 1,
    });
    assert_eq!(
        serde_json::to_value(&read).unwrap(),
        json!({"sseType": "CHAT_THREAD_READ_MARKER_MOVED", "ssePayload": {"chatChannelId": "3",
            "threadRoot": "40", "upTo": "44", "unReadCnt": 1}})
    );
    let s = serde_json::to_string(&read).unwrap();
    assert_eq!(serde_json::from_str::<SseEnvelope>(&s).unwrap(), read);
}

#[test]
fn published_event_has_the_shape_original_clients_read() {
    let v = serde_json::to_value(SseEnvelope::ChatMessagePublished(sample())).unwrap();
    assert_eq!(v["sseType"], "CHAT_MESSAGE_PUBLISHED");
    assert_eq!(v["ssePayload"]["chatChannelId"], "3");
    assert_eq!(v["ssePayload"]["eventType"], "CHAT");
    assert_eq!(v["ssePayload"]["id"], "42");
    assert_eq!(v["ssePayload"]["message"], "hi <b>");
    assert_eq!(v["ssePayload"]["sender"]["memberName"], "alice");
    assert!(v["ssePayload"].get("clientKey").is_none());
}

#[test]
fn envelopes_round_trip() {
    for env in [
        SseEnvelope::Connected(Connected {
            member_id: MemberId(1),
            resumed: true,
        }),
        SseEnvelope::ChatMessagePublished(sample()),
        SseEnvelope::ResyncRequired(ResyncRequired {
            reason: ResyncReason::TooOld,
        }),
    ]
    .into_iter()
    .chain(changes())
    {
        let s = serde_json::to_string(&env).unwrap();
        assert_eq!(serde_json::from_str::<SseEnvelope>(&s).unwrap(), env);
    }
    let v = json!({"sseType":"RESYNC_REQUIRED","ssePayload":{"reason":"UNKNOWN_POSITION"}});
    assert_eq!(
        serde_json::from_value::<SseEnvelope>(v).unwrap().sse_type(),
        SseType::ResyncRequired
    );
}

#[test]
fn unknown_sse_type_is_an_error_not_a_panic() {
    let v = json!({"sseType":"SOMETHING_NEW","ssePayload":{}});
    assert!(serde_json::from_value::<SseEnvelope>(v).is_err());
}
