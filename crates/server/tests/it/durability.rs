//! Durability: the server process is killed (SIGKILL) in the middle of a
//! burst of sends and restarted on the same database. Every acknowledged
//! message is there exactly once, and a subscriber resuming with its last id
//! gets every one it had not seen, with no gap and no duplicate.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::Duration,
};

use serde_json::json;
use tokio::process::Command;

use crate::{common::*, process::*};

#[tokio::test]
async fn acknowledged_messages_survive_sigkill_and_resume_without_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("suda.db");
    let http = reqwest::Client::new();
    let mut server = spawn_server(&db).await;

    let (alice, bob, channel) = alice_and_bob(&http, &server.base).await;

    // Bob's stream records what it receives until the server dies.
    let resp = http
        .get(format!("{}/v1/chats/subscriptions/channels", server.base))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    let mut stream = SseReader::new(resp);
    assert_eq!(stream.next().await.unwrap().sse_type(), "CONNECTED");
    let seen: Arc<Mutex<Vec<(i64, String)>>> = Arc::default();
    let reader = {
        let seen = Arc::clone(&seen);
        tokio::spawn(async move {
            while let Some(ev) = stream.next().await {
                if let (Some(id), Some(m)) = (ev.id, ev.message()) {
                    seen.lock().unwrap().push((id, m.to_owned()));
                }
            }
        })
    };

    // Four senders send as fast as they are acknowledged.
    let acked: Arc<Mutex<Vec<(i64, String)>>> = Arc::default();
    let mut senders = Vec::new();
    for s in 0..4 {
        let (http, base, token, channel, acked) = (
            http.clone(),
            server.base.clone(),
            alice.clone(),
            channel.clone(),
            Arc::clone(&acked),
        );
        senders.push(tokio::spawn(async move {
            for i in 0..2000 {
                let text = format!("s{s}-{i}");
                let v = gql(
                    &http,
                    &base,
                    Some(&token),
                    "mutation($c:ID!,$m:String!,$k:String){sendChatMessage(channelId:$c,message:$m,clientKey:$k){id}}",
                    json!({"c": channel, "m": text, "k": text}),
                )
                .await;
                match v {
                    Ok(v) => {
                        let Some(id) = v["data"]["sendChatMessage"]["id"].as_str() else { return };
                        acked.lock().unwrap().push((id.parse().unwrap(), text));
                    }
                    Err(_) => return, // the server is gone
                }
            }
        }));
    }
    eventually("150 acknowledged sends", || {
        let n = acked.lock().unwrap().len();
        async move { n >= 150 }
    })
    .await;
    server.child.start_kill().unwrap(); // SIGKILL
    server.child.wait().await.unwrap();
    for s in senders {
        s.await.unwrap();
    }
    let _ = tokio::time::timeout(Duration::from_secs(10), reader).await;
    let acked = acked.lock().unwrap().clone();
    let seen = seen.lock().unwrap().clone();
    assert!(acked.len() >= 150);

    eprintln!(
        "acknowledged before the kill: {}, seen live by bob: {}",
        acked.len(),
        seen.len()
    );
    // Restart on the same database.
    let server = spawn_server(&db).await;
    let stored = stored_messages(&http, &server.base, &alice, &channel).await;
    let mut count: HashMap<&str, usize> = HashMap::new();
    for (_, text) in &stored {
        *count.entry(text.as_str()).or_default() += 1;
    }
    assert!(count.values().all(|&n| n == 1), "no message stored twice");
    let stored_set: HashSet<(i64, String)> = stored.iter().cloned().collect();
    for a in &acked {
        assert!(stored_set.contains(a), "acknowledged {a:?} was lost");
    }

    // Bob resumes from the last id he saw and gets the rest, once, in order.
    let last = seen.last().map_or(0, |s| s.0);
    let resp = http
        .get(format!("{}/v1/chats/subscriptions/channels", server.base))
        .bearer_auth(&bob)
        .header("Last-Event-ID", last.to_string())
        .send()
        .await
        .unwrap();
    let mut stream = SseReader::new(resp);
    let connected = stream.next().await.unwrap();
    assert_eq!(connected.id, Some(last));
    assert_eq!(connected.data["ssePayload"]["resumed"], true);
    let mut all = seen.clone();
    let head = stored.iter().map(|s| s.0).max().unwrap();
    while all.last().map_or(0, |s| s.0) < head {
        let ev = stream.next_published().await;
        all.push((ev.id.unwrap(), ev.message().unwrap().to_owned()));
    }
    let ids: Vec<i64> = all.iter().map(|s| s.0).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "in order, no duplicates"
    );
    let mut expected: Vec<(i64, String)> = stored.clone();
    expected.sort();
    assert_eq!(all, expected, "bob has every stored message, no gap");
}

#[tokio::test]
async fn sigterm_ends_streams_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = spawn_server(&dir.path().join("suda.db")).await;
    let http = reqwest::Client::new();
    let v = gql(
        &http,
        &server.base,
        None,
        "mutation{signUp(memberName:\"gus\",password:\"password-123\"){token}}",
        json!({}),
    )
    .await
    .unwrap();
    let token = v["data"]["signUp"]["token"].as_str().unwrap();
    let resp = http
        .get(format!("{}/v1/chats/subscriptions/channels", server.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let mut stream = SseReader::new(resp);
    assert_eq!(stream.next().await.unwrap().sse_type(), "CONNECTED");
    let pid = server.child.id().unwrap();
    let killed = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(10), server.child.wait())
        .await
        .expect("exits within 10 s of SIGTERM")
        .unwrap();
    assert!(status.success(), "clean exit: {status}");
    assert!(stream.next().await.is_none(), "the open stream ended");
}
