/// A point of a series; `note` is added to its hover tooltip (e.g. "rate 4.5 req/s").
public struct PlotPoint: Sendable, Hashable {
    public var x: Double
    public var y: Double
    public var note: String?
    /// Calls the point out: a ring around its marker and this text beside it (e.g. "chosen:
    /// 4x16 + 1x32"); nil for an ordinary point.
    public var callout: String?

    public init(x: Double, y: Double, note: String? = nil, callout: String? = nil) {
        self.x = x
        self.y = y
        self.note = note
        self.callout = callout
    }
}

/// A named series of points that cmbench computed: a curve, or a scatter.
public struct Series: Sendable, Hashable {
    public enum Style: Sendable, Hashable {
        /// A polyline through the points in the given order, with a marker at each.
        case lineAndMarkers
        /// Markers only (a scatter).
        case markers
        /// A polyline only.
        case line
    }

    public var name: String
    public var points: [PlotPoint]
    public var style: Style
    /// A fixed colour (`#0072B2`); `nil` takes the palette colour of the series' position.
    public var color: String?
    /// A fixed marker shape; `nil` takes the shape of the series' position. With `color`, two
    /// series can share a look and differ only in `hollow`.
    public var shape: MarkerShape?
    /// Markers drawn as outlines (white inside, the series' colour around): the same points
    /// as another series, set apart — e.g. those that miss a target.
    public var hollow: Bool

    public init(
        name: String, points: [PlotPoint], style: Style = .lineAndMarkers, color: String? = nil, shape: MarkerShape? = nil,
        hollow: Bool = false
    ) {
        self.name = name
        self.points = points
        self.style = style
        self.color = color
        self.shape = shape
        self.hollow = hollow
    }
}

/// A dashed, labelled line across the plot: an SLO, a hardware limit, a knee.
public struct ReferenceLine: Sendable, Hashable {
    public enum Orientation: Sendable, Hashable {
        /// At a y value (e.g. "TPOT SLO 50 ms").
        case horizontal(y: Double)
        /// At an x value (e.g. "goodput 4.2 req/s").
        case vertical(x: Double)
    }

    public var orientation: Orientation
    public var label: String
    public var color: String

    public init(_ orientation: Orientation, label: String, color: String = Palette.reference) {
        self.orientation = orientation
        self.label = label
        self.color = color
    }
}

/// A published number drawn beside cmbench's curve: a hollow labelled diamond, never a line,
/// so it cannot be mistaken for something cmbench produced.
public struct ReferencePoint: Sendable, Hashable {
    public var x: Double
    public var y: Double
    /// The text beside the marker, e.g. "1943 tok/s @ 50 ms".
    public var label: String
    /// Where the number comes from, e.g. "paper Table 4"; one legend entry per distinct source.
    public var source: String

    public init(x: Double, y: Double, label: String, source: String) {
        self.x = x
        self.y = y
        self.label = label
        self.source = source
    }
}
