-- Caller ID and directory settings (issue 14): the tenant's default outbound
-- caller ID, each extension's inbound caller ID prefix and its entry in
-- dial-by-name (mod_directory). README "Caller ID and directory" says what
-- the phones show.
--
-- The custom CNAM of an extension is the existing
-- extensions.outbound_caller_id_name (the name sent on external calls); it
-- now falls back to the tenant's default before display_name.
--
-- Every column here is on domains or extensions, whose statements already
-- announce the tenants they touch on lookup_changed (migrations/0003), so the
-- lookup cache drops the answers they change with no new trigger.

ALTER TABLE domains
  ADD COLUMN outbound_caller_id_name text,
  ADD COLUMN outbound_caller_id_number text,
  ADD COLUMN outbound_caller_id_any_number boolean NOT NULL DEFAULT false,
  ADD CONSTRAINT domains_outbound_caller_id_name_safe CHECK (
    char_length(outbound_caller_id_name) BETWEEN 1 AND 64
    AND outbound_caller_id_name !~ '[[:cntrl:]$\\{}|"<>]'
  ),
  ADD CONSTRAINT domains_outbound_caller_id_number_digits CHECK (outbound_caller_id_number ~ '^\+?[0-9]{1,20}$');

COMMENT ON COLUMN domains.outbound_caller_id_name IS
  'Tenant default caller ID name (CNAM) sent on external calls (outbound calls, Follow Me and forwards to external numbers showing the extension) of extensions whose outbound_caller_id_name is NULL. NULL: the extension''s display_name, else its number. Up to 64 characters; no control characters or $ \ { } | " < >.';
COMMENT ON COLUMN domains.outbound_caller_id_number IS
  'Tenant default caller ID number sent on external calls of extensions whose outbound_caller_id_number is NULL: digits with an optional leading +. Must be a DID of this tenant (dids.number, the + ignored) unless outbound_caller_id_any_number is true. NULL: the extension number.';
COMMENT ON COLUMN domains.outbound_caller_id_any_number IS
  'false (default): every outbound caller ID number of this tenant (this row''s and its extensions'') must be one of its own DIDs, so a tenant cannot present numbers it does not own (anti-spoofing, as carriers require). true: any number is accepted; set it only for a tenant whose carrier lets it present numbers it owns elsewhere (ported-out main line, a number of a sister company).';

ALTER TABLE extensions
  ADD COLUMN inbound_caller_id_prefix text,
  ADD COLUMN directory_visible boolean NOT NULL DEFAULT true,
  ADD COLUMN directory_exten_visible boolean NOT NULL DEFAULT true,
  ADD COLUMN directory_first_name text,
  ADD COLUMN directory_last_name text,
  -- Shown before an external caller's name on this extension's phones.
  -- FreeSWITCH's B-leg sanitiser cuts a name at : / @ (facts §13/14,
  -- switch_utils.h:736-757), so "EXT: John" would show " John"; and
  -- , } ] | ' " \ $ ^ = < > & would be dial-string, set-data or XML syntax.
  -- Letters, digits, space and # * + . _ - only, no leading space.
  ADD CONSTRAINT extensions_inbound_caller_id_prefix_safe CHECK (
    inbound_caller_id_prefix ~ '^[A-Za-z0-9#*+._-][A-Za-z0-9 #*+._-]{0,15}$'
  ),
  ADD CONSTRAINT extensions_directory_first_name_safe CHECK (
    char_length(directory_first_name) BETWEEN 1 AND 64
    AND directory_first_name !~ '[[:cntrl:]$\\{}|"<>]'
    AND directory_first_name !~ '^ | $'
  ),
  -- mod_directory splits the full name at its LAST space (mod_directory.c:582-587):
  -- a last name with a space would be searched by its last word only.
  ADD CONSTRAINT extensions_directory_last_name_safe CHECK (
    char_length(directory_last_name) BETWEEN 1 AND 64
    AND directory_last_name !~ '[[:cntrl:]$\\{}|"<>[:space:]]'
  );

COMMENT ON COLUMN extensions.outbound_caller_id_name IS
  'The extension''s custom CNAM: caller ID name sent on external calls (outbound, and Follow Me / forwards to external numbers showing the extension). NULL: domains.outbound_caller_id_name, else display_name, else the extension number. Same character rules as display_name.';
COMMENT ON COLUMN extensions.outbound_caller_id_number IS
  'Caller ID number sent on external calls: digits with an optional leading +. Must be a DID of the same tenant (dids.number, the + ignored) unless domains.outbound_caller_id_any_number is true. NULL: domains.outbound_caller_id_number, else the extension number.';
COMMENT ON COLUMN extensions.inbound_caller_id_prefix IS
  'Text shown on this extension''s phones before the caller''s name on external calls (a DID, or an external caller reaching it by a forward, transfer or Follow Me), e.g. "SALES#" shows "SALES#John Smith". Internal calls show no prefix; external legs (mobiles) never show it. 1-16 of letters, digits, space and # * + . _ - (no leading space); not : / @, which FreeSWITCH cuts names at. NULL: no prefix.';
COMMENT ON COLUMN extensions.directory_visible IS
  'true (default): dial-by-name (the directory feature code, mod_directory) finds this extension by name. false: it is left out of the directory.';
COMMENT ON COLUMN extensions.directory_exten_visible IS
  'true (default): dial-by-name says the extension number with the name. false: only the name.';
COMMENT ON COLUMN extensions.directory_first_name IS
  'First name dial-by-name searches and says (NULL: display_name up to its last space, or all of it). Same character rules as display_name; no leading or trailing space.';
COMMENT ON COLUMN extensions.directory_last_name IS
  'Last name dial-by-name searches and says (NULL: display_name after its last space, or all of it). One word: mod_directory splits a full name at its last space. Same character rules as display_name.';

-- "An outbound caller ID number is a DID of the tenant unless the tenant
-- allows any number": a rule across tables, so triggers. Each checks only
-- what its statement changes, so a row that was valid when written never
-- blocks an unrelated UPDATE; the error names the column to change and
-- domains.outbound_caller_id_any_number.
CREATE FUNCTION caller_id_number_is_did(domain integer, number text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  -- A malformed number is the CHECK constraints' to name (*_outbound_caller_id_number_digits).
  SELECT number IS NULL
      OR number !~ '^\+?[0-9]{1,20}$'
      OR (SELECT outbound_caller_id_any_number FROM domains WHERE id = domain)
      OR EXISTS (SELECT 1 FROM dids WHERE domain_id = domain AND dids.number = ltrim(caller_id_number_is_did.number, '+'))
$$;

COMMENT ON FUNCTION caller_id_number_is_did(integer, text) IS
  'true when number is NULL, a DID of the domain (a leading + ignored), or the domain has outbound_caller_id_any_number (and for a malformed number, which the CHECK constraints refuse).';

CREATE FUNCTION extensions_check_outbound_caller_id_number() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT caller_id_number_is_did(NEW.domain_id, NEW.outbound_caller_id_number) THEN
    RAISE EXCEPTION 'extensions.outbound_caller_id_number % is not a DID of the tenant (add it to dids, or set domains.outbound_caller_id_any_number)', NEW.outbound_caller_id_number
      USING ERRCODE = 'check_violation', CONSTRAINT = 'extensions_outbound_caller_id_number_is_did',
            TABLE = 'extensions', COLUMN = 'outbound_caller_id_number';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER extensions_check_outbound_caller_id_number
  BEFORE INSERT OR UPDATE OF outbound_caller_id_number, domain_id ON extensions
  FOR EACH ROW EXECUTE FUNCTION extensions_check_outbound_caller_id_number();

CREATE FUNCTION domains_check_outbound_caller_id_number() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  offending text;
BEGIN
  IF NEW.outbound_caller_id_any_number THEN
    RETURN NULL;
  END IF;
  IF NOT caller_id_number_is_did(NEW.id, NEW.outbound_caller_id_number) THEN
    RAISE EXCEPTION 'domains.outbound_caller_id_number % is not a DID of the tenant (add it to dids, or set domains.outbound_caller_id_any_number)', NEW.outbound_caller_id_number
      USING ERRCODE = 'check_violation', CONSTRAINT = 'domains_outbound_caller_id_number_is_did',
            TABLE = 'domains', COLUMN = 'outbound_caller_id_number';
  END IF;
  -- Turning any-number off: every extension's number must already be a DID.
  IF TG_OP = 'UPDATE' AND OLD.outbound_caller_id_any_number THEN
    SELECT e.extension || ' (' || e.outbound_caller_id_number || ')' INTO offending
      FROM extensions e
     WHERE e.domain_id = NEW.id AND NOT caller_id_number_is_did(NEW.id, e.outbound_caller_id_number)
     LIMIT 1;
    IF offending IS NOT NULL THEN
      RAISE EXCEPTION 'domains.outbound_caller_id_any_number cannot be false: extension % presents a number that is not a DID of the tenant', offending
        USING ERRCODE = 'check_violation', CONSTRAINT = 'domains_outbound_caller_id_any_number_in_use',
              TABLE = 'domains', COLUMN = 'outbound_caller_id_any_number';
    END IF;
  END IF;
  RETURN NULL;
END
$$;

-- AFTER: the row is visible to caller_id_number_is_did (its flag included).
CREATE TRIGGER domains_check_outbound_caller_id_number
  AFTER INSERT OR UPDATE OF outbound_caller_id_number, outbound_caller_id_any_number ON domains
  FOR EACH ROW EXECUTE FUNCTION domains_check_outbound_caller_id_number();

-- A DID presented as caller ID cannot go (or move) while it is in use. AFTER
-- the statement's cascades: deleting a whole tenant or extension takes its
-- caller ID rows with it and raises nothing.
CREATE FUNCTION dids_check_caller_id_in_use() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  user_ text;
BEGIN
  IF TG_OP = 'UPDATE' AND (OLD.number, OLD.domain_id) IS NOT DISTINCT FROM (NEW.number, NEW.domain_id) THEN
    RETURN NULL;
  END IF;
  SELECT who INTO user_ FROM (
    SELECT 'extension ' || e.extension AS who FROM extensions e
     WHERE e.domain_id = OLD.domain_id AND ltrim(e.outbound_caller_id_number, '+') = OLD.number
       AND NOT caller_id_number_is_did(OLD.domain_id, e.outbound_caller_id_number)
    UNION ALL
    SELECT 'the tenant default' FROM domains d
     WHERE d.id = OLD.domain_id AND ltrim(d.outbound_caller_id_number, '+') = OLD.number
       AND NOT caller_id_number_is_did(OLD.domain_id, d.outbound_caller_id_number)
  ) AS u LIMIT 1;
  IF user_ IS NOT NULL THEN
    RAISE EXCEPTION 'dids.number % is the outbound caller ID number of % (change outbound_caller_id_number first, or set domains.outbound_caller_id_any_number)', OLD.number, user_
      USING ERRCODE = 'check_violation', CONSTRAINT = 'dids_number_outbound_caller_id_in_use',
            TABLE = 'dids', COLUMN = 'number';
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER dids_check_caller_id_in_use
  AFTER DELETE OR UPDATE ON dids
  FOR EACH ROW EXECUTE FUNCTION dids_check_caller_id_in_use();
