"""Throttling, quotas, API-key grants and the authorizer cache: API Gateway's limits, shared state.

The gateway's ``api_key`` and ``throttle`` steps call into this package; nothing here knows HTTP.

::

    clock.py        Clock (monotonic + wall), SystemClock, ManualClock: nothing here reads time itself
    model.py        Rate, BucketRule, QuotaRule, Check (what a request is held to), Decision, Outcome
    bucket.py       token-bucket arithmetic, pure; all-or-nothing across buckets
    periods.py      quota periods (DAY / WEEK / MONTH, UTC) and days
    quota.py        the quota window of a request and the names of its counters
    plans.py        PlanIndex: API key value → KeyGrant (key, usage plan, API stage), built once
    rules.py        MethodLimits: the buckets and quota of one method, in AWS's order, built once
    store.py        LimitStore, AheadStore/PendingDecision, AuthorizerCache; StoreUnavailableError
    memory.py       the in-process stores (default)
    script.py       the Lua scripts: a decision in one call (DECIDE), and giving it back (REFUND)
    redis_store.py  the Redis stores (the only module importing redis); round trips per request
    near_cache.py   a node's copies of the Redis authorizer-cache entries, until their stored expiry
    guard.py        FailMode and GuardedStore: fail open (default) or closed when the store is away
    usage.py        usage_report(): GetUsage-shaped [used, remaining] per key per day
    state.py        StateConfig, open_state(): --state memory | redis://HOST:PORT/DB
"""
