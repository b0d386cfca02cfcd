/// The public join form (join.mustache).
struct JoinForm: Decodable, Sendable {
    /// `organization` or anything else for a person.
    @Field var kind: String = ""
    @Field var name: String = ""
    @Field var place: String = ""
    /// An organisation's signer and their role.
    @Field var signer: String = ""
    @Field var role: String = ""
    @Field var email: String = ""
    /// An organisation's WhatsApp or phone number, with its country code (optional).
    @Field var phone: String = ""
    /// `yes` when the consent box is ticked.
    @Field var consent: String = ""
    /// `counted-only` when the person asks not to be named.
    @Field var visibility: String = ""
    /// The content hash of the text the person read.
    @Field var version: String = ""
    /// The honeypot: hidden from people, filled by bots.
    @Field var website: String = ""
    /// The form stamp (`FormStamps`).
    @Field var t: String = ""
}

/// "Send the confirmation again" (joined.mustache).
struct ResendForm: Decodable, Sendable {
    @Field var t: String = ""
    @Field var email: String = ""
}
