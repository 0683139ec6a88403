-- Numbers a broadcast for connection state recovery, keeps it in its room's history stream and publishes it with its
-- offset appended, all at once.
-- KEYS: 1 sequence, 2 stream hushryd:rt:log:{<room>}. On one Redis the sequence is hushryd:rt:seq (one for the whole
--   deployment); on a Redis Cluster it is the room's own hushryd:rt:seq:{<room>}, and the stream and the channel
--   (ARGV[1], hushryd:rt:{<room>}) carry the same tag: slot {<room>}.
-- ARGV: 1 channel, 2 envelope, 3 history length, 4 window ms, 5 'incr' (one sequence) or 'time' (per room: the
--   greater of Redis's clock in microseconds and the last offset + 1), 6 PUBLISH or SPUBLISH.
-- One sequence: after the key is lost (Redis restarted empty) it starts again from the current time in microseconds,
-- above every offset given before.
local n
if ARGV[5] == 'time' then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local last = tonumber(redis.call('GET', KEYS[1]) or '0')
  n = math.max(now, last + 1)
  redis.call('SET', KEYS[1], string.format('%.0f', n), 'PX', ARGV[4])
else
  n = redis.call('INCR', KEYS[1])
  if n == 1 then
    local t = redis.call('TIME')
    n = tonumber(t[1]) * 1000000 + tonumber(t[2])
    redis.call('SET', KEYS[1], string.format('%.0f', n))
  end
end
local id = string.format('%.0f', n)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], id .. '-0', 'e', ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call(ARGV[6], ARGV[1], ARGV[2] .. id)
return id
