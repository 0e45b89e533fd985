-- login.lua — POST /api/auth/login as BENCH_EMAIL with BENCH_PASSWORD.
local body = string.format('{"email":"%s","password":"%s"}',
    os.getenv("BENCH_EMAIL"), os.getenv("BENCH_PASSWORD"))
request = function()
	return wrk.format("POST", "/api/auth/login",
	    { ["Content-Type"] = "application/json" }, body)
end
