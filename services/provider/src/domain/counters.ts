import type { Redis } from "@crm/kit";

/**
 * Tokens/day and USD/month counters in Redis with reservations, each operation one Lua script
 * so that it is atomic across every counter a call touches.
 *
 * A counter is a hash: `used` (committed amount) and one `r:<reservationId>` field per call in
 * flight (`<amount>:<expiresAtMs>`). Reserve admits a call only if `used + held + amount <=
 * limit` for every counter, then holds the amount in all of them; so concurrent callers can
 * never together pass a limit, and a call overspends at most by what it used beyond its own
 * reservation. Held amounts lapse at their expiry, so a crashed caller frees its hold. A
 * reservation record (`resv:<id>`) makes Commit and Release idempotent: only the first one
 * that deletes the record changes counters.
 */
export interface CounterSpec {
  key: string;
  limit: number;
  amount: number;
  ttlSeconds: number;
}

export type ReserveOutcome = { ok: true } | { ok: false; index: number; used: number; held: number };

const RESERVE = `
local now = tonumber(ARGV[1])
local rid = ARGV[2]
local exp = ARGV[3]
local n = #KEYS - 1
for i = 1, n do
  local key = KEYS[i + 1]
  local limit = tonumber(ARGV[4 + (i - 1) * 3])
  local amount = tonumber(ARGV[5 + (i - 1) * 3])
  local all = redis.call('HGETALL', key)
  local used = 0
  local held = 0
  for j = 1, #all, 2 do
    local f = all[j]
    local v = all[j + 1]
    if f == 'used' then
      used = tonumber(v)
    elseif string.sub(f, 1, 2) == 'r:' then
      local sep = string.find(v, ':', 1, true)
      local e = tonumber(string.sub(v, sep + 1))
      if e <= now then redis.call('HDEL', key, f) else held = held + tonumber(string.sub(v, 1, sep - 1)) end
    end
  end
  if amount > 0 and used + held + amount > limit then
    return {i, used, held}
  end
end
for i = 1, n do
  redis.call('HSET', KEYS[i + 1], 'r:' .. rid, ARGV[5 + (i - 1) * 3] .. ':' .. exp)
  redis.call('EXPIRE', KEYS[i + 1], ARGV[6 + (i - 1) * 3])
end
redis.call('SET', KEYS[1], ARGV[#ARGV], 'PX', ARGV[#ARGV - 1])
return {0, 0, 0}
`;

const COMMIT = `
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
for i = 2, #KEYS do
  redis.call('HDEL', KEYS[i], 'r:' .. ARGV[1])
  local amount = tonumber(ARGV[i * 2 - 2])
  if amount > 0 then
    redis.call('HINCRBY', KEYS[i], 'used', amount)
    redis.call('EXPIRE', KEYS[i], ARGV[i * 2 - 1])
  end
end
return 1
`;

const RELEASE = `
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
for i = 2, #KEYS do redis.call('HDEL', KEYS[i], 'r:' .. ARGV[1]) end
return 1
`;

const recordKey = (id: string) => `resv:${id}`;

export function counters(redis: Redis) {
  const run = (script: string, keys: string[], args: (string | number)[]) =>
    redis.eval(script, keys.length, ...keys, ...args.map(String)) as Promise<unknown>;

  return {
    /** Holds every amount or none; `record` is kept (until `recordTtlMs`) for commit/release. */
    async reserve(
      id: string,
      specs: CounterSpec[],
      holdMs: number,
      record: string,
      recordTtlMs: number,
    ): Promise<ReserveOutcome> {
      const now = Date.now();
      const args: (string | number)[] = [now, id, now + holdMs];
      for (const s of specs) args.push(Math.floor(s.limit), Math.ceil(s.amount), s.ttlSeconds);
      args.push(recordTtlMs, record);
      const [index, used, held] = (await run(RESERVE, [recordKey(id), ...specs.map((s) => s.key)], args)) as number[];
      if (!index) return { ok: true };
      return { ok: false, index: index - 1, used: Number(used), held: Number(held) };
    },

    /** The reservation record, or undefined once committed, released or expired. */
    record: (id: string) => redis.get(recordKey(id)).then((v) => v ?? undefined),

    /** Replaces the hold by the actual amounts; false if it was already committed/released. */
    async commit(id: string, actual: { key: string; amount: number; ttlSeconds: number }[]): Promise<boolean> {
      const args: (string | number)[] = [id];
      for (const a of actual) args.push(Math.ceil(a.amount), a.ttlSeconds);
      return (await run(COMMIT, [recordKey(id), ...actual.map((a) => a.key)], args)) === 1;
    },

    async release(id: string, keys: string[]): Promise<boolean> {
      return (await run(RELEASE, [recordKey(id), ...keys], [id])) === 1;
    },

    /** Committed and held amounts of a counter (expired holds ignored). */
    async read(key: string): Promise<{ used: number; held: number }> {
      const all = await redis.hgetall(key);
      const now = Date.now();
      let used = 0;
      let held = 0;
      for (const [field, value] of Object.entries(all)) {
        if (field === "used") used = Number(value);
        else if (field.startsWith("r:")) {
          const [amount, expires] = value.split(":").map(Number);
          if ((expires ?? 0) > now) held += amount ?? 0;
        }
      }
      return { used, held };
    },
  };
}

export type Counters = ReturnType<typeof counters>;
