import Serving

/// Synthetic prompt text of a chosen token length, the same text for the same prefix block.
///
/// The trace's prompts are never sent (traces carry none, and would be user data): each prompt
/// is words drawn from a fixed vocabulary of common English words, most of them one token in
/// the BPE vocabularies of current models. A prefix block (a trace `hash_id`) always becomes the
/// same words, drawn from a generator seeded by the run's seed and the block's hash, so requests
/// that share leading hash ids share leading text block by block and the server's prefix cache
/// sees the trace's reuse. Text past the named blocks, and the whole prompt of a request without
/// hash ids, is drawn from the request's id, so it is shared with no other request.
///
/// Lengths are in words: `words = tokens / tokensPerWord`, with `overheadTokens` (a BOS token,
/// a chat template) taken off the end of the prompt, where the ratio and overhead come from the
/// server's tokenizer or from calibration (``PromptCalibration``).
public struct SyntheticPrompt: Sendable {
    public var seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    /// The prompt for `request`, sized by `scale`, and the number of words in it.
    public func text(for request: ServingRequest, scale: PromptScale) -> (text: String, words: Int) {
        let target = max(0, Double(request.inputTokens) - scale.overheadTokens)
        func wordsAt(_ tokens: Int) -> Int { Int((Double(tokens) / scale.tokensPerWord).rounded()) }
        let totalWords = max(1, Int((target / scale.tokensPerWord).rounded()))
        var parts: [String] = []
        var written = 0
        var tokenOffset = 0
        for hash in request.prefixBlockHashes where tokenOffset < request.inputTokens && written < totalWords {
            let end = min(tokenOffset + request.prefixBlockTokens, request.inputTokens)
            let count = min(wordsAt(end) - wordsAt(tokenOffset), totalWords - written)
            if count > 0 { parts.append(Self.words(count, stream: Self.mix(seed, hash))) }
            written += max(0, count)
            tokenOffset = end
        }
        if written < totalWords {
            // The unshared tail: keyed by the request's id, with the top bit set so it can never
            // equal a block's stream.
            parts.append(Self.words(totalWords - written, stream: Self.mix(seed ^ 0x5EED, UInt64(request.id) | 1 << 63)))
            written = totalWords
        }
        return (parts.joined(separator: " "), written)
    }

    /// `count` words of the generator seeded by `stream`.
    static func words(_ count: Int, stream: UInt64) -> String {
        var state = stream
        var text = ""
        text.reserveCapacity(count * 6)
        for index in 0..<count {
            if index > 0 { text.append(" ") }
            text.append(vocabulary[Int(next(&state) % UInt64(vocabulary.count))])
        }
        return text
    }

    /// SplitMix64 (Steele, Lea and Flood 2014): a fast, well-mixed stream from any seed.
    static func next(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var state = a ^ (b &* 0xD6E8_FEB8_6659_FD93)
        return next(&state)
    }

    /// Common lower-case English words; with a leading space each is one token in GPT-2, Llama
    /// 3 and SmolLM2 BPE vocabularies (checked against llama.cpp's tokenizer for SmolLM2).
    static let vocabulary: [String] = """
        the of and to in is was for on are with as at be by this had not but from or have an they which one you were \
        her all she there would their we him been has when who will more no if out so said what up its about into than \
        them can only other new some could time these two may then do first any my now such like our over man me even \
        most made after also did many before must through back years where much your way well down should because each \
        just those people how too little state good very make world still own see men work long get here between both \
        life being under never day same another know while last might us great old year off come since against go came \
        right used take three place house small found part general high number water room point city play left light \
        hand night side table river road tree sun south north east west green blue black white red open close early \
        late young free full true clear real best sure plain field stone paper music garden window market island winter \
        summer morning evening letter story power voice order
        """.split(separator: " ").map(String.init)
}

/// How many tokens a word makes on the server, and what the server adds to every prompt.
public struct PromptScale: Sendable, Equatable {
    public var tokensPerWord: Double
    /// Tokens the server counts beyond the words (a BOS token, a chat template's).
    public var overheadTokens: Double

    public init(tokensPerWord: Double, overheadTokens: Double) {
        self.tokensPerWord = tokensPerWord
        self.overheadTokens = overheadTokens
    }

    /// Before any measurement: one token a word, nothing added.
    public static let initial = PromptScale(tokensPerWord: 1, overheadTokens: 0)

    /// The least-squares line through (words, tokens) points; a single point (or points all of
    /// one length) gives a ratio through the origin. Nil without a usable point.
    public static func fitted(_ points: [(words: Int, tokens: Int)]) -> PromptScale? {
        let usable = points.filter { $0.words > 0 && $0.tokens > 0 }
        guard !usable.isEmpty else { return nil }
        let n = Double(usable.count)
        let meanX = usable.reduce(0) { $0 + Double($1.words) } / n
        let meanY = usable.reduce(0) { $0 + Double($1.tokens) } / n
        let sxx = usable.reduce(0) { $0 + (Double($1.words) - meanX) * (Double($1.words) - meanX) }
        let sxy = usable.reduce(0) { $0 + (Double($1.words) - meanX) * (Double($1.tokens) - meanY) }
        if sxx > 0 {
            let slope = sxy / sxx
            let intercept = meanY - slope * meanX
            if slope > 0.05 && intercept >= 0 { return PromptScale(tokensPerWord: slope, overheadTokens: intercept) }
        }
        return PromptScale(tokensPerWord: max(0.05, meanY / meanX), overheadTokens: 0)
    }
}
