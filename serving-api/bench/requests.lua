-- wrk script of the serving load test: rotates over a file of requests, one per line,
-- "METHOD<TAB>PATH<TAB>BODY" (made by LoadTestTool from real snapshot keys), with the API key.
-- env: LAKEML_BENCH_REQUESTS (the file), LAKEML_BENCH_KEY (a read key), LAKEML_BENCH_DELAY_MS
-- (optional: each connection waits that long between a response and its next request, a paced
-- steady load instead of wrk's closed loop at full speed; latency is measured from the send).
-- done() prints one machine-readable line: RESULT requests=.. rps=.. p50_ms=.. p99_ms=.. ...

local file = os.getenv("LAKEML_BENCH_REQUESTS")
local key = os.getenv("LAKEML_BENCH_KEY")
local lines = {}
for line in io.lines(file) do
  local method, path, body = line:match("^(%u+)\t([^\t]+)\t?(.*)$")
  if method then
    lines[#lines + 1] = { method = method, path = path, body = body }
  end
end
if #lines == 0 then
  error("no requests in " .. tostring(file))
end

local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local pause = tonumber(os.getenv("LAKEML_BENCH_DELAY_MS") or "")
if pause and pause > 0 then
  function delay()
    return pause
  end
end

local requests = {}
local i = 0

function init(args)
  for n, r in ipairs(lines) do
    local h = { ["X-API-Key"] = key }
    if r.body ~= "" then
      h["Content-Type"] = "application/json"
    end
    requests[n] = wrk.format(r.method, r.path, h, r.body ~= "" and r.body or nil)
  end
  -- threads start at different offsets so they do not send the same keys in step
  i = ((id or 1) - 1) * 7919 % #requests
  non2xx = 0
end

function request()
  i = i + 1
  if i > #requests then
    i = 1
  end
  return requests[i]
end

-- Only when asked (the swap run): a response() function makes wrk parse every response in Lua,
-- which costs client CPU on a 2-core machine. wrk itself counts status > 399 in errors.status.
if os.getenv("LAKEML_BENCH_SHOW_ERRORS") == "1" then
  function response(status, headers, body)
    if status < 200 or status > 299 then
      non2xx = non2xx + 1
      if non2xx <= 3 then
        io.stderr:write("non-2xx " .. status .. ": " .. string.sub(body or "", 1, 300) .. "\n")
      end
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local non = e.status -- wrk counts every response with status > 399
  local secs = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f rps=%.0f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f "
      .. "non2xx=%d socket_errors=%d\n",
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, non, e.connect + e.read + e.write + e.timeout))
end
