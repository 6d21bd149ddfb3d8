"""The Redis side of a decision: one Lua script that checks and takes from every bucket and the quota
of a request atomically, so a decision costs one round trip (EVALSHA).

It mirrors :func:`vpcgate.limits.bucket.take` and :class:`vpcgate.limits.memory.MemoryStore`
operation for operation: the same double-precision arithmetic in the same order, and bucket states
stored with ``%.17g`` (Lua's default ``%.14g`` would round them), so the two stores decide identically
for the same inputs.

Time is an argument (``now``, the caller's wall clock), not Redis's ``TIME``: tests drive it with a
manual clock and never sleep, and every node's clock is the host's (NTP keeps nodes on several
machines within milliseconds; a node whose clock lags never refills a bucket nor moves a stamp
back). Keys expire (PEXPIRE) once they no longer matter: a bucket after it would be full again (plus
a minute), a quota counter after its period, a day counter after ``DAY_TTL_MS``.

KEYS: bucket 1..n, then (with a quota) the period counter and the day counter.
ARGV[1]: "now cap quota-ttl-ms day-ttl-ms" (cap "-" without a quota);
ARGV[2]: "rate burst ttl-ms" for each bucket, space-separated (two arguments instead of 3n + 5: most
of a client's cost per call is encoding arguments).
Reply: {0, 0, remaining} allowed (remaining -1 without a quota); {1, i, 0} bucket i (1-based) has no
token; {2, 0, 0} the quota is spent.

:data:`REFUND` gives back what an allowed :data:`DECIDE` took, with the same KEYS and ARGV: a token to
each bucket (never above its burst) and one request to the quota and day counters (never below 0).
It serves decisions sent ahead of the authorizer (:mod:`vpcgate.limits.redis_store`) for requests
the authorizer or the key then refuses, which AWS never gets to count. It is rare, so it goes by EVAL.
"""

from __future__ import annotations

import hashlib

__all__ = ["DAY_TTL_MS", "DECIDE", "DECIDE_SHA", "REFUND"]

DAY_TTL_MS = 100 * 86_400_000  # usage days are kept 100 days

DECIDE = """
local now, cap, quota_ttl, day_ttl = string.match(ARGV[1], "^(%S+) (%S+) (%S+) (%S+)$")
now = tonumber(now)
local params = {}
for v in string.gmatch(ARGV[2], "%S+") do params[#params + 1] = tonumber(v) end
local n = #params / 3
if cap ~= "-" then
  cap = tonumber(cap)
  local used = tonumber(redis.call("GET", KEYS[n + 1]) or "0")
  if used >= cap then return {2, 0, 0} end
end
local tokens, stamps = {}, {}
for i = 1, n do
  local rate, burst = params[3 * i - 2], params[3 * i - 1]
  local state = redis.call("HMGET", KEYS[i], "t", "s")
  local t, s = burst, now
  if state[1] then
    t = tonumber(state[1])
    s = tonumber(state[2])
    local elapsed = now - s
    if elapsed > 0 then
      t = math.min(burst, t + elapsed * rate)
      s = now
    end
  end
  if t < 1 then return {1, i, 0} end
  tokens[i], stamps[i] = t, s
end
for i = 1, n do
  local t = string.format("%.17g", tokens[i] - 1)
  redis.call("HSET", KEYS[i], "t", t, "s", string.format("%.17g", stamps[i]))
  redis.call("PEXPIRE", KEYS[i], params[3 * i])
end
if cap == "-" then return {0, 0, -1} end
local used = redis.call("INCR", KEYS[n + 1])
redis.call("PEXPIRE", KEYS[n + 1], quota_ttl)
redis.call("INCR", KEYS[n + 2])
redis.call("PEXPIRE", KEYS[n + 2], day_ttl)
return {0, 0, cap - used}
"""

DECIDE_SHA = hashlib.sha1(DECIDE.encode()).hexdigest()

REFUND = """
local cap = string.match(ARGV[1], "^%S+ (%S+) ")
local params = {}
for v in string.gmatch(ARGV[2], "%S+") do params[#params + 1] = tonumber(v) end
local n = #params / 3
for i = 1, n do
  local t = redis.call("HGET", KEYS[i], "t")
  if t then
    local full = math.min(params[3 * i - 1], tonumber(t) + 1)
    redis.call("HSET", KEYS[i], "t", string.format("%.17g", full))
  end
end
if cap ~= "-" then
  for j = n + 1, n + 2 do
    if tonumber(redis.call("GET", KEYS[j]) or "0") > 0 then redis.call("DECR", KEYS[j]) end
  end
end
return 0
"""
