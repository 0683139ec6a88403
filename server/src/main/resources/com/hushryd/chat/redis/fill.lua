-- Fills the recent list from the database unless a message was appended since the read (version changed).
-- KEYS: 1 list hushryd:chat:{<id>}:recent, 2 version hushryd:chat:{<id>}:ver (slot: {<id>}).
-- ARGV: 1 expected version, 2 ttl ms, 3.. messages newest first. Returns 1 if filled.
local v = redis.call('GET', KEYS[2]) or '0'
if v == ARGV[1] and redis.call('EXISTS', KEYS[1]) == 0 then
  for i = 3, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
