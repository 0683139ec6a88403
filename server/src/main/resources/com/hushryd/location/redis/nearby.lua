-- Searches one area cell: prunes its stale drivers, then the nearest within the radius. KEYS: 1 geo, 2 seen of the
-- cell (slot: {cell:<i>:<j>}). ARGV: 1 lng, 2 lat, 3 radius km, 4 count, 5 cutoff.
-- Returns {{driver, dist km, lng, lat, seen ms}...} nearest first.
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[5], 'LIMIT', 0, 1000)
if #stale > 0 then
  redis.call('ZREM', KEYS[1], unpack(stale))
  redis.call('ZREM', KEYS[2], unpack(stale))
end
local found = redis.call('GEOSEARCH', KEYS[1], 'FROMLONLAT', ARGV[1], ARGV[2], 'BYRADIUS', ARGV[3], 'km',
  'ASC', 'COUNT', ARGV[4], 'WITHCOORD', 'WITHDIST')
local out = {}
for _, r in ipairs(found) do
  local seen = redis.call('ZSCORE', KEYS[2], r[1])
  if seen then out[#out + 1] = {r[1], r[2], r[3][1], r[3][2], seen} end
end
return out
