// DisaggregatedServing: see README "Architecture".
