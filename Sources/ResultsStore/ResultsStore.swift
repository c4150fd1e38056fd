// ResultsStore: see README "Architecture".
