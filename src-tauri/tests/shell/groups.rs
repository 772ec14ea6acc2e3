//! Groups in the shell: the directory, a private group with a topic,
//! renames and topics from other members reaching the channel list, the
//! creator removing members, archiving, and each refusal in words.

use serde_json::{json, Value};

use crate::harness::*;

fn listed<'a>(page: &'a Value, name: &str) -> Option<&'a Value> {
    page["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == name)
}

fn channel_in(event: &Value, id: &str) -> Option<Value> {
    event["channels"]
        .as_array()?
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
}

#[test]
fn the_directory_finds_groups_a_change_from_others_reaches_the_list_and_a_removal_ends_it() {
    let server = Server::start();
    let dirs = tempfile::tempdir().unwrap();
    let app = Desktop::start(dirs.path());
    app.sign_in(&server, "alice");
    app.wait_event("live", |e| {
        e["type"] == "connection" && e["connection"]["state"] == "live"
    });
    let bob = server.member("bob");
    let design = server
        .block_on(bob.create_group_with(suda_client::NewGroup {
            name: "Design",
            members: &[],
            topic: "Pixels and fonts",
            private: false,
        }))
        .unwrap();
    let hidden = server
        .block_on(bob.create_group_with(suda_client::NewGroup {
            name: "hidden plans",
            members: &[],
            topic: "",
            private: true,
        }))
        .unwrap();

    // Listed with its topic and count; the private one is not there.
    let page = app
        .invoke("directory", Some(json!({"query": " pixel ", "offset": 0})))
        .unwrap();
    let found = listed(&page, "Design").expect("found by its topic");
    assert_eq!(found["topic"], "Pixels and fonts");
    assert_eq!(
        (found["memberCount"].clone(), found["joined"].clone()),
        (json!(1), json!(false))
    );
    let all = app
        .invoke("directory", Some(json!({"query": "", "offset": 0})))
        .unwrap();
    assert!(listed(&all, "general").unwrap()["joined"] == true);
    assert!(listed(&all, "hidden plans").is_none(), "{all}");
    let e = app
        .invoke("join", Some(json!({"channelId": hidden.id.to_string()})))
        .unwrap_err();
    assert_eq!(e["kind"], "notFound", "a private group is not there: {e}");

    // Joined from the directory, it is hers, with its topic.
    let id = design.id.to_string();
    let joined = app.invoke("join", Some(json!({"channelId": id}))).unwrap();
    assert_eq!(joined["topic"], "Pixels and fonts");
    assert_eq!(
        joined["creatorId"],
        bob.snapshot().me.unwrap().id.to_string()
    );
    // Bob renames it: alice's list follows.
    server
        .block_on(bob.update_group(
            design.id,
            suda_client::GroupChange {
                name: Some("Design team".into()),
                topic: Some("Ship the icons".into()),
                archived: None,
            },
        ))
        .unwrap();
    app.wait_event("the rename", |e| {
        e["type"] == "channels"
            && channel_in(e, &id)
                .is_some_and(|c| c["name"] == "Design team" && c["topic"] == "Ship the icons")
    });
    // Alice sets the topic herself; a bad one is refused in words.
    let changed = app
        .invoke(
            "update_group",
            Some(json!({"channelId": id, "topic": "Icons by Friday"})),
        )
        .unwrap();
    assert_eq!(changed["topic"], "Icons by Friday");
    let e = app
        .invoke(
            "update_group",
            Some(json!({"channelId": id, "topic": "x".repeat(251)})),
        )
        .unwrap_err();
    assert_eq!(e["kind"], "badInput", "{e}");
    assert!(e["message"].as_str().unwrap().contains("250"), "{e}");
    // Only the creator archives.
    let e = app
        .invoke(
            "update_group",
            Some(json!({"channelId": id, "archived": true})),
        )
        .unwrap_err();
    assert_eq!(e["kind"], "forbidden", "{e}");

    // Bob removes her: the channel leaves her list.
    let alice_id = app.invoke("snapshot", None).unwrap()["session"]["member"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    server
        .block_on(bob.remove_member(design.id, alice_id.parse().unwrap()))
        .unwrap();
    app.wait_event("the channel gone from her list", |e| {
        e["type"] == "channels" && channel_in(e, &id).is_none()
    });
    app.wait_event("told who removed her", |e| {
        e["type"] == "notice" && e["message"] == "bob removed you from #Design team."
    });
    // She created general: she removes carol from it, and no one else can.
    let general = app.channel_id("general");
    let carol = server.member("carol");
    let carol_id = carol.snapshot().me.unwrap().id.to_string();
    app.invoke(
        "remove_member",
        Some(json!({"channelId": general, "memberId": carol_id})),
    )
    .unwrap();
    let members = app
        .invoke("members", Some(json!({"channelId": general})))
        .unwrap();
    assert!(!members.to_string().contains("carol"), "{members}");
    let e = app
        .invoke(
            "remove_member",
            Some(json!({"channelId": general, "memberId": "carol"})),
        )
        .unwrap_err();
    assert_eq!(e["kind"], "badInput", "{e}");
    let random = app.channel_id("random");
    let bob_id = bob.snapshot().me.unwrap().id.to_string();
    let e = app
        .invoke(
            "remove_member",
            Some(json!({"channelId": random, "memberId": bob_id})),
        )
        .unwrap_err();
    assert_eq!(e["kind"], "forbidden", "random is bob's: {e}");
    let e = app
        .invoke(
            "directory",
            Some(json!({"query": "x".repeat(101), "offset": 0})),
        )
        .unwrap_err();
    assert_eq!(e["kind"], "badInput", "{e}");
}

#[test]
fn the_creator_creates_a_private_group_with_a_topic_and_archives_it() {
    let server = Server::start();
    let dirs = tempfile::tempdir().unwrap();
    let app = Desktop::start(dirs.path());
    app.sign_in(&server, "alice");
    let created = app
        .invoke(
            "create_group",
            Some(json!({
                "name": "plans", "memberNames": ["bob"], "topic": " Q1 ", "private": true
            })),
        )
        .unwrap();
    assert_eq!(created["topic"], "Q1");
    assert_eq!(created["private"], true);
    let id = created["id"].as_str().unwrap().to_owned();
    let archived = app
        .invoke(
            "update_group",
            Some(json!({"channelId": id, "archived": true})),
        )
        .unwrap();
    assert_eq!(archived["archived"], true);
    let e = app
        .invoke("send", Some(json!({"channelId": id, "text": "still?"})))
        .map(|item| item["state"].clone());
    // The outbox takes it, and the server's refusal fails it for good.
    let state = e.unwrap();
    assert!(
        matches!(state.as_str(), Some("failed" | "pending")),
        "{state}"
    );
    app.wait_event("the refusal", |e| {
        e["type"] == "outbox"
            && e["item"]["state"] == "failed"
            && e["item"]["error"]
                .as_str()
                .unwrap_or_default()
                .contains("archived")
    });
    let back = app
        .invoke(
            "update_group",
            Some(json!({"channelId": id, "archived": false})),
        )
        .unwrap();
    assert_eq!(back["archived"], false);
}
