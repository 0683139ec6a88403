-- Moves a driver within one area cell if still available there. KEYS: 1 geo, 2 seen of the cell
-- (slot: {cell:<i>:<j>}). ARGV: 1 lng, 2 lat, 3 driver, 4 now, 5 cutoff. 1 if the driver was available and moved.
local seen = redis.call('ZSCORE', KEYS[2], ARGV[3])
if not seen or tonumber(seen) <= tonumber(ARGV[5]) then return 0 end
redis.call('GEOADD', KEYS[1], ARGV[1], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
return 1
