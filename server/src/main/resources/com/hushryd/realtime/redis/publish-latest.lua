-- Stores a room's latest state if its version is greater than the stored one's and, only then, publishes the broadcast
-- to the room in the same step (Broker.publishLatest).
-- KEYS: 1 hushryd:rt:latest:{<room>}, a hash {ts = version, v = value}. The room's channel (ARGV[5],
--   hushryd:rt:{<room>}) carries the same tag: slot {<room>}, so a sharded SPUBLISH stays in the script's slot.
-- ARGV: 1 version, 2 value, 3 ttl ms[, 4 PUBLISH or SPUBLISH, 5 channel, 6 envelope]. 1 if stored, else 0.
local cur = redis.call('HGET', KEYS[1], 'ts')
if cur and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'ts', ARGV[1], 'v', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if ARGV[4] then redis.call(ARGV[4], ARGV[5], ARGV[6]) end
return 1
