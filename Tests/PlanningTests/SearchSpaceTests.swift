import Testing

@testable import Planning

@Suite struct SearchSpaceTests {
    @Test func defaultsSurroundTheShippedDeployment() throws {
        let system = try PlanningFixtures.system()
        let space = SearchSpace.defaults(for: system)
        #expect(space.decodeNPUs.contains(160))
        #expect(space.decodeNPUs == space.decodeNPUs.sorted())
        #expect(space.decodeBatchPerDie.contains(48))
        #expect(space.prefillNPUs == [8, 16, 32])
        #expect(space.size >= 300)
    }

    @Test func narrowingTakesListsAndRanges() throws {
        var space = SearchSpace.defaults(for: try PlanningFixtures.system())
        try space.narrow("decode_batch_per_die=64,16,16,32")
        #expect(space.decodeBatchPerDie == [16, 32, 64])
        try space.narrow("decode_npus=16..64/16")
        #expect(space.decodeNPUs == [16, 32, 48, 64])
        try space.narrow("prefill_instances=2..4")
        #expect(space.prefillInstances == [2, 3, 4])
        try space.narrow("mtp=off")
        #expect(space.mtp == [false])
        try space.narrow("microbatching=never,auto")
        #expect(space.microbatching == [.never, .whenFaster])
        try space.narrow("precision=int8,bf16")
        #expect(space.precisions == ["int8-w8a8", "bf16"])
        try space.narrow("ems_capacity_gb=100,0")
        #expect(space.emsCapacityGB == [100, 0])
        #expect(space.size == 3 * 3 * 1 * 4 * 3 * 2 * 1 * 2 * 2)
    }

    @Test(arguments: [
        ("decode_npu=16", "unknown key 'decode_npu'"), ("decode_npus", "KEY=LIST"), ("decode_npus=", "at least one value"),
        ("decode_npus=0", "'0' is not a whole number"), ("decode_npus=64..16", "LOW <= HIGH"), ("decode_npus=1..9/0", "step"),
        ("mtp=maybe", "'maybe' is not on or off"), ("microbatching=sometimes", "not one of auto"),
        ("ems_capacity_gb=-1", "non-negative"), ("decode_npus=1..2000000", "<= 1048576"),
    ])
    func badItemsAreRefusedNamingThem(item: String, words: String) throws {
        var space = SearchSpace.defaults(for: try PlanningFixtures.system())
        let error = try #require(throws: SearchSpaceError.self) { try space.narrow(item) }
        #expect(error.description.contains(item))
        #expect(error.description.contains(words), "\(error)")
    }
}
