-- Settle one attempt, guarded by the lease token (a stale worker's settlement is ignored: returns 0).
-- Composed after settle-fn.lua, which holds the body and its KEYS and ARGV.
return settle(KEYS, ARGV)
