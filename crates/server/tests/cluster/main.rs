//! Three `suda-server` processes on one PostgreSQL database behind nginx
//! (the shipped site file): one cluster, one stream per member across it.
//! PostgreSQL and nginx are Debian's, started by the test kit.

use std::{collections::HashSet, time::Duration};

use serde_json::json;
use suda_testkit::{
    cluster::{Cluster, Follower},
    eventually, graphql, sign_up, try_graphql, SseReader,
};

const SERVER: &str = env!("CARGO_BIN_EXE_suda-server");
const SEND: &str =
    "mutation($c:ID!,$m:String!,$k:String){sendChatMessage(channelId:$c,message:$m,clientKey:$k){id}}";

mod database;
mod deploy_docs;

/// A database of its own and three nodes on it behind nginx.
async fn three_nodes() -> (Cluster, database::Database) {
    let db = database::Database::fresh().await;
    let cluster = Cluster::start(SERVER.as_ref(), db.url(), 3, &[]).await;
    (cluster, db)
}

/// A group channel made by `owner` with `members` in it.
async fn group(http: &reqwest::Client, base: &str, owner: &str, members: &[&str]) -> String {
    let v = graphql(
        http,
        base,
        Some(owner),
        "mutation($n:String!,$m:[ID!]){createGroupChannel(name:$n,memberIds:$m){id}}",
        json!({"n": "team", "m": members}),
    )
    .await;
    v["data"]["createGroupChannel"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{v}"))
        .to_owned()
}

async fn send(http: &reqwest::Client, base: &str, token: &str, channel: &str, text: &str) -> i64 {
    let v = graphql(
        http,
        base,
        Some(token),
        SEND,
        json!({"c": channel, "m": text}),
    )
    .await;
    v["data"]["sendChatMessage"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{v}"))
        .parse()
        .unwrap()
}

/// A member's stream opened on `base`, past its `CONNECTED` frame.
async fn stream(http: &reqwest::Client, base: &str, token: &str, after: Option<i64>) -> SseReader {
    let mut request = http
        .get(format!("{base}{}", suda_protocol::SSE_PATH))
        .bearer_auth(token);
    if let Some(id) = after {
        request = request.header("last-event-id", id.to_string());
    }
    let mut reader = SseReader::new(request.send().await.unwrap());
    let connected = reader.next().await.unwrap();
    assert_eq!(connected.sse_type(), "CONNECTED", "{connected:?}");
    reader
}

#[tokio::test]
async fn members_on_different_nodes_talk_and_a_member_moving_between_nodes_resumes_exactly() {
    let (cluster, _db) = three_nodes().await;
    let http = reqwest::Client::new();
    let (alice, _) = sign_up(&http, &cluster.node(0), "alice").await;
    let (bob, bob_id) = sign_up(&http, &cluster.node(1), "bob").await;
    let channel = group(&http, &cluster.node(2), &alice, &[&bob_id]).await;

    // Bob listens on node 1; alice writes on node 0 and node 2.
    let mut on_one = stream(&http, &cluster.node(1), &bob, None).await;
    let first = send(&http, &cluster.node(0), &alice, &channel, "from node 0").await;
    let got = on_one.next_published().await;
    assert_eq!((got.id, got.message()), (Some(first), Some("from node 0")));
    let second = send(&http, &cluster.node(2), &alice, &channel, "from node 2").await;
    let got = on_one.next_published().await;
    assert_eq!((got.id, got.message()), (Some(second), Some("from node 2")));
    drop(on_one);

    // Away from the stream, three more are written, one through each node.
    let mut missed = Vec::new();
    for i in 0..3 {
        missed.push(
            send(
                &http,
                &cluster.node(i),
                &alice,
                &channel,
                &format!("missed {i}"),
            )
            .await,
        );
    }
    // Bob comes back on node 2 with node 1's last id: exactly the three.
    let mut on_two = stream(&http, &cluster.node(2), &bob, Some(second)).await;
    for (i, id) in missed.iter().enumerate() {
        let got = on_two.next_published().await;
        assert_eq!(got.id, Some(*id));
        assert_eq!(got.message(), Some(&*format!("missed {i}")));
    }
    assert!(
        on_two
            .next_within(Duration::from_millis(1500))
            .await
            .is_none_or(|e| e.sse_type() != "CHAT_MESSAGE_PUBLISHED"),
        "nothing twice"
    );
    // And live again, from a message written on node 1.
    let live = send(&http, &cluster.node(1), &alice, &channel, "live").await;
    let got = on_two.next_published().await;
    assert_eq!((got.id, got.message()), (Some(live), Some("live")));
}

#[tokio::test]
async fn an_edit_a_reaction_and_a_deletion_made_on_one_node_reach_a_member_on_another() {
    let (cluster, _db) = three_nodes().await;
    let http = reqwest::Client::new();
    let (alice, _) = sign_up(&http, &cluster.node(0), "alice").await;
    let (bob, bob_id) = sign_up(&http, &cluster.node(1), "bob").await;
    let channel = group(&http, &cluster.node(0), &alice, &[&bob_id]).await;
    let id = send(&http, &cluster.node(0), &alice, &channel, "tpyo").await;
    let mut on_one = stream(&http, &cluster.node(1), &bob, Some(id)).await;
    let change = |query: &'static str, vars: serde_json::Value, node: usize| {
        let (http, base, alice) = (http.clone(), cluster.node(node), alice.clone());
        async move {
            let v = graphql(&http, &base, Some(&alice), query, vars).await;
            assert!(v.get("errors").is_none(), "{v}");
        }
    };
    let message = json!(id.to_string());
    change(
        "mutation($i:ID!){editChatMessage(messageId:$i,message:\"typo\"){id}}",
        json!({"i": message}),
        0,
    )
    .await;
    let edited = on_one.next().await.unwrap();
    assert_eq!(edited.sse_type(), "CHAT_MESSAGE_EDITED");
    assert_eq!(edited.data["ssePayload"]["messageId"], message);
    assert_eq!(edited.data["ssePayload"]["message"], "typo");
    change(
        "mutation($i:ID!){reactToMessage(messageId:$i,emoji:\"👍\",on:true){id}}",
        json!({"i": message}),
        2,
    )
    .await;
    let reacted = on_one.next().await.unwrap();
    assert_eq!(reacted.sse_type(), "CHAT_REACTION_CHANGED");
    assert_eq!(reacted.data["ssePayload"]["count"], 1);
    change(
        "mutation($i:ID!){deleteChatMessage(messageId:$i)}",
        json!({"i": message}),
        0,
    )
    .await;
    let deleted = on_one.next().await.unwrap();
    assert_eq!(deleted.sse_type(), "CHAT_MESSAGE_DELETED");
    assert!(edited.id < reacted.id && reacted.id < deleted.id);
    // Read through a third node, the message is as the last change left it.
    let v = graphql(
        &http,
        &cluster.node(2),
        Some(&bob),
        "query($i:ID!){chatMessage(messageId:$i){message deleted reactions{emoji}}}",
        json!({"i": message}),
    )
    .await;
    assert_eq!(
        v["data"]["chatMessage"],
        json!({"message": "", "deleted": true, "reactions": []})
    );
}

#[tokio::test]
async fn a_reply_in_a_thread_written_on_one_node_says_to_each_member_elsewhere_whether_they_follow()
{
    let (cluster, _db) = three_nodes().await;
    let http = reqwest::Client::new();
    let (alice, _) = sign_up(&http, &cluster.node(0), "alice").await;
    let (bob, bob_id) = sign_up(&http, &cluster.node(1), "bob").await;
    let (carol, carol_id) = sign_up(&http, &cluster.node(2), "carol").await;
    let channel = group(&http, &cluster.node(0), &alice, &[&bob_id, &carol_id]).await;
    let root = send(&http, &cluster.node(0), &alice, &channel, "root").await;
    // Alice (the root's sender) on node 1, carol (no follower) on node 2;
    // bob replies through node 0.
    let mut alice_live = stream(&http, &cluster.node(1), &alice, Some(root)).await;
    let mut carol_live = stream(&http, &cluster.node(2), &carol, Some(root)).await;
    let v = graphql(
        &http,
        &cluster.node(0),
        Some(&bob),
        "mutation($c:ID!,$t:ID){sendChatMessage(channelId:$c,message:\"me\",threadRoot:$t){id}}",
        json!({"c": channel, "t": root.to_string()}),
    )
    .await;
    assert!(v.get("errors").is_none(), "{v}");
    let to_alice = alice_live.next().await.unwrap();
    assert_eq!(to_alice.sse_type(), "CHAT_MESSAGE_PUBLISHED");
    assert_eq!(
        to_alice.data["ssePayload"]["inThread"],
        json!({"rootId": root.to_string(), "replyCount": 1, "following": true})
    );
    let to_carol = carol_live.next().await.unwrap();
    assert_eq!(to_carol.data["ssePayload"]["inThread"]["following"], false);
    // Read on node 2, it clears the count alice reads on node 1.
    let read = graphql(
        &http,
        &cluster.node(2),
        Some(&alice),
        "mutation($r:ID!){markThreadRead(rootId:$r){unReadCnt}}",
        json!({"r": root.to_string()}),
    )
    .await;
    assert_eq!(read["data"]["markThreadRead"]["unReadCnt"], 0, "{read}");
    let moved = alice_live.next().await.unwrap();
    assert_eq!(moved.sse_type(), "CHAT_THREAD_READ_MARKER_MOVED");
}

/// A file of 3 MB, larger than one stored piece and nginx's default body
/// limit, uploaded through nginx: every node serves it, whole.
#[tokio::test]
async fn a_file_uploaded_through_one_node_is_served_whole_by_every_node() {
    let (cluster, _db) = three_nodes().await;
    let http = reqwest::Client::new();
    let (alice, _) = sign_up(&http, &cluster.node(0), "alice").await;
    let (bob, bob_id) = sign_up(&http, &cluster.node(1), "bob").await;
    let channel = group(&http, &cluster.node(0), &alice, &[&bob_id]).await;
    let file: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let up = http
        .post(format!("{}/v1/attachments", cluster.base()))
        .query(&[("name", "data.bin")])
        .bearer_auth(&alice)
        .body(file.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(up.status(), 201);
    let up: serde_json::Value = up.json().await.unwrap();
    let id = up["id"].as_str().unwrap().to_owned();
    let sent = graphql(
        &http,
        &cluster.node(2),
        Some(&alice),
        "mutation($c:ID!,$a:[ID!]){sendChatMessage(channelId:$c,message:\"\",attachmentIds:$a){id}}",
        json!({"c": channel, "a": [id]}),
    )
    .await;
    assert!(sent["errors"].is_null(), "{sent}");
    for base in [
        cluster.base().to_owned(),
        cluster.node(0),
        cluster.node(1),
        cluster.node(2),
    ] {
        let got = http
            .get(format!("{base}/v1/attachments/{id}"))
            .bearer_auth(&bob)
            .send()
            .await
            .unwrap();
        assert_eq!(got.status(), 200, "{base}");
        assert_eq!(got.headers()["content-length"], "3000000");
        assert!(got.bytes().await.unwrap() == file, "whole from {base}");
    }
}

#[tokio::test]
async fn a_node_started_late_serves_everything_written_before_it_and_after() {
    let db = database::Database::fresh().await;
    let mut cluster = Cluster::start(SERVER.as_ref(), db.url(), 2, &[]).await;
    let http = reqwest::Client::new();
    let (alice, _) = sign_up(&http, &cluster.node(0), "alice").await;
    let (bob, bob_id) = sign_up(&http, &cluster.node(1), "bob").await;
    let channel = group(&http, &cluster.node(0), &alice, &[&bob_id]).await;
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(
            send(
                &http,
                &cluster.node(i % 2),
                &alice,
                &channel,
                &format!("m{i}"),
            )
            .await,
        );
    }
    // A third node joins the running cluster (nginx does not know it; the
    // test talks to it directly).
    let late = LateNode::start(db.url()).await;
    let mut from_start = stream(&http, &late.base, &bob, Some(0)).await;
    let mut replayed = Vec::new();
    while replayed.len() < ids.len() {
        let got = from_start.next_published().await;
        if got.data["ssePayload"]["eventType"] == "CHAT" {
            replayed.push(got.id.unwrap());
        }
    }
    assert_eq!(replayed, ids, "the late node replays everything, in order");
    let after = send(&http, &cluster.node(1), &alice, &channel, "after").await;
    let got = from_start.next_published().await;
    assert_eq!((got.id, got.message()), (Some(after), Some("after")));
    cluster.kill_node(0).await;
}

/// A node outside the cluster's nginx.
struct LateNode {
    _process: suda_testkit::ServerProcess,
    base: String,
}

impl LateNode {
    async fn start(database_url: &str) -> LateNode {
        let port = suda_testkit::free_port();
        let mut command = tokio::process::Command::new(SERVER);
        command
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--database-url", database_url])
            .args(["--keep-alive-secs", "1", "--no-limits"]);
        let process = suda_testkit::ServerProcess::spawn(command, port).await;
        LateNode {
            base: process.base.clone(),
            _process: process,
        }
    }
}

#[tokio::test]
async fn signing_out_on_one_node_ends_the_stream_on_another() {
    let (cluster, _db) = three_nodes().await;
    let http = reqwest::Client::new();
    let (alice, _) = sign_up(&http, &cluster.node(0), "alice").await;
    let mut on_two = stream(&http, &cluster.node(2), &alice, None).await;
    let out = graphql(
        &http,
        &cluster.node(0),
        Some(&alice),
        "mutation{signOut}",
        json!({}),
    )
    .await;
    assert_eq!(out["data"]["signOut"], true, "{out}");
    // The stream on node 2 ends (within its poll of revocations)...
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while on_two.next_within(Duration::from_secs(5)).await.is_some() {}
    })
    .await;
    assert!(ended.is_ok(), "the stream on another node ended");
    // ...and the token works on no node.
    for i in 0..3 {
        let v = graphql(
            &http,
            &cluster.node(i),
            Some(&alice),
            "{myChatChannels{id}}",
            json!({}),
        )
        .await;
        assert_eq!(suda_testkit::code(&v), "UNAUTHENTICATED", "node {i}: {v}");
    }
}

#[tokio::test]
async fn the_send_limit_holds_for_the_cluster_not_per_node() {
    let db = database::Database::fresh().await;
    let flags = ["--sends-per-second", "1", "--send-burst", "6"];
    let cluster = Cluster::with_flags(SERVER.as_ref(), db.url(), 3, &flags).await;
    let http = reqwest::Client::new();
    let (alice, _) = sign_up(&http, &cluster.node(0), "alice").await;
    let channel = group(&http, &cluster.node(1), &alice, &[]).await;
    let mut answers = Vec::new();
    for i in 0..12 {
        // Round the nodes by hand, to be sure each gets its share.
        let vars = json!({"c": channel, "m": format!("{i}")});
        let v = graphql(&http, &cluster.node(i % 3), Some(&alice), SEND, vars).await;
        answers.push(if v["data"]["sendChatMessage"]["id"].is_string() {
            "sent".to_owned()
        } else {
            suda_testkit::code(&v).to_owned()
        });
    }
    // A burst of 6 for the member, whichever nodes the sends went through
    // (kept per node it would have been 12 of 12); the rate (one a second)
    // adds one at most within the test.
    let sent = answers.iter().filter(|a| *a == "sent").count();
    assert!((6..=7).contains(&sent), "{answers:?}");
    assert!(
        answers[8..].iter().all(|a| a == "RATE_LIMITED"),
        "{answers:?}"
    );
}

#[tokio::test]
async fn behind_nginx_each_client_has_its_own_sign_in_budget_whatever_it_forwards() {
    let db = database::Database::fresh().await;
    let flags = ["--sign-ins-per-address-per-minute", "3"];
    let cluster = Cluster::with_flags(SERVER.as_ref(), db.url(), 3, &flags).await;
    let from = |address: &str| {
        reqwest::Client::builder()
            .local_address(address.parse::<std::net::IpAddr>().unwrap())
            .build()
            .unwrap()
    };
    let (one, two) = (from("127.0.0.2"), from("127.0.0.3"));
    sign_up(&one, cluster.base(), "alice").await;
    const SIGN_IN: &str =
        "mutation($n:String!,$p:String!){signIn(memberName:$n,password:$p){token}}";
    let attempt = |http: &reqwest::Client, forged: Option<&str>| {
        let mut request = http
            .post(format!("{}/graphql", cluster.base()))
            .json(&json!({"query": SIGN_IN, "variables": {"n": "alice", "p": "wrong"}}));
        if let Some(address) = forged {
            request = request.header("x-forwarded-for", address);
        }
        async move {
            request
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    // Client one spends its three attempts (through all three nodes)...
    for _ in 0..3 {
        let v = attempt(&one, None).await;
        assert_eq!(suda_testkit::code(&v), "UNAUTHENTICATED", "{v}");
    }
    let v = attempt(&one, None).await;
    assert_eq!(suda_testkit::code(&v), "RATE_LIMITED", "{v}");
    // ...and claiming to forward for someone else changes nothing...
    let v = attempt(&one, Some("203.0.113.7")).await;
    assert_eq!(suda_testkit::code(&v), "RATE_LIMITED", "{v}");
    // ...while client two, behind the same proxy, still has its own.
    let v = attempt(&two, None).await;
    assert_eq!(suda_testkit::code(&v), "UNAUTHENTICATED", "{v}");
}

/// How many sends were refused as retryable (`UNAVAILABLE`) or failed on
/// the network, over all senders: proof that the fault hit the burst.
static RETRIED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Senders on every node, each message sent with a client key and retried
/// (on any node) until acknowledged, as the client's outbox does.
async fn burst(
    http: reqwest::Client,
    bases: Vec<String>,
    token: String,
    channel: String,
    sender: usize,
    count: usize,
) -> Vec<(i64, String)> {
    let mut acked = Vec::new();
    for i in 0..count {
        let text = format!("s{sender}-{i}");
        let key = format!("k-{sender}-{i}");
        let mut attempt = 0usize;
        loop {
            let base = &bases[(i + attempt + sender) % bases.len()];
            attempt += 1;
            let vars = json!({"c": channel, "m": text, "k": key});
            match try_graphql(&http, base, Some(&token), SEND, vars).await {
                Ok(v) if v["data"]["sendChatMessage"]["id"].is_string() => {
                    let id = v["data"]["sendChatMessage"]["id"]
                        .as_str()
                        .unwrap()
                        .parse()
                        .unwrap();
                    acked.push((id, text.clone()));
                    break;
                }
                Ok(v) => {
                    // A GraphQL error, or (when the token could not even be
                    // looked up) the HTTP error body of the contract.
                    let code = v["errors"][0]["extensions"]["code"]
                        .as_str()
                        .or(v["error"]["code"].as_str());
                    assert_eq!(code, Some("UNAVAILABLE"), "only a retryable refusal: {v}");
                    RETRIED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                // The node went away under the request: try another.
                Err(_) => {
                    RETRIED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            assert!(attempt < 2000, "{text} never acknowledged");
        }
    }
    acked
}

/// Checks what every follower saw against what was acknowledged: every
/// acknowledged message exactly once, ids strictly increasing.
fn check_exactly_once_in_order(followers: &[Follower], acked: &[(i64, String)]) {
    let want: HashSet<&str> = acked.iter().map(|(_, t)| t.as_str()).collect();
    for (n, follower) in followers.iter().enumerate() {
        let received = follower.received();
        let ids: Vec<i64> = received.iter().map(|r| r.id).collect();
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "follower {n}: ids not increasing: {ids:?}"
        );
        let texts = follower.texts();
        let unique: HashSet<&str> = texts.iter().map(String::as_str).collect();
        assert_eq!(
            unique.len(),
            texts.len(),
            "follower {n} got something twice"
        );
        let missing: Vec<&&str> = want.difference(&unique).collect();
        assert!(missing.is_empty(), "follower {n} never got {missing:?}");
        let extra: Vec<&&str> = unique.difference(&want).collect();
        assert!(
            extra.is_empty(),
            "follower {n} got what was never acknowledged: {extra:?}"
        );
        assert_eq!(follower.resyncs(), 0, "follower {n} was told to resync");
    }
    // The acknowledged ids are the messages' ids on every stream.
    for follower in followers {
        let by_text: std::collections::HashMap<String, i64> = follower
            .received()
            .iter()
            .filter_map(|r| Some((r.data["ssePayload"]["message"].as_str()?.to_owned(), r.id)))
            .collect();
        for (id, text) in acked {
            assert_eq!(by_text.get(text), Some(id), "{text}");
        }
    }
}

/// Members, a group of all of them, and a follower of each through nginx.
async fn members_following(
    cluster: &Cluster,
    count: usize,
) -> (Vec<String>, String, Vec<Follower>) {
    let http = reqwest::Client::new();
    let mut tokens = Vec::new();
    let mut ids = Vec::new();
    for i in 0..count {
        let (token, id) = sign_up(&http, cluster.base(), &format!("m{i}")).await;
        tokens.push(token);
        ids.push(id);
    }
    let others: Vec<&str> = ids[1..].iter().map(String::as_str).collect();
    let channel = group(&http, cluster.base(), &tokens[0], &others).await;
    let followers: Vec<Follower> = tokens
        .iter()
        .map(|t| Follower::start(cluster.base(), t, None))
        .collect();
    // Every follower is connected (from now: it sees what follows)...
    for f in &followers {
        eventually("every follower to connect", || {
            let connected = f.has_connected();
            async move { connected }
        })
        .await;
    }
    // ...and sees the probe before the burst.
    let probe = send(&http, cluster.base(), &tokens[0], &channel, "probe").await;
    for f in &followers {
        eventually("every follower to see the probe", || {
            let seen = f.received().iter().any(|r| r.id == probe);
            async move { seen }
        })
        .await;
    }
    (tokens, channel, followers)
}

async fn bursts_from_every_node(
    cluster: &Cluster,
    tokens: &[String],
    channel: &str,
    per_sender: usize,
) -> Vec<tokio::task::JoinHandle<Vec<(i64, String)>>> {
    let bases: Vec<String> = (0..cluster.len()).map(|i| cluster.node(i)).collect();
    (0..3)
        .map(|s| {
            // Sender s starts on node s and moves on when it fails.
            let mut mine = bases.clone();
            mine.rotate_left(s);
            tokio::spawn(burst(
                reqwest::Client::new(),
                mine,
                tokens[s].clone(),
                channel.to_owned(),
                s,
                per_sender,
            ))
        })
        .collect()
}

async fn all_acked(
    senders: Vec<tokio::task::JoinHandle<Vec<(i64, String)>>>,
) -> Vec<(i64, String)> {
    let mut acked = Vec::new();
    for s in senders {
        acked.extend(s.await.unwrap());
    }
    acked
}

async fn wait_until_followers_have(followers: &[Follower], acked: &[(i64, String)]) {
    let newest = acked.iter().map(|(id, _)| *id).max().unwrap();
    for f in followers {
        eventually("every follower to catch up", || {
            let caught_up = f.received().last().is_some_and(|r| r.id >= newest);
            async move { caught_up }
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_killed_mid_burst_loses_nothing_acknowledged() {
    let (mut cluster, _db) = three_nodes().await;
    let (tokens, channel, followers) = members_following(&cluster, 6).await;
    let senders = bursts_from_every_node(&cluster, &tokens, &channel, 150).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    cluster.kill_node(1).await;
    let acked = all_acked(senders).await;
    let probe_and_burst = with_probe(&followers, acked);
    wait_until_followers_have(&followers, &probe_and_burst).await;
    check_exactly_once_in_order(&followers, &probe_and_burst);
    assert!(
        followers.iter().any(|f| f.reconnects() > 0),
        "some follower was on the killed node and came back through nginx"
    );
    cluster.start_node(1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_stopped_and_started_mid_burst_loses_nothing_acknowledged() {
    let db = database::Database::private().await;
    let cluster = Cluster::start(SERVER.as_ref(), db.url(), 3, &[]).await;
    let (tokens, channel, followers) = members_following(&cluster, 6).await;
    let senders = bursts_from_every_node(&cluster, &tokens, &channel, 150).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    db.stop().await;
    // While it is down, nodes say they are not ready.
    let http = reqwest::Client::new();
    let ready = http
        .get(format!("{}/readyz", cluster.node(0)))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    tokio::time::sleep(Duration::from_secs(2)).await;
    db.start().await;
    let acked = all_acked(senders).await;
    assert!(
        RETRIED.load(std::sync::atomic::Ordering::Relaxed) > 0,
        "some sends were refused while the database was down"
    );
    let probe_and_burst = with_probe(&followers, acked);
    wait_until_followers_have(&followers, &probe_and_burst).await;
    check_exactly_once_in_order(&followers, &probe_and_burst);
    let ready = http
        .get(format!("{}/readyz", cluster.node(0)))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
}

/// The acknowledged burst plus the probe every follower saw first.
fn with_probe(followers: &[Follower], mut acked: Vec<(i64, String)>) -> Vec<(i64, String)> {
    let probe = followers[0]
        .received()
        .iter()
        .find(|r| r.data["ssePayload"]["message"] == "probe")
        .map(|r| r.id)
        .expect("the probe");
    acked.push((probe, "probe".into()));
    acked.sort();
    acked
}

#[tokio::test]
async fn through_nginx_every_transport_carries_the_stream_as_it_is_written() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let (cluster, _db) = three_nodes().await;
    let http = reqwest::Client::new();
    let (alice, _) = sign_up(&http, cluster.base(), "alice").await;
    let (bob, bob_id) = sign_up(&http, cluster.base(), "bob").await;
    let channel = group(&http, cluster.base(), &alice, &[&bob_id]).await;

    // SSE: each event arrives on its own, not when a buffer fills.
    let mut sse = stream(&http, cluster.base(), &bob, None).await;
    // WebSocket: the upgrade passes through.
    let ws_url = format!(
        "{}{}",
        cluster.base().replace("http://", "ws://"),
        suda_protocol::WS_PATH
    );
    let mut request = ws_url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {bob}").parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(ws_text(&mut ws).await["data"]["sseType"], "CONNECTED");
    // Long polling: a poll waiting through nginx returns with the message.
    let first = http
        .get(format!("{}{}", cluster.base(), suda_protocol::POLL_PATH))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let position = first["position"].as_str().unwrap().to_owned();
    let waiting = tokio::spawn({
        let (http, bob) = (http.clone(), bob.clone());
        let url = format!(
            "{}{}?after={position}&timeout=20",
            cluster.base(),
            suda_protocol::POLL_PATH
        );
        async move {
            let r = http.get(url).bearer_auth(bob).send().await.unwrap();
            r.json::<serde_json::Value>().await.unwrap()
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;

    let id = send(&http, cluster.base(), &alice, &channel, "through nginx").await;
    let got = tokio::time::timeout(Duration::from_secs(2), sse.next_published())
        .await
        .expect("the SSE event within 2 s: not buffered");
    assert_eq!((got.id, got.message()), (Some(id), Some("through nginx")));
    let over_ws = ws_text(&mut ws).await;
    assert_eq!(over_ws["id"], id.to_string());
    let polled = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("the long poll answered")
        .unwrap();
    assert_eq!(
        polled["events"][0]["data"]["ssePayload"]["message"],
        "through nginx"
    );
}

/// The next text frame of a WebSocket, as JSON.
async fn ws_text<S>(ws: &mut S) -> serde_json::Value
where
    S: futures::Stream<
            Item = Result<
                tokio_tungstenite::tungstenite::Message,
                tokio_tungstenite::tungstenite::Error,
            >,
        > + Unpin,
{
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a WebSocket frame within 5 s");
        match frame {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).unwrap(),
            // Keep-alives.
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => panic!("not a text frame: {other:?}"),
        }
    }
}

#[tokio::test]
async fn typing_on_one_node_reaches_streams_on_the_others_and_is_not_replayed() {
    let (cluster, _db) = three_nodes().await;
    let http = reqwest::Client::new();
    let (alice, alice_id) = sign_up(&http, &cluster.node(0), "alice").await;
    let (bob, bob_id) = sign_up(&http, &cluster.node(1), "bob").await;
    let (carol, carol_id) = sign_up(&http, &cluster.node(2), "carol").await;
    let channel = group(&http, &cluster.node(0), &alice, &[&bob_id, &carol_id]).await;
    send(&http, &cluster.node(0), &alice, &channel, "plans?").await;
    // Bob's stream on node 1, carol's on node 2, alice types through node 0.
    let mut on_1 = stream(&http, &cluster.node(1), &bob, None).await;
    let mut on_2 = stream(&http, &cluster.node(2), &carol, None).await;
    // A message live on both: each node knows who is in the channel now.
    let last = send(&http, &cluster.node(0), &alice, &channel, "ready?").await;
    for reader in [&mut on_1, &mut on_2] {
        let e = reader.next().await.unwrap();
        assert_eq!((e.sse_type(), e.id), ("CHAT_MESSAGE_PUBLISHED", Some(last)));
    }
    let typing = graphql(
        &http,
        &cluster.node(0),
        Some(&alice),
        "mutation($c:ID!){setTyping(channelId:$c)}",
        json!({"c": channel}),
    )
    .await;
    assert_eq!(typing["data"]["setTyping"], true, "{typing}");
    for reader in [&mut on_1, &mut on_2] {
        let e = loop {
            let e = reader.next().await.unwrap();
            if e.sse_type() == "CHAT_TYPING" {
                break e;
            }
        };
        assert_eq!(e.data["ssePayload"]["member"]["id"], alice_id);
        assert_eq!(e.id, Some(last), "under the last id its stream delivered");
    }
    // Once each: a node hears its own announcement too, and skips it.
    let again = on_1.next_within(Duration::from_millis(500)).await;
    assert!(again.is_none(), "{again:?}");
    // Resumed on another node: nothing of it.
    let mut resumed = stream(&http, &cluster.node(2), &bob, Some(last)).await;
    assert!(resumed
        .next_within(Duration::from_millis(500))
        .await
        .is_none());
}

#[tokio::test]
async fn presence_on_one_node_is_known_on_the_others_and_ends_with_the_last_stream() {
    let db = database::Database::fresh().await;
    let cluster = Cluster::start(SERVER.as_ref(), db.url(), 2, &["--presence-grace", "1"]).await;
    let http = reqwest::Client::new();
    let (alice, alice_id) = sign_up(&http, &cluster.node(0), "alice").await;
    let (bob, _) = sign_up(&http, &cluster.node(1), "bob").await;
    let channel = group(&http, &cluster.node(0), &bob, &[&alice_id]).await;
    // Bob on node 0, until he hears a message live: node 0 knows the channel.
    let mut on_0 = stream(&http, &cluster.node(0), &bob, None)
        .await
        .with_presence();
    let last = send(&http, &cluster.node(1), &bob, &channel, "here?").await;
    let e = on_0.next().await.unwrap();
    assert_eq!(e.id, Some(last));
    let presence = |base: String| {
        let http = http.clone();
        let bob = bob.clone();
        let alice_id = alice_id.clone();
        async move {
            let v = graphql(
                &http,
                &base,
                Some(&bob),
                "query($m:[ID!]!){presence(memberIds:$m){presence}}",
                json!({"m": [alice_id]}),
            )
            .await;
            v["data"]["presence"][0]["presence"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(presence(cluster.node(0)).await, "OFFLINE");

    // Alice's stream on node 1: bob's stream on node 0 hears her come.
    let on_1 = stream(&http, &cluster.node(1), &alice, None).await;
    let e = loop {
        let e = on_0.next().await.unwrap();
        if e.sse_type() == "MEMBER_PRESENCE_CHANGED" {
            break e;
        }
    };
    assert_eq!(e.data["ssePayload"]["memberId"], alice_id);
    assert_eq!(e.data["ssePayload"]["presence"], "ONLINE");
    assert_eq!(presence(cluster.node(0)).await, "ONLINE");
    // Away, said through node 0: node 1 knows it too.
    graphql(
        &http,
        &cluster.node(0),
        Some(&alice),
        "mutation{setAway(away:true)}",
        json!({}),
    )
    .await;
    eventually("node 1 to know alice is away", || {
        let asked = presence(cluster.node(1));
        async move { asked.await == "AWAY" }
    })
    .await;

    // Her stream goes: offline on both once the grace is over.
    drop(on_1);
    let e = loop {
        let e = on_0.next().await.unwrap();
        if e.sse_type() == "MEMBER_PRESENCE_CHANGED"
            && e.data["ssePayload"]["presence"] == "OFFLINE"
        {
            break e;
        }
    };
    assert_eq!(e.id, Some(last));
    assert_eq!(presence(cluster.node(0)).await, "OFFLINE");
    assert_eq!(presence(cluster.node(1)).await, "OFFLINE");
}
