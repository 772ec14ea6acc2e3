-- Threads (issue 15), as SQLite's 0008 (see there for what each column
-- and table holds).

ALTER TABLE events ADD COLUMN thread_seq bigint;

CREATE INDEX events_by_thread ON events (thread_seq, seq) WHERE thread_seq IS NOT NULL;

CREATE TABLE threads (
    root_seq      bigint PRIMARY KEY REFERENCES events(seq),
    channel_id    bigint NOT NULL REFERENCES channels(id),
    replies       bigint NOT NULL CHECK (replies >= 0),
    last_reply_at bigint NOT NULL
);

CREATE TABLE thread_members (
    root_seq    bigint NOT NULL REFERENCES events(seq),
    member_id   bigint NOT NULL REFERENCES members(id),
    channel_id  bigint NOT NULL REFERENCES channels(id),
    since_seq   bigint NOT NULL,
    read_up_to  bigint NOT NULL,
    PRIMARY KEY (root_seq, member_id)
);

CREATE INDEX thread_members_by_member ON thread_members (member_id, channel_id);
