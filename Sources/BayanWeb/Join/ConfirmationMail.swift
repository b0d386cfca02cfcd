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

    /// The receipt an organisation gets after signing (through an invitation or the public
    /// page): its private link, to keep (issue 16). Names and titles are isolated (FSI…PDI)
    /// so an Arabic title inside an English sentence keeps its order in a mail reader.
    static func receiptMessage(to recipient: String, lang: UILanguage, name: String, title: String, privateURL: String) -> OutboxMessage {
        let values = ["name": isolated(name), "title": isolated(title), "privateURL": privateURL]
        return OutboxMessage(
            recipient: recipient, subject: lang.text("mail.receipt.subject", values), body: lang.text("mail.receipt.body", values))
    }

    /// Text of either direction set apart from the sentence around it (Unicode's first
    /// strong isolate), as `<bdi>` does on a page.
    static func isolated(_ text: String) -> String { "\u{2068}\(text)\u{2069}" }
}
