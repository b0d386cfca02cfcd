import BayanApp
import BayanCore
import BayanStore
import Foundation
import OpenAPIRuntime

/// The coordinator's operations (issue 17): a bearer token becomes an actor in the
/// application layer (`Coordination.manage(slug:bearer:write:)`), which enforces every rule;
/// this maps its answers and refusals to the described ones.
extension PublicAPI {
    func createStatement(_ input: Operations.CreateStatement.Input) async throws -> Operations.CreateStatement.Output {
        guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("a JSON body is expected")) }
        do throws(AppError) {
            let actor = try await coordination.actor(bearer: Bearer.token, statementID: nil, write: true)
            // The description's limits, counted as it counts them (code points): the generated
            // code reads the types, not the lengths.
            guard Self.within(body.title, 500), Self.within(body.body, 200_000) else {
                return .badRequest(Self.badRequest("the title is at most 500 characters, the text 200,000"))
            }
            let title = body.title.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !title.isEmpty else { return .badRequest(Self.badRequest("the title is empty")) }
            let slug: Slug
            if let typed = body.slug {
                guard let valid = try? Slug(typed) else { return .badRequest(Self.badRequest("not a valid address")) }
                slug = valid
            } else {
                slug = Slug.suggested(from: title)
            }
            let record = try await coordination.createStatement(
                slug: slug, language: body.language?.rawValue ?? "ar", title: title, body: body.body ?? "", by: actor)
            return .created(.init(body: .json(.init(slug: record.slug, state: .init(rawValue: record.state.rawValue) ?? .draft))))
        } catch {
            return try Self.refused(
                error, badRequest: Operations.CreateStatement.Output.badRequest, unauthorized: Operations.CreateStatement.Output.unauthorized,
                forbidden: Operations.CreateStatement.Output.forbidden, notFound: nil, conflict: Operations.CreateStatement.Output.conflict)
        }
    }

    func changeState(_ input: Operations.ChangeState.Input) async throws -> Operations.ChangeState.Output {
        guard case .json(let body) = input.body, let next = StatementState(rawValue: body.to.rawValue) else {
            return .badRequest(Self.badRequest("a JSON body naming the state is expected"))
        }
        do throws(AppError) {
            let m = try await coordination.manage(slug: input.path.slug, bearer: Bearer.token, write: true)
            let record = try await coordination.changeState(m, to: next, order: body.order.flatMap { FoundingOrder(rawValue: $0.rawValue) })
            return .ok(.init(body: .json(.init(slug: record.slug, state: .init(rawValue: record.state.rawValue) ?? .draft))))
        } catch {
            return try Self.refused(
                error, badRequest: Operations.ChangeState.Output.badRequest, unauthorized: Operations.ChangeState.Output.unauthorized,
                forbidden: Operations.ChangeState.Output.forbidden, notFound: Operations.ChangeState.Output.notFound,
                conflict: Operations.ChangeState.Output.conflict)
        }
    }

    func reviseText(_ input: Operations.ReviseText.Input) async throws -> Operations.ReviseText.Output {
        guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("a JSON body is expected")) }
        guard Self.within(body.title, 500), Self.within(body.body, 200_000) else {
            return .badRequest(Self.badRequest("the title is at most 500 characters, the text 200,000"))
        }
        let title = body.title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty else { return .badRequest(Self.badRequest("the title is empty")) }
        do throws(AppError) {
            let m = try await coordination.manage(slug: input.path.slug, bearer: Bearer.token, write: true)
            let v = try await coordination.revise(m, title: title, body: body.body)
            return .ok(
                .init(
                    body: .json(
                        .init(
                            number: v.number, language: v.language, hash: v.contentHash.hex, title: v.title, createdAt: v.createdAt,
                            translationOf: v.translationOf?.hex))))
        } catch {
            return try Self.refused(
                error, badRequest: Operations.ReviseText.Output.badRequest, unauthorized: Operations.ReviseText.Output.unauthorized,
                forbidden: Operations.ReviseText.Output.forbidden, notFound: Operations.ReviseText.Output.notFound,
                conflict: Operations.ReviseText.Output.conflict)
        }
    }

    func invite(_ input: Operations.Invite.Input) async throws -> Operations.Invite.Output {
        guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("a JSON body is expected")) }
        do throws(AppError) {
            let m = try await coordination.manage(slug: input.path.slug, bearer: Bearer.token, write: true)
            let lifetime: InvitationLifetime
            do { lifetime = try InvitationLifetime(days: body.days ?? InvitationLifetime.defaultDays) } catch {
                return .badRequest(Self.badRequest("links last 1 to 365 days"))
            }
            guard (1...500).contains(body.names.count), body.names.allSatisfy({ !$0.isEmpty && Self.within($0, 300) }) else {
                return .badRequest(Self.badRequest("1 to 500 names of at most 300 characters"))
            }
            let names = body.names.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            for name in names {
                do { _ = try Limits.displayName(name) } catch { return .badRequest(Self.badRequest("\(error)")) }
            }
            let batch = try await coordination.invite(m, names: names, lifetime: lifetime)
            let base = linkBase()
            return .ok(
                .init(
                    body: .json(
                        .init(
                            links: batch.links.map { .init(name: $0.name, url: "\(base)/i/\($0.token)") },
                            alreadyInvited: batch.alreadyInvited))))
        } catch {
            return try Self.refused(
                error, badRequest: Operations.Invite.Output.badRequest, unauthorized: Operations.Invite.Output.unauthorized,
                forbidden: Operations.Invite.Output.forbidden, notFound: Operations.Invite.Output.notFound,
                conflict: Operations.Invite.Output.conflict)
        }
    }

    func listSignOns(_ input: Operations.ListSignOns.Input) async throws -> Operations.ListSignOns.Output {
        do throws(AppError) {
            let m = try await coordination.manage(slug: input.path.slug, bearer: Bearer.token, write: false)
            let organizations = try await coordination.overview(m).organizations
            return .ok(.init(body: .json(.init(signons: organizations.map(Self.signOn)))))
        } catch {
            return try Self.refused(
                error, badRequest: nil, unauthorized: Operations.ListSignOns.Output.unauthorized, forbidden: Operations.ListSignOns.Output.forbidden,
                notFound: Operations.ListSignOns.Output.notFound, conflict: nil)
        }
    }

    func decide(_ input: Operations.Decide.Input) async throws -> Operations.Decide.Output {
        guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("a JSON body is expected")) }
        guard Self.within(body.reason, 300), input.path.id.unicodeScalars.count <= 100 else {
            return .badRequest(Self.badRequest("a reason is at most 300 characters"))
        }
        do throws(AppError) {
            let m = try await coordination.manage(slug: input.path.slug, bearer: Bearer.token, write: true)
            let decision: Moderation = body.decision == .approve ? .approve : .reject(reason: body.reason)
            try await coordination.moderate(m, endorsementID: input.path.id, decision)
            guard let e = try await coordination.overview(m).organizations.first(where: { $0.id == input.path.id }) else {
                return .notFound(Self.notFound)
            }
            return .ok(.init(body: .json(Self.signOn(e))))
        } catch {
            return try Self.refused(
                error, badRequest: Operations.Decide.Output.badRequest, unauthorized: Operations.Decide.Output.unauthorized,
                forbidden: Operations.Decide.Output.forbidden, notFound: Operations.Decide.Output.notFound,
                conflict: Operations.Decide.Output.conflict)
        }
    }

    /// Whether `text` is at most `limit` code points long (JSON Schema's `maxLength`).
    static func within(_ text: String?, _ limit: Int) -> Bool { (text?.unicodeScalars.count ?? 0) <= limit }

    static func signOn(_ e: Endorsement) -> Components.Schemas.SignOn {
        func nonEmpty(_ s: String?) -> String? { s?.isEmpty == false ? s : nil }
        return .init(
            id: e.id, kind: .init(rawValue: e.signerKind.rawValue) ?? .organization, name: e.displayName, place: nonEmpty(e.place),
            signer: nonEmpty(e.signerName), role: nonEmpty(e.signerRole), contact: nonEmpty(e.contact),
            state: .init(rawValue: e.state.rawValue) ?? .pending, number: e.number, founding: e.founding)
    }

    /// An application refusal as the operation's described answer, given the answers it
    /// has (the generated cases): the status by the refusal's code, its stable code and
    /// message key in the problem; an answer the operation lacks falls back to 403. A
    /// failure that is not the client's stays an error.
    static func refused<Output>(
        _ error: AppError,
        badRequest: ((Components.Responses.BadRequest) -> Output)?,
        unauthorized: (Components.Responses.Unauthorized) -> Output,
        forbidden: (Components.Responses.Forbidden) -> Output,
        notFound: ((Components.Responses.NotFound) -> Output)?,
        conflict: ((Components.Responses.Conflict) -> Output)?
    ) throws -> Output {
        func problem(_ status: Int, _ title: String, code: String) -> Components.Schemas.Problem {
            .init(_type: "about:blank", title: title, status: status, code: code, detail: error.messageKey)
        }
        let denied = forbidden(.init(body: .applicationProblemJson(problem(403, "Forbidden", code: error.code.rawValue))))
        switch error.code {
        case .failed: throw error
        case .invalidInput: return badRequest?(.init(body: .applicationProblemJson(problem(400, "Bad request", code: error.code.rawValue)))) ?? denied
        case .notFound: return notFound?(.init(body: .applicationProblemJson(problem(404, "Not found", code: error.code.rawValue)))) ?? denied
        case .forbidden where error.messageKey == "api.tokenRefused":
            return unauthorized(.init(body: .applicationProblemJson(problem(401, "Unauthorized", code: "unauthorized"))))
        case .forbidden: return denied
        case .conflict, .staleVersion, .formReused, .gone, .rateLimited:
            return conflict?(.init(body: .applicationProblemJson(problem(409, "Conflict", code: error.code.rawValue)))) ?? denied
        }
    }
}
