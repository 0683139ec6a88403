-- Lease up to ARGV[1] due jobs (composed after take-fn.lua, which holds the body, its KEYS, ARGV and reply).
return take(KEYS, ARGV)
