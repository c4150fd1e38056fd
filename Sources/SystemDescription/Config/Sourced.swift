/// A number read from a configuration file together with the citation that justifies it.
///
/// Every number in `configs/` is written `{"value": 1600, "source": "paper v2 §3.3.1"}` so that
/// a reviewer can check each constant where it is used; a number without a source does not load.
package struct Sourced<Value: Decodable & Sendable & Equatable>: Decodable, Sendable, Equatable {
    package var value: Value
    /// One-line citation: a paper table or section, a model config field, `[derived] …` or
    /// `[assumption] …`.
    package var source: String

    package init(_ value: Value, source: String) {
        self.value = value
        self.source = source
    }
}
