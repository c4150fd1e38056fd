// ZstdStream: see README "Architecture".
