import Foundation

/// The cache of `cmbench plan`'s evaluated points: one row per point, keyed by a digest of
/// everything that determines its result, so a re-run with the same inputs reads the point
/// back instead of replaying the trace again.
///
/// The store does not interpret either string: the caller computes the key (a SHA-256 hex of the
/// trace digest, the configuration files' digests, the point and cmbench's revision, say) and
/// encodes the payload as JSON. Keeping the revision in a column too lets a user see, in the
/// sqlite3 shell, which build computed a point.
extension ResultsStore {
    /// The payload stored under `key`, or `nil` when the point has not been evaluated (or the
    /// store, opened for reading, predates the table).
    public func planEvaluation(key: String) throws(StoreError) -> String? {
        guard schemaVersion >= Schema.planEvaluationsVersion else { return nil }
        let statement = try cached("SELECT payload FROM plan_evaluations WHERE key = ?")
        try statement.bind([.text(key)])
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return statement.text(0)
    }

    /// Stores the evaluated points in one transaction, replacing any stored under the same key:
    /// a plan killed midway leaves none of this batch, and a point computed again (a cache entry
    /// deleted by hand, a forced re-evaluation) overwrites the old one.
    ///
    /// - Parameter revision: the cmbench source revision that computed the points.
    public func recordPlanEvaluations(_ items: [(key: String, payload: String)], revision: String) throws(StoreError) {
        guard !items.isEmpty else { return }
        if let empty = items.first(where: { $0.key.isEmpty }) {
            throw StoreError(kind: .invalidRun, message: "a plan evaluation needs a non-empty key (payload \(empty.payload.prefix(80)))", path: path)
        }
        let createdAt = Timestamp.string(from: Date())
        try connection.immediateTransaction { () throws(StoreError) in
            let insert = try cached(
                "INSERT OR REPLACE INTO plan_evaluations (key, created_at, cmbench_revision, payload) VALUES (?, ?, ?, ?)")
            for item in items {
                try insert.run([.text(item.key), .text(createdAt), .text(revision), .text(item.payload)])
            }
        }
    }

    /// How many evaluated points are stored.
    public func planEvaluationCount() throws(StoreError) -> Int {
        guard schemaVersion >= Schema.planEvaluationsVersion else { return 0 }
        return Int(try connection.scalarInteger("SELECT count(*) FROM plan_evaluations"))
    }
}
