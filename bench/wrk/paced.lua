-- paced.lua — each connection waits a random time between its requests,
-- exponentially distributed with mean BENCH_DELAY_MS, so that the offered
-- load is close to a Poisson stream of connections × 1000 / delay req/s
-- (wrk2's fixed rate, approximately: a late answer delays its
-- connection's next request, so queueing shows as a lower rate, not as
-- latency). A fixed delay would keep the 64 connections in step: every
-- 64 ms they all send at once, and the last of each burst waits for the
-- 63 before it, which measures the load generator's bursts, not the
-- server's tail.
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "64")
local threads = 0

-- Each thread its own random sequence (the same seed would keep the
-- threads' connections in step again).
setup = function(thread)
	threads = threads + 1
	thread:set("seed", threads)
end

init = function(args)
	math.randomseed(os.time() * 1000 + seed)
	for _ = 1, 10 do math.random() end
end

delay = function()
	return math.floor(-pause * math.log(1 - math.random()))
end
