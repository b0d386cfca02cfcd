/// An invited organisation's sign-on form (signon.mustache).
struct SignOnForm: Decodable, Sendable {
    @Field var name: String
    @Field var place: String
    @Field var signer: String
    @Field var role: String
    /// The email, optional when a phone number is given.
    @Field var contact: String
    /// A WhatsApp or phone number with its country code, optional when an email is given.
    @Field var phone: String
    @Field var consent: String
    /// The content hash of the text the organisation read.
    @Field var version: String
}

/// The buttons on a signer's private page: re-confirm a revised text, withdraw.
struct SignerActionForm: Decodable, Sendable {
    @Field var version: String
    /// `yes` when the withdrawal is confirmed.
    @Field var confirm: String
}
