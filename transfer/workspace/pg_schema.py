"""The team server's schema in PostgreSQL: versioned SQL migrations, roles, row-level security and the audit log.

Everything lives in the schema ``transfer``. The tables mirror the SQLite workspace (same column names, so an
export of a team's records is an ordinary workspace file) and add ``team_id``. The application connects as a
role without ``BYPASSRLS`` that owns nothing; every table has row-level security enabled and forced, so a query
sees and changes only the rows of the team of the session named by ``transfer.session`` (a random token set per
transaction), whatever the query says. Accounts, passwords and sessions are readable only by ``SECURITY DEFINER``
functions: the application role can log in a user (the password is checked in the database with pgcrypto's
bcrypt) but can never read a password hash or create a session without a password.

``MIGRATIONS[n]`` takes the server schema from version n to n + 1 and is run by the owner (``transfer server
migrate``); the version is stored in ``transfer.meta``.
"""

from __future__ import annotations

from transfer.workspace.schema import SHORTLIST_KINDS, STATUSES

__all__ = ["APP_ROLE_DEFAULT", "DATA_TABLES", "MIGRATIONS", "ROLES", "SCHEMA_VERSION"]

APP_ROLE_DEFAULT = "transfer_app"
ROLES = ("viewer", "editor", "admin")
# Tables holding a team's records (and the rank needed to write them: 2 editor, 3 admin).
DATA_TABLES = {
    "scenarios": 2,
    "runs": 2,
    "run_results": 2,
    "shortlists": 2,
    "entry_status": 2,
    "monitoring_values": 2,
    "layer_sets": 3,
    "layer_files": 3,
    "layer_features": 3,
}
_AUDITED = ("scenarios", "runs", "shortlists", "entry_status", "monitoring_values", "layer_sets")


def _in_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


_V1_TABLES = f"""
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS postgis WITH SCHEMA public;
CREATE SCHEMA transfer;
CREATE TABLE transfer.meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE transfer.teams (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE CHECK (length(name) > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE transfer.accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username text NOT NULL UNIQUE CHECK (length(username) > 0),
    password_hash text NOT NULL,
    failed_logins integer NOT NULL DEFAULT 0,
    last_failed_at timestamptz,
    disabled boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE transfer.memberships (
    team_id bigint NOT NULL REFERENCES transfer.teams (id),
    account_id bigint NOT NULL REFERENCES transfer.accounts (id),
    role text NOT NULL CHECK (role IN ({_in_list(ROLES)})),
    PRIMARY KEY (team_id, account_id)
);
CREATE TABLE transfer.sessions (
    token_hash bytea PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES transfer.accounts (id),
    team_id bigint NOT NULL REFERENCES transfer.teams (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked boolean NOT NULL DEFAULT false
);
CREATE TABLE transfer.scenarios (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id bigint NOT NULL REFERENCES transfer.teams (id),
    name text NOT NULL CHECK (length(name) > 0),
    version integer NOT NULL CHECK (version >= 1),
    yaml_text text NOT NULL,
    created_at timestamptz NOT NULL,
    author text,
    comment text,
    uid text NOT NULL,
    UNIQUE (team_id, name, version),
    UNIQUE (team_id, uid)
);
CREATE TABLE transfer.runs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id bigint NOT NULL,
    scenario_name text NOT NULL,
    scenario_version integer NOT NULL,
    created_at timestamptz NOT NULL,
    parameters_json text NOT NULL,
    summary_json text NOT NULL,
    uid text NOT NULL,
    UNIQUE (team_id, uid),
    FOREIGN KEY (team_id, scenario_name, scenario_version)
        REFERENCES transfer.scenarios (team_id, name, version)
);
CREATE TABLE transfer.run_results (
    run_id bigint NOT NULL REFERENCES transfer.runs (id),
    team_id bigint NOT NULL,
    name text NOT NULL CHECK (length(name) > 0),
    content text NOT NULL,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (run_id, name)
);
CREATE TABLE transfer.shortlists (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id bigint NOT NULL,
    name text NOT NULL CHECK (length(name) > 0),
    kind text NOT NULL CHECK (kind IN ({_in_list(SHORTLIST_KINDS)})),
    scenario_name text,
    scenario_version integer,
    created_at timestamptz NOT NULL,
    rows_json text NOT NULL,
    uid text NOT NULL,
    UNIQUE (team_id, uid),
    FOREIGN KEY (team_id, scenario_name, scenario_version)
        REFERENCES transfer.scenarios (team_id, name, version)
);
CREATE TABLE transfer.entry_status (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id bigint NOT NULL,
    shortlist_id bigint NOT NULL REFERENCES transfer.shortlists (id),
    entry_key text NOT NULL,
    status text NOT NULL CHECK (status IN ({_in_list(STATUSES)})),
    note text,
    updated_at timestamptz NOT NULL,
    author text,
    uid text NOT NULL,
    UNIQUE (team_id, uid)
);
CREATE INDEX entry_status_by_key ON transfer.entry_status (shortlist_id, entry_key, updated_at, id);
CREATE TABLE transfer.monitoring_values (
    team_id bigint NOT NULL,
    year integer NOT NULL CHECK (year BETWEEN 1949 AND 2100),
    adcode integer NOT NULL,
    indicator text NOT NULL CHECK (length(indicator) > 0),
    value double precision NOT NULL CHECK (value >= 0),
    source text NOT NULL,
    imported_at timestamptz NOT NULL,
    uid text NOT NULL,
    PRIMARY KEY (team_id, year, adcode, indicator),
    UNIQUE (team_id, uid)
);
CREATE TABLE transfer.layer_sets (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id bigint NOT NULL,
    version integer NOT NULL CHECK (version >= 1),
    comment text,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text,
    UNIQUE (team_id, version)
);
CREATE TABLE transfer.layer_files (
    set_id bigint NOT NULL REFERENCES transfer.layer_sets (id),
    team_id bigint NOT NULL,
    path text NOT NULL CHECK (length(path) > 0),
    content bytea,
    PRIMARY KEY (set_id, path)
);
CREATE TABLE transfer.layer_features (
    set_id bigint NOT NULL REFERENCES transfer.layer_sets (id),
    team_id bigint NOT NULL,
    path text NOT NULL,
    feature_no integer NOT NULL,
    properties jsonb NOT NULL,
    geom public.geometry(Geometry, 4326),
    PRIMARY KEY (set_id, path, feature_no)
);
CREATE INDEX layer_features_geom ON transfer.layer_features USING gist (geom);
CREATE TABLE transfer.audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id bigint,
    account_id bigint,
    username text,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    action text NOT NULL,
    table_name text,
    record_uid text,
    detail jsonb
);
CREATE INDEX audit_by_team ON transfer.audit_log (team_id, at);
"""

# The session behind the current transaction: the token set with set_config('transfer.session', ..., true).
_V1_FUNCTIONS = """
CREATE FUNCTION transfer.session_row()
RETURNS TABLE (account_id bigint, team_id bigint, rank integer, username text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = transfer, pg_temp AS $$
    SELECT s.account_id, s.team_id,
           CASE m.role WHEN 'viewer' THEN 1 WHEN 'editor' THEN 2 WHEN 'admin' THEN 3 END, a.username
    FROM transfer.sessions s
    JOIN transfer.memberships m ON m.account_id = s.account_id AND m.team_id = s.team_id
    JOIN transfer.accounts a ON a.id = s.account_id
    WHERE s.token_hash = public.digest(coalesce(current_setting('transfer.session', true), ''), 'sha256')
      AND NOT s.revoked AND s.expires_at > now() AND NOT a.disabled
$$;
CREATE FUNCTION transfer.session_team() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = transfer, pg_temp AS $$
    SELECT team_id FROM transfer.session_row()
$$;
CREATE FUNCTION transfer.session_rank() RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = transfer, pg_temp AS $$
    SELECT coalesce((SELECT rank FROM transfer.session_row()), 0)
$$;
CREATE FUNCTION transfer.check_session(min_rank integer)
RETURNS TABLE (team_id bigint, team_name text, username text, role text, expires_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = transfer, pg_temp AS $$
DECLARE
    v_hash bytea := public.digest(coalesce(current_setting('transfer.session', true), ''), 'sha256');
    found record;
BEGIN
    SELECT s.team_id, t.name AS team_name, a.username, m.role, s.expires_at, s.revoked, a.disabled
      INTO found
      FROM transfer.sessions s
      JOIN transfer.accounts a ON a.id = s.account_id
      JOIN transfer.teams t ON t.id = s.team_id
      LEFT JOIN transfer.memberships m ON m.account_id = s.account_id AND m.team_id = s.team_id
     WHERE s.token_hash = v_hash;
    IF found IS NULL OR found.revoked THEN
        RAISE EXCEPTION 'not logged in' USING ERRCODE = 'TR010';
    ELSIF found.expires_at <= now() THEN
        RAISE EXCEPTION 'the session expired at %', found.expires_at USING ERRCODE = 'TR011';
    ELSIF found.disabled OR found.role IS NULL THEN
        RAISE EXCEPTION 'the account is no longer a member of team %', found.team_name USING ERRCODE = 'TR012';
    ELSIF array_position(ARRAY['viewer', 'editor', 'admin'], found.role) < min_rank THEN
        RAISE EXCEPTION 'role % of team % may not do this', found.role, found.team_name USING ERRCODE = 'TR013';
    END IF;
    RETURN QUERY SELECT found.team_id, found.team_name, found.username, found.role, found.expires_at;
END
$$;

-- Log in: the password is checked here (bcrypt), failures are counted, and after three failures in a row each
-- further attempt must wait 2^(n-3) s (at most 5 min) before the password is even looked at. The result is a
-- status row, not an exception, so that a failure's count is committed.
CREATE FUNCTION transfer.login(p_username text, p_password text, p_team text)
RETURNS TABLE (status text, token text, team_name text, role text, expires_at timestamptz, wait_s double precision)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = transfer, pg_temp AS $$
DECLARE
    acc transfer.accounts%ROWTYPE;
    wait double precision;
    hours double precision := coalesce((SELECT value FROM transfer.meta WHERE key = 'session_hours'), '8')::float;
    chosen record;
    n_teams integer;
    new_token text;
BEGIN
    SELECT * INTO acc FROM transfer.accounts WHERE username = p_username FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM public.crypt(p_password, public.gen_salt('bf', 10));  -- same work as a wrong password
        INSERT INTO transfer.audit_log (action, username, detail)
            VALUES ('login_failed', p_username, '{"reason": "unknown account"}');
        RETURN QUERY SELECT 'bad'::text, NULL::text, NULL::text, NULL::text, NULL::timestamptz, 0::float;
        RETURN;
    END IF;
    IF acc.failed_logins >= 3 AND acc.last_failed_at IS NOT NULL THEN
        wait := extract(epoch FROM acc.last_failed_at + least(power(2, acc.failed_logins - 3), 300)
                * interval '1 second' - clock_timestamp());
        IF wait > 0 THEN
            RETURN QUERY SELECT 'throttled'::text, NULL::text, NULL::text, NULL::text, NULL::timestamptz, wait;
            RETURN;
        END IF;
    END IF;
    IF acc.disabled OR public.crypt(p_password, acc.password_hash) <> acc.password_hash THEN
        UPDATE transfer.accounts SET failed_logins = failed_logins + 1, last_failed_at = clock_timestamp()
            WHERE id = acc.id;
        INSERT INTO transfer.audit_log (account_id, username, action, detail)
            VALUES (acc.id, acc.username, 'login_failed', jsonb_build_object('failed_in_a_row', acc.failed_logins + 1));
        RETURN QUERY SELECT 'bad'::text, NULL::text, NULL::text, NULL::text, NULL::timestamptz, 0::float;
        RETURN;
    END IF;
    UPDATE transfer.accounts SET failed_logins = 0, last_failed_at = NULL WHERE id = acc.id;
    SELECT count(*) INTO n_teams FROM transfer.memberships m WHERE m.account_id = acc.id;
    SELECT t.id, t.name, m.role INTO chosen
      FROM transfer.memberships m JOIN transfer.teams t ON t.id = m.team_id
     WHERE m.account_id = acc.id AND (p_team IS NULL OR t.name = p_team)
     ORDER BY t.name LIMIT 1;
    IF chosen IS NULL OR (p_team IS NULL AND n_teams > 1) THEN
        RETURN QUERY SELECT CASE WHEN chosen IS NULL THEN 'no_team' ELSE 'choose_team' END,
            NULL::text,
            (SELECT string_agg(t.name, ', ' ORDER BY t.name) FROM transfer.memberships m
               JOIN transfer.teams t ON t.id = m.team_id WHERE m.account_id = acc.id),
            NULL::text, NULL::timestamptz, 0::float;
        RETURN;
    END IF;
    new_token := encode(public.gen_random_bytes(32), 'hex');
    INSERT INTO transfer.sessions (token_hash, account_id, team_id, expires_at)
        VALUES (public.digest(new_token, 'sha256'), acc.id, chosen.id, now() + hours * interval '1 hour');
    INSERT INTO transfer.audit_log (team_id, account_id, username, action)
        VALUES (chosen.id, acc.id, acc.username, 'login');
    RETURN QUERY SELECT 'ok'::text, new_token, chosen.name::text, chosen.role::text,
        now() + hours * interval '1 hour', 0::float;
END
$$;

CREATE FUNCTION transfer.logout() RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = transfer, pg_temp AS $$
    UPDATE transfer.sessions SET revoked = true
     WHERE token_hash = public.digest(coalesce(current_setting('transfer.session', true), ''), 'sha256')
$$;

-- A team admin adds a member to their own team (an existing account, or a new one with its first password).
CREATE FUNCTION transfer.add_member(p_username text, p_password text, p_role text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = transfer, pg_temp AS $$
DECLARE
    me record;
    acc_id bigint;
BEGIN
    SELECT * INTO me FROM transfer.session_row();
    IF me IS NULL OR me.rank < 3 THEN
        RAISE EXCEPTION 'only an admin of the team may add members' USING ERRCODE = 'TR013';
    END IF;
    SELECT id INTO acc_id FROM transfer.accounts WHERE username = p_username;
    IF acc_id IS NULL THEN
        IF p_password IS NULL OR length(p_password) < 8 THEN
            RAISE EXCEPTION 'a new account needs a password of at least 8 characters' USING ERRCODE = 'TR020';
        END IF;
        INSERT INTO transfer.accounts (username, password_hash)
            VALUES (p_username, public.crypt(p_password, public.gen_salt('bf', 10))) RETURNING id INTO acc_id;
    END IF;
    INSERT INTO transfer.memberships (team_id, account_id, role) VALUES (me.team_id, acc_id, p_role)
        ON CONFLICT (team_id, account_id) DO UPDATE SET role = excluded.role;
    INSERT INTO transfer.audit_log (team_id, account_id, username, action, detail)
        VALUES (me.team_id, me.account_id, me.username, 'add_member',
                jsonb_build_object('member', p_username, 'role', p_role));
END
$$;

-- The audit trigger: who (the session's account) changed which record of which table, and when.
CREATE FUNCTION transfer.audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = transfer, pg_temp AS $$
DECLARE
    me record;
    rec jsonb := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END);
BEGIN
    SELECT * INTO me FROM transfer.session_row();
    INSERT INTO transfer.audit_log (team_id, account_id, username, action, table_name, record_uid, detail)
    VALUES ((rec ->> 'team_id')::bigint, me.account_id, me.username, lower(TG_OP), TG_TABLE_NAME, rec ->> 'uid',
            jsonb_strip_nulls(jsonb_build_object(
                'name', rec ->> 'name', 'version', rec ->> 'version', 'entry_key', rec ->> 'entry_key',
                'status', rec ->> 'status', 'year', rec ->> 'year', 'indicator', rec ->> 'indicator')));
    RETURN NULL;
END
$$;
"""


def _v1_policies() -> str:
    statements = []
    for table, write_rank in DATA_TABLES.items():
        mine = "team_id = (SELECT transfer.session_team())"
        may_write = f"{mine} AND (SELECT transfer.session_rank()) >= {write_rank}"
        statements += [
            f"ALTER TABLE transfer.{table} ALTER COLUMN team_id SET DEFAULT transfer.session_team()",
            f"ALTER TABLE transfer.{table} ENABLE ROW LEVEL SECURITY",
            f"ALTER TABLE transfer.{table} FORCE ROW LEVEL SECURITY",
            f"CREATE POLICY team_read ON transfer.{table} FOR SELECT USING ({mine})",
            f"CREATE POLICY team_insert ON transfer.{table} FOR INSERT WITH CHECK ({may_write})",
            f"CREATE POLICY team_update ON transfer.{table} FOR UPDATE USING ({may_write}) WITH CHECK ({may_write})",
            f"CREATE POLICY team_delete ON transfer.{table} FOR DELETE USING ({may_write})",
        ]
    statements += [
        "ALTER TABLE transfer.audit_log ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY team_read ON transfer.audit_log FOR SELECT USING (team_id = (SELECT transfer.session_team()))",
    ]
    for table in _AUDITED:
        statements.append(
            f"CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON transfer.{table} "
            "FOR EACH ROW EXECUTE FUNCTION transfer.audit()"
        )
    return ";\n".join(statements) + ";\n"


def grants(app_role: str) -> str:
    """What the application role may do: read and write team records (row-level security decides which), read
    the audit log, and call the session functions; never touch accounts, sessions or memberships directly."""
    role = '"' + app_role.replace('"', '""') + '"'
    tables = ", ".join(f"transfer.{t}" for t in DATA_TABLES)
    return f"""
REVOKE ALL ON SCHEMA transfer FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA transfer FROM PUBLIC;
GRANT USAGE ON SCHEMA transfer TO {role};
GRANT SELECT, INSERT, UPDATE, DELETE ON {tables} TO {role};
GRANT SELECT ON transfer.audit_log, transfer.meta TO {role};
GRANT EXECUTE ON FUNCTION transfer.session_team(), transfer.session_rank(), transfer.check_session(integer),
    transfer.login(text, text, text), transfer.logout(), transfer.add_member(text, text, text) TO {role};
"""


MIGRATIONS: tuple[str, ...] = (_V1_TABLES + _V1_FUNCTIONS + _v1_policies(),)
SCHEMA_VERSION = len(MIGRATIONS)
