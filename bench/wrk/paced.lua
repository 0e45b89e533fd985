-- paced.lua — each connection waits BENCH_DELAY_MS between its requests,
-- holding the offered rate near connections × 1000 / delay req/s (wrk2's
-- fixed rate, approximately: a late answer delays its connection's next
-- request, so queueing shows as a lower rate, not as latency).
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "64")
delay = function()
	return pause
end
