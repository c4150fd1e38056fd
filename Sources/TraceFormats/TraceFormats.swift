// TraceFormats: see README "Architecture".
