// ServingMetrics: see README "Architecture".
