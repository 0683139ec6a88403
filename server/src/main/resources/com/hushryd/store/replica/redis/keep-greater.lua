-- Keeps the greater read-your-writes mark of a user. KEYS: 1 <prefix>ryw:{<user>} (one key: its own slot).
-- ARGV: 1 LSN as 16 hex digits (string order is LSN order), 2 ttl ms.
local cur = redis.call('GET', KEYS[1])
if (not cur) or cur < ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
