/// Pareto frontiers of evaluated deployments.
public enum ParetoFrontier {
    /// The items not dominated when both `x` and `y` are to be maximised, sorted by `x`
    /// ascending (so `y` descends along it). An item equal to another on both counts is kept
    /// once: the first in `items` order.
    public static func maximising<T>(_ items: [T], x: (T) -> Double, y: (T) -> Double) -> [T] {
        let order = items.indices.sorted { a, b in
            let (xa, xb) = (x(items[a]), x(items[b]))
            if xa != xb { return xa > xb }
            let (ya, yb) = (y(items[a]), y(items[b]))
            if ya != yb { return ya > yb }
            return a < b
        }
        var frontier: [T] = []
        var bestY = -Double.infinity
        for index in order where y(items[index]) > bestY {
            frontier.append(items[index])
            bestY = y(items[index])
        }
        return frontier.reversed()
    }
}
