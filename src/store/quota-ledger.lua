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

-- liveCounter: the record without expired holds (empty when absent), and whether it was stored.
local function live_counter(key)
  local stored = load(key)
  local record = stored or { committed = 0, granted = 0, holds = {} }
  local holds = {}
  for job, hold in pairs(record.holds) do
    if hold.expiresAt > now then holds[job] = hold end
  end
  record.holds = holds
  return record, stored ~= nil
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

-- hasRoom: a budget takes no hold; it must only have something left.
local function has_room(record, limit)
  if limit == nil then return true end
  return used_of(record) < limit + record.granted
end

if op == 'reserve' then
  -- KEYS: the counters, then the budgets. ARGV[7]: how many counters; then one limit per key;
  -- then each counter's hold amount (images, or micro-dollars on a spend counter).
  local job, expires_at = ARGV[4], tonumber(ARGV[6])
  local counters = tonumber(ARGV[7])
  local records = {}
  local amounts = {}
  for i, key in ipairs(KEYS) do
    records[i] = live_counter(key)
    -- An empty limit argument is unlimited: tonumber('') is nil.
    local limit = tonumber(ARGV[7 + i])
    local room
    if i <= counters then
      amounts[i] = tonumber(ARGV[7 + #KEYS + i])
      room = admits(records[i], limit, job, amounts[i])
    else
      room = has_room(records[i], limit)
    end
    if not room then return { i - 1, cjson.encode(records[i]) } end
  end
  for i = 1, counters do
    records[i].holds[job] = { images = amounts[i], expiresAt = expires_at }
    save(KEYS[i], records[i])
  end
  return { -1 }
end

if op == 'commit' then
  -- KEYS: the counters, the spend counters, then the meter (when ARGV[7] is a number), the enrol
  -- set (when ARGV[8] is set) and the tally map (when ARGV[11] is set), in that order.
  -- Replies { applied (1 or 0), each counter, each spend counter and the meter after the step, as JSON }.
  local job, images, count = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
  local meter_amount, enrol_member = tonumber(ARGV[7]), ARGV[8]
  local spend_count, spend_amount = tonumber(ARGV[9]), tonumber(ARGV[10])
  local tally_member, tally_images, tally_micros = ARGV[11], tonumber(ARGV[12]), tonumber(ARGV[13])
  local next_key = count + spend_count + 1
  local meter_key, enrol_key, tally_key = nil, nil, nil
  if meter_amount then meter_key = KEYS[next_key]; next_key = next_key + 1 end
  if enrol_member ~= '' then enrol_key = KEYS[next_key]; next_key = next_key + 1 end
  if tally_member ~= '' then tally_key = KEYS[next_key] end
  -- commitHold on each key: where the job holds, the hold becomes `amount` committed.
  local function commit_keys(first, last, amount)
    local any, records = false, {}
    for i = first, last do
      local record, stored = live_counter(KEYS[i])
      if stored and record.holds[job] then
        record.holds[job] = nil
        record.committed = record.committed + amount
        save(KEYS[i], record)
        any = true
      end
      records[#records + 1] = record
    end
    return any, records
  end
  local applied, records = commit_keys(1, count, images)
  local _, spend_records = commit_keys(count + 1, count + spend_count, spend_amount)
  local meter_record = nil
  if meter_key then
    meter_record = live_counter(meter_key)
    if applied then
      meter_record.committed = meter_record.committed + meter_amount
      save(meter_key, meter_record)
    end
  end
  if applied and enrol_key then
    local set = load(enrol_key) or {}
    if set[enrol_member] == nil then
      set[enrol_member] = 1
      save(enrol_key, set)
    end
  end
  if applied and tally_key then
    local map = load(tally_key) or {}
    local entry = map[tally_member] or { images = 0, micros = 0 }
    map[tally_member] = { images = entry.images + tally_images, micros = entry.micros + tally_micros }
    save(tally_key, map)
  end
  local reply = { applied and 1 or 0 }
  for _, record in ipairs(records) do reply[#reply + 1] = cjson.encode(record) end
  for _, record in ipairs(spend_records) do reply[#reply + 1] = cjson.encode(record) end
  if meter_record then reply[#reply + 1] = cjson.encode(meter_record) end
  return reply
end

if op == 'refund' then
  local job = ARGV[4]
  local refunded = 0
  for _, key in ipairs(KEYS) do
    local record, stored = live_counter(key)
    if stored and record.holds[job] then
      record.holds[job] = nil
      save(key, record)
      refunded = 1
    end
  end
  return refunded
end

if op == 'grant' then
  local record = live_counter(KEYS[1])
  record.granted = record.granted + tonumber(ARGV[4])
  save(KEYS[1], record)
  return 1
end

if op == 'reset' then
  for _, key in ipairs(KEYS) do
    local record, stored = live_counter(key)
    if stored then
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
