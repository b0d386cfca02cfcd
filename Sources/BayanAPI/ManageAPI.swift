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
            switch try Self.refusal(error) {
            case .badRequest(let p): return .badRequest(.init(body: .applicationProblemJson(p)))
            case .unauthorized(let p): return .unauthorized(.init(body: .applicationProblemJson(p)))
            case .forbidden(let p): return .forbidden(.init(body: .applicationProblemJson(p)))
            case .notFound(let p): return .forbidden(.init(body: .applicationProblemJson(p)))
            case .conflict(let p): return .conflict(.init(body: .applicationProblemJson(p)))
            }
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
            switch try Self.refusal(error) {
            case .badRequest(let p): return .badRequest(.init(body: .applicationProblemJson(p)))
            case .unauthorized(let p): return .unauthorized(.init(body: .applicationProblemJson(p)))
            case .forbidden(let p): return .forbidden(.init(body: .applicationProblemJson(p)))
            case .notFound(let p): return .notFound(.init(body: .applicationProblemJson(p)))
            case .conflict(let p): return .conflict(.init(body: .applicationProblemJson(p)))
            }
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
            switch try Self.refusal(error) {
            case .badRequest(let p): return .badRequest(.init(body: .applicationProblemJson(p)))
            case .unauthorized(let p): return .unauthorized(.init(body: .applicationProblemJson(p)))
            case .forbidden(let p): return .forbidden(.init(body: .applicationProblemJson(p)))
            case .notFound(let p): return .notFound(.init(body: .applicationProblemJson(p)))
            case .conflict(let p): return .conflict(.init(body: .applicationProblemJson(p)))
            }
        }
    }

    func listSignOns(_ input: Operations.ListSignOns.Input) async throws -> Operations.ListSignOns.Output {
        do throws(AppError) {
            let m = try await coordination.manage(slug: input.path.slug, bearer: Bearer.token, write: false)
            let organizations = try await coordination.overview(m).organizations
            return .ok(.init(body: .json(.init(signons: organizations.map(Self.signOn)))))
        } catch {
            switch try Self.refusal(error) {
            case .unauthorized(let p): return .unauthorized(.init(body: .applicationProblemJson(p)))
            case .forbidden(let p): return .forbidden(.init(body: .applicationProblemJson(p)))
            case .badRequest(let p): return .forbidden(.init(body: .applicationProblemJson(p)))
            case .conflict(let p): return .forbidden(.init(body: .applicationProblemJson(p)))
            case .notFound(let p): return .notFound(.init(body: .applicationProblemJson(p)))
            }
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
            switch try Self.refusal(error) {
            case .badRequest(let p): return .badRequest(.init(body: .applicationProblemJson(p)))
            case .unauthorized(let p): return .unauthorized(.init(body: .applicationProblemJson(p)))
            case .forbidden(let p): return .forbidden(.init(body: .applicationProblemJson(p)))
            case .notFound(let p): return .notFound(.init(body: .applicationProblemJson(p)))
            case .conflict(let p): return .conflict(.init(body: .applicationProblemJson(p)))
            }
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

    /// How an application refusal is described: the status by its code, the stable code
    /// and message key in the problem. A failure that is not the client's stays an error.
    enum Refusal {
        case badRequest(Components.Schemas.Problem), unauthorized(Components.Schemas.Problem)
        case forbidden(Components.Schemas.Problem), notFound(Components.Schemas.Problem), conflict(Components.Schemas.Problem)
    }

    static func refusal(_ error: AppError) throws -> Refusal {
        func problem(_ status: Int, _ title: String, code: String) -> Components.Schemas.Problem {
            .init(_type: "about:blank", title: title, status: status, code: code, detail: error.messageKey)
        }
        switch error.code {
        case .failed: throw error
        case .invalidInput: return .badRequest(problem(400, "Bad request", code: error.code.rawValue))
        case .notFound: return .notFound(problem(404, "Not found", code: error.code.rawValue))
        case .forbidden where error.messageKey == "api.tokenRefused": return .unauthorized(problem(401, "Unauthorized", code: "unauthorized"))
        case .forbidden: return .forbidden(problem(403, "Forbidden", code: error.code.rawValue))
        case .conflict, .staleVersion, .formReused, .gone, .rateLimited: return .conflict(problem(409, "Conflict", code: error.code.rawValue))
        }
    }
}
