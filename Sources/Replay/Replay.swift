// Replay: see README "Architecture".
