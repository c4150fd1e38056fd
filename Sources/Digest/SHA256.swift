import COpenSSL

/// SHA-256 (FIPS 180-4), streaming: the checksum of the trace and of every configuration file an
/// output records.
///
/// OpenSSL's libcrypto computes it (Debian's `libssl-dev`, wrapped as a system library like zstd
/// and SQLite): it uses the CPU's SHA extensions where they exist, and ran at 1.5 GB/s here
/// (`openssl speed -evp sha256`, 16 KiB blocks) against 75 MB/s for the portable Swift version
/// cmbench had before — so hashing a 300 MB trace costs 0.2 s of the second core, not 4 s.
/// Foundation on Linux has no digest API and cmbench may not depend on swift-crypto.
///
/// A value type over one libcrypto context: copying an `SHA256` and updating both copies is a
/// programmer error (the copies share the context), which no caller needs.
public struct SHA256 {
    private final class Context {
        let handle: OpaquePointer

        init() {
            guard let handle = EVP_MD_CTX_new(), EVP_DigestInit_ex(handle, EVP_sha256(), nil) == 1 else {
                fatalError("libcrypto could not set up SHA-256 (out of memory?)")
            }
            self.handle = handle
        }

        deinit { EVP_MD_CTX_free(handle) }
    }

    private let context = Context()
    private var finished = false

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(!finished, "SHA256.update after finalizeHex()")
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        EVP_DigestUpdate(context.handle, base, bytes.count)
    }

    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let array = Array(bytes)
        array.withUnsafeBytes { update($0) }
    }

    /// The digest of `bytes` in one call.
    public static func hex(of bytes: UnsafeRawBufferPointer) -> String {
        var hash = SHA256()
        hash.update(bytes)
        return hash.finalizeHex()
    }

    /// The digest as 64 lowercase hexadecimal digits; the hash takes no more input after it.
    public mutating func finalizeHex() -> String {
        precondition(!finished, "SHA256.finalizeHex() called twice")
        finished = true
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context.handle, &digest, &length) == 1, length == 32 else {
            fatalError("libcrypto could not finish SHA-256")
        }
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(64)
        for byte in digest.prefix(32) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
