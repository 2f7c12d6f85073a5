--[[
  The shared queue's state in Redis, changed only here so that every change is atomic across
  processes: the fair order of waiting jobs, the pending counts, the images-per-window log, and
  which BullMQ ticket runs which job. BullMQ holds one ticket per job; tickets are interchangeable,
  and a worker holding one takes whichever job is fairly next (BullMQ alone would run them in
  arrival order). Mirrors src/core/queue/fair-order.ts: round-robin across guilds, then across
  users in a guild, least recently served first, a newcomer ahead of everyone already served.

  ARGV[1] is the operation, ARGV[2] the key prefix; the keys are built here, since which lists a
  call touches depends on what it finds (one Redis, not a cluster).
  Keys under the prefix:
    job:<id>            hash: json, images, guild, user
    deadlines           zset: job id -> deadline (ms); every unfinished job
    guilds              zset: guilds with waiting jobs -> rank
    users:<g>           zset: users of guild g with waiting jobs -> rank
    list:<g>:<u>        list: the user's waiting job ids, oldest first
    gturn:<g>, uturn:<g>:<u>  the last turn a guild or user had (expires after a day)
    turn, arrivals      counters
    pending             hash: <g> and <g>:<u> -> unfinished jobs
    starts              zset: "<job id>:<images>" -> when it started (ms)
    bound               hash: ticket id -> job id
    running             hash: job id -> ticket id
]]
local op = ARGV[1]
local P = ARGV[2]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
-- Ranks of keys never served sit below every turn, in the order they arrived.
local newcomerBase = -1000000000000
local turnMemorySeconds = 86400
-- What a pause puts in BullMQ's limiter key (as its rateLimit does): above any count of takes.
local pauseMark = 9007199254740991

local function int(n)
  return string.format('%d', n)
end

local function listKey(guild, user)
  return P .. 'list:' .. guild .. ':' .. user
end

local function rankOf(turnKey)
  local last = redis.call('GET', turnKey)
  if last then return last end
  return int(newcomerBase + redis.call('INCR', P .. 'arrivals'))
end

-- Drops the user, and the guild with no user left, once the user's list is empty.
local function leaveIfEmpty(guild, user)
  if redis.call('LLEN', listKey(guild, user)) > 0 then return end
  redis.call('ZREM', P .. 'users:' .. guild, user)
  if redis.call('ZCARD', P .. 'users:' .. guild) == 0 then redis.call('ZREM', P .. 'guilds', guild) end
end

local function countDown(field)
  if redis.call('HINCRBY', P .. 'pending', field, -1) <= 0 then redis.call('HDEL', P .. 'pending', field) end
end

-- Removes every trace of a job; returns its json, or false when it was already gone.
local function finish(jobId)
  local key = P .. 'job:' .. jobId
  local fields = redis.call('HMGET', key, 'json', 'guild', 'user')
  if not fields[1] then return false end
  local guild, user = fields[2], fields[3]
  if redis.call('LREM', listKey(guild, user), 0, jobId) > 0 then leaveIfEmpty(guild, user) end
  local ticket = redis.call('HGET', P .. 'running', jobId)
  if ticket then
    redis.call('HDEL', P .. 'bound', ticket)
    redis.call('HDEL', P .. 'running', jobId)
  end
  redis.call('ZREM', P .. 'deadlines', jobId)
  redis.call('DEL', key)
  countDown(guild)
  countDown(guild .. ':' .. user)
  return fields[1]
end

if op == 'enqueue' then
  -- jobId, guild, user, json, images, deadlineAt, maxPendingPerGuild, maxPendingPerUser
  local jobId, guild, user = ARGV[3], ARGV[4], ARGV[5]
  local userField = guild .. ':' .. user
  local counts = redis.call('HMGET', P .. 'pending', guild, userField)
  local inGuild, ofUser = tonumber(counts[1] or '0'), tonumber(counts[2] or '0')
  if ofUser >= tonumber(ARGV[10]) or inGuild >= tonumber(ARGV[9]) then
    return {'refused', inGuild, ofUser}
  end
  redis.call('HINCRBY', P .. 'pending', guild, 1)
  redis.call('HINCRBY', P .. 'pending', userField, 1)
  redis.call('HSET', P .. 'job:' .. jobId, 'json', ARGV[6], 'images', ARGV[7], 'guild', guild, 'user', user)
  redis.call('ZADD', P .. 'deadlines', ARGV[8], jobId)
  redis.call('RPUSH', listKey(guild, user), jobId)
  local users = P .. 'users:' .. guild
  if not redis.call('ZSCORE', users, user) then
    redis.call('ZADD', users, rankOf(P .. 'uturn:' .. guild .. ':' .. user), user)
  end
  if not redis.call('ZSCORE', P .. 'guilds', guild) then
    redis.call('ZADD', P .. 'guilds', rankOf(P .. 'gturn:' .. guild), guild)
  end
  return {'queued'}
end

if op == 'take' then
  -- ticketId, images per window (-1: no cap), windowMs, BullMQ's limiter key
  local ticket, limit, windowMs = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
  local bound = redis.call('HGET', P .. 'bound', ticket)
  if bound then
    -- A ticket whose worker died mid-job: the job runs again, outside the window (it was counted).
    local json = redis.call('HGET', P .. 'job:' .. bound, 'json')
    if json then return {'job', bound, json} end
    redis.call('HDEL', P .. 'bound', ticket)
  end
  -- A pause set after BullMQ handed this ticket over still holds: a 429 stops every start.
  if tonumber(redis.call('GET', ARGV[6]) or '0') >= pauseMark then
    local left = redis.call('PTTL', ARGV[6])
    if left > 0 then return {'wait', int(left)} end
  end
  local guild = redis.call('ZRANGE', P .. 'guilds', 0, 0)[1]
  if not guild then return {'none'} end
  local user = redis.call('ZRANGE', P .. 'users:' .. guild, 0, 0)[1]
  local list = listKey(guild, user)
  local jobId = redis.call('LINDEX', list, 0)
  local key = P .. 'job:' .. jobId
  if limit >= 0 then
    local images = tonumber(redis.call('HGET', key, 'images'))
    redis.call('ZREMRANGEBYSCORE', P .. 'starts', '-inf', now - windowMs)
    local started = redis.call('ZRANGE', P .. 'starts', 0, -1, 'WITHSCORES')
    local inWindow = 0
    for i = 1, #started, 2 do inWindow = inWindow + tonumber(string.match(started[i], ':(%d+)$')) end
    -- A request larger than the whole cap waits for an empty window instead of forever.
    local excess = inWindow + math.min(images, limit) - limit
    if excess > 0 then
      -- Oldest first: the wait ends once enough earlier starts have slid out of the window.
      for i = 1, #started, 2 do
        excess = excess - tonumber(string.match(started[i], ':(%d+)$'))
        if excess <= 0 then return {'wait', int(math.max(1, tonumber(started[i + 1]) + windowMs - now))} end
      end
    end
    redis.call('ZADD', P .. 'starts', now, jobId .. ':' .. images)
  end
  redis.call('LPOP', list)
  local turn = redis.call('INCR', P .. 'turn')
  redis.call('SET', P .. 'uturn:' .. guild .. ':' .. user, turn, 'EX', turnMemorySeconds)
  redis.call('SET', P .. 'gturn:' .. guild, turn, 'EX', turnMemorySeconds)
  if redis.call('LLEN', list) > 0 then
    redis.call('ZADD', P .. 'users:' .. guild, turn, user)
  else
    redis.call('ZREM', P .. 'users:' .. guild, user)
  end
  if redis.call('ZCARD', P .. 'users:' .. guild) > 0 then
    redis.call('ZADD', P .. 'guilds', turn, guild)
  else
    redis.call('ZREM', P .. 'guilds', guild)
  end
  redis.call('HSET', P .. 'bound', ticket, jobId)
  redis.call('HSET', P .. 'running', jobId, ticket)
  return {'job', jobId, redis.call('HGET', key, 'json')}
end

if op == 'sent' then
  -- jobId: its request leaves for the API now. The window counted it from its take; counting it
  -- from now on instead keeps the API's own count, which sees it only when it arrives, within the
  -- cap however long the worker took to send it (loading input images, a busy machine).
  local jobId = ARGV[3]
  local images = redis.call('HGET', P .. 'job:' .. jobId, 'images')
  if images then redis.call('ZADD', P .. 'starts', 'XX', now, jobId .. ':' .. images) end
  return 1
end

if op == 'finish' then
  -- jobId: after its ending was delivered
  return finish(ARGV[3]) and 1 or 0
end

if op == 'withdraw' then
  -- jobId: a waiting one leaves (and is returned, for the caller to settle); a running one is named
  local jobId = ARGV[3]
  if redis.call('HEXISTS', P .. 'running', jobId) == 1 then return {'running'} end
  local json = finish(jobId)
  if json then return {'waiting', json} end
  return {'none'}
end

if op == 'sweep' then
  -- graceMs: jobs past their deadline leave; a running one only this long after it, since the
  -- process running it stops it at the deadline itself, and only a dead one leaves it behind.
  local graceMs = tonumber(ARGV[3])
  local due = redis.call('ZRANGEBYSCORE', P .. 'deadlines', '-inf', now, 'WITHSCORES', 'LIMIT', 0, 100)
  local swept = {}
  for i = 1, #due, 2 do
    local jobId, deadline = due[i], tonumber(due[i + 1])
    if redis.call('HEXISTS', P .. 'running', jobId) == 0 or deadline + graceMs <= now then
      local json = finish(jobId)
      if json then table.insert(swept, json) else redis.call('ZREM', P .. 'deadlines', jobId) end
    end
  end
  return swept
end

if op == 'order' then
  -- maxJobs: the waiting jobs as the fair order stands, guild by guild, user by user:
  -- { guild count, then per guild: user count, then per user: job count, job ids... }
  local maxJobs = tonumber(ARGV[3])
  local out = {}
  local guilds = redis.call('ZRANGE', P .. 'guilds', 0, -1)
  table.insert(out, #guilds)
  for _, guild in ipairs(guilds) do
    local users = redis.call('ZRANGE', P .. 'users:' .. guild, 0, -1)
    table.insert(out, #users)
    for _, user in ipairs(users) do
      local ids = redis.call('LRANGE', listKey(guild, user), 0, maxJobs - 1)
      table.insert(out, #ids)
      for _, id in ipairs(ids) do table.insert(out, id) end
    end
  end
  return out
end

if op == 'pause' then
  -- limiterKey, ms: BullMQ starts nothing while its limiter key holds more than any limit. A pause
  -- only ever lengthens: a short wait for the images window must not cut a 429's pause short.
  local key, ms = ARGV[3], tonumber(ARGV[4])
  if redis.call('PTTL', key) < ms then redis.call('SET', key, int(pauseMark), 'PX', ms) end
  return 1
end

if op == 'pending' then
  -- guild, user
  local counts = redis.call('HMGET', P .. 'pending', ARGV[3], ARGV[3] .. ':' .. ARGV[4])
  return {tonumber(counts[1] or '0'), tonumber(counts[2] or '0')}
end

return redis.error_reply('shared-queue.lua: unknown operation ' .. tostring(op))
