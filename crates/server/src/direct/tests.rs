use super::*;

fn path() -> &'static str {
    suda_protocol::SSE_PATH
}

#[test]
fn other_requests_are_recognised_from_their_first_bytes() {
    for head in [
        "POST /graphql HTTP/1.1\r\n".to_owned(),
        "GET /healthz HTTP/1.1\r\n".to_owned(),
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_owned(),
        format!("GET {}x HTTP/1.1\r\n", path()),
        format!("HEAD {} HTTP/1.1\r\n", path()),
        "G".to_owned() + "ARBAGE",
    ] {
        assert!(matches!(classify(head.as_bytes()), Head::Other), "{head:?}");
    }
}

#[test]
fn a_stream_request_is_read_to_the_end_of_its_head() {
    let full = format!(
        "GET {}?lastEventId=5 HTTP/1.1\r\nhost: x\r\nauthorization: Bearer t\r\n\r\n",
        path()
    );
    for cut in [1, 4, 10, full.len() - 1] {
        assert!(
            matches!(classify(&full.as_bytes()[..cut]), Head::Partial),
            "{cut}"
        );
    }
    let Head::Stream(request) = classify(full.as_bytes()) else {
        panic!("a complete stream request");
    };
    assert_eq!(request.headers["authorization"], "Bearer t");
    assert_eq!(request.params.last_event_id.as_deref(), Some("5"));
}

#[test]
fn odd_stream_requests_are_left_to_hyper_or_refused() {
    // A body on a GET, a malformed head: hyper answers them as it would.
    let with_body = format!("GET {} HTTP/1.1\r\ncontent-length: 3\r\n\r\nabc", path());
    assert!(matches!(classify(with_body.as_bytes()), Head::Other));
    let broken = format!("GET {} HTTP/1.1\r\nno colon here\r\n\r\n", path());
    assert!(matches!(classify(broken.as_bytes()), Head::Other));
    // A query string that does not parse: refused as the router refuses it.
    let bad_query = format!(
        "GET {}?lastEventId=1&lastEventId=2 HTTP/1.1\r\n\r\n",
        path()
    );
    assert!(
        matches!(
            classify(bad_query.as_bytes()),
            Head::Refused(ApiError::BadInput(_))
        ),
        "{:?}",
        classify(bad_query.as_bytes())
    );
}
