//! Names and text that pass for something else: look-alike member names,
//! invisible names and messages, and a `clientKey` reused for another
//! message. Each is refused with a clear error and nothing is stored, or
//! resolves to the one member it reads as.

use serde_json::{json, Value};

use crate::common::*;

const SIGN_UP: &str =
    "mutation($n:String!,$p:String!){signUp(memberName:$n,password:$p){token member{id memberName}}}";
const SIGN_IN: &str =
    "mutation($n:String!,$p:String!){signIn(memberName:$n,password:$p){member{id}}}";
const MEMBER: &str = "query($n:String!){member(memberName:$n){id memberName}}";
const SEND: &str = "mutation($c:ID!,$m:String!,$k:String){sendChatMessage(channelId:$c,message:$m,clientKey:$k){id message}}";
const GROUP: &str = "mutation($n:String!){createGroupChannel(name:$n){id name}}";

async fn sign_up(server: &TestServer, name: &str) -> Value {
    server
        .gql(None, SIGN_UP, json!({"n": name, "p": "password-123"}))
        .await
}

fn message(v: &Value) -> &str {
    v["errors"][0]["message"].as_str().unwrap_or_default()
}

/// The chat messages of a channel, oldest first.
async fn chats(server: &TestServer, token: &str, channel: &str) -> Vec<String> {
    let d = server
        .ok(
            token,
            "query($c:ID!){chatChannelEvents(channelId:$c,limit:200){contents{eventType ... on ChatChannelChatEvent{message}}}}",
            json!({"c": channel}),
        )
        .await;
    let mut texts: Vec<String> = d["chatChannelEvents"]["contents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["eventType"] == "CHAT")
        .map(|e| e["message"].as_str().unwrap().to_owned())
        .collect();
    texts.reverse();
    texts
}

#[tokio::test]
async fn look_alikes_of_a_taken_name_are_taken() {
    let server = TestServer::start().await;
    let (alice, alice_id) = server.member("alice").await;
    for (impostor, what) in [
        ("\u{430}lice", "a Cyrillic а among Latin letters"),
        (
            "\u{430}\u{4cf}\u{456}\u{441}\u{435}",
            "all Cyrillic: а ӏ і с е",
        ),
        ("ａｌｉｃｅ", "fullwidth letters"),
        ("𝐚𝐥𝐢𝐜𝐞", "mathematical bold letters"),
        ("ALICE", "capitals"),
        ("\u{410}LICE", "a Cyrillic А among capitals"),
    ] {
        // Each is CONFLICT: it reads as alice, who has the name.
        let v = sign_up(&server, impostor).await;
        assert_eq!(code(&v), "CONFLICT", "{impostor:?} ({what}): {v}");
        assert!(message(&v).contains("taken"), "{v}");
    }
    // Nobody but alice holds any of these names: every spelling finds her.
    for spelling in [
        "alice",
        "\u{430}lice",
        "ａｌｉｃｅ",
        "𝐚𝐥𝐢𝐜𝐞",
        "Alice",
        "alice\u{200B}",
    ] {
        let d = server.ok(&alice, MEMBER, json!({"n": spelling})).await;
        assert_eq!(d["member"]["id"], alice_id, "{spelling:?}");
        assert_eq!(d["member"]["memberName"], "alice");
    }
}

#[tokio::test]
async fn signing_in_by_a_look_alike_spelling_is_signing_in_as_the_real_member() {
    // Alice signed up from here, so the limit that holds is the one per
    // name and address.
    let config = suda_server::Config {
        sign_ins_per_name_and_address_per_minute: 3,
        ..test_config()
    };
    let server = TestServer::start_with(config).await;
    let (_, alice_id) = server.member("alice").await;
    // The right password under another spelling: alice, not someone else.
    let v = server
        .gql(
            None,
            SIGN_IN,
            json!({"n": "ａｌｉｃｅ", "p": "password-123"}),
        )
        .await;
    assert_eq!(v["data"]["signIn"]["member"]["id"], alice_id, "{v}");
    // Wrong passwords under two more spellings use up alice's attempts: a
    // look-alike is no fresh set of guesses.
    for spelling in ["\u{430}lice", "ALICE"] {
        let v = server
            .gql(None, SIGN_IN, json!({"n": spelling, "p": "wrong-password"}))
            .await;
        assert_eq!(code(&v), "UNAUTHENTICATED", "{spelling:?}: {v}");
    }
    let v = server
        .gql(None, SIGN_IN, json!({"n": "alice", "p": "password-123"}))
        .await;
    assert_eq!(code(&v), "RATE_LIMITED", "{v}");
}

#[tokio::test]
async fn member_names_with_invisible_or_filler_characters_are_refused_and_not_stored() {
    let server = TestServer::start().await;
    let (bob, _) = server.member("bob").await;
    for (name, what) in [
        ("\u{3164}", "HANGUL FILLER alone"),
        ("\u{115F}", "HANGUL CHOSEONG FILLER alone"),
        ("\u{1160}", "HANGUL JUNGSEONG FILLER alone"),
        ("\u{FFA0}", "HALFWIDTH HANGUL FILLER alone"),
        ("\u{3164}\u{3164}\u{3164}", "fillers only"),
        ("\u{2800}", "BRAILLE PATTERN BLANK"),
        ("\u{200B}", "ZERO WIDTH SPACE"),
        ("carol\u{3164}", "a filler after a name"),
        ("ca\u{200D}rol", "a zero-width joiner inside"),
        ("carol\u{FEFF}", "a BOM after a name"),
        ("\u{00AD}carol", "a soft hyphen before a name"),
    ] {
        // BAD_USER_INPUT, naming the character; no member is made.
        let v = sign_up(&server, name).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{name:?} ({what}): {v}");
        assert!(message(&v).contains("invisible"), "{what}: {v}");
        let v = server.gql(Some(&bob), MEMBER, json!({"n": name})).await;
        assert_eq!(code(&v), "NOT_FOUND", "{what}: nothing was stored: {v}");
    }
}

#[tokio::test]
async fn member_names_that_mix_look_alike_scripts_are_refused_and_others_are_kept() {
    let server = TestServer::start().await;
    for (name, what) in [
        ("p\u{430}ypal", "Latin with a Cyrillic а"),
        ("\u{3bf}scar", "Latin with a Greek ο"),
        ("Иванo", "Cyrillic with a Latin o"),
    ] {
        // BAD_USER_INPUT: nobody has a look-alike name yet, but it could
        // pass for one.
        let v = sign_up(&server, name).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{name:?} ({what}): {v}");
        assert!(message(&v).contains("cannot mix scripts"), "{v}");
    }
    for (name, stored) in [
        ("김민수", "김민수"),
        ("José", "José"),
        ("Jose\u{301}", "José"), // the same name, decomposed: taken below
        ("a.b-c_d", "a.b-c_d"),
        ("Ελένη", "Ελένη"),
        ("ｆｕｌｌ", "full"),
    ] {
        let v = sign_up(&server, name).await;
        if name == "Jose\u{301}" {
            assert_eq!(code(&v), "CONFLICT", "{v}");
            continue;
        }
        assert_eq!(
            v["data"]["signUp"]["member"]["memberName"], stored,
            "{name:?}: {v}"
        );
    }
}

#[tokio::test]
async fn messages_that_show_nothing_are_refused_and_not_stored() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let channel = server.group(&alice, "g", &[]).await;
    for (text, what) in [
        ("\u{200B}", "ZERO WIDTH SPACE"),
        ("\u{3164}", "HANGUL FILLER"),
        ("\u{2800}", "BRAILLE PATTERN BLANK"),
        ("\u{FEFF}\u{200D}", "BOM and ZERO WIDTH JOINER"),
        ("\u{00A0}", "NO-BREAK SPACE"),
        ("\u{115F}\u{1160}\u{FFA0}", "Hangul fillers"),
        (" \u{200B}\n\u{2060}\t", "spaces and invisibles mixed"),
    ] {
        // BAD_USER_INPUT with a sentence that says why; nothing stored.
        let v = server
            .gql(Some(&alice), SEND, json!({"c": channel, "m": text}))
            .await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{what}: {v}");
        assert!(
            message(&v).contains("empty") || message(&v).contains("shows nothing"),
            "{what}: {v}"
        );
    }
    assert!(chats(&server, &alice, &channel).await.is_empty());

    // Messages with something to see are stored exactly as sent.
    let kept = [
        "👍",
        "ok\u{200D}",
        "שלום",
        "👩\u{200D}💻",
        "ｆｕｌｌ",
        "\u{200B}hi",
    ];
    for text in kept {
        let d = server
            .ok(&alice, SEND, json!({"c": channel, "m": text}))
            .await;
        assert_eq!(d["sendChatMessage"]["message"], text);
    }
    assert_eq!(chats(&server, &alice, &channel).await, kept);
}

#[tokio::test]
async fn channel_names_are_normalised_and_refuse_invisible_characters() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    for (name, what) in [
        ("\u{3164}", "a HANGUL FILLER only"),
        ("\u{2800}\u{2800}", "BRAILLE PATTERN BLANKs only"),
        ("\u{200B}", "a ZERO WIDTH SPACE only"),
        ("gen\u{200B}eral", "a ZERO WIDTH SPACE inside"),
        ("general\u{3164}", "a filler after the name"),
        ("\u{202E}lareneg", "a right-to-left override"),
    ] {
        // BAD_USER_INPUT: a name that shows nothing, or hides something.
        let v = server.gql(Some(&alice), GROUP, json!({"n": name})).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{what}: {v}");
    }
    let d = server
        .ok(&alice, GROUP, json!({"n": " ｇｅｎｅｒａｌ "}))
        .await;
    assert_eq!(d["createGroupChannel"]["name"], "general");
    let pride = "🏳\u{FE0F}\u{200D}🌈 pride";
    let d = server.ok(&alice, GROUP, json!({"n": pride})).await;
    assert_eq!(
        d["createGroupChannel"]["name"], pride,
        "emoji keep their joiners"
    );
}

#[tokio::test]
async fn a_client_key_reused_for_another_message_is_a_conflict_and_stores_nothing() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let first = server.group(&alice, "first", &[]).await;
    let second = server.group(&alice, "second", &[]).await;
    let sent = server
        .ok(
            &alice,
            SEND,
            json!({"c": first, "m": "hello", "k": "key-1"}),
        )
        .await;
    let id = sent["sendChatMessage"]["id"].clone();

    // Another text, another channel, or both, under the same key: CONFLICT.
    // Answering with the first message would drop the new one unseen.
    for (channel, text) in [
        (&first, "goodbye"),
        (&second, "hello"),
        (&second, "goodbye"),
    ] {
        let v = server
            .gql(
                Some(&alice),
                SEND,
                json!({"c": channel, "m": text, "k": "key-1"}),
            )
            .await;
        assert_eq!(code(&v), "CONFLICT", "{text:?}: {v}");
        assert!(
            message(&v).contains("this clientKey was already used for another message"),
            "{v}"
        );
    }
    // The same channel and text again is a retry: the first message, again.
    let again = server
        .ok(
            &alice,
            SEND,
            json!({"c": first, "m": "hello", "k": "key-1"}),
        )
        .await;
    assert_eq!(again["sendChatMessage"]["id"], id);

    assert_eq!(chats(&server, &alice, &first).await, ["hello"]);
    assert!(chats(&server, &alice, &second).await.is_empty());
}

#[tokio::test]
async fn a_name_longer_than_any_member_could_have_costs_next_to_nothing() {
    let server = TestServer::start().await;
    let (bob, _) = server.member("bob").await;
    // 20,000 characters that NFKC expands eighteenfold: refused before
    // anything is done with them.
    let huge = "\u{FDFA}".repeat(20_000);
    let started = std::time::Instant::now();
    let v = server
        .gql(
            None,
            "mutation($n:String!){signIn(memberName:$n,password:\"password-123\"){token}}",
            json!({"n": huge}),
        )
        .await;
    assert_eq!(code(&v), "UNAUTHENTICATED", "{v}");
    let v = server
        .gql(
            Some(&bob),
            "query($n:String!){member(memberName:$n){id}}",
            json!({"n": huge}),
        )
        .await;
    assert_eq!(code(&v), "NOT_FOUND");
    let v = server
        .gql(
            None,
            "mutation($n:String!){signUp(memberName:$n,password:\"password-123\"){token}}",
            json!({"n": huge}),
        )
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
}
