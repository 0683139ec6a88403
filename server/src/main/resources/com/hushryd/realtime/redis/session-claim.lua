-- Claims a recovery session for a new incarnation. KEYS: 1 session hushryd:rt:sess:{<pid>} (slot: {<pid>}).
-- ARGV: 1 owner, 2 incarnation, 3 ttl ms, 4 offset (-1: none). Returns sid, rooms, min, or nil (changing nothing) when
-- not this owner's or the offset is older than the session.
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return false end
if tonumber(ARGV[4]) >= 0 and tonumber(ARGV[4]) < tonumber(redis.call('HGET', KEYS[1], 'min')) then
  return false
end
redis.call('HSET', KEYS[1], 'inc', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return redis.call('HMGET', KEYS[1], 'sid', 'rooms', 'min')
