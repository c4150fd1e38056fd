import CSQLite
import Digest
import Foundation

/// What `cmbench runs merge` copies between stores: runs keyed by their run key and evaluated
/// points keyed by theirs, each kept as stored (creation time, revision) so a merge adds no
/// information of its own.
extension ResultsStore {
    /// A stored point of `plan_evaluations` (a plan candidate or a sweep point), as stored.
    public struct StoredEvaluation: Sendable, Hashable {
        public var key: String
        public var createdAt: String
        public var revision: String
        public var payload: String

        public init(key: String, createdAt: String, revision: String, payload: String) {
            self.key = key
            self.createdAt = createdAt
            self.revision = revision
            self.payload = payload
        }
    }

    /// Every stored point, by key.
    public func allEvaluations() throws(StoreError) -> [StoredEvaluation] {
        guard schemaVersion >= Schema.planEvaluationsVersion else { return [] }
        let statement = try connection.prepare("SELECT key, created_at, cmbench_revision, payload FROM plan_evaluations ORDER BY key")
        var rows: [StoredEvaluation] = []
        while try statement.step() {
            rows.append(StoredEvaluation(
                key: statement.text(0) ?? "", createdAt: statement.text(1) ?? "", revision: statement.text(2) ?? "",
                payload: statement.text(3) ?? ""))
        }
        return rows
    }

    /// Every stored run with its metrics and configuration files, oldest first.
    public func allRuns() throws(StoreError) -> [StoredRun] {
        var runs: [StoredRun] = []
        try forEachRun { run in runs.append(run) }
        return runs
    }

    /// Adds runs and points that this store does not hold yet, in one transaction; a run whose
    /// key is stored, or a point whose key is, is left as it is (so merging the same input twice
    /// adds nothing). Returns how many runs and points were added.
    ///
    /// The caller decides the order (`runs merge` sorts by creation time and key, so the ids a
    /// fresh store gives do not depend on the order of its inputs).
    public func merge(runs: [StoredRun], evaluations: [StoredEvaluation]) throws(StoreError) -> (runs: Int, evaluations: Int) {
        try connection.immediateTransaction { () throws(StoreError) -> (runs: Int, evaluations: Int) in
            var addedRuns = 0, addedEvaluations = 0
            for run in runs {
                let row: [SQLiteValue] = [
                    .text(run.runKey), .text(run.createdAt), .text(run.command), .text(run.cmbenchVersion),
                    run.tracePath.map(SQLiteValue.text) ?? .null, run.traceSHA256.map(SQLiteValue.text) ?? .null,
                    .text(run.backend), .text(run.configurationJSON), run.seed.map { .text(String($0)) } ?? .null,
                    .text(Self.summaryJSON(run.metrics)), run.sourceRevision.map(SQLiteValue.text) ?? .null,
                    run.toolchain.map(SQLiteValue.text) ?? .null, .integer(run.configFiles == nil ? 0 : 1),
                ]
                if try insertRow(row, metrics: run.metrics, configFiles: run.configFiles) != nil { addedRuns += 1 }
            }
            let insert = try cached(
                "INSERT OR IGNORE INTO plan_evaluations (key, created_at, cmbench_revision, payload) VALUES (?, ?, ?, ?)")
            for item in evaluations {
                try insert.run([.text(item.key), .text(item.createdAt), .text(item.revision), .text(item.payload)])
                addedEvaluations += Int(sqlite3_changes(connection.handle))
            }
            return (addedRuns, addedEvaluations)
        }
    }
}
