-- One task a request: POST /v1/tasks with a small payload, as a service enqueueing one job per call.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"queue":"wrk","type":"noop","payload":{"order":42}}'

-- Anything but 201 is counted, so a run that failed is seen as failed rather than as fast.
local refused = 0
function response(status, headers, body)
  if status ~= 201 then
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  io.write(string.format("requests_per_s=%.0f requests=%d errors=%d non_2xx=%d p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests / (summary.duration / 1e6), summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
