-- Renew leases still held with these tokens.
-- KEYS: 1 active; ARGV: 1 lease ms, 2 job key prefix, then id, token pairs
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = 0
for i = 3, #ARGV, 2 do
  if redis.call('HGET', ARGV[2] .. ARGV[i], 'token') == ARGV[i + 1] then
    redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i])
    n = n + 1
  end
end
return n
