import BayanApp
import BayanCore
import BayanStore

/// The mails Bayan sends, from the translation files: in the language the person used,
/// then in the statement's own language when that is another one.
enum Mail {
    static func confirmation(
        lang: UILanguage, statementLanguage: UILanguage, title: String, confirmURL: String,
        privateURL: String
    ) -> (subject: String, body: String) {
        let languages = lang == statementLanguage ? [lang] : [lang, statementLanguage]
        let values = ["title": title, "confirmURL": confirmURL, "privateURL": privateURL]
        return (
            languages.map { $0.text("mail.confirm.subject", values) }.joined(separator: " / "),
            languages.map { $0.text("mail.confirm.body", values) }.joined(separator: "\n\n---\n\n")
        )
    }

    /// The confirmation mail as the outbox keeps it.
    static func confirmationMessage(
        to recipient: String, lang: UILanguage, statement: StatementRecord, title: String,
        confirmURL: String, privateURL: String
    ) -> OutboxMessage {
        let mail = confirmation(
            lang: lang, statementLanguage: UILanguage(statementLanguage: statement.language), title: title,
            confirmURL: confirmURL, privateURL: privateURL)
        return OutboxMessage(recipient: recipient, subject: mail.subject, body: mail.body)
    }
}
