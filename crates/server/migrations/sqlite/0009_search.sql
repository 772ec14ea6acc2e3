-- Search (issue 16; crate::search and store::search): the terms of every
-- message's current text, one row per message not deleted, its rowid the
-- message's seq. The terms are made in Rust and joined with spaces, and
-- FTS5's `ascii` tokenizer splits them there, leaving every other
-- character as it is: SQLite and PostgreSQL index exactly the same terms.
CREATE VIRTUAL TABLE message_terms USING fts5(terms, tokenize = 'ascii');
-- A deleted message's terms leave the index's pages at once, not when a
-- merge gets to them, and with `secure_delete` (store::sqlite) its words
-- are then gone from the file like its text (docs/security.md). This
-- needs the terms kept beside the index (a contentless table could only
-- mark them deleted): FTS5 reads them there to know what to take out.
INSERT INTO message_terms (message_terms, rank) VALUES ('secure-delete', 1);

-- The version of crate::search::terms the index was made with: 0 until it
-- is first made at start, from every message already stored.
INSERT INTO server_meta (key, value) VALUES ('search_terms_version', 0);
