import Testing

@testable import Reporting

@Suite struct TextTableTests {
    @Test func numbersRightTextLeft() {
        var table = TextTable(header: ["metric", "baseline", "Δ %"])
        table.append(["ttft_p99_ms", "120", "+9.17 %"])
        table.append(["goodput_rps", "10.25", "-0.5 %"])
        table.append(["tpot_p50_ms", "7", "n/a"])
        #expect(
            table.render() == """
                metric       baseline      Δ %
                -----------  --------  -------
                ttft_p99_ms       120  +9.17 %
                goodput_rps     10.25   -0.5 %
                tpot_p50_ms         7      n/a

                """)
    }

    @Test func explicitAlignmentAndShortRows() {
        var table = TextTable(header: ["id", "name"], alignments: [.left, .right])
        table.append(["1"])
        table.append(["22", "abc"])
        #expect(table.render(gap: " | ") == "id | name\n-- | ----\n1  |\n22 |  abc\n")
    }

    @Test(arguments: ["12", "-3.5", "+1e-3", "12.5 ms", "40 %", "7%", "n/a", "inf"])
    func numericCells(cell: String) {
        #expect(TextTable.looksNumeric(cell))
    }

    @Test(arguments: ["replay", "a1", "12 ms extra", "", "--"])
    func textCells(cell: String) {
        #expect(!TextTable.looksNumeric(cell))
    }
}
