-- Removes a user from the sweep index unless a registration extended it. KEYS: 1 index hushryd:presence:index (one
-- key: its own slot). ARGV: 1 user, 2 now.
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) <= tonumber(ARGV[2]) then redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
