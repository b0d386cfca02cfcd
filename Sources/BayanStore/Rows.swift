import BayanCore
import Foundation
import SQLKit

/// The stored shape of each table's rows, decoded with SQLKit's row decoder (snake_case
/// columns, times as milliseconds, flags as 0/1). A value no enumeration knows (a newer
/// version's, a hand edit past the CHECK constraints) fails the decoding with the column's
/// name: a record is never read with a silently substituted default.
protocol StoredRow: Decodable {
    associatedtype Record
    var record: Record { get }
}

extension SQLRow {
    /// Decodes the row as `R` and converts it to its record.
    func record<R: StoredRow>(_: R.Type) throws -> R.Record {
        do {
            return try decode(model: R.self, keyDecodingStrategy: .convertFromSnakeCase).record
        } catch let DecodingError.dataCorrupted(context) {
            throw StoreError.database("unreadable value in column \(context.codingPath.last?.stringValue ?? "?"): \(context.debugDescription)")
        }
    }
}

struct EndorsementRow: StoredRow {
    var id: String
    var signerKind: SignerKind
    var organizationId: String?
    var displayName: String
    var place: String?
    var signerName: String?
    var signerRole: String?
    var contact: String?
    var versionHash: String
    var state: EndorsementState
    var founding: Int
    var number: Int?
    var visibility: Visibility
    var imported: Int
    var createdAt: Int64

    var record: Endorsement {
        Endorsement(
            id: id, signerKind: signerKind, organizationID: organizationId, displayName: displayName, place: place,
            signerName: signerName, signerRole: signerRole, contact: contact, versionHash: ContentHash(hex: versionHash),
            state: state, founding: founding == 1, number: number, visibility: visibility, imported: imported == 1,
            createdAt: Date(millis: createdAt))
    }
}

struct StatementRow: StoredRow {
    var id: String
    var slug: String
    var state: StatementState
    var language: String
    var foundingOrder: FoundingOrder
    var createdAt: Int64
    var publishedAt: Int64?

    var record: StatementRecord {
        StatementRecord(
            id: id, slug: slug, state: state, language: language, foundingOrder: foundingOrder, createdAt: Date(millis: createdAt),
            publishedAt: publishedAt.map(Date.init(millis:)))
    }
}

struct EventRow: StoredRow {
    var seq: Int
    var kind: String
    var at: Int64
    var payload: String
    var prevHash: String
    var hash: String

    var record: Event {
        // An unreadable payload is kept visible as such, so verification fails on it.
        Event(
            sequence: seq, kind: kind, atMillis: at, payload: Event.payload(fromJSON: payload) ?? ["unreadable": payload],
            prevHash: prevHash, hash: hash)
    }
}

struct CoordinatorRow: StoredRow {
    var id: String
    var email: String
    var passwordHash: String
    var role: CoordinatorRole
    var disabled: Int
    var createdAt: Int64

    var record: Coordinator {
        Coordinator(
            id: id, email: email, passwordHash: passwordHash, role: role, disabled: disabled == 1, createdAt: Date(millis: createdAt))
    }
}

struct InvitationRow: StoredRow {
    var id: String
    var statementId: String
    var organizationName: String
    var createdAt: Int64
    var expiresAt: Int64
    var revoked: Int
    var openedAt: Int64?
    var uses: Int
    var endorsementId: String?

    var record: Invitation {
        Invitation(
            id: id, statementID: statementId, organizationName: organizationName, createdAt: Date(millis: createdAt),
            expiresAt: Date(millis: expiresAt), revoked: revoked == 1, openedAt: openedAt.map(Date.init(millis:)), uses: uses,
            endorsementID: endorsementId)
    }
}
