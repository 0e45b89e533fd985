-- report.lua — ends every wrk script of the bench: one JSON line with the
-- run's figures, percentiles from wrk's full latency histogram.
done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format('RESULT {"requests":%d,"seconds":%.3f,' ..
	    '"socket_errors":%d,"non_2xx":%d,"p50_ms":%.3f,"p99_ms":%.3f,' ..
	    '"p999_ms":%.3f}\n', summary.requests, summary.duration / 1e6,
	    e.connect + e.read + e.write + e.timeout, e.status,
	    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
	    latency:percentile(99.9) / 1000))
end
