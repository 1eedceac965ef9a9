package tollgate.account;

import tollgate.state.Script;

/**
 * The Lua scripts that keep a key's rate limits and balance in Redis (issue 14; protocols-2.md
 * §13): each check-and-take is one {@code EVALSHA}, atomic on the server, and reads the time
 * with {@code redis.call('TIME')}, so that replicas with skewed clocks agree.
 *
 * <p>Numbers written back are formatted with {@code %.0f}: Lua's own number-to-string conversion
 * keeps 14 significant digits, and a time in microseconds has 16.
 */
final class SharedScripts {
    private SharedScripts() { throw new AssertionError(); }

    /** The window of a per-minute limit, in microseconds (the scripts' time unit for buckets). */
    static final long WINDOW_MICROS = TokenBucket.WINDOW_NANOS / 1000;

    /**
     * The GCRA of {@link TokenBucket} over both buckets of a key at once. KEYS[1] the rpm
     * bucket's theoretical arrival time, KEYS[2] the tpm one's (microseconds since the epoch);
     * ARGV[1] the rpm limit (0: none), ARGV[2] the tpm limit (0: none), ARGV[3] tokens to take.
     * Both are taken or neither (a refusal by tpm gives back nothing, since it took nothing).
     * A bucket's key expires when it would be full again: a lapsed key is a full bucket.
     *
     * <p>Returns {status (0 taken, 1 refused by rpm, 2 refused by tpm), wait µs until it could
     * be taken, rpm remaining, rpm µs until full, tpm remaining, tpm µs until full}; a remaining
     * of -1 for a bucket the key does not have.
     */
    static final Script ADMIT = Script.of("tollgate_admit", """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
            local W = %d
            local function look(key, limit, n)
              if limit <= 0 then return nil end
              local tat = tonumber(redis.call('GET', key) or '0') or 0
              if tat < now then tat = now end
              local iv = W / limit
              return {tat, tat + math.ceil(n * iv), iv, limit}
            end
            local r = look(KEYS[1], tonumber(ARGV[1]), 1)
            local k = look(KEYS[2], tonumber(ARGV[2]), tonumber(ARGV[3]))
            local status, wait = 0, 0
            if r and r[2] - now > W then status = 1; wait = r[2] - now - W
            elseif k and k[2] - now > W then status = 2; wait = k[2] - now - W end
            local function put(key, b)
              if not b then return end
              if status == 0 then
                b[1] = b[2]
                redis.call('SET', key, string.format('%%.0f', b[1]), 'PX', string.format('%%.0f', math.ceil((b[1] - now) / 1000) + 1))
              end
            end
            put(KEYS[1], r)
            put(KEYS[2], k)
            local function state(b)
              if not b then return -1, 0 end
              local ahead = b[1] - now
              local left = math.floor((W - ahead) / b[3])
              if left < 0 then left = 0 elseif left > b[4] then left = b[4] end
              return left, ahead
            end
            local rl, rr = state(r)
            local kl, kr = state(k)
            return {status, wait, rl, rr, kl, kr}
            """.formatted(WINDOW_MICROS));

    /**
     * Corrects earlier takes once the real amount is known (as {@link TokenBucket#adjust}): more
     * (the bucket may go below empty) or fewer (given back, never beyond full). KEYS[i] a bucket;
     * ARGV[2i-1] its limit, ARGV[2i] the units (negative: given back). Returns 1.
     */
    static final Script ADJUST = Script.of("tollgate_adjust", """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
            local W = %d
            for i, key in ipairs(KEYS) do
              local limit, d = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
              if limit > 0 and d ~= 0 then
                local tat = tonumber(redis.call('GET', key) or '0') or 0
                local cost = math.ceil(math.abs(d) * W / limit)
                local nxt = nil
                if d > 0 then nxt = math.max(tat, now) + cost
                elseif tat > now then nxt = math.max(now, tat - cost) end
                if nxt and nxt > now then
                  redis.call('SET', key, string.format('%%.0f', nxt), 'PX', string.format('%%.0f', math.ceil((nxt - now) / 1000) + 1))
                elseif nxt then
                  redis.call('DEL', key)
                end
              end
            end
            return 1
            """.formatted(WINDOW_MICROS));

    /**
     * Holds credits of a key's balance for a request, if the balance covers them and every live
     * hold. KEYS[1] what each replica's journal charged (hash: replica id → credits), KEYS[2]
     * the holds (hash: hold id → credits), KEYS[3] their expiries (sorted set: hold id → ms);
     * ARGV[1] credits granted, ARGV[2] credits to hold more, ARGV[3] the hold's id, ARGV[4] its
     * lifetime in ms (renewed by each raise). Expired holds (a replica that died with requests in
     * flight) are dropped first.
     *
     * <p>Returns {1 held or 0 refused, granted minus spent, credits held by every request}.
     */
    static final Script RESERVE = Script.of("tollgate_reserve", """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
            for _, h in ipairs(expired) do redis.call('HDEL', KEYS[2], h) end
            if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now) end
            local spent, held = 0, 0
            for _, v in ipairs(redis.call('HVALS', KEYS[1])) do spent = spent + tonumber(v) end
            for _, v in ipairs(redis.call('HVALS', KEYS[2])) do held = held + tonumber(v) end
            local granted, more = tonumber(ARGV[1]), tonumber(ARGV[2])
            if granted - spent - held < more then return {0, granted - spent, held} end
            redis.call('HINCRBY', KEYS[2], ARGV[3], more)
            local ttl = tonumber(ARGV[4])
            redis.call('ZADD', KEYS[3], string.format('%.0f', now + ttl), ARGV[3])
            redis.call('PEXPIRE', KEYS[2], ttl)
            redis.call('PEXPIRE', KEYS[3], ttl)
            return {1, granted - spent, held + more}
            """);

    /**
     * Drops a hold and sets what this replica's journal charged the key. KEYS as
     * {@link #RESERVE}; ARGV[1] the hold's id ('' for none), ARGV[2] the replica's id, ARGV[3]
     * the replica's total charged to the key (its journal's), ARGV[4] '1' to set it even if
     * lower (at start-up: the journal is the truth), else it only ever rises. Setting a total
     * rather than adding a request's charge makes it idempotent: a settle or a reconciliation
     * run twice, or racing another, can never charge twice. Returns what every replica charged
     * the key (the sum of KEYS[1]'s fields): its balance is the grant minus that.
     */
    static final Script SETTLE = Script.of("tollgate_settle", """
            if ARGV[1] ~= '' then
              redis.call('HDEL', KEYS[2], ARGV[1])
              redis.call('ZREM', KEYS[3], ARGV[1])
            end
            local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[2]) or '-1')
            if ARGV[4] == '1' or tonumber(ARGV[3]) > cur then
              redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
            end
            local spent = 0
            for _, v in ipairs(redis.call('HVALS', KEYS[1])) do spent = spent + tonumber(v) end
            return spent
            """);
}
