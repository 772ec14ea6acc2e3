//! The backoff and sleep rules; the end-to-end behaviour over real
//! sockets is in `tests/it/`.

use std::time::Duration;

use super::*;

#[test]
fn backoff_grows_then_caps_and_is_jittered() {
    let base = Duration::from_millis(100);
    let max = Duration::from_secs(5);
    assert_eq!(backoff(base, max, 0, 1.0), base);
    assert_eq!(backoff(base, max, 3, 1.0), Duration::from_millis(800));
    assert_eq!(backoff(base, max, 30, 1.0), max);
    assert_eq!(backoff(base, max, 3, 0.0), Duration::ZERO);
    assert_eq!(backoff(base, max, 3, 0.5), Duration::from_millis(400));
}

#[test]
fn a_long_gap_on_either_clock_means_the_machine_slept() {
    let s = Duration::from_secs;
    assert!(!gap_shows_sleep(s(1), s(1), s(1), s(10)));
    assert!(!gap_shows_sleep(s(1), s(5), s(5), s(10)));
    assert!(gap_shows_sleep(s(1), s(1), s(600), s(10)));
    assert!(gap_shows_sleep(s(1), s(600), s(1), s(10)));
}
