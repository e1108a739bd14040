"""The Lua scripts of the Redis backend (see ``redis.py`` for the layout they keep).

Each runs atomically on the server.  The batch scripts build key names from
``ARGV[1]`` (the prefix) and namespace names.
"""

from __future__ import annotations

_PURGE = """
local dead = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
for _, k in ipairs(dead) do
  redis.call('HDEL', KEYS[1], k)
  redis.call('ZREM', KEYS[2], k)
  redis.call('ZREM', KEYS[3], k)
end
"""

# KEYS: values, order, expiry; ARGV: now, key
_READ = (
    _PURGE
    + """
return {redis.call('HGET', KEYS[1], ARGV[2]) or '', redis.call('ZSCORE', KEYS[3], ARGV[2]) or ''}
"""
)

# KEYS: values, order, expiry; ARGV: now
_ENTRIES = (
    _PURGE
    + """
local out = {}
for _, k in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  out[#out + 1] = k
  out[#out + 1] = redis.call('HGET', KEYS[1], k)
end
return out
"""
)

# The batch scripts build key names from ARGV[1] (the prefix) and namespace names.
_NAMES = """
local P = ARGV[1]
local function k(ns, part) return P .. 'ns:' .. ns .. ':' .. part end
local function purge(ns, now)
  local dead = redis.call('ZRANGEBYSCORE', k(ns, 'expiry'), '-inf', now)
  for _, key in ipairs(dead) do
    redis.call('HDEL', k(ns, 'values'), key)
    redis.call('ZREM', k(ns, 'order'), key)
    redis.call('ZREM', k(ns, 'expiry'), key)
  end
end
"""

# ARGV: prefix, now, then (namespace, key) pairs.  Returns {value, expiry} per pair ('' : none).
_FETCH = (
    _NAMES
    + """
local out, seen = {}, {}
for i = 3, #ARGV, 2 do
  local ns, key = ARGV[i], ARGV[i + 1]
  if not seen[ns] then purge(ns, ARGV[2]); seen[ns] = true end
  out[#out + 1] = redis.call('HGET', k(ns, 'values'), key) or ''
  out[#out + 1] = redis.call('ZSCORE', k(ns, 'expiry'), key) or ''
end
return out
"""
)

# ARGV: prefix, now, namespace.  Returns {count, version, key...}.
_SHAPE = (
    _NAMES
    + """
local ns = ARGV[3]
purge(ns, ARGV[2])
local out = {redis.call('HLEN', k(ns, 'values')), redis.call('GET', k(ns, 'ver')) or '0'}
for _, key in ipairs(redis.call('ZRANGE', k(ns, 'order'), 0, -1)) do out[#out + 1] = key end
return out
"""
)

# ARGV: prefix, now, lock token ('' : none), number of expectation fields, expectations, writes.
#   expectations: 'k' ns key value expiry | 'n' ns count | 'v' ns version
#   writes: 's' ns key value expiry | 'd' ns key | 'c' ns
# Everything is checked before anything is written.  Returns 1 when written;
# nothing is written and it returns 0 when another client changed what the batch
# read, 2 while another client holds the lock, 3 when our lock expired.
_APPLY = (
    _NAMES
    + """
local holder = redis.call('GET', P .. 'lock')
if holder and holder ~= ARGV[3] then return 2 end
if ARGV[3] ~= '' and not holder then return 3 end
local now, last = ARGV[2], 4 + tonumber(ARGV[4])
local i, seen = 5, {}
local function arg(n) return ARGV[i + n] end
while i <= last do
  local ns = arg(1)
  if not seen[ns] then purge(ns, now); seen[ns] = true end
  if arg(0) == 'k' then
    local cur = redis.call('HGET', k(ns, 'values'), arg(2)) or ''
    local exp = redis.call('ZSCORE', k(ns, 'expiry'), arg(2)) or ''
    if cur ~= arg(3) or exp ~= arg(4) then return 0 end
    i = i + 5
  elseif arg(0) == 'n' then
    if tostring(redis.call('HLEN', k(ns, 'values'))) ~= arg(2) then return 0 end
    i = i + 3
  else
    if (redis.call('GET', k(ns, 'ver')) or '0') ~= arg(2) then return 0 end
    i = i + 3
  end
end
while i <= #ARGV do
  local kind, ns, key = arg(0), arg(1), arg(2)
  if not seen[ns] then purge(ns, now); seen[ns] = true end
  redis.call('INCR', k(ns, 'ver'))
  if kind == 's' then
    redis.call('HSET', k(ns, 'values'), key, arg(3))
    if not redis.call('ZSCORE', k(ns, 'order'), key) then
      redis.call('ZADD', k(ns, 'order'), redis.call('INCR', k(ns, 'seq')), key)
    end
    if arg(4) == '' then
      redis.call('ZREM', k(ns, 'expiry'), key)
    else
      redis.call('ZADD', k(ns, 'expiry'), arg(4), key)
    end
    if not redis.call('ZSCORE', P .. 'namespaces', ns) then
      redis.call('ZADD', P .. 'namespaces', redis.call('INCR', P .. 'nsseq'), ns)
    end
    i = i + 5
  elseif kind == 'd' then
    redis.call('HDEL', k(ns, 'values'), key)
    redis.call('ZREM', k(ns, 'order'), key)
    redis.call('ZREM', k(ns, 'expiry'), key)
    i = i + 3
  else
    redis.call('DEL', k(ns, 'values'), k(ns, 'order'), k(ns, 'expiry'), k(ns, 'seq'))
    redis.call('ZREM', P .. 'namespaces', ns)
    i = i + 2
  end
end
return 1
"""
)

_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

SCRIPTS = {
    "read": _READ,
    "entries": _ENTRIES,
    "fetch": _FETCH,
    "shape": _SHAPE,
    "apply": _APPLY,
    "unlock": _UNLOCK,
}
