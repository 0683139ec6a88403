-- Records a new message of a conversation: bumps its version and, if the recent list is cached, pushes it (newest
-- first, bounded). KEYS: 1 list hushryd:chat:{<id>}:recent, 2 version hushryd:chat:{<id>}:ver (slot: {<id>}).
-- ARGV: 1 message json, 2 size, 3 ttl ms.
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('LPUSH', KEYS[1], ARGV[1])
  redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 0
