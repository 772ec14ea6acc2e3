//! Where a fan-out run's work goes on several nodes: which node each
//! channel's sends go through, which node each member's stream is on, and
//! which node signs each member up.
//!
//! On a cluster the figure that matters is delivery from one node to
//! another (a message committed by one node, published by the others),
//! so every delivery is made to cross nodes: channel `c`'s sends go
//! through `send_via[c % len]`, and its members' streams are spread
//! round-robin over every node but that one. On one node (or when the
//! senders' node is the only one) everything is on it, as before.

/// The nodes of a run and where its senders send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    nodes: usize,
    send_via: Vec<usize>,
}

impl Layout {
    /// `nodes` nodes, senders on the nodes `send_via` (indices; every node
    /// when empty).
    pub fn new(nodes: usize, send_via: &[usize]) -> Layout {
        let nodes = nodes.max(1);
        let mut send_via: Vec<usize> = send_via.iter().copied().filter(|&n| n < nodes).collect();
        if send_via.is_empty() {
            send_via = (0..nodes).collect();
        }
        Layout { nodes, send_via }
    }

    /// How many nodes.
    pub fn nodes(&self) -> usize {
        self.nodes
    }

    /// The node channel `channel`'s sends go through.
    pub fn send_node(&self, channel: usize) -> usize {
        self.send_via[channel % self.send_via.len()]
    }

    /// The node the stream of the `k`-th member of `channel` is on: the
    /// nodes other than the channel's send node in turn (the send node
    /// itself when it is the only one).
    pub fn stream_node(&self, channel: usize, k: usize) -> usize {
        let sender = self.send_node(channel);
        let others = self.nodes - 1;
        if others == 0 {
            return sender;
        }
        // The k-th node counting from 0 and skipping `sender`.
        let n = k % others;
        if n >= sender {
            n + 1
        } else {
            n
        }
    }

    /// The node member `m` (of all members, in order) signs up on: spread
    /// over every node, so that the password hashing is too.
    pub fn sign_up_node(&self, m: usize) -> usize {
        m % self.nodes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_one_node_everything_is_there() {
        let one = Layout::new(1, &[]);
        assert_eq!((one.send_node(3), one.stream_node(3, 7)), (0, 0));
        assert_eq!(one.sign_up_node(5), 0);
    }

    #[test]
    fn each_channel_sends_through_one_node_and_streams_on_the_others() {
        let three = Layout::new(3, &[]);
        // Channel 0 sends through node 0, its streams on 1 and 2 in turn;
        // channel 1 through node 1, streams on 0 and 2; channel 3 again
        // through node 0.
        assert_eq!(
            (0..4).map(|k| three.stream_node(0, k)).collect::<Vec<_>>(),
            [1, 2, 1, 2]
        );
        assert_eq!(three.send_node(1), 1);
        assert_eq!(
            (0..4).map(|k| three.stream_node(1, k)).collect::<Vec<_>>(),
            [0, 2, 0, 2]
        );
        assert_eq!(
            (0..2).map(|k| three.stream_node(2, k)).collect::<Vec<_>>(),
            [0, 1]
        );
        assert_eq!(three.send_node(3), 0);
        for c in 0..10 {
            for k in 0..10 {
                assert_ne!(three.stream_node(c, k), three.send_node(c));
            }
        }
    }

    #[test]
    fn senders_on_one_node_leave_the_streams_to_the_others() {
        let quiet = Layout::new(3, &[0]);
        for c in 0..5 {
            assert_eq!(quiet.send_node(c), 0);
            assert_eq!(
                (0..4).map(|k| quiet.stream_node(c, k)).collect::<Vec<_>>(),
                [1, 2, 1, 2]
            );
        }
        // Out-of-range indices are ignored; none left means every node.
        assert_eq!(Layout::new(2, &[5]), Layout::new(2, &[]));
    }
}
