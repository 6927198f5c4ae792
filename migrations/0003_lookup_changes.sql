-- Every statement that changes rows the lookups read announces, when it
-- commits, which tenants it touched, on the channel lookup_changed:
--   {"schema": "public", "table": "extensions", "domains": ["pbx.example.com"]}
-- or, for a TRUNCATE or a statement touching very many tenants,
--   {"schema": "public", "table": "extensions", "all": true}
-- The service keeps answers in memory and drops a tenant's as soon as this
-- arrives (issue 10), on every instance that listens, whoever made the change:
-- psql, a migration, *21, the portal. One notification per statement, not per
-- row: an UPDATE of 10,000 extensions of one tenant is one message.
--
-- A table joins with announce_lookup_changes_on(table, how), where `how` says
-- how to find a row's tenant:
--   'name'         the row is a domain (its name column)
--   'domain_id'    the row has a domain_id column
--   'extension_id' the row has an extension_id column (its extension's domain)
-- Tables added later that lookups read must call it too.

CREATE FUNCTION announce_lookup_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  how constant text := TG_ARGV[0];
  touched text;
  names text[];
  payload text;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    names := NULL;
  ELSE
    -- The rows the statement touched: its transition tables (only the ones
    -- this operation has exist).
    touched := CASE TG_OP
      WHEN 'INSERT' THEN 'SELECT * FROM lookup_new_rows'
      WHEN 'DELETE' THEN 'SELECT * FROM lookup_old_rows'
      ELSE 'SELECT * FROM lookup_new_rows UNION ALL SELECT * FROM lookup_old_rows'
    END;
    EXECUTE CASE how
      WHEN 'name' THEN
        format('SELECT array_agg(DISTINCT t.name) FROM (%s) t', touched)
      WHEN 'domain_id' THEN
        format('SELECT array_agg(DISTINCT d.name) FROM (%s) t JOIN domains d ON d.id = t.domain_id', touched)
      WHEN 'extension_id' THEN
        format('SELECT array_agg(DISTINCT d.name) FROM (%s) t JOIN extensions e ON e.id = t.extension_id JOIN domains d ON d.id = e.domain_id', touched)
    END INTO names;
    -- Rows of a tenant deleted with it (ON DELETE CASCADE) find no domain
    -- any more: the domains table's own trigger names it.
    IF names IS NULL THEN
      RETURN NULL;
    END IF;
  END IF;

  payload := CASE
    WHEN names IS NULL OR cardinality(names) > 200 THEN
      json_build_object('schema', TG_TABLE_SCHEMA, 'table', TG_TABLE_NAME, 'all', true)::text
    ELSE
      json_build_object('schema', TG_TABLE_SCHEMA, 'table', TG_TABLE_NAME, 'domains', names)::text
  END;
  PERFORM pg_notify('lookup_changed', payload);
  RETURN NULL;
END
$$;

COMMENT ON FUNCTION announce_lookup_change() IS
  'Trigger: NOTIFY lookup_changed with the tenants a statement touched, so the service drops its cached answers for them. Attach with announce_lookup_changes_on().';

CREATE FUNCTION announce_lookup_changes_on(target regclass, how text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  base text := replace(target::text, '.', '_') || '_announce_lookup_change';
BEGIN
  IF how NOT IN ('name', 'domain_id', 'extension_id') THEN
    RAISE EXCEPTION 'announce_lookup_changes_on: how must be name, domain_id or extension_id, not %', how;
  END IF;
  EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS lookup_new_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION announce_lookup_change(%L)', base || '_insert', target, how);
  EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s REFERENCING OLD TABLE AS lookup_old_rows NEW TABLE AS lookup_new_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION announce_lookup_change(%L)', base || '_update', target, how);
  EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS lookup_old_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION announce_lookup_change(%L)', base || '_delete', target, how);
  EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %s
                  FOR EACH STATEMENT EXECUTE FUNCTION announce_lookup_change(%L)', base || '_truncate', target, how);
END
$$;

COMMENT ON FUNCTION announce_lookup_changes_on(regclass, text) IS
  'Makes every INSERT, UPDATE, DELETE and TRUNCATE on a table announce the tenants it touched on lookup_changed. how: name (the table is domains), domain_id or extension_id.';

SELECT announce_lookup_changes_on('domains', 'name');
SELECT announce_lookup_changes_on('extensions', 'domain_id');
SELECT announce_lookup_changes_on('outbound_routes', 'domain_id');
SELECT announce_lookup_changes_on('dids', 'domain_id');
SELECT announce_lookup_changes_on('follow_me', 'extension_id');
SELECT announce_lookup_changes_on('follow_me_destinations', 'extension_id');
