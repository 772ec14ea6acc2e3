-- Search (issue 16), as SQLite's 0009: the terms of every message's current
-- text, one row per message not deleted. `terms` is made from the terms
-- crate::search makes, with their positions, never by a text search
-- configuration, so both stores find the same messages.
CREATE TABLE message_terms (
    seq         bigint PRIMARY KEY REFERENCES events(seq),
    channel_id  bigint NOT NULL REFERENCES channels(id),
    terms       tsvector NOT NULL
);

CREATE INDEX message_terms_by_terms ON message_terms USING gin (terms);

INSERT INTO server_meta (key, value) VALUES ('search_terms_version', 0);
