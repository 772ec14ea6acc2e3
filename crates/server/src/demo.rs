//! Demo data, so a new user has something to look at: three members
//! (password [`DEMO_PASSWORD`]), two group channels, a direct channel and a
//! short conversation. Seeded once; a database that has `alice` is left alone.

use crate::{auth, error::ApiResult, rules::Command, store::MemberRow, AppState};

/// The password of every demo member.
pub const DEMO_PASSWORD: &str = "suda-demo";

/// The demo members' names.
pub const DEMO_MEMBERS: [&str; 3] = ["alice", "bob", "carol"];

/// Seeds the demo data unless it is there already.
pub async fn seed(state: &AppState) -> ApiResult<()> {
    if state.store.member_by_name("alice").await?.is_some() {
        tracing::info!("demo data already present");
        return Ok(());
    }
    let hash = auth::hash_password(&state.limits, DEMO_PASSWORD.into()).await?;
    let mut members: Vec<MemberRow> = Vec::new();
    for name in DEMO_MEMBERS {
        members.push(state.store.create_member(name, &hash, None).await?);
    }
    let [alice, bob, carol] = [&members[0], &members[1], &members[2]].map(|m| m.id);
    let general = state
        .ledger
        .submit(Command::CreateGroup {
            creator: alice,
            name: "general".into(),
            members: vec![bob, carol],
            topic: "Everything, with everyone".into(),
            private: false,
        })
        .await?
        .channel;
    let random = state
        .ledger
        .submit(Command::CreateGroup {
            creator: bob,
            name: "random".into(),
            members: vec![alice],
            topic: String::new(),
            private: false,
        })
        .await?
        .channel;
    let direct = state
        .ledger
        .submit(Command::OpenDirect {
            from: alice,
            to: bob,
        })
        .await?
        .channel;
    let lines = [
        (general, alice, "Welcome to Suda! This is #general."),
        (
            general,
            bob,
            "Hi all 👋 the desktop app keeps one stream for every channel.",
        ),
        (general, carol, "안녕하세요! Korean works too."),
        (random, bob, "Anyone up for lunch?"),
        (direct, bob, "Alice, can you review my change today?"),
    ];
    for (channel, sender, text) in lines {
        state
            .ledger
            .submit(Command::Send {
                attachments: Vec::new(),
                reply_to: None,
                thread: None,
                channel,
                sender,
                text: text.into(),
                client_key: None,
            })
            .await?;
    }
    tracing::info!(
        "demo data seeded: members {:?}, password {DEMO_PASSWORD:?}",
        DEMO_MEMBERS
    );
    Ok(())
}
