-- Settle one attempt and lease the next due jobs in the same call, so that a worker whose job ended takes over its
-- freed slot without a second round trip (BullMQ's moveToFinished fetches the next job the same way). Composed after
-- settle-fn.lua and take-fn.lua.
-- KEYS: settle's (1 job, 2 active, 3 wait, 4 delayed, 5 completed, 6 failed, 7 wake, 8 rate bucket, 9 daily counts)
-- ARGV: settle's 1-8 (7 is the job key prefix), then 9 max, 10 lease ms, 11 token, 12 worker
-- Returns {settled (0: lease lost, ignored; 1), take's reply: {job}..., next delayed due ms or -1}
local settled = settle(KEYS, ARGV)
local taken = take({KEYS[3], KEYS[4], KEYS[2]}, {ARGV[9], ARGV[10], ARGV[11], ARGV[12], ARGV[7]})
table.insert(taken, 1, settled)
return taken
