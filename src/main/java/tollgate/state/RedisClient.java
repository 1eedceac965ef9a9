package tollgate.state;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import tollgate.config.StateConfig;

/**
 * The {@link Redis} client: RESP2/RESP3 ({@link Resp}) over a bounded pool of TCP (or TLS)
 * {@link RedisConnection}s. At most {@code pool_size} connections are in use at once (a
 * semaphore; waiting for one is bounded by the timeout); idle ones are kept for reuse. A
 * connection whose command failed or timed out is closed, and so are the idle ones opened before
 * that failure (after a restart of Redis they are all dead: the next command connects afresh
 * instead of finding that out one by one).
 */
final class RedisClient implements Redis {
    private final RedisConnection.Target target;
    private final long timeoutNanos;
    private final Semaphore permits;
    private final ConcurrentLinkedDeque<RedisConnection> idle = new ConcurrentLinkedDeque<>();
    /** Raised by every connection failure; idle connections of an older generation are closed. */
    private final AtomicLong generation = new AtomicLong();
    private final AtomicBoolean up = new AtomicBoolean(true);
    /** What failed when {@link #up} last turned false (never the password: RedisConnection words it so). */
    private volatile String lastFailure;
    private final List<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    /** Held by the one command that tries to connect while Redis is down. */
    private final ReentrantLock reconnecting = new ReentrantLock();

    RedisClient(RedisConnection.Target target, int poolSize, long timeoutNanos) {
        this.target = target;
        this.timeoutNanos = timeoutNanos;
        this.permits = new Semaphore(poolSize, true);
    }

    /**
     * A client of the configured server; it does not connect until the first command.
     *
     * @throws IllegalArgumentException when {@code tls_truststore} cannot be read (a start-up error)
     */
    static Redis open(StateConfig c) {
        SSLSocketFactory tls = c.tls() ? tls(c) : null;
        return new RedisClient(new RedisConnection.Target(c.host(), c.port(), tls, c.user(), c.password(), c.db(),
                c.connectTimeout().toNanos()), c.poolSize(), c.timeout().toNanos());
    }

    private static SSLSocketFactory tls(StateConfig c) {
        try {
            if (c.truststore() == null) return SSLContext.getDefault().getSocketFactory();
            KeyStore ks = KeyStore.getInstance("PKCS12");
            char[] pw = c.truststorePassword() == null ? null : c.truststorePassword().toCharArray();
            try (InputStream in = Files.newInputStream(c.truststore())) {
                ks.load(in, pw);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx.getSocketFactory();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("state.tls_truststore: cannot read " + c.truststore()
                    + " as a PKCS#12 trust store (check the file and state.tls_truststore_password)", e);
        }
    }

    @Override
    public Object call(String... command) throws RedisException {
        Object r = exchange(List.<String[]>of(command)).get(0);
        if (r instanceof RedisException e) throw e;
        return r;
    }

    @Override
    public List<Object> pipeline(List<String[]> commands) throws RedisException {
        if (commands.isEmpty()) return List.of();
        return exchange(commands);
    }

    @Override
    public Object eval(Script script, List<String> keys, List<String> args) throws RedisException {
        try {
            return call(evalCommand("EVALSHA", script.sha1(), keys, args));
        } catch (RedisException e) {
            if (!"NOSCRIPT".equals(e.prefix())) throw e;
        }
        // The script cache is volatile (restart, failover, SCRIPT FLUSH): EVAL runs it and caches it again.
        return call(evalCommand("EVAL", script.source(), keys, args));
    }

    private static String[] evalCommand(String verb, String script, List<String> keys, List<String> args) {
        String[] c = new String[3 + keys.size() + args.size()];
        c[0] = verb;
        c[1] = script;
        c[2] = Integer.toString(keys.size());
        int i = 3;
        for (String k : keys) c[i++] = k;
        for (String a : args) c[i++] = a;
        return c;
    }

    @Override
    public boolean up() { return up.get(); }

    @Override
    public void onHealth(Consumer<Boolean> listener) { listeners.add(listener); }

    @Override
    public void close() {
        closed = true;
        drainIdle();
    }

    /** One round trip on one pooled connection; error replies in place. */
    private List<Object> exchange(List<String[]> commands) throws RedisException {
        if (closed) throw new RedisException(RedisException.Kind.UNAVAILABLE, "the Redis client is closed");
        for (String[] c : commands) {
            // Checked before anything is written: a half-written pipeline would break the connection.
            if (c.length == 0) throw new IllegalArgumentException("an empty Redis command");
            for (String a : c) java.util.Objects.requireNonNull(a, "a Redis command argument is null");
        }
        long start = System.nanoTime();
        try {
            if (!permits.tryAcquire(timeoutNanos, TimeUnit.NANOSECONDS)) {
                throw new RedisException(RedisException.Kind.TIMEOUT,
                        "no free Redis connection within " + timeoutNanos / 1_000_000 + " ms (state.pool_size is full)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisException(RedisException.Kind.UNAVAILABLE, "interrupted while waiting for a Redis connection");
        }
        try {
            RedisConnection c = pooled();
            if (c == null) c = connect();
            List<Object> replies;
            long end = Math.max(start, System.nanoTime()) + timeoutNanos;
            try {
                replies = c.exchange(commands, end);
            } catch (Resp.TooBig e) {
                // The server is fine, the reply is too large for us: this connection holds its rest.
                c.close();
                throw new RedisException(RedisException.Kind.UNAVAILABLE, "Redis reply refused: " + e.getMessage(), e);
            } catch (IOException e) {
                if (Thread.currentThread().isInterrupted()) {
                    c.close();
                    throw interrupted(e);
                }
                RedisException why;
                if (e instanceof SocketTimeoutException) {
                    why = new RedisException(RedisException.Kind.TIMEOUT,
                            "Redis at " + target.where() + " did not answer within " + timeoutNanos / 1_000_000 + " ms", e);
                } else if (System.nanoTime() - end >= 0) { // the write watchdog closed it: still writing at the deadline
                    why = new RedisException(RedisException.Kind.TIMEOUT,
                            "Redis at " + target.where() + " did not take the commands within " + timeoutNanos / 1_000_000 + " ms", e);
                } else {
                    why = new RedisException(RedisException.Kind.UNAVAILABLE,
                            "lost the connection to Redis at " + target.where() + ": " + e.getMessage(), e);
                }
                failed(c, why);
                throw why;
            } catch (RuntimeException | Error e) {
                c.close();
                throw e;
            }
            release(c);
            health(true, null);
            return replies;
        } finally {
            permits.release();
        }
    }

    /**
     * The calling thread was interrupted (its request was cancelled): a virtual thread's socket
     * is closed by that, but Redis is not down, so the health and the other connections stay.
     */
    private static RedisException interrupted(Exception cause) {
        return new RedisException(RedisException.Kind.UNAVAILABLE, "interrupted while waiting for Redis", cause);
    }

    /** An idle connection that is still open, or null. */
    private RedisConnection pooled() {
        long now = System.nanoTime();
        for (RedisConnection c; (c = idle.pollFirst()) != null; ) {
            if (c.alive(now)) return c;
            c.close();
        }
        return null;
    }

    /**
     * A new connection. While Redis is down only one command at a time tries (the others fail at
     * once instead of each waiting up to the connect timeout: a blackholed Redis must not add
     * that to every request that falls back to local state).
     */
    private RedisConnection connect() throws RedisException {
        boolean probing = !up.get();
        if (probing && !reconnecting.tryLock()) {
            throw new RedisException(RedisException.Kind.UNAVAILABLE, "Redis at " + target.where() + " is unreachable (reconnecting)");
        }
        try {
            return RedisConnection.open(target, generation.get());
        } catch (RedisException e) {
            if (Thread.currentThread().isInterrupted()) throw interrupted(e);
            health(false, e);
            throw e;
        } finally {
            if (probing) reconnecting.unlock();
        }
    }

    private void failed(RedisConnection c, RedisException why) {
        c.close();
        generation.incrementAndGet();
        drainIdle();
        health(false, why);
    }

    private void release(RedisConnection c) {
        if (closed || c.generation < generation.get()) {
            c.close();
            return;
        }
        idle.offerFirst(c);
        if (closed) drainIdle(); // close() ran meanwhile
    }

    private void drainIdle() {
        for (RedisConnection c; (c = idle.pollFirst()) != null; ) c.close();
    }

    @Override
    public String lastFailure() { return lastFailure; }

    /** Sets {@link #up()}; {@code why}, when going down, is kept for {@link #lastFailure()} before the listeners hear of it. */
    private void health(boolean now, RedisException why) {
        if (why != null) lastFailure = why.getMessage();
        if (up.get() == now || !up.compareAndSet(!now, now)) return;
        for (Consumer<Boolean> l : listeners) {
            try {
                l.accept(now);
            } catch (RuntimeException e) {
                // A listener's bug must not fail the command that noticed the change.
            }
        }
    }

    /** Connections now idle in the pool (tests). */
    int idleCount() { return idle.size(); }

    /** For tests: the idle connections were last used at {@code nanoTime}. */
    void idleSince(long nanoTime) {
        for (RedisConnection c : idle) c.idleSince(nanoTime);
    }
}
