-- Stores a trip's latest location if newer than the stored one and, when asked, publishes it to the trip's room in
-- the same step. KEYS: 1 hushryd:loc:{trip:<id>} (slot: {trip:<id>}; the room's channel hushryd:rt:{trip:<id>}
-- carries the same tag, so a sharded SPUBLISH stays in the script's slot).
-- ARGV: 1 timestamp ms, 2 location json, 3 ttl ms[, 4 PUBLISH or SPUBLISH, 5 channel, 6 message]. 1 if stored.
local cur = redis.call('HGET', KEYS[1], 'ts')
if cur and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'ts', ARGV[1], 'v', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if ARGV[4] then redis.call(ARGV[4], ARGV[5], ARGV[6]) end
return 1
