import Foundation
import SQLKit

/// Append-only, named schema migrations. A migration is never edited once released; a
/// change is a new migration. The constraints here back the domain rules ("trust the
/// database more than yourself"): one organisation per statement, unique founding numbers.
///
/// Column types are the portable subset of SQLite and PostgreSQL (TEXT, BIGINT); dates are
/// milliseconds since 1970 and booleans 0/1, so no dialect conversion is ever needed.
public struct Migration: Sendable {
    public let name: String
    public let statements: [String]
    /// Statements only one database understands (triggers), run after `statements`.
    public var sqlite: [String] = []
    public var postgres: [String] = []

    public func statements(for dialect: SchemaDialect) -> [String] {
        statements + (dialect == .sqlite ? sqlite : postgres)
    }
}

public enum Migrations {
    public static let all: [Migration] = [
        Migration(
            name: "0001_initial",
            statements: [
                """
                CREATE TABLE statements (
                  id TEXT PRIMARY KEY,
                  slug TEXT NOT NULL UNIQUE,
                  state TEXT NOT NULL CHECK (state IN ('draft', 'circulating', 'published', 'closed')),
                  language TEXT NOT NULL,
                  founding_order TEXT NOT NULL DEFAULT 'arabic' CHECK (founding_order IN ('arabic', 'signing')),
                  created_at BIGINT NOT NULL,
                  published_at BIGINT
                )
                """,
                """
                CREATE TABLE statement_versions (
                  id TEXT PRIMARY KEY,
                  statement_id TEXT NOT NULL REFERENCES statements(id),
                  number BIGINT NOT NULL,
                  language TEXT NOT NULL,
                  title TEXT NOT NULL,
                  body TEXT NOT NULL,
                  content_hash TEXT NOT NULL,
                  author TEXT NOT NULL,
                  created_at BIGINT NOT NULL,
                  translation_of TEXT,
                  reason TEXT,
                  UNIQUE (statement_id, number)
                )
                """,
                """
                CREATE TABLE organizations (
                  id TEXT PRIMARY KEY,
                  display_name TEXT NOT NULL,
                  latin_name TEXT,
                  place TEXT,
                  kind TEXT,
                  contact TEXT,
                  name_key TEXT NOT NULL,
                  match_key TEXT NOT NULL,
                  created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX organizations_match_key ON organizations (match_key)",
                """
                CREATE TABLE endorsements (
                  id TEXT PRIMARY KEY,
                  statement_id TEXT NOT NULL REFERENCES statements(id),
                  signer_kind TEXT NOT NULL CHECK (signer_kind IN ('organization', 'individual')),
                  organization_id TEXT REFERENCES organizations(id),
                  display_name TEXT NOT NULL,
                  place TEXT,
                  signer_name TEXT,
                  signer_role TEXT,
                  contact TEXT,
                  version_hash TEXT NOT NULL,
                  state TEXT NOT NULL CHECK (state IN ('pending', 'confirmed', 'approved', 'rejected', 'withdrawn')),
                  founding BIGINT NOT NULL DEFAULT 0 CHECK (founding IN (0, 1)),
                  number BIGINT,
                  visibility TEXT NOT NULL CHECK (visibility IN ('public', 'counted-only')),
                  imported BIGINT NOT NULL DEFAULT 0 CHECK (imported IN (0, 1)),
                  name_key TEXT NOT NULL,
                  created_at BIGINT NOT NULL,
                  updated_at BIGINT NOT NULL,
                  UNIQUE (statement_id, organization_id),
                  UNIQUE (statement_id, founding, number),
                  CHECK (founding = 0 OR number IS NOT NULL),
                  CHECK (signer_kind = 'individual' OR organization_id IS NOT NULL)
                )
                """,
                "CREATE INDEX endorsements_statement ON endorsements (statement_id, state)",
                """
                CREATE TABLE events (
                  statement_id TEXT NOT NULL REFERENCES statements(id),
                  seq BIGINT NOT NULL,
                  kind TEXT NOT NULL,
                  at BIGINT NOT NULL,
                  payload TEXT NOT NULL,
                  prev_hash TEXT NOT NULL,
                  hash TEXT NOT NULL,
                  PRIMARY KEY (statement_id, seq)
                )
                """,
            ]),
        Migration(
            name: "0002_coordination",
            statements: [
                """
                CREATE TABLE coordinators (
                  id TEXT PRIMARY KEY,
                  email TEXT NOT NULL UNIQUE,
                  password_hash TEXT NOT NULL,
                  role TEXT NOT NULL CHECK (role IN ('admin', 'coordinator')),
                  disabled BIGINT NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
                  created_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE statement_coordinators (
                  statement_id TEXT NOT NULL REFERENCES statements(id),
                  coordinator_id TEXT NOT NULL REFERENCES coordinators(id),
                  PRIMARY KEY (statement_id, coordinator_id)
                )
                """,
                """
                CREATE TABLE sessions (
                  token_hash TEXT PRIMARY KEY,
                  coordinator_id TEXT NOT NULL REFERENCES coordinators(id),
                  csrf_token TEXT NOT NULL,
                  created_at BIGINT NOT NULL,
                  expires_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE invitations (
                  id TEXT PRIMARY KEY,
                  statement_id TEXT NOT NULL REFERENCES statements(id),
                  organization_id TEXT REFERENCES organizations(id),
                  organization_name TEXT NOT NULL,
                  token_hash TEXT NOT NULL UNIQUE,
                  created_at BIGINT NOT NULL,
                  expires_at BIGINT NOT NULL,
                  revoked BIGINT NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
                  opened_at BIGINT,
                  uses BIGINT NOT NULL DEFAULT 0,
                  endorsement_id TEXT REFERENCES endorsements(id)
                )
                """,
                "CREATE INDEX invitations_statement ON invitations (statement_id)",
                "ALTER TABLE endorsements ADD COLUMN signer_token_hash TEXT",
                "CREATE UNIQUE INDEX endorsements_signer_token ON endorsements (signer_token_hash)",
            ]),
        Migration(
            name: "0003_joining",
            statements: [
                "ALTER TABLE endorsements ADD COLUMN email_key TEXT",
                // One endorsement per (normalized) email address per statement.
                "CREATE UNIQUE INDEX endorsements_email ON endorsements (statement_id, email_key) WHERE email_key IS NOT NULL",
                "ALTER TABLE endorsements ADD COLUMN confirm_token_hash TEXT",
                "CREATE UNIQUE INDEX endorsements_confirm_token ON endorsements (confirm_token_hash)",
                "CREATE INDEX endorsements_list ON endorsements (statement_id, signer_kind, state, created_at)",
                """
                CREATE TABLE outbox (
                  id TEXT PRIMARY KEY,
                  recipient TEXT NOT NULL,
                  subject TEXT NOT NULL,
                  body TEXT NOT NULL,
                  created_at BIGINT NOT NULL,
                  attempts BIGINT NOT NULL DEFAULT 0,
                  next_attempt_at BIGINT NOT NULL,
                  claimed_until BIGINT,
                  sent_at BIGINT,
                  failed_at BIGINT,
                  last_error TEXT
                )
                """,
                "CREATE INDEX outbox_due ON outbox (sent_at, failed_at, next_attempt_at)",
                """
                CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)
                """,
                """
                CREATE TABLE rate_limits (
                  bucket TEXT NOT NULL,
                  window_start BIGINT NOT NULL,
                  hits BIGINT NOT NULL,
                  PRIMARY KEY (bucket, window_start)
                )
                """,
            ]),
        // endorsements_list (statement_id, signer_kind, state, created_at) serves every
        // query the older (statement_id, state) index did; one index fewer per sign-on.
        Migration(
            name: "0004_fewer_endorsement_indexes",
            statements: [
                "DROP INDEX endorsements_statement"
            ]),
        // The public list of individuals, in signing order, with the counts beside it:
        // only counted endorsements are in it (a pending join adds nothing to it), and it
        // covers the count and lets a deep page skip entries without a sort. Measured with
        // 1,000,000 endorsers: page 1,800 went from ~1.4 s (sorting all of them) to a walk
        // of the index.
        Migration(
            name: "0005_public_individuals_index",
            statements: [
                """
                CREATE INDEX endorsements_public_individuals ON endorsements (statement_id, signer_kind, visibility, created_at, id, state)
                WHERE state IN ('confirmed', 'approved')
                """
            ]),
        // One-use keys of coordinator forms (issue 19): a form sent twice, because its
        // answer was lost or a thumb pressed twice, has one effect. The content hash tells a
        // retry from a different form that reused the key.
        Migration(
            name: "0006_submissions",
            statements: [
                "CREATE TABLE submissions (key_hash TEXT PRIMARY KEY, content_hash TEXT NOT NULL, created_at BIGINT NOT NULL)"
            ]),
        // How many sign-ons each statement has by kind, state and visibility, kept by the
        // database itself on every insert, update and delete of an endorsement, so no write
        // path can forget it. Counting a million endorsers from an index took ~200 ms per
        // page; reading these rows takes microseconds (issue 11: the coordinator's pages and
        // the public counts at 1,000,000 individuals).
        Migration(
            name: "0007_endorsement_tallies",
            statements: [
                """
                CREATE TABLE endorsement_tallies (
                  statement_id TEXT NOT NULL REFERENCES statements(id),
                  signer_kind TEXT NOT NULL,
                  state TEXT NOT NULL,
                  visibility TEXT NOT NULL,
                  n BIGINT NOT NULL,
                  PRIMARY KEY (statement_id, signer_kind, state, visibility)
                )
                """,
                """
                INSERT INTO endorsement_tallies (statement_id, signer_kind, state, visibility, n)
                SELECT statement_id, signer_kind, state, visibility, COUNT(*) FROM endorsements
                GROUP BY statement_id, signer_kind, state, visibility
                """,
            ],
            sqlite: [
                """
                CREATE TRIGGER endorsements_tally_insert AFTER INSERT ON endorsements BEGIN
                  INSERT INTO endorsement_tallies (statement_id, signer_kind, state, visibility, n)
                  VALUES (NEW.statement_id, NEW.signer_kind, NEW.state, NEW.visibility, 1)
                  ON CONFLICT (statement_id, signer_kind, state, visibility) DO UPDATE SET n = n + 1;
                END
                """,
                """
                CREATE TRIGGER endorsements_tally_update AFTER UPDATE OF statement_id, signer_kind, state, visibility ON endorsements BEGIN
                  UPDATE endorsement_tallies SET n = n - 1 WHERE statement_id = OLD.statement_id AND signer_kind = OLD.signer_kind
                    AND state = OLD.state AND visibility = OLD.visibility;
                  INSERT INTO endorsement_tallies (statement_id, signer_kind, state, visibility, n)
                  VALUES (NEW.statement_id, NEW.signer_kind, NEW.state, NEW.visibility, 1)
                  ON CONFLICT (statement_id, signer_kind, state, visibility) DO UPDATE SET n = n + 1;
                END
                """,
                """
                CREATE TRIGGER endorsements_tally_delete AFTER DELETE ON endorsements BEGIN
                  UPDATE endorsement_tallies SET n = n - 1 WHERE statement_id = OLD.statement_id AND signer_kind = OLD.signer_kind
                    AND state = OLD.state AND visibility = OLD.visibility;
                END
                """,
            ],
            postgres: [
                """
                CREATE FUNCTION bayan_endorsement_tally() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF TG_OP IN ('UPDATE', 'DELETE') THEN
                    UPDATE endorsement_tallies SET n = n - 1 WHERE statement_id = OLD.statement_id AND signer_kind = OLD.signer_kind
                      AND state = OLD.state AND visibility = OLD.visibility;
                  END IF;
                  IF TG_OP IN ('INSERT', 'UPDATE') THEN
                    INSERT INTO endorsement_tallies (statement_id, signer_kind, state, visibility, n)
                    VALUES (NEW.statement_id, NEW.signer_kind, NEW.state, NEW.visibility, 1)
                    ON CONFLICT (statement_id, signer_kind, state, visibility) DO UPDATE SET n = endorsement_tallies.n + 1;
                  END IF;
                  RETURN NULL;
                END
                $$
                """,
                """
                CREATE TRIGGER endorsements_tally AFTER INSERT OR DELETE OR UPDATE OF statement_id, signer_kind, state, visibility
                ON endorsements FOR EACH ROW EXECUTE FUNCTION bayan_endorsement_tally()
                """,
            ]),
        // One-use join forms (issue 12): each join keeps the hash of the form stamp it was
        // sent with, and a second join with the same stamp is refused by this index inside
        // the same INSERT that stores the join (no extra write on the sign-on path). A
        // retry of the same form finds its join through the signer link instead.
        Migration(
            name: "0008_join_stamps",
            statements: [
                "ALTER TABLE endorsements ADD COLUMN stamp_hash TEXT",
                "CREATE UNIQUE INDEX endorsements_stamp ON endorsements (stamp_hash) WHERE stamp_hash IS NOT NULL",
                // The hourly mail cap counts what was sent in the last hour.
                "CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL",
                // Delivered and abandoned mail kept live confirmation and private links.
                "UPDATE outbox SET body = '' WHERE sent_at IS NOT NULL OR failed_at IS NOT NULL",
            ]),
        // Sessions end after two hours without a request as well as 12 hours after sign-in.
        Migration(
            name: "0009_session_idle",
            statements: [
                "ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT",
                "UPDATE sessions SET last_seen_at = created_at",
            ]),
        // Where each join came from, for the coordinator's abuse signals and for setting a
        // flood aside at once: the client's network (/24, /64, never the address) and the
        // email's domain (issue 12).
        Migration(
            name: "0010_join_origins",
            statements: [
                "ALTER TABLE endorsements ADD COLUMN join_network TEXT",
                "ALTER TABLE endorsements ADD COLUMN email_domain TEXT",
                "CREATE INDEX endorsements_join_origin ON endorsements (statement_id, created_at) WHERE join_network IS NOT NULL",
            ]),
        // Signed tree heads of each statement's log (issue 13), and the log and its heads
        // append-only where the database can refuse the rest.
        Migration(
            name: "0011_tree_heads",
            statements: [
                """
                CREATE TABLE tree_heads (
                  statement_id TEXT NOT NULL REFERENCES statements(id),
                  size BIGINT NOT NULL,
                  root TEXT NOT NULL,
                  at BIGINT NOT NULL,
                  key_id TEXT NOT NULL,
                  signature TEXT NOT NULL,
                  PRIMARY KEY (statement_id, size)
                )
                """
            ],
            sqlite: [
                "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END",
                "CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END",
                "CREATE TRIGGER tree_heads_no_update BEFORE UPDATE ON tree_heads BEGIN SELECT RAISE(ABORT, 'tree heads are append-only'); END",
                "CREATE TRIGGER tree_heads_no_delete BEFORE DELETE ON tree_heads BEGIN SELECT RAISE(ABORT, 'tree heads are append-only'); END",
            ],
            postgres: [
                """
                CREATE FUNCTION bayan_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$
                """,
                "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION bayan_append_only()",
                "CREATE TRIGGER tree_heads_append_only BEFORE UPDATE OR DELETE ON tree_heads FOR EACH ROW EXECUTE FUNCTION bayan_append_only()",
            ]),
        // The Merkle leaf became the event's public form (private values committed,
        // PublicLog.swift), so heads signed over the whole stored events no longer match
        // any root a verifier can compute. They are dropped once; `bayan serve` signs the
        // logs again at its first pass. Only heads go: no event changes.
        Migration(
            name: "0012_public_leaves",
            statements: [],
            sqlite: [
                "DROP TRIGGER tree_heads_no_delete",
                "DELETE FROM tree_heads",
                "CREATE TRIGGER tree_heads_no_delete BEFORE DELETE ON tree_heads BEGIN SELECT RAISE(ABORT, 'tree heads are append-only'); END",
            ],
            postgres: [
                "ALTER TABLE tree_heads DISABLE TRIGGER tree_heads_append_only",
                "DELETE FROM tree_heads",
                "ALTER TABLE tree_heads ENABLE TRIGGER tree_heads_append_only",
            ]),
        // Each statement's Merkle tree kept incrementally (StoredTree): the hashes of its
        // complete aligned subtrees of 2^8 and 2^16 events, so a root or proof over a
        // million events reads a few hundred rows. Derived from the events; `bayan verify`
        // checks heads against the events themselves, never these.
        Migration(
            name: "0013_tree_nodes",
            statements: [
                """
                CREATE TABLE tree_nodes (
                  statement_id TEXT NOT NULL REFERENCES statements(id),
                  level BIGINT NOT NULL,
                  idx BIGINT NOT NULL,
                  hash TEXT NOT NULL,
                  PRIMARY KEY (statement_id, level, idx)
                )
                """
            ]),
        // Live sign-ons (approved or confirmed) per statement, kind and hour signed: the
        // growth chart (issue 16). Counting them from the list index took 0.7 s at a million
        // endorsers; these rows are a few per hour. Kept by the database like the tallies;
        // a join arrives pending, so the sign-on path's insert does not touch it.
        Migration(
            name: "0014_endorsement_hours",
            statements: [
                """
                CREATE TABLE endorsement_hours (
                  statement_id TEXT NOT NULL REFERENCES statements(id),
                  signer_kind TEXT NOT NULL,
                  hour BIGINT NOT NULL,
                  n BIGINT NOT NULL,
                  PRIMARY KEY (statement_id, signer_kind, hour)
                )
                """,
                """
                INSERT INTO endorsement_hours (statement_id, signer_kind, hour, n)
                SELECT statement_id, signer_kind, created_at / 3600000, COUNT(*) FROM endorsements
                WHERE state IN ('approved', 'confirmed') GROUP BY statement_id, signer_kind, created_at / 3600000
                """,
            ],
            sqlite: [
                """
                CREATE TRIGGER endorsements_hours_insert AFTER INSERT ON endorsements WHEN NEW.state IN ('approved', 'confirmed') BEGIN
                  INSERT INTO endorsement_hours (statement_id, signer_kind, hour, n)
                  VALUES (NEW.statement_id, NEW.signer_kind, NEW.created_at / 3600000, 1)
                  ON CONFLICT (statement_id, signer_kind, hour) DO UPDATE SET n = n + 1;
                END
                """,
                """
                CREATE TRIGGER endorsements_hours_update AFTER UPDATE OF statement_id, signer_kind, state, created_at ON endorsements
                WHEN OLD.state IN ('approved', 'confirmed') OR NEW.state IN ('approved', 'confirmed') BEGIN
                  UPDATE endorsement_hours SET n = n - 1 WHERE OLD.state IN ('approved', 'confirmed') AND statement_id = OLD.statement_id
                    AND signer_kind = OLD.signer_kind AND hour = OLD.created_at / 3600000;
                  INSERT INTO endorsement_hours (statement_id, signer_kind, hour, n)
                  SELECT NEW.statement_id, NEW.signer_kind, NEW.created_at / 3600000, 1 WHERE NEW.state IN ('approved', 'confirmed')
                  ON CONFLICT (statement_id, signer_kind, hour) DO UPDATE SET n = n + 1;
                END
                """,
                """
                CREATE TRIGGER endorsements_hours_delete AFTER DELETE ON endorsements WHEN OLD.state IN ('approved', 'confirmed') BEGIN
                  UPDATE endorsement_hours SET n = n - 1 WHERE statement_id = OLD.statement_id AND signer_kind = OLD.signer_kind
                    AND hour = OLD.created_at / 3600000;
                END
                """,
            ],
            postgres: [
                """
                CREATE FUNCTION bayan_endorsement_hours() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state IN ('approved', 'confirmed') THEN
                    UPDATE endorsement_hours SET n = n - 1 WHERE statement_id = OLD.statement_id AND signer_kind = OLD.signer_kind
                      AND hour = OLD.created_at / 3600000;
                  END IF;
                  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.state IN ('approved', 'confirmed') THEN
                    INSERT INTO endorsement_hours (statement_id, signer_kind, hour, n)
                    VALUES (NEW.statement_id, NEW.signer_kind, NEW.created_at / 3600000, 1)
                    ON CONFLICT (statement_id, signer_kind, hour) DO UPDATE SET n = endorsement_hours.n + 1;
                  END IF;
                  RETURN NULL;
                END
                $$
                """,
                """
                CREATE TRIGGER endorsements_hours_insert AFTER INSERT ON endorsements
                FOR EACH ROW WHEN (NEW.state IN ('approved', 'confirmed')) EXECUTE FUNCTION bayan_endorsement_hours()
                """,
                """
                CREATE TRIGGER endorsements_hours_change AFTER DELETE OR UPDATE OF statement_id, signer_kind, state, created_at ON endorsements
                FOR EACH ROW EXECUTE FUNCTION bayan_endorsement_hours()
                """,
            ]),
        // The websites that may frame a statement's embed (issue 17): its
        // `frame-ancestors`, one row per origin.
        Migration(
            name: "0015_embed_origins",
            statements: [
                """
                CREATE TABLE embed_origins (
                  statement_id TEXT NOT NULL REFERENCES statements(id),
                  origin TEXT NOT NULL,
                  PRIMARY KEY (statement_id, origin)
                )
                """
            ]),
        // Coordinators' API tokens (issue 17): the hash only; the statements a token may act
        // on, space-separated ids, empty for all its coordinator manages.
        Migration(
            name: "0016_api_tokens",
            statements: [
                """
                CREATE TABLE api_tokens (
                  id TEXT PRIMARY KEY,
                  coordinator_id TEXT NOT NULL REFERENCES coordinators(id),
                  name TEXT NOT NULL,
                  token_hash TEXT NOT NULL UNIQUE,
                  statement_ids TEXT NOT NULL,
                  may_write BIGINT NOT NULL,
                  created_at BIGINT NOT NULL,
                  expires_at BIGINT NOT NULL,
                  revoked_at BIGINT
                )
                """,
                "CREATE INDEX api_tokens_coordinator ON api_tokens (coordinator_id)",
            ]),
        // Webhooks (issue 17): the statement's event log is their outbox; a hook keeps how
        // far it delivered, its failures and, sealed like contacts, its signing secret.
        Migration(
            name: "0017_webhooks",
            statements: [
                """
                CREATE TABLE webhooks (
                  id TEXT PRIMARY KEY,
                  statement_id TEXT NOT NULL REFERENCES statements(id),
                  url TEXT NOT NULL,
                  secret TEXT NOT NULL,
                  sends_contacts BIGINT NOT NULL,
                  created_at BIGINT NOT NULL,
                  delivered_through BIGINT NOT NULL,
                  failures BIGINT NOT NULL DEFAULT 0,
                  next_attempt_at BIGINT NOT NULL,
                  claimed_until BIGINT,
                  last_error TEXT,
                  last_delivered_at BIGINT,
                  disabled_at BIGINT,
                  disabled_reason TEXT
                )
                """,
                "CREATE INDEX webhooks_statement ON webhooks (statement_id)",
            ]),
    ]

    /// An arbitrary constant naming Bayan's migration lock on PostgreSQL.
    static let advisoryLockKey = 0x6261_7961

    /// Applies the migrations not yet recorded, all in one transaction. On PostgreSQL a
    /// transaction-scoped advisory lock makes a second instance starting at the same time
    /// wait, then find everything applied; SQLite's single writer does the same.
    public static func run(on handle: any DatabaseHandle) async throws {
        try await handle.transaction { db in
            if handle.dialect == .postgres {
                try await db.raw("SELECT pg_advisory_xact_lock(\(unsafeRaw: String(advisoryLockKey)))").run()
            }
            try await db.raw("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)").run()
            let done = Set(try await db.raw("SELECT name FROM schema_migrations").all().map { try $0.decode(column: "name", as: String.self) })
            for migration in all where !done.contains(migration.name) {
                for sql in migration.statements(for: handle.dialect) { try await db.raw(SQLQueryString(sql)).run() }
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                try await db.raw("INSERT INTO schema_migrations (name, applied_at) VALUES (\(bind: migration.name), \(bind: now))").run()
            }
        }
    }

    /// Names of applied migrations, in order.
    public static func applied(on handle: any DatabaseHandle) async throws -> [String] {
        try await handle.read { db in
            try await db.raw("SELECT name FROM schema_migrations ORDER BY name").all().map {
                try $0.decode(column: "name", as: String.self)
            }
        }
    }
}
