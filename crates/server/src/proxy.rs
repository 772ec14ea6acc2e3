//! The client's address behind a reverse proxy.
//!
//! Rate limits and "signed in from here before" are per client address.
//! Behind a proxy every connection comes from the proxy, so all clients
//! would share one address (and one sign-in budget: a lever to lock
//! everyone out). A connection from a proxy the operator trusts
//! (`--trusted-proxy`) is taken to be from the address the proxy saw:
//! the right-most `X-Forwarded-For` entry that is not itself a trusted
//! proxy. Entries to the left of it were written by the client, who can
//! write anything there, so they are never believed.

use std::net::IpAddr;

use axum::http::HeaderMap;

/// The address a request came from: `peer` (the TCP peer), or when `peer`
/// is a trusted proxy, the address it forwarded for.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !is_trusted(peer, trusted) {
        return peer;
    }
    let mut hops = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let Ok(value) = value.to_str() else {
            // Not text: nothing in it can be believed.
            return peer;
        };
        hops.extend(value.split(',').map(str::trim));
    }
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(address) if is_trusted(address, trusted) => continue,
            Ok(address) => return canonical(address),
            // A hop we cannot read: stop at what the proxies vouched for.
            Err(_) => break,
        }
    }
    // Only proxies in the chain, or none: the last proxy is what we know.
    peer
}

fn is_trusted(address: IpAddr, trusted: &[IpAddr]) -> bool {
    let address = canonical(address);
    trusted.iter().any(|t| canonical(*t) == address)
}

/// An IPv4 address written as IPv6 (`::ffff:a.b.c.d`) is the IPv4 address.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        headers
    }

    const PROXY: &str = "10.0.0.1";

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_says() {
        let h = forwarded(&["203.0.113.9"]);
        assert_eq!(
            client_address(ip("198.51.100.7"), &h, &[ip(PROXY)]),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_address(ip("198.51.100.7"), &h, &[]),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_client_is_the_address_it_saw() {
        let h = forwarded(&["203.0.113.9"]);
        assert_eq!(
            client_address(ip(PROXY), &h, &[ip(PROXY)]),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn what_the_client_wrote_itself_is_never_believed() {
        // The client sent "X-Forwarded-For: 1.2.3.4"; nginx appended the
        // address it saw.
        let h = forwarded(&["1.2.3.4, 203.0.113.9"]);
        assert_eq!(
            client_address(ip(PROXY), &h, &[ip(PROXY)]),
            ip("203.0.113.9")
        );
        // Also when the proxy adds a second header rather than appending.
        let h = forwarded(&["1.2.3.4", "203.0.113.9"]);
        assert_eq!(
            client_address(ip(PROXY), &h, &[ip(PROXY)]),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn a_chain_of_trusted_proxies_is_walked_back_to_the_client() {
        let h = forwarded(&["203.0.113.9, 10.0.0.2"]);
        let trusted = [ip(PROXY), ip("10.0.0.2")];
        assert_eq!(client_address(ip(PROXY), &h, &trusted), ip("203.0.113.9"));
    }

    #[test]
    fn missing_or_unreadable_forwarding_leaves_the_proxy_as_the_client() {
        let trusted = [ip(PROXY)];
        assert_eq!(
            client_address(ip(PROXY), &HeaderMap::new(), &trusted),
            ip(PROXY)
        );
        let h = forwarded(&["not-an-address"]);
        assert_eq!(client_address(ip(PROXY), &h, &trusted), ip(PROXY));
        // Garbage to the right of the real hop stops the walk there.
        let h = forwarded(&["203.0.113.9, garbage"]);
        assert_eq!(client_address(ip(PROXY), &h, &trusted), ip(PROXY));
        let mut h = HeaderMap::new();
        h.append(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"\xff\xfe").unwrap(),
        );
        assert_eq!(client_address(ip(PROXY), &h, &trusted), ip(PROXY));
    }

    #[test]
    fn ipv4_written_as_ipv6_is_the_same_address() {
        let h = forwarded(&["::ffff:203.0.113.9"]);
        assert_eq!(
            client_address(ip("::ffff:10.0.0.1"), &h, &[ip(PROXY)]),
            ip("203.0.113.9")
        );
    }
}
