/**
 * Lua for the circuit breakers (`circuit-breaker.ts`). Each script reads and writes one breaker's
 * hash atomically, so every worker sees the same state. Time comes in as an argument (epoch ms).
 *
 * Hash fields: `state` (closed | open | half-open; a missing hash is closed), `failures` (consecutive
 * failures), `openedAt`, `inFlight` (half-open trial calls running), `gen` (bumped on every change
 * of state, so a late trial verdict of an earlier round cannot act on the current one) and
 * `trialsSince` (when the current round of trials began).
 *
 * Common ARGV: [1] now, [2] failureThreshold, [3] timeoutMs, [4] halfOpenMaxAttempts, [5] ttlMs.
 */

/**
 * Reply: `{1, trial (0|1), gen}` when the call may go ahead; `{0, state, failures, openedAt,
 * retryAfterMs, inFlight}` when it is rejected. A closed breaker costs one HMGET and no write.
 */
export const ACQUIRE_SCRIPT = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local timeout = tonumber(ARGV[3])
local maxTrials = tonumber(ARGV[4])
local ttl = tonumber(ARGV[5])
local v = redis.call('HMGET', key, 'state', 'failures', 'openedAt', 'inFlight', 'gen', 'trialsSince')
local state = v[1] or 'closed'
if state == 'closed' then
  return {1, 0, 0}
end
local failures = tonumber(v[2]) or 0
local openedAt = tonumber(v[3]) or 0
local inFlight = tonumber(v[4]) or 0
local gen = tonumber(v[5]) or 0
local since = tonumber(v[6]) or 0
if state == 'open' then
  if now - openedAt < timeout then
    return {0, 'open', failures, openedAt, openedAt + timeout - now, 0}
  end
  inFlight = 0
  gen = gen + 1
  redis.call('HSET', key, 'state', 'half-open', 'inFlight', 0, 'gen', gen, 'trialsSince', now)
elseif inFlight >= maxTrials and now - since >= timeout then
  -- Trials that never reported for a whole timeout (their worker died): start a new round.
  inFlight = 0
  gen = gen + 1
  redis.call('HSET', key, 'inFlight', 0, 'gen', gen, 'trialsSince', now)
end
if inFlight >= maxTrials then
  return {0, 'half-open', failures, openedAt, math.max(0, since + timeout - now), inFlight}
end
redis.call('HSET', key, 'inFlight', inFlight + 1)
redis.call('PEXPIRE', key, ttl)
return {1, 1, gen}
`;

/**
 * Extra ARGV: [6] verdict (success | failure | ignore), [7] trial (0|1), [8] the trial's gen.
 * Reply: the state after the call.
 *
 * A trial of the current round decides a half-open breaker: success closes it, failure re-opens it,
 * `ignore` only frees its slot. Outside a trial, a closed breaker counts a failure (and opens at the
 * threshold) and resets the count on a success. A failure of a call let through before the breaker
 * opened (or of an earlier round of trials) is added to the count without changing the state; such
 * a success changes nothing.
 */
export const RECORD_SCRIPT = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local threshold = tonumber(ARGV[2])
local ttl = tonumber(ARGV[5])
local verdict = ARGV[6]
local trial = ARGV[7] == '1'
local trialGen = tonumber(ARGV[8])
local v = redis.call('HMGET', key, 'state', 'failures', 'inFlight', 'gen')
local exists = v[1] ~= false
local state = v[1] or 'closed'
local failures = tonumber(v[2]) or 0
local inFlight = tonumber(v[3]) or 0
local gen = tonumber(v[4]) or 0
if trial and state == 'half-open' and gen == trialGen then
  if verdict == 'success' then
    redis.call('HSET', key, 'state', 'closed', 'failures', 0, 'inFlight', 0, 'gen', gen + 1)
    redis.call('HDEL', key, 'openedAt', 'trialsSince')
    state = 'closed'
  elseif verdict == 'failure' then
    redis.call('HSET', key, 'state', 'open', 'failures', failures + 1, 'openedAt', now, 'inFlight', 0, 'gen', gen + 1)
    redis.call('HDEL', key, 'trialsSince')
    state = 'open'
  else
    redis.call('HSET', key, 'inFlight', math.max(0, inFlight - 1))
  end
  redis.call('PEXPIRE', key, ttl)
  return state
end
if verdict == 'ignore' then
  return state
end
if state ~= 'closed' then
  -- A call let through before it opened: its failure still counts, but changes neither the state
  -- nor when it opened; its success says nothing about the target now.
  if verdict == 'failure' then
    redis.call('HINCRBY', key, 'failures', 1)
    redis.call('PEXPIRE', key, ttl)
  end
  return state
end
if verdict == 'failure' then
  failures = failures + 1
  if failures >= threshold then
    redis.call('HSET', key, 'state', 'open', 'failures', failures, 'openedAt', now, 'inFlight', 0, 'gen', gen + 1)
    state = 'open'
  else
    redis.call('HSET', key, 'state', 'closed', 'failures', failures)
  end
elseif not exists or failures ~= 0 then
  redis.call('HSET', key, 'state', 'closed', 'failures', 0)
end
redis.call('PEXPIRE', key, ttl)
return state
`;
