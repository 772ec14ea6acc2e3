//! Reads and writes over GraphQL, and the errors a user sees.

use suda_client::{
    graphql::{ops, Api},
    ClientError, Session, SessionOptions,
};
use suda_protocol::{ChannelId, ErrorCode};

use crate::harness::TestServer;

#[tokio::test]
async fn an_unreachable_server_is_a_clear_error() {
    let session = Session::new(SessionOptions::new("http://127.0.0.1:9")).unwrap();
    let err = session.sign_in("a", "b").await.unwrap_err();
    assert!(matches!(err, ClientError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().contains("cannot reach"), "{err}");
}

#[tokio::test]
async fn contract_errors_carry_their_code() {
    let server = TestServer::start().await;
    let session = server.session(None);
    let err = session
        .sign_in("nobody", "wrong-password")
        .await
        .unwrap_err();
    assert!(err.needs_sign_in(), "{err:?}");
    session.sign_up("carol", "password-123").await.unwrap();
    let err = session.join(ChannelId(999_999)).await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::NotFound), "{err:?}");
}

#[tokio::test]
async fn channels_history_join_and_leave_round_trip() {
    let server = TestServer::start().await;
    let alice = server.session(None);
    alice.sign_up("alice", "password-123").await.unwrap();
    let bob = server.session(None);
    bob.sign_up("bob", "password-123").await.unwrap();
    let group = alice.create_group("lobby", &[]).await.unwrap();
    bob.join(group.id).await.unwrap();
    assert!(bob
        .channels()
        .await
        .unwrap()
        .iter()
        .any(|c| c.id == group.id));
    alice.send(group.id, "hi bob").await.unwrap();
    let page = bob.history(group.id, None, 10).await.unwrap();
    assert_eq!(page.events[0].event.message.as_deref(), Some("hi bob"));
    assert!(page.events.len() >= 2, "the join is in the history too");
    let members = bob.members(group.id).await.unwrap();
    assert_eq!(members.len(), 2);
    bob.leave(group.id).await.unwrap();
    assert!(!bob
        .channels()
        .await
        .unwrap()
        .iter()
        .any(|c| c.id == group.id));
    let found = alice.find_member("bob").await.unwrap();
    let direct = alice.open_direct(found.id).await.unwrap();
    assert_eq!(direct.name, "bob");
    alice.sign_out().await.unwrap();
    assert!(alice.channels().await.unwrap_err().needs_sign_in());
}

#[tokio::test]
async fn the_contract_operations_run_as_written() {
    let server = TestServer::start().await;
    let session = server.session(None);
    session.sign_up("dave", "password-123").await.unwrap();
    let group = session.create_group("compat", &[]).await.unwrap();
    let api = Api::new(reqwest::Client::new(), &server.url(), session.token());
    let sent = api
        .run::<ops::SendChatMessage>(ops::send_chat_message::Variables {
            channel_id: group.id.to_string(),
            message: "as the original client sends it".into(),
        })
        .await
        .unwrap()
        .send_chat_message;
    assert_eq!(sent.event_type, ops::send_chat_message::ChatEventType::CHAT);
    let channels = api
        .run::<ops::MyChatChannels>(ops::my_chat_channels::Variables)
        .await
        .unwrap()
        .my_chat_channels;
    assert_eq!(channels.len(), 1);
    assert_eq!(channels[0].id, group.id.to_string());
    assert_eq!(
        channels[0].un_read_cnt, 0,
        "one's own message is not unread"
    );
}

#[tokio::test]
async fn search_reads_the_filters_and_finds_the_members_messages_with_highlights() {
    let server = TestServer::start().await;
    let alice = server.session(None);
    alice.sign_up("alice", "password-123").await.unwrap();
    let bob = server.session(None);
    bob.sign_up("bob", "password-123").await.unwrap();
    let lobby = alice.create_group("lobby", &[]).await.unwrap();
    let other = alice.create_group("team chat", &[]).await.unwrap();
    bob.join(lobby.id).await.unwrap();
    bob.join(other.id).await.unwrap();
    alice.send(lobby.id, "Lunch plans at noon").await.unwrap();
    bob.send(lobby.id, "lunch? I am in").await.unwrap();
    bob.send(other.id, "lunch in the team chat").await.unwrap();

    let page = bob.search("lunch", None, None, 20).await.unwrap();
    let texts: Vec<_> = page
        .hits
        .iter()
        .map(|h| h.message.event.message.clone().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            "lunch in the team chat",
            "lunch? I am in",
            "Lunch plans at noon"
        ]
    );
    let first = &page.hits[2].highlights[0];
    assert_eq!((first.start, first.length), (0, 5));

    let from = bob
        .search("lunch from:@alice", None, None, 20)
        .await
        .unwrap();
    assert_eq!(from.hits.len(), 1);
    let within = bob
        .search("lunch in:\"team chat\"", None, None, 20)
        .await
        .unwrap();
    assert_eq!(within.hits[0].message.event.chat_channel_id, other.id);
    let scoped = bob.search("lunch", Some(lobby.id), None, 1).await.unwrap();
    assert_eq!(scoped.hits.len(), 1);
    assert!(scoped.has_more);
    let older = bob
        .search("lunch", Some(lobby.id), scoped.next_cursor, 1)
        .await
        .unwrap();
    assert_eq!(
        older.hits[0].message.event.message.as_deref(),
        Some("Lunch plans at noon")
    );
    let today = bob.search("lunch on:today", None, None, 20).await.unwrap();
    assert_eq!(today.hits.len(), 3, "sent today, in this machine's zone");
    let yesterday = bob
        .search("lunch on:yesterday", None, None, 20)
        .await
        .unwrap();
    assert!(yesterday.hits.is_empty());

    // Each kind of bad input: a filter the client refuses before asking,
    // a channel it does not know, and words the server refuses.
    let err = bob
        .search("lunch on:someday", None, None, 20)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::BadUserInput), "{err}");
    let err = bob
        .search("lunch in:nowhere", None, None, 20)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::NotFound), "{err}");
    let err = bob.search("?!", None, None, 20).await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::BadUserInput), "{err}");
    let err = bob
        .search("lunch from:nobody", None, None, 20)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::NotFound), "{err}");
}
