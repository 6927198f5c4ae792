-- Call forwarding and Do Not Disturb (issue 11): one row per extension that
-- has any of them, beside follow_me. Every change is audited in
-- call_forwarding_changes and announced on call_forwarding_changed (the
-- dnd<EXT> and cf<EXT> BLF lamps) and lookup_changed (the lookup cache),
-- whatever made it: the feature codes, a BLF key, psql, the portal.
--
-- What wins at call time (README "Call forwarding and Do Not Disturb"):
-- forward all > Do Not Disturb > Follow Me > the extension rings, then the
-- busy / no-answer / not-registered forward > voicemail.

CREATE TABLE call_forwarding (
  extension_id                  integer PRIMARY KEY REFERENCES extensions (id) ON DELETE CASCADE,
  do_not_disturb                boolean NOT NULL DEFAULT false,
  do_not_disturb_action         text    NOT NULL DEFAULT 'busy',
  forward_all_enabled           boolean NOT NULL DEFAULT false,
  forward_all_kind              text,
  forward_all_target            text,
  forward_busy_enabled          boolean NOT NULL DEFAULT false,
  forward_busy_kind             text,
  forward_busy_target           text,
  forward_no_answer_enabled     boolean NOT NULL DEFAULT false,
  forward_no_answer_kind        text,
  forward_no_answer_target      text,
  forward_not_registered_enabled boolean NOT NULL DEFAULT false,
  forward_not_registered_kind   text,
  forward_not_registered_target text,
  CONSTRAINT call_forwarding_do_not_disturb_action_valid CHECK (do_not_disturb_action IN ('busy', 'voicemail')),
  -- The rows never say both: setting one clears the other (the trigger
  -- below, in the same statement); setting both at once is refused here.
  CONSTRAINT call_forwarding_dnd_or_forward_all CHECK (NOT (do_not_disturb AND forward_all_enabled)),
  CONSTRAINT call_forwarding_forward_all_kind_valid CHECK (forward_all_kind IN ('extension', 'external', 'voicemail')),
  CONSTRAINT call_forwarding_forward_busy_kind_valid CHECK (forward_busy_kind IN ('extension', 'external', 'voicemail')),
  CONSTRAINT call_forwarding_forward_no_answer_kind_valid CHECK (forward_no_answer_kind IN ('extension', 'external', 'voicemail')),
  CONSTRAINT call_forwarding_forward_not_registered_kind_valid CHECK (forward_not_registered_kind IN ('extension', 'external', 'voicemail')),
  -- kind and target come together; an enabled forward has them.
  CONSTRAINT call_forwarding_forward_all_target_with_kind CHECK ((forward_all_kind IS NULL) = (forward_all_target IS NULL)),
  CONSTRAINT call_forwarding_forward_busy_target_with_kind CHECK ((forward_busy_kind IS NULL) = (forward_busy_target IS NULL)),
  CONSTRAINT call_forwarding_forward_no_answer_target_with_kind CHECK ((forward_no_answer_kind IS NULL) = (forward_no_answer_target IS NULL)),
  CONSTRAINT call_forwarding_forward_not_registered_target_with_kind CHECK ((forward_not_registered_kind IS NULL) = (forward_not_registered_target IS NULL)),
  CONSTRAINT call_forwarding_forward_all_target_required CHECK (NOT forward_all_enabled OR forward_all_target IS NOT NULL),
  CONSTRAINT call_forwarding_forward_busy_target_required CHECK (NOT forward_busy_enabled OR forward_busy_target IS NOT NULL),
  CONSTRAINT call_forwarding_forward_no_answer_target_required CHECK (NOT forward_no_answer_enabled OR forward_no_answer_target IS NOT NULL),
  CONSTRAINT call_forwarding_forward_not_registered_target_required CHECK (NOT forward_not_registered_enabled OR forward_not_registered_target IS NOT NULL),
  -- Digits only (a leading + for external numbers): nothing else can reach
  -- a dial string or a transfer.
  CONSTRAINT call_forwarding_forward_all_target_format CHECK (
    CASE forward_all_kind WHEN 'external' THEN forward_all_target ~ '^\+?[0-9]{1,20}$' ELSE forward_all_target ~ '^[0-9]{1,15}$' END),
  CONSTRAINT call_forwarding_forward_busy_target_format CHECK (
    CASE forward_busy_kind WHEN 'external' THEN forward_busy_target ~ '^\+?[0-9]{1,20}$' ELSE forward_busy_target ~ '^[0-9]{1,15}$' END),
  CONSTRAINT call_forwarding_forward_no_answer_target_format CHECK (
    CASE forward_no_answer_kind WHEN 'external' THEN forward_no_answer_target ~ '^\+?[0-9]{1,20}$' ELSE forward_no_answer_target ~ '^[0-9]{1,15}$' END),
  CONSTRAINT call_forwarding_forward_not_registered_target_format CHECK (
    CASE forward_not_registered_kind WHEN 'external' THEN forward_not_registered_target ~ '^\+?[0-9]{1,20}$' ELSE forward_not_registered_target ~ '^[0-9]{1,15}$' END)
);

COMMENT ON TABLE call_forwarding IS
  'Do Not Disturb and call forwarding of one extension (no row: all off). Changed with SQL, the feature codes (*72/*73/*74 forward all, *78/*79/*77 DND) or the dnd<EXT>/cf<EXT> BLF keys; every change is audited in call_forwarding_changes. Precedence at call time: forward all > DND > Follow Me > ring, then busy / no answer / not registered forward > voicemail.';
COMMENT ON COLUMN call_forwarding.extension_id IS 'The extension whose calls this row forwards (extensions.id).';
COMMENT ON COLUMN call_forwarding.do_not_disturb IS
  'true: the extension does not ring, nor as a Follow Me destination. Callers get the busy forward when it is enabled, else do_not_disturb_action. Turning it on turns forward_all_enabled off (same statement).';
COMMENT ON COLUMN call_forwarding.do_not_disturb_action IS
  'With DND on and no busy forward: busy (hang up USER_BUSY: the caller hears busy, SIP 486; the default, like a phone''s own DND) or voicemail (the extension''s own box; busy when its voicemail is off).';
COMMENT ON COLUMN call_forwarding.forward_all_enabled IS
  'true: every call goes straight to forward_all_target; the extension does not ring and Follow Me is bypassed. Turning it on turns do_not_disturb off (same statement). Off keeps the target, so *72 alone turns it back on.';
COMMENT ON COLUMN call_forwarding.forward_all_kind IS
  'extension: another extension of the same domain (its own forwards, DND and Follow Me apply). external: a number dialled through outbound_routes under this extension''s toll_allow. voicemail: that extension''s voicemail box (this one''s or another''s; it must have voicemail_enabled).';
COMMENT ON COLUMN call_forwarding.forward_all_target IS
  'kind extension or voicemail: an extension number of the same domain (not this one, for kind extension). kind external: digits with an optional leading +.';
COMMENT ON COLUMN call_forwarding.forward_busy_enabled IS
  'true: when the extension answers busy (SIP 486/600, USER_BUSY) or is on DND, the call goes to forward_busy_target. Only when Follow Me is off (with Follow Me on, a busy phone just stops ringing and Follow Me goes on).';
COMMENT ON COLUMN call_forwarding.forward_busy_kind IS 'As forward_all_kind.';
COMMENT ON COLUMN call_forwarding.forward_busy_target IS 'As forward_all_target.';
COMMENT ON COLUMN call_forwarding.forward_no_answer_enabled IS
  'true: when the extension rang ring_timeout_s unanswered (NO_ANSWER, ALLOTTED_TIMEOUT, or SIP 480 NO_USER_RESPONSE), the call goes to forward_no_answer_target instead of voicemail. Only when Follow Me is off (Follow Me''s no_answer_action has the last word).';
COMMENT ON COLUMN call_forwarding.forward_no_answer_kind IS 'As forward_all_kind.';
COMMENT ON COLUMN call_forwarding.forward_no_answer_target IS 'As forward_all_target.';
COMMENT ON COLUMN call_forwarding.forward_not_registered_enabled IS
  'true: when no phone of the extension is registered at call time (USER_NOT_REGISTERED, known at once, no ring timeout), the call goes to forward_not_registered_target. Only when Follow Me is off.';
COMMENT ON COLUMN call_forwarding.forward_not_registered_kind IS 'As forward_all_kind.';
COMMENT ON COLUMN call_forwarding.forward_not_registered_target IS 'As forward_all_target.';

-- A target must be able to ring: an extension or voicemail box of the same
-- tenant (not the extension itself for kind extension), a box with
-- voicemail on. Rules across tables, so a trigger; it checks a forward only
-- when its kind, target or switch changed, so a later change elsewhere (the
-- target extension disabled) never blocks an unrelated UPDATE (the call then
-- skips the forward, and explain says why).
CREATE FUNCTION call_forwarding_check_target(owner_id integer, forward text, kind text, target text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  owner_ extensions;
  found_ extensions;
BEGIN
  -- Malformed or incomplete: the CHECK constraints say so, with their names.
  IF kind IS NULL OR target IS NULL OR kind NOT IN ('extension', 'voicemail') OR target !~ '^[0-9]{1,15}$' THEN
    RETURN;
  END IF;
  SELECT * INTO owner_ FROM extensions WHERE id = owner_id;
  SELECT * INTO found_ FROM extensions WHERE domain_id = owner_.domain_id AND extension = target;
  IF found_.id IS NULL THEN
    RAISE EXCEPTION 'call_forwarding: % target % is no extension of the same domain', forward, target
      USING ERRCODE = 'check_violation', CONSTRAINT = 'call_forwarding_' || forward || '_target_in_domain',
            TABLE = 'call_forwarding', COLUMN = forward || '_target';
  END IF;
  IF kind = 'extension' AND found_.id = owner_id THEN
    RAISE EXCEPTION 'call_forwarding: % target % is the extension itself', forward, target
      USING ERRCODE = 'check_violation', CONSTRAINT = 'call_forwarding_' || forward || '_target_not_itself',
            TABLE = 'call_forwarding', COLUMN = forward || '_target';
  END IF;
  IF kind = 'voicemail' AND NOT found_.voicemail_enabled THEN
    RAISE EXCEPTION 'call_forwarding: % target % has no voicemail box (voicemail_enabled is false)', forward, target
      USING ERRCODE = 'check_violation', CONSTRAINT = 'call_forwarding_' || forward || '_target_has_voicemail',
            TABLE = 'call_forwarding', COLUMN = forward || '_target';
  END IF;
END
$$;

COMMENT ON FUNCTION call_forwarding_check_target(integer, text, text, text) IS
  'Raises a check_violation naming call_forwarding_<forward>_target_in_domain / _not_itself / _has_voicemail when a forward target cannot ring.';

CREATE FUNCTION call_forwarding_before_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- DND and forward all are exclusive: the one being turned on turns the
  -- other off, in this statement. Both turned on at once: the CHECK refuses.
  IF TG_OP = 'UPDATE' THEN
    IF NEW.do_not_disturb AND NOT OLD.do_not_disturb AND NEW.forward_all_enabled AND OLD.forward_all_enabled THEN
      NEW.forward_all_enabled := false;
    ELSIF NEW.forward_all_enabled AND NOT OLD.forward_all_enabled AND NEW.do_not_disturb AND OLD.do_not_disturb THEN
      NEW.do_not_disturb := false;
    END IF;
  END IF;
  IF TG_OP = 'INSERT' OR (OLD.forward_all_kind, OLD.forward_all_target, OLD.forward_all_enabled)
       IS DISTINCT FROM (NEW.forward_all_kind, NEW.forward_all_target, NEW.forward_all_enabled) THEN
    PERFORM call_forwarding_check_target(NEW.extension_id, 'forward_all', NEW.forward_all_kind, NEW.forward_all_target);
  END IF;
  IF TG_OP = 'INSERT' OR (OLD.forward_busy_kind, OLD.forward_busy_target, OLD.forward_busy_enabled)
       IS DISTINCT FROM (NEW.forward_busy_kind, NEW.forward_busy_target, NEW.forward_busy_enabled) THEN
    PERFORM call_forwarding_check_target(NEW.extension_id, 'forward_busy', NEW.forward_busy_kind, NEW.forward_busy_target);
  END IF;
  IF TG_OP = 'INSERT' OR (OLD.forward_no_answer_kind, OLD.forward_no_answer_target, OLD.forward_no_answer_enabled)
       IS DISTINCT FROM (NEW.forward_no_answer_kind, NEW.forward_no_answer_target, NEW.forward_no_answer_enabled) THEN
    PERFORM call_forwarding_check_target(NEW.extension_id, 'forward_no_answer', NEW.forward_no_answer_kind, NEW.forward_no_answer_target);
  END IF;
  IF TG_OP = 'INSERT' OR (OLD.forward_not_registered_kind, OLD.forward_not_registered_target, OLD.forward_not_registered_enabled)
       IS DISTINCT FROM (NEW.forward_not_registered_kind, NEW.forward_not_registered_target, NEW.forward_not_registered_enabled) THEN
    PERFORM call_forwarding_check_target(NEW.extension_id, 'forward_not_registered', NEW.forward_not_registered_kind, NEW.forward_not_registered_target);
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER call_forwarding_before_write
  BEFORE INSERT OR UPDATE ON call_forwarding
  FOR EACH ROW EXECUTE FUNCTION call_forwarding_before_write();

CREATE TABLE call_forwarding_changes (
  id           integer     GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  extension_id integer     NOT NULL REFERENCES extensions (id) ON DELETE CASCADE,
  changed_at   timestamptz NOT NULL DEFAULT now(),
  setting      text        NOT NULL,
  old_enabled  boolean,
  new_enabled  boolean     NOT NULL,
  old_target   text,
  new_target   text,
  source       text        NOT NULL,
  changed_by   text        NOT NULL,
  call_uuid    text,
  CONSTRAINT call_forwarding_changes_setting_valid CHECK (
    setting IN ('do_not_disturb', 'forward_all', 'forward_busy', 'forward_no_answer', 'forward_not_registered')),
  CONSTRAINT call_forwarding_changes_source_valid CHECK (source IN ('feature_code', 'blf_key', 'portal', 'sql')),
  -- One change per call and setting: FreeSWITCH may fetch a call's dialplan
  -- twice, and the second fetch must not toggle back. (*78 turning DND on
  -- also turns forward all off: two rows of one call.)
  CONSTRAINT call_forwarding_changes_call_uuid_setting_unique UNIQUE (call_uuid, setting)
);

CREATE INDEX call_forwarding_changes_extension_idx ON call_forwarding_changes (extension_id, changed_at);

COMMENT ON TABLE call_forwarding_changes IS
  'Audit of call_forwarding: one row per setting that changed (switched on or off, or a new target), written by a trigger. Do not write it by hand.';
COMMENT ON COLUMN call_forwarding_changes.id IS 'Surrogate key.';
COMMENT ON COLUMN call_forwarding_changes.extension_id IS 'Whose setting changed (extensions.id).';
COMMENT ON COLUMN call_forwarding_changes.changed_at IS 'When (the transaction''s start).';
COMMENT ON COLUMN call_forwarding_changes.setting IS
  'do_not_disturb, forward_all, forward_busy, forward_no_answer or forward_not_registered.';
COMMENT ON COLUMN call_forwarding_changes.old_enabled IS 'On before; NULL when the call_forwarding row was created.';
COMMENT ON COLUMN call_forwarding_changes.new_enabled IS 'On after.';
COMMENT ON COLUMN call_forwarding_changes.old_target IS
  'Before: a forward''s target as kind:target (extension:101, external:+15555550100, voicemail:100), or DND''s action (busy, voicemail).';
COMMENT ON COLUMN call_forwarding_changes.new_target IS 'After, as old_target.';
COMMENT ON COLUMN call_forwarding_changes.source IS
  'feature_code (the phone dialled *72, *78...), blf_key (a dnd<EXT>/cf<EXT> key was pressed), portal, or sql (anything else: psql, migrations, tools).';
COMMENT ON COLUMN call_forwarding_changes.changed_by IS
  'The extension that dialled (e.g. 100@pbx.example.com), the portal user, or the database role for sql changes.';
COMMENT ON COLUMN call_forwarding_changes.call_uuid IS 'FreeSWITCH Unique-ID of the call that made the change; NULL otherwise.';

-- The service says who is changing the row with transaction-local settings
-- (set_config(..., true)): forwarding.change_source, forwarding.changed_by,
-- forwarding.call_uuid. Without them the change is an operator's ('sql').
CREATE FUNCTION call_forwarding_record_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  row_ call_forwarding;
  created boolean := TG_OP = 'INSERT';
  source_ text := coalesce(nullif(current_setting('forwarding.change_source', true), ''), 'sql');
  by_ text := coalesce(nullif(current_setting('forwarding.changed_by', true), ''), current_user);
  call_ text := nullif(current_setting('forwarding.call_uuid', true), '');
  payload json;
  old_ call_forwarding;
BEGIN
  IF TG_OP = 'DELETE' THEN
    row_ := OLD;
  ELSE
    row_ := NEW;
    IF NOT created THEN old_ := OLD; END IF;
    INSERT INTO call_forwarding_changes (extension_id, setting, old_enabled, new_enabled, old_target, new_target, source, changed_by, call_uuid)
    SELECT NEW.extension_id, s.setting, s.old_enabled, s.new_enabled, s.old_target, s.new_target, source_, by_, call_
      FROM (VALUES
        ('do_not_disturb', old_.do_not_disturb, NEW.do_not_disturb, old_.do_not_disturb_action, NEW.do_not_disturb_action),
        ('forward_all', old_.forward_all_enabled, NEW.forward_all_enabled,
           old_.forward_all_kind || ':' || old_.forward_all_target, NEW.forward_all_kind || ':' || NEW.forward_all_target),
        ('forward_busy', old_.forward_busy_enabled, NEW.forward_busy_enabled,
           old_.forward_busy_kind || ':' || old_.forward_busy_target, NEW.forward_busy_kind || ':' || NEW.forward_busy_target),
        ('forward_no_answer', old_.forward_no_answer_enabled, NEW.forward_no_answer_enabled,
           old_.forward_no_answer_kind || ':' || old_.forward_no_answer_target, NEW.forward_no_answer_kind || ':' || NEW.forward_no_answer_target),
        ('forward_not_registered', old_.forward_not_registered_enabled, NEW.forward_not_registered_enabled,
           old_.forward_not_registered_kind || ':' || old_.forward_not_registered_target,
           NEW.forward_not_registered_kind || ':' || NEW.forward_not_registered_target)
      ) AS s(setting, old_enabled, new_enabled, old_target, new_target)
     -- A new row records what it sets (anything on, or a target kept);
     -- an update what changed.
     WHERE CASE WHEN created THEN s.new_enabled OR s.new_target IS NOT NULL AND s.setting <> 'do_not_disturb'
                ELSE (s.old_enabled, s.old_target) IS DISTINCT FROM (s.new_enabled, s.new_target) END;
    IF NOT created AND OLD.do_not_disturb = NEW.do_not_disturb AND OLD.forward_all_enabled = NEW.forward_all_enabled THEN
      RETURN NULL; -- the lamps did not change
    END IF;
  END IF;

  -- The lamps' new state (off when the row is gone). Delivered at COMMIT.
  -- schema: listeners sharing a database keep to their own.
  SELECT json_build_object('schema', current_schema(), 'domain', d.name, 'extension', e.extension,
                           'do_not_disturb', TG_OP <> 'DELETE' AND row_.do_not_disturb,
                           'forward_all', TG_OP <> 'DELETE' AND row_.forward_all_enabled)
    INTO payload
    FROM extensions e JOIN domains d ON d.id = e.domain_id
   WHERE e.id = row_.extension_id;
  IF payload IS NOT NULL THEN
    PERFORM pg_notify('call_forwarding_changed', payload::text);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER call_forwarding_record_change
  AFTER INSERT OR UPDATE OR DELETE ON call_forwarding
  FOR EACH ROW EXECUTE FUNCTION call_forwarding_record_change();

-- Lookups read call_forwarding (migrations/0003): cached answers of the
-- tenant are dropped whenever a statement changes it.
SELECT announce_lookup_changes_on('call_forwarding', 'extension_id');
