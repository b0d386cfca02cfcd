import ArabicText
import BayanCore
import Foundation
import PostgresNIO
import SQLKit
import SQLiteKit

/// The queries behind `SQLStore`, as static functions over one `SQLDatabase` session so
/// that a write transaction can compose them.
extension SQLStore {
    /// Runs an operation and turns whatever it throws into a `StoreError`.
    static func wrap<T>(_ op: () async throws -> T) async throws(StoreError) -> T {
        do {
            return try await op()
        } catch let error as StoreError {
            throw error
        } catch let error as DomainError {
            throw .domain(error)
        } catch let error as ContactKeyError {
            throw .contactKey(error)
        } catch let error as PSQLError {
            // PSQLError's description hides details on purpose; the SQLSTATE tells (class 23:
            // integrity constraint violation, 23505 a unique one).
            if error.serverInfo?[.sqlState]?.hasPrefix("23") == true { throw .conflict("a database constraint refused the change") }
            throw .database("PostgreSQL: \(error.serverInfo?[.message] ?? "\(error.code)")")
        } catch let error as SQLiteError {
            // SQLite's result code: SQLITE_CONSTRAINT (unique, check, foreign key; sqlite-nio
            // does not turn on the extended codes that would tell them apart).
            switch error.reason {
            case .constraint, .constraintUniqueFailed, .constraintPrimaryKeyFailed, .constraintCheckFailed, .constraintForeignKeyFailed,
                .constraintNotNullFailed:
                throw .conflict("a database constraint refused the change")
            default: throw .database("SQLite: \(error.message)")
            }
        } catch {
            throw .database(String(describing: error))
        }
    }

    static func insertStatement(
        _ db: any SQLDatabase, env: StoreEnvironment, slug: Slug, language: String,
        title: String, body: String, author: String, at: Date
    ) async throws -> StatementRecord {
        if try await db.raw("SELECT id FROM statements WHERE slug = \(bind: slug.value)").first() != nil {
            throw StoreError.slugTaken(slug.value)
        }
        let title = Limits.cleanedText(title)
        guard !title.isEmpty else { throw StoreError.domain(.emptyName(field: "title")) }
        guard Limits.fits(title, limit: Limits.titleLength) else { throw StoreError.domain(.fieldTooLong(field: "title", limit: Limits.titleLength)) }
        guard Limits.fits(body, limit: Limits.bodyLength) else { throw StoreError.domain(.fieldTooLong(field: "body", limit: Limits.bodyLength)) }
        let record = StatementRecord(
            id: env.newID(), slug: slug.value, state: .draft, language: language,
            foundingOrder: .arabic, createdAt: at, publishedAt: nil)
        try await db.raw(
            """
            INSERT INTO statements (id, slug, state, language, founding_order, created_at)
            VALUES (\(bind: record.id), \(bind: record.slug), 'draft', \(bind: language), 'arabic', \(bind: at.millis))
            """
        ).run()
        try await appendEvent(
            db, env: env, statementID: record.id, kind: .statementCreated, at: at,
            payload: [
                "slug": slug.value, "language": language, "author": author, "log": LogReplay.listsFormat,
            ])
        let version = StatementVersion(number: 1, language: language, title: title, body: body, author: author, createdAt: at)
        try await insertVersion(db, env: env, statementID: record.id, version)
        try await appendEvent(
            db, env: env, statementID: record.id, kind: .versionAdded, at: at,
            payload: [
                "number": "1", "hash": version.contentHash.hex, "author": author, "reason": "",
            ])
        return record
    }

    static func insertVersion(_ db: any SQLDatabase, env: StoreEnvironment, statementID: String, _ v: StatementVersion) async throws {
        try await db.raw(
            """
            INSERT INTO statement_versions (id, statement_id, number, language, title, body, content_hash, author, created_at, translation_of, reason)
            VALUES (\(bind: env.newID()), \(bind: statementID), \(bind: v.number), \(bind: v.language), \(bind: v.title),
                    \(bind: v.body), \(bind: v.contentHash.hex), \(bind: v.author), \(bind: v.createdAt.millis),
                    \(bind: v.translationOf?.hex), \(bind: v.reason))
            """
        ).run()
    }

    /// The directory entry for a name: an existing one when the names are the same after
    /// normalization (diacritics, hamza, spacing), otherwise a new one. Spelling variants
    /// are *not* linked here: they are offered to a person as duplicate candidates.
    static func findOrCreateOrganization(
        _ db: any SQLDatabase, env: StoreEnvironment, name: String, latinName: String?,
        place: String?, at: Date
    ) async throws -> Organization {
        let matchKey = DuplicateFinder.matchingKey(name)
        let normalized = ArabicText.normalize(name)
        let rows = try await db.raw(
            "SELECT id, display_name, latin_name, place, kind, created_at FROM organizations WHERE match_key = \(bind: matchKey)"
        ).all()
        for row in rows {
            let display = try row.decode(column: "display_name", as: String.self)
            if ArabicText.normalize(display) == normalized {
                return Organization(
                    id: try row.decode(column: "id", as: String.self), displayName: display,
                    latinName: try row.decode(column: "latin_name", as: String?.self),
                    place: try row.decode(column: "place", as: String?.self),
                    kind: try row.decode(column: "kind", as: String?.self),
                    createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)))
            }
        }
        let org = Organization(id: env.newID(), displayName: name, latinName: latinName, place: place, kind: nil, createdAt: at)
        try await db.raw(
            """
            INSERT INTO organizations (id, display_name, latin_name, place, kind, name_key, match_key, created_at)
            VALUES (\(bind: org.id), \(bind: name), \(bind: latinName), \(bind: place), NULL,
                    \(bind: CollationKey(name).storageKey), \(bind: matchKey), \(bind: at.millis))
            """
        ).run()
        return org
    }

    static func insertEndorsement(_ db: any SQLDatabase, _ seal: ContactSeal, statementID: String, _ e: Endorsement) async throws {
        try await db.raw(
            """
            INSERT INTO endorsements (id, statement_id, signer_kind, organization_id, display_name, place, signer_name,
              signer_role, contact, version_hash, state, founding, number, visibility, imported, name_key, created_at, updated_at)
            VALUES (\(bind: e.id), \(bind: statementID), \(bind: e.signerKind.rawValue), \(bind: e.organizationID),
              \(bind: e.displayName), \(bind: e.place), \(bind: e.signerName), \(bind: e.signerRole), \(bind: seal.seal(e.contact)),
              \(bind: e.versionHash.hex), \(bind: e.state.rawValue), \(bind: e.founding ? 1 : 0), \(bind: e.number),
              \(bind: e.visibility.rawValue), \(bind: e.imported ? 1 : 0), \(bind: CollationKey(e.displayName).storageKey),
              \(bind: e.createdAt.millis), \(bind: e.createdAt.millis))
            """
        ).run()
    }

    /// Appends to the statement's hash chain. Callers hold the write transaction, so the
    /// read of the head and the insert cannot interleave with another writer's on SQLite;
    /// the primary key (statement_id, seq) refuses a fork on any database.
    @discardableResult
    static func appendEvent(
        _ db: any SQLDatabase, env: StoreEnvironment, statementID: String, kind: EventKind, at: Date,
        payload: [String: String]
    ) async throws -> Event {
        let head = try await db.raw("SELECT * FROM events WHERE statement_id = \(bind: statementID) ORDER BY seq DESC LIMIT 1").first()
        let previous = try head.map(decodeEvent)
        let salted = LogPrivacy.salted(kind: kind, payload, salt: env.salt)
        let event = Event.next(after: previous, kind: kind, at: at, payload: salted)
        try await db.raw(
            """
            INSERT INTO events (statement_id, seq, kind, at, payload, prev_hash, hash)
            VALUES (\(bind: statementID), \(bind: event.sequence), \(bind: event.kind), \(bind: event.atMillis),
                    \(bind: event.payloadJSON), \(bind: event.prevHash), \(bind: event.hash))
            """
        ).run()
        return event
    }

    static func fetchStatement(_ db: any SQLDatabase, id: String) async throws -> StatementRecord {
        guard let row = try await db.raw("SELECT * FROM statements WHERE id = \(bind: id)").first() else {
            throw StoreError.notFound("statement \(id)")
        }
        return try decodeStatement(row)
    }

    static func fetchVersions(_ db: any SQLDatabase, statementID: String) async throws -> [StatementVersion] {
        try await db.raw("SELECT * FROM statement_versions WHERE statement_id = \(bind: statementID) ORDER BY number").all().map { row in
            StatementVersion(
                stored: try row.decode(column: "number", as: Int.self),
                language: try row.decode(column: "language", as: String.self),
                title: try row.decode(column: "title", as: String.self),
                body: try row.decode(column: "body", as: String.self),
                contentHash: ContentHash(hex: try row.decode(column: "content_hash", as: String.self)),
                author: try row.decode(column: "author", as: String.self),
                createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)),
                translationOf: try row.decode(column: "translation_of", as: String?.self).map(ContentHash.init(hex:)),
                reason: try row.decode(column: "reason", as: String?.self))
        }
    }

    static func currentAuthoritative(_ db: any SQLDatabase, statementID: String) async throws -> StatementVersion {
        guard let v = try await fetchVersions(db, statementID: statementID).last(where: \.isAuthoritative) else {
            throw StoreError.notFound("a version of statement \(statementID)")
        }
        return v
    }

    /// The endorsement a link's token stands for, found by the token's stored hash in
    /// `column`; `what` names it in the not-found error. With `lockingStatement` its
    /// statement is locked (PostgreSQL) before the endorsement is read, for a change to it.
    static func endorsement(
        _ db: any SQLDatabase, _ seal: ContactSeal, by column: TokenColumn, hash: String, what: String,
        lockingStatement: Bool = false
    ) async throws -> (statementID: String, endorsement: Endorsement) {
        guard let row = try await db.raw("SELECT id, statement_id FROM endorsements WHERE \(ident: column.rawValue) = \(bind: hash)").first() else {
            throw StoreError.notFound(what)
        }
        let statementID = try row.decode(column: "statement_id", as: String.self)
        if lockingStatement { try await lockStatement(db, id: statementID) }
        guard let e = try await fetchEndorsements(db, seal, statementID: statementID, id: try row.decode(column: "id", as: String.self)).first else {
            throw StoreError.notFound(what)
        }
        return (statementID, e)
    }

    /// The stored token hashes an endorsement is found by.
    enum TokenColumn: String {
        case signer = "signer_token_hash"
        case confirmation = "confirm_token_hash"
    }

    /// The statement's endorsements in signing order, only the one with `id`, or only
    /// those of one signer kind.
    static func fetchEndorsements(_ db: any SQLDatabase, _ seal: ContactSeal, statementID: String, id: String? = nil, kind: SignerKind? = nil)
        async throws
        -> [Endorsement]
    {
        let query: SQLQueryString
        if let id {
            query = "SELECT * FROM endorsements WHERE statement_id = \(bind: statementID) AND id = \(bind: id)"
        } else if let kind {
            query =
                """
                SELECT * FROM endorsements WHERE statement_id = \(bind: statementID) AND signer_kind = \(bind: kind.rawValue)
                ORDER BY created_at, id
                """
        } else {
            query = "SELECT * FROM endorsements WHERE statement_id = \(bind: statementID) ORDER BY created_at, id"
        }
        return try await db.raw(query).all().map { try decodeEndorsement($0, seal) }
    }

    /// An endorsement row, its contact opened with the instance's key.
    static func decodeEndorsement(_ row: any SQLRow, _ seal: ContactSeal) throws -> Endorsement {
        var e = try row.record(EndorsementRow.self)
        e.contact = try seal.open(e.contact)
        return e
    }

    static func decodeStatement(_ row: any SQLRow) throws -> StatementRecord { try row.record(StatementRow.self) }

    static func decodeEvent(_ row: any SQLRow) throws -> Event { try row.record(EventRow.self) }

    /// SHA-256 over the numbered list (`N\tname\n` per line): the published list in one
    /// hash, recorded in the publication event.
    static func listHash(_ items: [(Int, String)]) -> String {
        ContentHash.of(text: items.map { "\($0.0)\t\($0.1)\n" }.joined()).hex
    }
}
