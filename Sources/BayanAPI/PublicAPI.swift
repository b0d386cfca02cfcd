import BayanApp
import BayanCore
import BayanStore
import Foundation
import OpenAPIRuntime

/// The public read API (issue 17): the operations of openapi.yaml, answered from the
/// application layer's public reading, exactly what the public pages show and never a
/// contact. The protocol and the wire format are generated (Generated/); this type only maps
/// the application's values to the described ones.
struct PublicAPI: APIProtocol {
    let reading: PublicReading
    /// The coordinator's operations (ManageAPI.swift).
    let coordination: Coordination
    /// The instance's public address, for the invitation links it returns.
    let linkBase: @Sendable () -> String

    /// As the public pages: shared caches keep an answer 10 s and serve it stale while they
    /// revalidate; browsers revalidate every time (a 304 with the ETag), so a signer who
    /// just joined finds themselves in the next read.
    static let cacheControl = "public, max-age=0, s-maxage=10, stale-while-revalidate=60"

    func listStatements(_ input: Operations.ListStatements.Input) async throws -> Operations.ListStatements.Output {
        let summaries = try await reading.statements()
        let items = summaries.compactMap { s -> Components.Schemas.StatementSummary? in
            guard let state = Components.Schemas.StatementSummary.StatePayload(rawValue: s.statement.state.rawValue) else { return nil }
            return .init(
                slug: s.statement.slug, title: s.title, language: s.statement.language, state: state,
                publishedAt: s.statement.publishedAt, signatories: s.signatoryCount)
        }
        return .ok(.init(headers: .init(cacheControl: Self.cacheControl), body: .json(.init(statements: items))))
    }

    func getStatement(_ input: Operations.GetStatement.Input) async throws -> Operations.GetStatement.Output {
        guard let snapshot = try await reading.snapshot(slug: input.path.slug),
            let state = Components.Schemas.Statement.StatePayload(rawValue: snapshot.statement.state.rawValue)
        else { return .notFound(Self.notFound) }
        let versions = snapshot.versions.map { v in
            Components.Schemas.Version(
                number: v.number, language: v.language, hash: v.contentHash.hex, title: v.title, createdAt: v.createdAt,
                translationOf: v.translationOf?.hex)
        }
        let statement = Components.Schemas.Statement(
            slug: snapshot.statement.slug, title: snapshot.version.title, body: snapshot.version.body, language: snapshot.statement.language,
            state: state, publishedAt: snapshot.statement.publishedAt, hash: snapshot.version.contentHash.hex, versions: versions,
            counts: .init(
                founding: snapshot.signatories.filter { $0.state != .withdrawn }.count,
                later: snapshot.later.filter { $0.state != .withdrawn }.count, individuals: snapshot.individuals.total))
        return .ok(.init(headers: .init(cacheControl: Self.cacheControl), body: .json(statement)))
    }

    func listOrganizations(_ input: Operations.ListOrganizations.Input) async throws -> Operations.ListOrganizations.Output {
        guard let snapshot = try await reading.snapshot(slug: input.path.slug) else { return .notFound(Self.notFound) }
        func row(_ e: Endorsement, _ offset: Int) -> Components.Schemas.Organization {
            .init(
                number: e.number ?? offset + 1, name: e.displayName, place: e.place?.isEmpty == false ? e.place : nil,
                withdrawn: e.state == .withdrawn)
        }
        let founding = snapshot.signatories.enumerated().map { row($0.element, $0.offset) }
        let later = snapshot.later.enumerated().map { row($0.element, $0.offset) }
        return .ok(.init(headers: .init(cacheControl: Self.cacheControl), body: .json(.init(founding: founding, later: later))))
    }

    func listIndividuals(_ input: Operations.ListIndividuals.Input) async throws -> Operations.ListIndividuals.Output {
        let limit = input.query.limit ?? 100
        guard (1...500).contains(limit) else { return .badRequest(Self.badRequest("limit is between 1 and 500")) }
        var cursor: IndividualCursor?
        if let after = input.query.after {
            guard let parsed = IndividualCursor(after) else { return .badRequest(Self.badRequest("after is not a cursor this API gave")) }
            cursor = parsed
        }
        guard let page = try await reading.individuals(slug: input.path.slug, after: cursor, limit: limit) else {
            return .notFound(Self.notFound)
        }
        let items = page.items.map { e in Components.Schemas.Individual(name: e.displayName, place: e.place?.isEmpty == false ? e.place : nil) }
        // A full page may have more after it; the cursor is its last row.
        let next = page.items.count == limit ? page.items.last.map { IndividualCursor(after: $0).text } : nil
        return .ok(
            .init(
                headers: .init(cacheControl: Self.cacheControl),
                body: .json(.init(individuals: items, total: page.total, named: page.shown, next: next))))
    }

    func getGrowth(_ input: Operations.GetGrowth.Input) async throws -> Operations.GetGrowth.Output {
        guard let snapshot = try await reading.snapshot(slug: input.path.slug) else { return .notFound(Self.notFound) }
        let series = snapshot.growth
        let period: Operations.GetGrowth.Output.Ok.Body.JsonPayload.PeriodPayload =
            switch series.hoursPerPoint {
            case 1: .hour
            case 24: .day
            case 168: .week
            default: .month
            }
        let points = series.points.map {
            Operations.GetGrowth.Output.Ok.Body.JsonPayload.PointsPayloadPayload(
                start: $0.start, organizations: $0.organizations, individuals: $0.individuals)
        }
        return .ok(.init(headers: .init(cacheControl: Self.cacheControl), body: .json(.init(period: period, points: points))))
    }

    // MARK: Problems (RFC 9457), with the application layer's stable codes

    static let notFound = Components.Responses.NotFound(
        body: .applicationProblemJson(.init(_type: "about:blank", title: "Not found", status: 404, code: AppError.Code.notFound.rawValue)))

    static func badRequest(_ detail: String) -> Components.Responses.BadRequest {
        .init(
            body: .applicationProblemJson(
                .init(_type: "about:blank", title: "Bad request", status: 400, code: AppError.Code.invalidInput.rawValue, detail: detail)))
    }
}
