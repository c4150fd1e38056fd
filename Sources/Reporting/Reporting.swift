// Reporting: see README "Architecture".
