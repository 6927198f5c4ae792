-- The user portal (issue 12): each extension's user logs in with
-- extension@domain and a portal password and programs their own Follow Me.
-- What the administrator decides stays in the administrator's columns; the
-- user changes only follow_me.enabled, ring_extension_first_s, the
-- destinations and, when allowed, the strategy.

CREATE TABLE portal_credentials (
  extension_id  integer     PRIMARY KEY REFERENCES extensions (id) ON DELETE CASCADE,
  password_hash text        NOT NULL,
  set_at        timestamptz NOT NULL DEFAULT now(),
  -- scrypt$<log2 N>$<r>$<p>$<salt, base64>$<key, base64>: never a plain
  -- password (a plain one cannot match this shape by accident: it needs the
  -- prefix, three numbers and two base64 fields of at least 16 and 32 bytes).
  CONSTRAINT portal_credentials_password_hash_scrypt CHECK (
    password_hash ~ '^scrypt\$[0-9]{1,2}\$[0-9]{1,2}\$[0-9]{1,2}\$[A-Za-z0-9+/]{22,}={0,2}\$[A-Za-z0-9+/]{43,}={0,2}$'
  )
);

COMMENT ON TABLE portal_credentials IS
  'Who may log in to the user portal: one password per extension. No row: the extension cannot log in. Set or reset with `npm run portal-password -- 100@pbx.example.com` (prints a random password once); DELETE the row to lock the user out.';
COMMENT ON COLUMN portal_credentials.extension_id IS 'The extension (extensions.id) whose user logs in as extension@domain.';
COMMENT ON COLUMN portal_credentials.password_hash IS
  'scrypt$<log2 N>$<r>$<p>$<salt>$<key> (salt and key in base64), as written by npm run portal-password. Never the password itself.';
COMMENT ON COLUMN portal_credentials.set_at IS
  'When the password was set. Sessions opened before it end at their next request (a reset logs everyone out).';

ALTER TABLE follow_me
  ADD COLUMN user_may_choose_strategy boolean NOT NULL DEFAULT false;

COMMENT ON COLUMN follow_me.user_may_choose_strategy IS
  'true: the extension''s user may switch strategy (sequential/simultaneous) in the portal. false (default): the portal shows it read-only.';

-- Portal saves are audited in the same table as *21: source 'portal', and
-- the whole Follow Me before and after (the flag alone says too little).
ALTER TABLE follow_me_changes
  DROP CONSTRAINT follow_me_changes_source_valid,
  ADD CONSTRAINT follow_me_changes_source_valid CHECK (source IN ('feature_code', 'blf_key', 'sql', 'portal')),
  ADD COLUMN old_settings jsonb,
  ADD COLUMN new_settings jsonb;

COMMENT ON TABLE follow_me_changes IS
  'Audit of Follow Me: one row per change of follow_me.enabled (written by a trigger), and one per portal save (its flag change, if any, and the settings before and after). Do not write it by hand.';
COMMENT ON COLUMN follow_me_changes.source IS
  'feature_code (the phone dialled *21), blf_key (the fm<EXT> key was pressed), portal (the user saved the portal''s Follow Me page) or sql (anything else: psql, migrations, tools).';
COMMENT ON COLUMN follow_me_changes.old_enabled IS
  'The value before; NULL when the follow_me row was created. A portal save that did not change the flag has old_enabled = new_enabled.';
COMMENT ON COLUMN follow_me_changes.old_settings IS
  'portal saves: the Follow Me before the save, as JSON (strategy, ring_extension_first_s, destinations in order). NULL for other sources.';
COMMENT ON COLUMN follow_me_changes.new_settings IS
  'portal saves: the Follow Me after the save, as JSON. NULL for other sources.';
