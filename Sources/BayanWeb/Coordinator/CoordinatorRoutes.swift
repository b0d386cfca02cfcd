import ArabicText
import BayanApp
import BayanCore
import BayanDocument
import BayanStore
import Foundation
import Hummingbird

/// The coordinator area: login, statements, drafting, invitations, moderation,
/// publication, the event log and the directory, one file per feature, each adding its
/// own routes with one handler per route and one form struct per form. Handlers turn
/// forms into `Coordination` calls and its answers into pages; the rules live in
/// BayanCore and the application layer.
struct CoordinatorRoutes {
    let auth: Auth
    /// Every coordinator action; this type turns forms into its calls and its answers into pages.
    let app: Coordination
    let clock: @Sendable () -> Date
    /// Where the invitation links shown to copy point.
    let address: PublicAddress
    /// Whether webhooks may point at loopback and private addresses (tests, one-machine setups).
    var webhooksAllowLocal = false

    typealias Area = RouterGroup<BayanRequestContext>

    func add(to router: Router<BayanRequestContext>) {
        addAccount(to: router)
        // Everything under /c needs a session: one middleware for the whole area.
        let area = router.group("c").add(middleware: SignedInMiddleware(auth: auth))
        addPassword(to: area)
        addTokens(to: area)
        addDashboard(to: area)
        // The directory is shared by every statement, so it is the admins' (README).
        addDirectory(to: area.group("directory").add(middleware: AdminOnlyMiddleware()))
        addStatement(to: area)
        addInvitations(to: area)
        addModeration(to: area)
        addRecords(to: area)
        addWebhooks(to: area)
    }

    // MARK: - Access

    /// Loads a statement the signed-in coordinator manages: 404 when it does not exist,
    /// 403 when it belongs to others (the access rule is `Coordination.manage`'s).
    func managed(
        _ request: Request, _ context: BayanRequestContext,
        _ body: (Session, ManagedStatement) async throws -> Response
    ) async throws -> Response {
        let user = try context.requireSignedIn()
        let slug = try context.parameters.require("slug")
        do {
            return try await body(user.session, try await app.manage(slug: slug, by: .coordinator(user.coordinator)))
        } catch let error as AppError where error.code == .notFound {
            throw HTTPError(.notFound)
        } catch let error as AppError where error.code == .forbidden {
            throw HTTPError(.forbidden, message: Page.language(of: request).text(error.messageKey))
        }
    }

    /// As `managed`, for a form `F` posted about the statement: the CSRF token must match
    /// the session's, and a form sent twice (an impatient thumb, a lost answer) has one
    /// effect. Its one-use key `_k` is recorded with what the form said, and every action
    /// is idempotent by state (approving an approved sign-on, publishing a published
    /// statement, the same text again change nothing); the same key with other content is
    /// refused. The invitation form keeps its key in the same transaction as its batch.
    func managedPost<F: Decodable>(
        _: F.Type, _ request: Request, _ context: BayanRequestContext,
        _ body: (Session, ManagedStatement, F) async throws -> Response
    ) async throws -> Response {
        let submitted = try await FormBody.read(request)
        // Every field as sent, for the CSRF token and the form's key and content.
        let fields = try submitted.decode([String: String].self, request)
        let form = try submitted.decode(F.self, request)
        return try await managed(request, context) { session, statement in
            try checkCSRF(fields["_csrf"] ?? "", session, request)
            let key = fields["_k"] ?? ""
            if !key.isEmpty, !request.uri.path.hasSuffix("/invitations") {
                do {
                    try await app.claimForm(
                        statement, action: request.uri.path, key: key, fields: fields.filter { $0.key != "_csrf" && $0.key != "_k" })
                } catch let error as AppError {
                    return try await refused(error, request, session, statement)
                }
            }
            return try await body(session, statement, form)
        }
    }

    /// The statement page with an application refusal in the coordinator's language; a
    /// failure that is not theirs goes to the error page (and the log), and an unknown
    /// item is a 404.
    func refused(
        _ error: AppError, _ request: Request, _ session: Session, _ m: ManagedStatement, edit: TextForm? = nil
    ) async throws -> Response {
        let errors = [Page.language(of: request).text(error.messageKey)]
        switch error.code {
        case .notFound: throw HTTPError(.notFound)
        case .failed: throw error
        case .forbidden: throw HTTPError(.forbidden, message: errors[0])
        case .invalidInput: return try await statementPage(request, session, m, errors: errors, edit: edit, status: .unprocessableContent)
        case .rateLimited: return try await statementPage(request, session, m, errors: errors, edit: edit, status: .tooManyRequests)
        case .conflict, .staleVersion, .formReused, .gone:
            return try await statementPage(request, session, m, errors: errors, edit: edit, status: .conflict)
        }
    }

    func checkCSRF(_ token: String, _ session: Session, _ request: Request) throws {
        guard Tokens.equal(token, session.csrfToken) else {
            throw HTTPError(.forbidden, message: Page.language(of: request).text("error.csrf"))
        }
    }
}
