import Foundation
import Testing

@testable import Reporting

/// Writes the sample charts to `$CMBENCH_PLOT_PREVIEW_DIR` for looking at them
/// (`rsvg-convert -o x.png x.svg`); does nothing without the variable.
@Suite struct SVGPreviewTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CMBENCH_PLOT_PREVIEW_DIR"] != nil))
    func writePreviews() throws {
        let directory = ProcessInfo.processInfo.environment["CMBENCH_PLOT_PREVIEW_DIR"]!
        try OutputFile.write(SamplePlots.decodeThroughput.svg(), to: directory + "/decode.svg")
        try OutputFile.write(SamplePlots.latencyVersusLoad.svg(), to: directory + "/latency.svg")
        try OutputFile.write(SamplePlots.prefillBars.svg(), to: directory + "/prefill.svg")
    }
}
