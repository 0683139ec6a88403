-- Writes a socket's recovery session. KEYS: 1 session hushryd:rt:sess:{<pid>} (slot: {<pid>})[, 2 the one sequence
-- hushryd:rt:seq, on one Redis only]. ARGV: 1 owner, 2 incarnation, 3 sid, 4 rooms, 5 ttl ms, 6 first offset seen
-- (or -1). A new session starts at the sequence's current value; on a Redis Cluster (per-room sequences seeded from
-- the clock, decision 0072) at Redis's clock in microseconds less a second of clock skew between shards; or below
-- the first offset its socket was given.
local cur = redis.call('HGET', KEYS[1], 'inc')
if cur and cur ~= ARGV[2] then return 0 end
if not cur then
  local min
  if KEYS[2] then
    min = tonumber(redis.call('GET', KEYS[2]) or '0')
  else
    local t = redis.call('TIME')
    min = tonumber(t[1]) * 1000000 + tonumber(t[2]) - 1000000
  end
  local first = tonumber(ARGV[6])
  if first >= 0 and first - 1 < min then min = first - 1 end
  redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'inc', ARGV[2], 'sid', ARGV[3], 'min', string.format('%.0f', min))
end
redis.call('HSET', KEYS[1], 'rooms', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
