-- The quota ledger's operations on Redis, each run atomically by the server (no other command
-- runs while a script does), so every process sharing the Redis sees exact counts.
-- This mirrors src/core/quota/ledger-steps.ts and counter.ts function for function; the store
-- contract tests run the same cases against both.
--
-- KEYS: the records the operation reads and writes (JSON, via cjson).
-- ARGV[1]: operation; ARGV[2]: now (epoch ms); ARGV[3]: retention in ms (0: keep forever).

local op = ARGV[1]
local now = tonumber(ARGV[2])
local retention = tonumber(ARGV[3])

local function load(key)
  local raw = redis.call('GET', key)
  if not raw then return nil end
  return cjson.decode(raw)
end

local function save(key, value)
  local json = cjson.encode(value)
  if retention > 0 then
    redis.call('SET', key, json, 'PX', retention)
  else
    redis.call('SET', key, json)
  end
end

-- liveCounter: the record without expired holds; empty when absent.
local function live_counter(key)
  local record = load(key) or { committed = 0, granted = 0, holds = {} }
  local holds = {}
  for job, hold in pairs(record.holds) do
    if hold.expiresAt > now then holds[job] = hold end
  end
  record.holds = holds
  return record
end

-- usedOf: committed plus held.
local function used_of(record)
  local total = record.committed
  for _, hold in pairs(record.holds) do total = total + hold.images end
  return total
end

-- admits: a nil limit is unlimited; the job's own hold is not counted twice.
local function admits(record, limit, job, images)
  if limit == nil then return true end
  local already = 0
  if record.holds[job] then already = record.holds[job].images end
  return used_of(record) - already + images <= limit + record.granted
end

local function has_hold(key, job)
  return redis.call('EXISTS', key) == 1 and live_counter(key).holds[job] ~= nil
end

if op == 'reserve' then
  local job, images, expires_at = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
  local records = {}
  for i, key in ipairs(KEYS) do
    records[i] = live_counter(key)
    -- An empty limit argument is unlimited: tonumber('') is nil.
    if not admits(records[i], tonumber(ARGV[6 + i]), job, images) then
      return { i - 1, cjson.encode(records[i]) }
    end
  end
  for i, key in ipairs(KEYS) do
    records[i].holds[job] = { images = images, expiresAt = expires_at }
    save(key, records[i])
  end
  return { -1 }
end

if op == 'settle' then
  local job, images, count = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
  local meter_amount, enrol_member = tonumber(ARGV[7]), ARGV[8]
  local settled = false
  for i = 1, count do
    if has_hold(KEYS[i], job) then
      local record = live_counter(KEYS[i])
      record.holds[job] = nil
      record.committed = record.committed + images
      save(KEYS[i], record)
      settled = true
    end
  end
  if not settled then return 0 end
  local next_key = count + 1
  if meter_amount then
    local record = live_counter(KEYS[next_key])
    record.committed = record.committed + meter_amount
    save(KEYS[next_key], record)
    next_key = next_key + 1
  end
  if enrol_member ~= '' then
    local set = load(KEYS[next_key]) or {}
    if set[enrol_member] == nil then
      set[enrol_member] = 1
      save(KEYS[next_key], set)
    end
  end
  return 1
end

if op == 'release' then
  local job = ARGV[4]
  local released = 0
  for _, key in ipairs(KEYS) do
    if has_hold(key, job) then
      local record = live_counter(key)
      record.holds[job] = nil
      save(key, record)
      released = 1
    end
  end
  return released
end

if op == 'grant' then
  local record = live_counter(KEYS[1])
  record.granted = record.granted + tonumber(ARGV[4])
  save(KEYS[1], record)
  return 1
end

if op == 'reset' then
  for _, key in ipairs(KEYS) do
    if redis.call('EXISTS', key) == 1 then
      local record = live_counter(key)
      record.committed = 0
      save(key, record)
    end
  end
  return 1
end

if op == 'setField' then
  local map = load(KEYS[1]) or {}
  if ARGV[5] == '' then
    map[ARGV[4]] = nil
  else
    map[ARGV[4]] = cjson.decode(ARGV[5])
  end
  save(KEYS[1], map)
  return 1
end

return redis.error_reply('unknown quota ledger operation: ' .. tostring(op))
