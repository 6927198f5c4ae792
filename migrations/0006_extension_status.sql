-- Live extension status, fed by FreeSWITCH's event socket (src/status/):
-- who is registered where (registrations), what happened when
-- (registration_events, kept REGISTRATION_HISTORY_HOURS), which calls are up
-- (extension_channels), failed registrations per source address
-- (registration_failures), and two views operators read:
--   SELECT * FROM extension_status WHERE domain = 'pbx.example.com';
--   SELECT * FROM extension_flaps ORDER BY transitions DESC LIMIT 10;
-- Only the service writes these tables, and only from the event socket
-- (never from a mod_xml_curl lookup). Everything a phone chose (contact,
-- user agent, call-id) is stored as text, never interpreted.
-- 0004 and 0005 belong to other changes: the migrator accepts the gap.

-- A FreeSWITCH switchname (switch.conf.xml "switchname", default the host name).
CREATE FUNCTION is_node_name(name text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT char_length(name) BETWEEN 1 AND 255 AND name !~ '[[:cntrl:][:space:]]'
$$;
COMMENT ON FUNCTION is_node_name(text) IS
  'A FreeSWITCH switchname as stored in the status tables: 1-255 characters, no spaces or control characters.';

CREATE TABLE registrations (
  id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  domain_id      integer     NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
  extension_id   integer     NOT NULL,
  node           text        NOT NULL,
  profile        text        NOT NULL,
  call_id        text        NOT NULL,
  contact        text        NOT NULL,
  user_agent     text,
  network_ip     inet,
  network_port   integer,
  transport      text,
  expires_at     timestamptz NOT NULL,
  first_seen     timestamptz NOT NULL DEFAULT now(),
  last_refreshed timestamptz NOT NULL DEFAULT now(),
  -- sofia keys a registration by Call-ID (or contact) per profile; one node's
  -- profile never holds two rows with one Call-ID.
  CONSTRAINT registrations_node_profile_call_id_unique UNIQUE (node, profile, call_id),
  CONSTRAINT registrations_extension_in_domain FOREIGN KEY (extension_id, domain_id)
    REFERENCES extensions (id, domain_id) ON DELETE CASCADE,
  CONSTRAINT registrations_node_name CHECK (is_node_name(node)),
  CONSTRAINT registrations_profile_name CHECK (profile ~ '^[A-Za-z0-9_.-]{1,64}$'),
  CONSTRAINT registrations_call_id_length CHECK (char_length(call_id) BETWEEN 1 AND 255),
  CONSTRAINT registrations_contact_length CHECK (char_length(contact) <= 1024),
  CONSTRAINT registrations_user_agent_length CHECK (char_length(user_agent) <= 255),
  CONSTRAINT registrations_network_port_range CHECK (network_port BETWEEN 1 AND 65535),
  CONSTRAINT registrations_transport_valid CHECK (transport IN ('udp', 'tcp', 'tls', 'ws', 'wss')),
  CONSTRAINT registrations_refreshed_after_first_seen CHECK (last_refreshed >= first_seen)
);
CREATE INDEX registrations_extension_idx ON registrations (extension_id);

COMMENT ON TABLE registrations IS
  'One row per registered contact (phone) of our extensions, on every FreeSWITCH node: what sofia has now. Written by the service from sofia::register / unregister / expire events and the start-up list (sofia xmlstatus profile <name> reg). Do not write it by hand.';
COMMENT ON COLUMN registrations.id IS 'Surrogate key.';
COMMENT ON COLUMN registrations.domain_id IS 'The tenant (domains.id).';
COMMENT ON COLUMN registrations.extension_id IS 'The extension that registered (extensions.id, same domain). Users that are no extension of ours are not stored.';
COMMENT ON COLUMN registrations.node IS 'The FreeSWITCH node that took the registration: its switchname (FreeSWITCH-Switchname).';
COMMENT ON COLUMN registrations.profile IS 'The sofia profile (e.g. internal).';
COMMENT ON COLUMN registrations.call_id IS 'The SIP Call-ID of the REGISTER: with node and profile, the registration''s key.';
COMMENT ON COLUMN registrations.contact IS 'The contact sofia stored, as sent (e.g. "100" <sip:100@203.0.113.7:5062;fs_nat=yes>). Text chosen by the phone: never interpreted.';
COMMENT ON COLUMN registrations.user_agent IS 'The phone''s User-Agent header, as text (control characters and invalid bytes replaced). Chosen by the phone.';
COMMENT ON COLUMN registrations.network_ip IS 'The address the REGISTER came from (after NAT).';
COMMENT ON COLUMN registrations.network_port IS 'The port the REGISTER came from.';
COMMENT ON COLUMN registrations.transport IS 'udp, tcp, tls, ws or wss (from sofia''s status, e.g. Registered(UDP-NAT)); NULL when unknown.';
COMMENT ON COLUMN registrations.expires_at IS 'When the registration runs out unless refreshed (the Expires the phone was granted). FreeSWITCH drops it 60-90 s later (sip-expires-late-margin plus its 30 s check).';
COMMENT ON COLUMN registrations.first_seen IS 'When this contact registered (or was first listed after the service started or the node restarted).';
COMMENT ON COLUMN registrations.last_refreshed IS 'The last REGISTER that refreshed it.';

CREATE TABLE registration_events (
  id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  domain_id    integer     NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
  extension_id integer     NOT NULL,
  at           timestamptz NOT NULL DEFAULT now(),
  kind         text        NOT NULL,
  reason       text        NOT NULL,
  node         text        NOT NULL,
  profile      text,
  call_id      text,
  contact      text,
  user_agent   text,
  network_ip   inet,
  network_port integer,
  CONSTRAINT registration_events_extension_in_domain FOREIGN KEY (extension_id, domain_id)
    REFERENCES extensions (id, domain_id) ON DELETE CASCADE,
  CONSTRAINT registration_events_kind_valid CHECK (kind IN ('online', 'offline', 'expired', 'failed_auth')),
  CONSTRAINT registration_events_reason_valid CHECK (reason IN (
    'registered', 'unregistered', 'socket-disconnection', 'expired', 'forbidden',
    'listed at resync', 'gone at resync')),
  CONSTRAINT registration_events_node_name CHECK (is_node_name(node)),
  CONSTRAINT registration_events_contact_length CHECK (char_length(contact) <= 1024),
  CONSTRAINT registration_events_user_agent_length CHECK (char_length(user_agent) <= 255),
  CONSTRAINT registration_events_call_id_length CHECK (char_length(call_id) <= 255),
  CONSTRAINT registration_events_network_port_range CHECK (network_port BETWEEN 1 AND 65535)
);
CREATE INDEX registration_events_extension_at_idx ON registration_events (extension_id, at);
-- The pruner deletes the oldest rows first, a few at a time.
CREATE INDEX registration_events_at_idx ON registration_events (at);

COMMENT ON TABLE registration_events IS
  'History of registration transitions per extension and contact: online (a new contact), offline (unregistered, connection closed, or gone when the node was listed again), expired (FreeSWITCH dropped it) and failed_auth (a REGISTER or call with a wrong password). A refresh is no transition. Kept REGISTRATION_HISTORY_HOURS (24 by default); the service deletes older rows. Do not write it by hand.';
COMMENT ON COLUMN registration_events.id IS 'Surrogate key, in the order the service wrote them.';
COMMENT ON COLUMN registration_events.domain_id IS 'The tenant (domains.id).';
COMMENT ON COLUMN registration_events.extension_id IS 'The extension (extensions.id).';
COMMENT ON COLUMN registration_events.at IS 'When the service received the event from FreeSWITCH.';
COMMENT ON COLUMN registration_events.kind IS 'online, offline, expired or failed_auth.';
COMMENT ON COLUMN registration_events.reason IS
  'registered (sofia::register of a new contact), listed at resync (found in the node''s list when the service connected or the node restarted), unregistered (Expires: 0), socket-disconnection (the phone''s TCP/TLS/WS connection closed), gone at resync (no longer in the node''s list), expired (sofia::expire), forbidden (sofia::register_failure).';
COMMENT ON COLUMN registration_events.node IS 'The FreeSWITCH switchname that reported it.';
COMMENT ON COLUMN registration_events.profile IS 'The sofia profile.';
COMMENT ON COLUMN registration_events.call_id IS 'The registration''s SIP Call-ID (NULL for failed_auth).';
COMMENT ON COLUMN registration_events.contact IS 'The contact, as text (NULL when the event had none).';
COMMENT ON COLUMN registration_events.user_agent IS 'The User-Agent, as text.';
COMMENT ON COLUMN registration_events.network_ip IS 'The source address.';
COMMENT ON COLUMN registration_events.network_port IS 'The source port.';

CREATE TABLE extension_channels (
  node         text        NOT NULL,
  uuid         text        NOT NULL,
  domain_id    integer     NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
  extension_id integer     NOT NULL,
  direction    text        NOT NULL,
  call_uuid    text,
  other_party  text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  answered_at  timestamptz,
  PRIMARY KEY (node, uuid),
  CONSTRAINT extension_channels_extension_in_domain FOREIGN KEY (extension_id, domain_id)
    REFERENCES extensions (id, domain_id) ON DELETE CASCADE,
  CONSTRAINT extension_channels_node_name CHECK (is_node_name(node)),
  CONSTRAINT extension_channels_uuid_length CHECK (char_length(uuid) BETWEEN 1 AND 255),
  CONSTRAINT extension_channels_direction_valid CHECK (direction IN ('inbound', 'outbound')),
  CONSTRAINT extension_channels_other_party_length CHECK (char_length(other_party) <= 255)
);
CREATE INDEX extension_channels_extension_idx ON extension_channels (extension_id);

COMMENT ON TABLE extension_channels IS
  'The calls of each extension that are up now, one row per FreeSWITCH channel whose presence_id (Channel-Presence-ID) is the extension: outbound = its phone is being rung, inbound = its phone placed the call. Written from CHANNEL_CREATE / ANSWER / HANGUP_COMPLETE and the node''s channel list at resync. Do not write it by hand.';
COMMENT ON COLUMN extension_channels.node IS 'The FreeSWITCH switchname of the channel.';
COMMENT ON COLUMN extension_channels.uuid IS 'The channel''s Unique-ID.';
COMMENT ON COLUMN extension_channels.domain_id IS 'The tenant (domains.id).';
COMMENT ON COLUMN extension_channels.extension_id IS 'The extension the channel''s presence_id names (extensions.id).';
COMMENT ON COLUMN extension_channels.direction IS 'outbound: FreeSWITCH is calling the phone (it rings until answered). inbound: the phone is calling.';
COMMENT ON COLUMN extension_channels.call_uuid IS 'Channel-Call-UUID: the same for the legs of one call.';
COMMENT ON COLUMN extension_channels.other_party IS 'The caller''s number (outbound) or the dialled number (inbound), as text.';
COMMENT ON COLUMN extension_channels.created_at IS 'When the channel appeared.';
COMMENT ON COLUMN extension_channels.answered_at IS 'When it was answered; NULL while ringing.';

CREATE TABLE registration_failures (
  network_ip     inet        NOT NULL,
  hour           timestamptz NOT NULL,
  node           text        NOT NULL,
  attempts       integer     NOT NULL,
  first_at       timestamptz NOT NULL,
  last_at        timestamptz NOT NULL,
  last_user      text,
  last_domain    text,
  last_user_agent text,
  last_request   text,
  PRIMARY KEY (network_ip, hour, node),
  CONSTRAINT registration_failures_hour_whole CHECK (hour = date_trunc('hour', hour)),
  CONSTRAINT registration_failures_node_name CHECK (is_node_name(node)),
  CONSTRAINT registration_failures_attempts_positive CHECK (attempts > 0),
  CONSTRAINT registration_failures_last_after_first CHECK (last_at >= first_at),
  CONSTRAINT registration_failures_last_user_length CHECK (char_length(last_user) <= 255),
  CONSTRAINT registration_failures_last_domain_length CHECK (char_length(last_domain) <= 255),
  CONSTRAINT registration_failures_last_user_agent_length CHECK (char_length(last_user_agent) <= 255),
  CONSTRAINT registration_failures_last_request_valid CHECK (last_request IN ('REGISTER', 'INVITE', 'SUBSCRIBE', 'MESSAGE', 'other'))
);
CREATE INDEX registration_failures_hour_idx ON registration_failures (hour);

COMMENT ON TABLE registration_failures IS
  'Rejected credentials (sofia::register_failure: wrong password, unknown user, ACL) counted per source address, hour and node, whoever the user was, ours or not. A brute-force attempt: SELECT network_ip, sum(attempts) FROM registration_failures WHERE hour > now() - interval ''1 hour'' GROUP BY 1 ORDER BY 2 DESC. Kept REGISTRATION_HISTORY_HOURS.';
COMMENT ON COLUMN registration_failures.network_ip IS 'The source address of the rejected requests.';
COMMENT ON COLUMN registration_failures.hour IS 'The hour they fell in (whole hours).';
COMMENT ON COLUMN registration_failures.node IS 'The FreeSWITCH switchname that rejected them.';
COMMENT ON COLUMN registration_failures.attempts IS 'How many were rejected.';
COMMENT ON COLUMN registration_failures.first_at IS 'The first one in the hour.';
COMMENT ON COLUMN registration_failures.last_at IS 'The latest one.';
COMMENT ON COLUMN registration_failures.last_user IS 'The user name the latest one tried (the To user), as text: attackers choose it.';
COMMENT ON COLUMN registration_failures.last_domain IS 'The domain the latest one tried (the To host), as text.';
COMMENT ON COLUMN registration_failures.last_user_agent IS 'The latest User-Agent, as text.';
COMMENT ON COLUMN registration_failures.last_request IS 'REGISTER or INVITE (also SUBSCRIBE, MESSAGE; other): what was challenged.';

CREATE VIEW extension_status AS
SELECT d.name AS domain,
       e.extension,
       CASE
         WHEN ch.in_use > 0 THEN 'in use'
         WHEN ch.ringing > 0 THEN 'ringing'
         WHEN reg.phones > 0 THEN 'online'
         ELSE 'offline'
       END AS status,
       coalesce(reg.phones, 0) AS phones,
       coalesce(ch.ringing, 0) AS ringing_calls,
       coalesce(ch.in_use, 0) AS active_calls,
       reg.user_agents,
       reg.nodes,
       nullif(greatest(ev.last_at, ch.last_at, reg.last_at, '-infinity'::timestamptz), '-infinity') AS last_change,
       e.id AS extension_id,
       e.domain_id
  FROM extensions e
  JOIN domains d ON d.id = e.domain_id
  LEFT JOIN LATERAL (
    -- A row FreeSWITCH should have dropped long ago (its expire event was
    -- missed while the service was away) does not count.
    SELECT count(*) AS phones,
           array_agg(DISTINCT r.user_agent) FILTER (WHERE r.user_agent IS NOT NULL) AS user_agents,
           array_agg(DISTINCT r.node) AS nodes,
           max(r.first_seen) AS last_at
      FROM registrations r
     WHERE r.extension_id = e.id AND r.expires_at > now() - interval '90 seconds'
  ) reg ON true
  LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE c.answered_at IS NOT NULL OR c.direction = 'inbound') AS in_use,
           count(*) FILTER (WHERE c.answered_at IS NULL AND c.direction = 'outbound') AS ringing,
           max(greatest(c.created_at, c.answered_at)) AS last_at
      FROM extension_channels c
     WHERE c.extension_id = e.id
  ) ch ON true
  LEFT JOIN LATERAL (
    SELECT max(v.at) AS last_at
      FROM registration_events v
     WHERE v.extension_id = e.id AND v.kind <> 'failed_auth'
  ) ev ON true;

COMMENT ON VIEW extension_status IS
  'Live status of every extension: in use (a call answered, or its phone is calling), ringing (FreeSWITCH is ringing it), online (at least one phone registered), offline. SELECT * FROM extension_status WHERE domain = ''pbx.example.com'' ORDER BY extension.';
COMMENT ON COLUMN extension_status.domain IS 'The tenant''s SIP domain.';
COMMENT ON COLUMN extension_status.extension IS 'The extension number.';
COMMENT ON COLUMN extension_status.status IS 'in use, ringing, online or offline (in that precedence).';
COMMENT ON COLUMN extension_status.phones IS 'Registered contacts now, on every node.';
COMMENT ON COLUMN extension_status.ringing_calls IS 'Channels ringing the extension''s phones.';
COMMENT ON COLUMN extension_status.active_calls IS 'Channels of the extension that are answered or that its phones placed.';
COMMENT ON COLUMN extension_status.user_agents IS 'The registered phones'' user agents (text chosen by the phones).';
COMMENT ON COLUMN extension_status.nodes IS 'The FreeSWITCH nodes its phones are registered on.';
COMMENT ON COLUMN extension_status.last_change IS 'The latest registration transition or call change; NULL if none is known.';
COMMENT ON COLUMN extension_status.extension_id IS 'extensions.id.';
COMMENT ON COLUMN extension_status.domain_id IS 'domains.id.';

CREATE VIEW extension_flaps AS
SELECT d.name AS domain,
       e.extension,
       count(*) FILTER (WHERE v.kind <> 'failed_auth') AS transitions,
       count(*) FILTER (WHERE v.kind = 'online') AS online,
       count(*) FILTER (WHERE v.kind = 'offline') AS offline,
       count(*) FILTER (WHERE v.kind = 'expired') AS expired,
       count(*) FILTER (WHERE v.kind = 'failed_auth') AS failed_auth,
       max(v.at) AS last_at,
       e.id AS extension_id
  FROM registration_events v
  JOIN extensions e ON e.id = v.extension_id
  JOIN domains d ON d.id = e.domain_id
 WHERE v.at > now() - interval '24 hours'
 GROUP BY d.name, e.extension, e.id;

COMMENT ON VIEW extension_flaps IS
  'Per extension, its registration transitions in the last 24 hours (within what registration_events keeps). The flapping phones: SELECT * FROM extension_flaps ORDER BY transitions DESC LIMIT 10.';
COMMENT ON COLUMN extension_flaps.domain IS 'The tenant''s SIP domain.';
COMMENT ON COLUMN extension_flaps.extension IS 'The extension number.';
COMMENT ON COLUMN extension_flaps.transitions IS 'online + offline + expired.';
COMMENT ON COLUMN extension_flaps.online IS 'New contacts registered.';
COMMENT ON COLUMN extension_flaps.offline IS 'Contacts unregistered, disconnected or gone at a resync.';
COMMENT ON COLUMN extension_flaps.expired IS 'Contacts FreeSWITCH dropped because they were not refreshed.';
COMMENT ON COLUMN extension_flaps.failed_auth IS 'Requests with this extension''s name that FreeSWITCH rejected (wrong password).';
COMMENT ON COLUMN extension_flaps.last_at IS 'The latest of them.';
COMMENT ON COLUMN extension_flaps.extension_id IS 'extensions.id.';
