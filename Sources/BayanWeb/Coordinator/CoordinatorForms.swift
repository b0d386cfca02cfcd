/// The coordinator's forms, one struct each, as the templates send them. Every form also
/// carries `_csrf` and, where a second send must have no second effect, `_k` (read by
/// `CoordinatorRoutes.managedPost`).

/// The login form (login.mustache); `_csrf` is checked against the login cookie.
struct LoginForm: Decodable, Sendable {
    @Field var csrf: String
    @Field var email: String
    @Field var password: String
    enum CodingKeys: String, CodingKey {
        case csrf = "_csrf", email, password
    }
}

/// A form whose only field is the session's CSRF token (logout).
struct CSRFForm: Decodable, Sendable {
    @Field var csrf: String
    enum CodingKeys: String, CodingKey { case csrf = "_csrf" }
}

/// Changing one's password (password.mustache).
struct PasswordForm: Decodable, Sendable {
    @Field var csrf: String
    @Field var current: String
    @Field var newPassword: String
    @Field var repeated: String
    enum CodingKeys: String, CodingKey {
        case csrf = "_csrf", current, newPassword = "new", repeated = "repeat"
    }
}

/// A new draft (dashboard.mustache).
struct NewStatementForm: Decodable, Sendable {
    @Field var csrf: String
    @Field var title: String
    /// Empty: suggested from the title.
    @Field var slug: String
    @Field var body: String
    @Field var language: String
    enum CodingKeys: String, CodingKey {
        case csrf = "_csrf", title, slug, body, language
    }
}

/// A revised text of the statement.
struct TextForm: Decodable, Sendable {
    @Field var title: String
    @Field var body: String
}

/// A change of the statement's state; publishing fixes the founding order.
struct StateForm: Decodable, Sendable {
    /// `yes` when the coordinator ticked the confirmation.
    @Field var confirm: String
    @Field var to: String
    @Field var order: String
}

/// A translation of the current text.
struct TranslationForm: Decodable, Sendable {
    @Field var language: String
    @Field var title: String
    @Field var body: String
}

/// Invitations for pasted names and, optionally, the signatories of another statement.
struct InvitationsForm: Decodable, Sendable {
    @Field var names: String
    /// The slug of a statement whose signatories are invited too.
    @Field var from: String
    @Field var days: String
    /// The form's one-use key: the batch it made is shown again when it is sent twice.
    @Field var key: String
    enum CodingKeys: String, CodingKey {
        case names, from, days, key = "_k"
    }
}

/// New links for the organisations whose sign-on predates the current text.
struct ReinviteForm: Decodable, Sendable {
    @Field var key: String
    enum CodingKeys: String, CodingKey { case key = "_k" }
}

/// A set of joins set aside at once: by network, domain or name (`value`), or a period.
struct InvalidateForm: Decodable, Sendable {
    /// `network`, `domain`, `name`, or anything else for the period `from`-`to`.
    @Field var by: String
    @Field var value: String
    @Field var from: String
    @Field var to: String
    @Field var reason: String
}

/// The websites allowed to frame the statement's embed, one per line.
struct EmbedForm: Decodable, Sendable {
    @Field var origins: String
}

/// A moderation button with nothing to say (approve, revoke).
struct EmptyForm: Decodable, Sendable {}

struct RejectForm: Decodable, Sendable {
    @Field var reason: String
}

struct MergeForm: Decodable, Sendable {
    /// The id of the sign-on this one duplicates.
    @Field var into: String
}

struct RenameForm: Decodable, Sendable {
    @Field var name: String
}

/// A directory entry (directory.mustache).
struct OrganizationForm: Decodable, Sendable {
    @Field var csrf: String
    @Field var name: String
    @Field var latin: String
    @Field var place: String
    @Field var kind: String
    @Field var contact: String
    enum CodingKeys: String, CodingKey {
        case csrf = "_csrf", name, latin, place, kind, contact
    }
}
