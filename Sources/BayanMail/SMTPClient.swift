import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Where and how to deliver mail: `smtp://[user:password@]host[:port]` (STARTTLS required),
/// `smtps://…` (TLS from the first byte, port 465), or `smtp://host?starttls=off` for a
/// relay on the same machine, without credentials: a password never travels without TLS.
/// No SMTP package exists for Swift here, so this is a small client on SwiftNIO: EHLO,
/// STARTTLS, AUTH PLAIN, one message.
public struct SMTPConfiguration: Sendable, Equatable {
    public enum Security: Sendable, Equatable { case plain, startTLSRequired, implicitTLS }

    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var security: Security
    public var from: String
    /// Extra certificate (PEM) to trust, for a relay with a private CA.
    public var trustedCertificatePath: String?

    public init(url: String, from: String, trustedCertificatePath: String? = nil) throws(SMTPError) {
        guard let c = URLComponents(string: url), let scheme = c.scheme, ["smtp", "smtps"].contains(scheme),
            let host = c.host, !host.isEmpty
        else { throw .configuration("BAYAN_SMTP_URL must look like smtp://user:password@host:587") }
        self.host = host
        let implicit = scheme == "smtps"
        port = c.port ?? (implicit ? 465 : 587)
        username = c.user?.removingPercentEncoding
        password = c.password?.removingPercentEncoding
        let starttls = c.queryItems?.first { $0.name == "starttls" }?.value
        switch (implicit, starttls) {
        case (true, _): security = .implicitTLS
        case (false, nil), (false, "required"): security = .startTLSRequired
        case (false, "off"): security = .plain
        case (false, .some(let other)): throw .configuration("starttls=\(other) is not known; use required (the default) or off")
        }
        if security == .plain && username != nil {
            throw .configuration("credentials are never sent without TLS: drop starttls=off, or the user and password")
        }
        self.from = from
        self.trustedCertificatePath = trustedCertificatePath
    }
}

public enum SMTPError: Error, Sendable, CustomStringConvertible {
    case configuration(String)
    /// The relay could not be reached or the connection broke: try again later.
    case connection(String)
    /// The relay answered 4xx: try again later.
    case transient(code: Int, message: String)
    /// The relay answered 5xx: this message will never be accepted.
    case permanent(code: Int, message: String)

    public var description: String {
        switch self {
        case .configuration(let m): "SMTP configuration: \(m)"
        case .connection(let m): "SMTP connection: \(m)"
        case .transient(let code, let m): "SMTP \(code) (temporary): \(m)"
        case .permanent(let code, let m): "SMTP \(code): \(m)"
        }
    }

    public var isPermanent: Bool { if case .permanent = self { true } else { false } }
}

/// A reply of the relay: its code and lines.
struct SMTPReply: Sendable {
    let code: Int
    let lines: [String]
    var text: String { lines.joined(separator: " ") }
}

/// Collects reply lines and hands complete replies to whoever waits, in order.
final class SMTPReplyHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private var buffer = ""
    private var lines: [String] = []
    private var waiting: [EventLoopPromise<SMTPReply>] = []
    private var ready: [SMTPReply] = []
    private var failure: (any Error)?

    func nextReply(on loop: any EventLoop) -> EventLoopFuture<SMTPReply> {
        loop.preconditionInEventLoop()
        if !ready.isEmpty { return loop.makeSucceededFuture(ready.removeFirst()) }
        if let failure { return loop.makeFailedFuture(failure) }
        let promise = loop.makePromise(of: SMTPReply.self)
        waiting.append(promise)
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer += bytes.readString(length: bytes.readableBytes) ?? ""
        while let range = buffer.range(of: "\r\n") {
            let line = String(buffer[..<range.lowerBound])
            buffer.removeSubrange(..<range.upperBound)
            lines.append(line)
            // "250-..." continues, "250 ..." ends a reply.
            if line.count < 4 || line[line.index(line.startIndex, offsetBy: 3)] != "-" {
                let code = Int(line.prefix(3)) ?? 0
                let reply = SMTPReply(code: code, lines: lines.map { String($0.dropFirst(min(4, $0.count))) })
                lines = []
                if waiting.isEmpty { ready.append(reply) } else { waiting.removeFirst().succeed(reply) }
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(SMTPError.connection("the relay closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(SMTPError.connection("\(error)"))
        context.close(promise: nil)
    }

    private func fail(_ error: any Error) {
        failure = error
        let pending = waiting
        waiting = []
        for p in pending { p.fail(error) }
    }
}

/// Sends one message per connection. Deliberately simple: Bayan's mail is a trickle of
/// confirmations, not a newsletter.
public struct SMTPClient: Sendable {
    public let configuration: SMTPConfiguration
    let group: any EventLoopGroup

    public init(configuration: SMTPConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.group = group
    }

    func tlsHandler() throws -> NIOSSLClientHandler {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let path = configuration.trustedCertificatePath {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(path))
        }
        // SNI takes a name, never an address; a relay given by IP is checked against its
        // certificate's IP entries instead.
        let isAddress = configuration.host.allSatisfy { $0.isHexDigit || $0 == "." || $0 == ":" }
        return try NIOSSLClientHandler(context: NIOSSLContext(configuration: tls), serverHostname: isAddress ? nil : configuration.host)
    }

    public func send(to recipient: String, subject: String, body: String, timeout: TimeAmount = .seconds(30)) async throws(SMTPError) {
        do {
            try await deliver(to: recipient, subject: subject, body: body, timeout: timeout)
        } catch let error as SMTPError {
            throw error
        } catch {
            throw .connection("\(error)")
        }
    }

    private func deliver(to recipient: String, subject: String, body: String, timeout: TimeAmount) async throws {
        let replies = SMTPReplyHandler()
        let implicitTLS = configuration.security == .implicitTLS
        let tls = implicitTLS ? try tlsHandler() : nil
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(tls) }
                    try channel.pipeline.syncOperations.addHandler(replies)
                }
            }
            .connect(host: configuration.host, port: configuration.port).get()
        defer { channel.close(promise: nil) }
        let loop = channel.eventLoop

        func reply() async throws -> SMTPReply {
            let future = loop.flatSubmit { replies.nextReply(on: loop) }
            let timer = loop.scheduleTask(in: timeout) { channel.close(promise: nil) }
            defer { timer.cancel() }
            return try await future.get()
        }
        func command(_ line: String, expect: Set<Int>) async throws -> SMTPReply {
            try await channel.writeAndFlush(ByteBuffer(string: line + "\r\n")).get()
            return try expectCode(try await reply(), expect)
        }
        func expectCode(_ r: SMTPReply, _ codes: Set<Int>) throws -> SMTPReply {
            guard codes.contains(r.code) else {
                if (400..<500).contains(r.code) { throw SMTPError.transient(code: r.code, message: r.text) }
                throw SMTPError.permanent(code: r.code, message: r.text)
            }
            return r
        }

        _ = try expectCode(try await reply(), [220])
        var ehlo = try await command("EHLO bayan.localhost", expect: [250])
        let offersTLS = ehlo.lines.contains { $0.uppercased().hasPrefix("STARTTLS") }
        var secured = configuration.security == .implicitTLS
        switch configuration.security {
        case .startTLSRequired where !offersTLS:
            throw SMTPError.permanent(code: 0, message: "the relay does not offer STARTTLS, which BAYAN_SMTP_URL requires")
        case .startTLSRequired:
            _ = try await command("STARTTLS", expect: [220])
            let configuration = self
            try await loop.submit {
                try channel.pipeline.syncOperations.addHandler(try configuration.tlsHandler(), position: .first)
            }.get()
            ehlo = try await command("EHLO bayan.localhost", expect: [250])
            secured = true
        default:
            break
        }
        if let user = configuration.username {
            // Also refused by the configuration; checked again where the secret is sent.
            guard secured else { throw SMTPError.permanent(code: 0, message: "refusing to send credentials without TLS") }
            let secret = Data(("\u{0}" + user + "\u{0}" + (configuration.password ?? "")).utf8).base64EncodedString()
            _ = try await command("AUTH PLAIN \(secret)", expect: [235])
        }
        _ = try await command("MAIL FROM:<\(configuration.from)>", expect: [250])
        _ = try await command("RCPT TO:<\(recipient)>", expect: [250, 251])
        _ = try await command("DATA", expect: [354])
        let message = Self.message(from: configuration.from, to: recipient, subject: subject, body: body)
        _ = try await command(message + "\r\n.", expect: [250])
        _ = try? await command("QUIT", expect: [221])
    }

    /// A UTF-8 plain-text message: encoded subject, base64 body (so no line starts with a
    /// dot and Arabic survives any relay).
    static func message(from: String, to: String, subject: String, body: String) -> String {
        let encodedSubject = "=?UTF-8?B?\(Data(subject.utf8).base64EncodedString())?="
        let base64 = Data(body.utf8).base64EncodedString()
        let wrapped = stride(from: 0, to: base64.count, by: 76).map { start -> String in
            let a = base64.index(base64.startIndex, offsetBy: start)
            let b = base64.index(a, offsetBy: min(76, base64.count - start))
            return String(base64[a..<b])
        }.joined(separator: "\r\n")
        let date = Date().formatted(
            Date.VerbatimFormatStyle(
                format: """
                    \(weekday: .abbreviated), \(day: .twoDigits) \(month: .abbreviated) \(year: .defaultDigits) \
                    \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits):\(second: .twoDigits) +0000
                    """,
                locale: Locale(identifier: "en_US_POSIX"), timeZone: .gmt, calendar: Calendar(identifier: .gregorian)))
        return [
            "From: \(from)", "To: \(to)", "Subject: \(encodedSubject)", "Date: \(date)",
            "Message-ID: <\(UUID().uuidString.lowercased())@bayan>", "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: base64", "", wrapped,
        ].joined(separator: "\r\n")
    }
}
