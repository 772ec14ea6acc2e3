-- Search (issue 16; crate::search and store::search): the terms of every
-- message's current text, one row per message not deleted, its rowid the
-- message's seq. The terms are made in Rust and joined with spaces, and
-- FTS5's `ascii` tokenizer splits them there, leaving every other
-- character as it is: SQLite and PostgreSQL index exactly the same terms.
-- Contentless: the terms are not kept a second time beside the index.
CREATE VIRTUAL TABLE message_terms USING fts5(
    terms, tokenize = 'ascii', content = '', contentless_delete = 1
);

-- The version of crate::search::terms the index was made with: 0 until it
-- is first made at start, from every message already stored.
INSERT INTO server_meta (key, value) VALUES ('search_terms_version', 0);
