-- `members.name_key` changes meaning: it was the lower-cased name, it is now
-- the name's confusable skeleton (NFKC, case fold, UTS #39 skeleton; see
-- src/name.rs), so that names that read alike are one name. SQLite cannot
-- compute a skeleton: the server rewrites the keys in Rust at start
-- (src/store/name_keys.rs) whenever `name_key_version` is behind its own.
-- This records that the keys written so far are version 1, lower case.
--
-- The migration also keeps older servers off a rewritten database: they do
-- not know it, so they refuse to start instead of writing lower-cased keys
-- beside skeletons.
INSERT INTO server_meta (key, value) VALUES ('name_key_version', 1)
ON CONFLICT (key) DO NOTHING;
