import Foundation

/// Text helpers that keep SVG output valid and byte-stable.
enum SVGText {
    /// Escapes the five XML special characters, so labels like `p99 < 50 ms & "fast"` stay valid.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A coordinate with exactly two decimals; `-0.00` is written `0.00` so equal pictures are equal bytes.
    static func number(_ value: Double) -> String {
        let text = String(format: "%.2f", value)
        return text == "-0.00" ? "0.00" : text
    }

    /// A rough width in pixels of `text` at `fontSize`, for layout (no font metrics are available).
    static func estimatedWidth(_ text: String, fontSize: Double) -> Double {
        Double(text.count) * fontSize * 0.58
    }
}

/// Builds an SVG document as text, one element per line.
struct SVGBuilder {
    private(set) var text = ""

    mutating func line(_ raw: String) { text += raw + "\n" }

    /// `<name a="v" …/>` or, with content, `<name …>content</name>`; attribute values are escaped.
    mutating func element(_ name: String, _ attributes: KeyValuePairs<String, String>, content: String? = nil) {
        line(Self.element(name, attributes, content: content))
    }

    static func element(_ name: String, _ attributes: KeyValuePairs<String, String>, content: String? = nil) -> String {
        var out = "<" + name
        for (key, value) in attributes { out += " \(key)=\"\(SVGText.escape(value))\"" }
        guard let content else { return out + "/>" }
        return out + ">" + content + "</" + name + ">"
    }

    /// A `<text>` element; `content` is escaped here.
    mutating func label(
        _ content: String, x: Double, y: Double, size: Double, anchor: String = "start", fill: String = "#222",
        weight: String? = nil, rotate: Bool = false, halo: Bool = false
    ) {
        var attributes: [(String, String)] = [
            ("x", SVGText.number(x)), ("y", SVGText.number(y)), ("font-size", SVGText.number(size)),
            ("text-anchor", anchor), ("fill", fill),
        ]
        if let weight { attributes.append(("font-weight", weight)) }
        // A white outline under the glyphs keeps a label readable where it crosses a curve.
        if halo {
            attributes += [("stroke", "#ffffff"), ("stroke-width", "3"), ("stroke-linejoin", "round"), ("paint-order", "stroke")]
        }
        if rotate { attributes.append(("transform", "rotate(-90 \(SVGText.number(x)) \(SVGText.number(y)))")) }
        line("<text " + attributes.map { "\($0.0)=\"\(SVGText.escape($0.1))\"" }.joined(separator: " ") + ">"
            + SVGText.escape(content) + "</text>")
    }

    /// Opens the document with a white background and a common font.
    mutating func open(width: Double, height: Double, title: String, description: String) {
        line("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        line(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(SVGText.number(width))\" height=\"\(SVGText.number(height))\" "
                + "viewBox=\"0 0 \(SVGText.number(width)) \(SVGText.number(height))\" "
                + "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">")
        line("<title>\(SVGText.escape(title))</title>")
        if !description.isEmpty { line("<desc>\(SVGText.escape(description))</desc>") }
        element("rect", ["x": "0", "y": "0", "width": SVGText.number(width), "height": SVGText.number(height), "fill": "#ffffff"])
    }

    mutating func close() { line("</svg>") }
}
