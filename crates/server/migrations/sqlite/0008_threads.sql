-- Threads (issue 15).
--
-- events.thread_seq names the thread an event belongs to, by its root
-- message:
--   CHAT     a reply in the thread (NULL: a message of the channel itself)
--   DELETE   the deletion of such a reply
--   READ     the member's read marker of the thread moved (NULL: of the
--            channel)
--
-- threads: one row per root that was ever replied to; `replies` counts the
-- replies not deleted, `last_reply_at` is when the newest was sent.
--
-- thread_members: who follows a thread, from which event on (`since_seq`:
-- their root, their first reply, or the reply that first mentioned them),
-- and how far they have read it (`read_up_to`). A reply from someone else
-- after both counts as unread. Nobody stops following (there is no
-- "unfollow" yet), so the followers at any reply are those with
-- `since_seq` at or before it.

ALTER TABLE events ADD COLUMN thread_seq INTEGER;

CREATE INDEX events_by_thread ON events (thread_seq, seq) WHERE thread_seq IS NOT NULL;

CREATE TABLE threads (
    root_seq      INTEGER PRIMARY KEY REFERENCES events(seq),
    channel_id    INTEGER NOT NULL REFERENCES channels(id),
    replies       INTEGER NOT NULL CHECK (replies >= 0),
    last_reply_at INTEGER NOT NULL
);

CREATE TABLE thread_members (
    root_seq    INTEGER NOT NULL REFERENCES events(seq),
    member_id   INTEGER NOT NULL REFERENCES members(id),
    channel_id  INTEGER NOT NULL REFERENCES channels(id),
    since_seq   INTEGER NOT NULL,
    read_up_to  INTEGER NOT NULL,
    PRIMARY KEY (root_seq, member_id)
);

CREATE INDEX thread_members_by_member ON thread_members (member_id, channel_id);
