// RegressionGate: see README "Architecture".
