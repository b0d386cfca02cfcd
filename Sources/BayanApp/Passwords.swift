import HummingbirdBcrypt

/// bcrypt password hashing: accounts are created by the CLI and checked at login.
public enum Passwords {
    /// bcrypt's cost unless `BAYAN_BCRYPT_COST` says otherwise (tests use 4).
    public static let defaultCost: UInt8 = 12

    public static func hash(_ password: String, cost: UInt8 = defaultCost) -> String {
        Bcrypt.hash(password, cost: max(cost, 4))
    }

    public static func verify(_ password: String, hash: String) -> Bool {
        Bcrypt.verify(password, hash: hash)
    }
}
