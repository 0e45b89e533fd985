-- create.lua — POST /api/projects in team BENCH_TEAM, a new name each time.
local team = os.getenv("BENCH_TEAM")
local threads = 0
local n = 0
setup = function(thread)
	threads = threads + 1
	thread:set("tid", threads)
end
request = function()
	n = n + 1
	local body = string.format('{"team_id":"%s","name":"w%d-%d-%d"}',
	    team, tid, n, os.time())
	return wrk.format("POST", "/api/projects",
	    { ["Content-Type"] = "application/json",
	      ["Authorization"] = wrk.headers["Authorization"] }, body)
end
