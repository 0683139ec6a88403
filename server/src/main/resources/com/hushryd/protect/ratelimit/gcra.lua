-- One rate-limit decision, atomically: GCRA plus progressive penalties (see Gcra.java, which does the same steps).
-- KEYS[1] bucket hash <prefix>rl:{<key>} (one key: its own slot) {t = theoretical arrival time, s = strikes, ls = last strike, b = blocked until,
--                      a = allowed since the last strike}
-- ARGV window, interval, penalty base, penalty memory, penalty max (all microseconds), free strikes
-- Returns {allowed 0/1, remaining, reset ms, strikes}. Time is Redis's own, so every node decides on one clock.
-- Times are epoch microseconds: exact in Lua's doubles (< 2^53), stored with %.0f (tostring would round them).
local function ms(us)
  return math.ceil(us / 1000)
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local window = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local base = tonumber(ARGV[3])
local memory = tonumber(ARGV[4])
local max = tonumber(ARGV[5])
local free = tonumber(ARGV[6])

local st = redis.call('HMGET', KEYS[1], 't', 's', 'ls', 'b', 'a')
local tat = tonumber(st[1]) or 0
local strikes = tonumber(st[2]) or 0
local lastStrike = tonumber(st[3]) or 0
local blocked = tonumber(st[4]) or 0
local allowedSince = st[5] == '1'

if strikes > 0 and now - lastStrike > memory then
  strikes = 0
end
if blocked > now then
  return {0, 0, ms(blocked - now), strikes}
end
if tat < now then
  tat = now
end
local newTat = tat + interval
local allowAt = newTat - window

local function save(t, a)
  redis.call('HSET', KEYS[1], 't', string.format('%.0f', t), 's', strikes, 'ls', string.format('%.0f', lastStrike),
    'b', string.format('%.0f', blocked), 'a', a)
  local keep = math.max(t - now, blocked - now)
  if strikes > 0 then
    keep = math.max(keep, lastStrike + memory - now)
  end
  redis.call('PEXPIRE', KEYS[1], ms(keep) + 1000)
end

if now < allowAt then
  local retry = allowAt - now
  if base > 0 and (strikes == 0 or allowedSince) then
    strikes = strikes + 1
    lastStrike = now
    allowedSince = false
    if strikes > free then
      local block = math.min(base * math.pow(2, math.min(strikes - free - 1, 30)), max)
      blocked = now + block
      retry = math.max(retry, block)
    end
  end
  save(tat, allowedSince and '1' or '0')
  return {0, 0, ms(retry), strikes}
end
save(newTat, '1')
return {1, math.floor((now + window - newTat) / interval), ms(newTat - now), strikes}
