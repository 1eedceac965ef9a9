package tollgate.websocket;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import tollgate.error.ErrorBody;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.log.Log;

/**
 * A small RFC 6455 WebSocket server on plain JDK sockets, with no knowledge of what it serves:
 * it reads and checks opening handshakes, hands each valid one to the {@link WsHandler}, and
 * enforces the {@link WsLimits}. One virtual thread accepts; each connection gets its own virtual
 * thread, which does the TLS handshake (never the accept loop), reads the upgrade request and
 * runs the handler. One more virtual thread, the ticker, enforces what blocking sockets cannot:
 * the handshake deadline, the close deadline, and the write timeout.
 */
public final class WsServer implements AutoCloseable {
    /** Pending connections the kernel queues for the accept loop. */
    static final int ACCEPT_BACKLOG = 1024;
    /** Sockets over {@code maxConnections} being answered 503 at once; beyond this they are closed unanswered. */
    static final int MAX_REFUSING = 64;
    /** Longest interval between two ticker scans; shorter when a limit is shorter (a quarter of it). */
    static final Duration MAX_TICK = Duration.ofSeconds(1);
    static final Duration MIN_TICK = Duration.ofMillis(10);
    /** Pause after a failed accept (e.g. out of file descriptors), so the loop does not spin. */
    static final Duration ACCEPT_ERROR_BACKOFF = Duration.ofMillis(100);
    /** What {@link #close()} waits for handlers to return. */
    static final Duration DEFAULT_DRAIN = Duration.ofSeconds(1);
    /**
     * Sockets one remote address may have in their opening handshake at once (accepted, upgrade
     * request not yet read); more are closed at once. Without it one host sending its requests
     * slowly holds every place of the listener for the handshake timeout, before any credential is
     * checked. Handshakes take milliseconds, so even a proxy in front of many clients stays under it.
     */
    static final int MAX_HANDSHAKES_PER_ADDRESS = 64;
    /** Seconds a client refused for capacity is told to wait ({@code retry-after}). */
    static final int RETRY_AFTER_SECONDS = 1;

    private final ServerSocket server;
    private final boolean tls;
    private final int maxConnections;
    private final WsLimits limits;
    private final WsHandler handler;
    private final long tickNanos;
    private final Set<WsSocket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger refusing = new AtomicInteger();
    /** Sockets in their opening handshake per remote address (only addresses with one are kept). */
    private final ConcurrentHashMap<InetAddress, AtomicInteger> handshaking = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private volatile boolean closing;
    private volatile boolean stopped;
    private Thread acceptor;
    private Thread ticker;

    private WsServer(ServerSocket server, boolean tls, int maxConnections, WsLimits limits, WsHandler handler) {
        this.server = server;
        this.tls = tls;
        this.maxConnections = maxConnections;
        this.limits = limits;
        this.handler = handler;
        long shortest = Math.min(limits.handshakeTimeout().toNanos(),
                Math.min(limits.closeTimeout().toNanos(), limits.writeTimeout().toNanos()));
        this.tickNanos = Math.max(MIN_TICK.toNanos(), Math.min(MAX_TICK.toNanos(), shortest / 4));
    }

    /**
     * Binds {@code host:port} (port 0: any free port).
     *
     * @param tls            null for {@code ws://}; else connections are TLS ({@code wss://}) from this context
     * @param maxConnections open sockets (handshaking or upgraded); one more is answered 503 and closed
     */
    public static WsServer bind(String host, int port, SSLContext tls, int maxConnections, WsLimits limits,
                                WsHandler handler) throws IOException {
        if (maxConnections <= 0) throw new IllegalArgumentException("maxConnections must be positive: " + maxConnections);
        if (limits == null || handler == null) throw new NullPointerException("limits and handler are required");
        ServerSocket s = tls == null ? new ServerSocket() : tls.getServerSocketFactory().createServerSocket();
        try {
            s.setReuseAddress(true);
            s.bind(host == null ? new InetSocketAddress(port) : new InetSocketAddress(host, port), ACCEPT_BACKLOG);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        WsServer w = new WsServer(s, tls != null, maxConnections, limits, handler);
        Log.info("websocket_listening", "host", w.host(), "port", w.port(), "tls", w.tls);
        return w;
    }

    /** Starts the accept loop and the ticker, each on a virtual thread. */
    public void start() {
        lock.lock();
        try {
            if (acceptor != null) throw new IllegalStateException("already started");
            ticker = Thread.ofVirtual().name("ws-ticker-" + port()).start(this::tick);
            acceptor = Thread.ofVirtual().name("ws-accept-" + port()).start(this::acceptLoop);
        } finally {
            lock.unlock();
        }
    }

    public int port() { return server.getLocalPort(); }

    public String host() { return server.getInetAddress().getHostAddress(); }

    public boolean tls() { return tls; }

    /** Sockets open now, handshaking or upgraded (not counting ones being refused for capacity). */
    public int connections() { return open.get(); }

    /**
     * Stops accepting; every upgraded connection is sent close 1001 "going away" (its reader then
     * gets null once the peer answers or the close timeout passes), handshakes in progress are
     * dropped; waits up to {@code drain} for handlers to return, then drops whatever is left.
     */
    public void close(Duration drain) {
        if (closing) return;
        closing = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (WsSocket s : sockets) endOf(s);
        long deadline = System.nanoTime() + drain.toNanos();
        lock.lock();
        try {
            while (open.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) break;
                idle.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
        for (WsSocket s : sockets) s.abort();
        stopped = true;
        if (ticker != null) ticker.interrupt();
        Log.info("websocket_closed", "port", port(), "left", open.get());
    }

    @Override
    public void close() { close(DEFAULT_DRAIN); }

    /** Called by {@link Upgrade#accept} once the 101 is written. */
    void upgraded(WsSocket s) {
        if (closing) endOf(s);
    }

    /** Server closing: 1001 for an upgraded connection (on its own thread: a stuck writer holds its lock), else drop. */
    private static void endOf(WsSocket s) {
        WsConnection c = s.connection;
        if (c != null) Thread.ofVirtual().start(c::goingAway);
        else if (!s.upgrading) s.abort(); // (a 101 being written: upgraded() ends it with 1001, not a reset)
    }

    private void acceptLoop() {
        while (!closing) {
            Socket sock;
            try {
                sock = server.accept();
            } catch (IOException e) {
                if (closing) return;
                Log.warn("websocket_accept_failed", "port", port(), "error", e.toString());
                try {
                    Thread.sleep(ACCEPT_ERROR_BACKOFF);
                } catch (InterruptedException ie) {
                    return;
                }
                continue;
            }
            InetAddress from = sock.getInetAddress();
            if (!enterHandshake(from)) {
                closeQuietly(sock);
                continue;
            }
            boolean over = open.incrementAndGet() > maxConnections;
            if (over) {
                open.decrementAndGet();
                if (refusing.incrementAndGet() > MAX_REFUSING) {
                    refusing.decrementAndGet();
                    leaveHandshake(from);
                    closeQuietly(sock);
                    continue;
                }
            }
            Thread.ofVirtual().start(() -> serve(sock, over, from));
        }
    }

    /** One connection, on its own virtual thread: TLS, the upgrade request, the handler, the end. */
    private void serve(Socket sock, boolean over, InetAddress from) {
        WsSocket ws = null;
        boolean inHandshake = true;
        try {
            sock.setTcpNoDelay(true); // realtime audio: a small frame leaves at once
            sock.setSoTimeout((int) limits.handshakeTimeout().toMillis());
            ws = new WsSocket(sock);
            ws.deadline(System.nanoTime() + limits.handshakeTimeout().toNanos());
            sockets.add(ws);
            if (closing) return;
            if (sock instanceof SSLSocket ssl) ssl.startHandshake();
            InetSocketAddress remote = (InetSocketAddress) sock.getRemoteSocketAddress();
            UpgradeRequest request;
            try {
                request = Handshake.read(ws.in, limits.maxHeaderBytes(), remote);
                inHandshake = false;
                leaveHandshake(from);
            } catch (Handshake.Refusal r) {
                Upgrade.writeRefusal(ws, r.status, r.headerPairs, r.body);
                return;
            }
            if (over) {
                GatewayException busy = new GatewayException(ErrorKind.GATEWAY_BUSY, "The WebSocket listener is at its "
                        + "limit of " + maxConnections + " connections; retry in " + RETRY_AFTER_SECONDS + " second.");
                Upgrade.writeRefusal(ws, busy.httpStatus(), List.of("retry-after", Integer.toString(RETRY_AFTER_SECONDS)),
                        ErrorBody.render(busy));
                return;
            }
            ws.deadline(0);
            run(ws, request);
        } catch (IOException e) {
            // the peer went away, timed out, or failed TLS: nothing to tell anyone
        } catch (RuntimeException e) {
            Log.error("websocket_connection_failed", "port", port(), "error", e.toString());
        } finally {
            if (inHandshake) leaveHandshake(from);
            if (ws != null) {
                ws.close();
                sockets.remove(ws);
            } else {
                closeQuietly(sock);
            }
            if (over) {
                refusing.decrementAndGet();
            } else if (open.decrementAndGet() == 0 && closing) {
                lock.lock();
                try {
                    idle.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** Takes a handshake place for {@code from}; false when it has {@link #MAX_HANDSHAKES_PER_ADDRESS}. */
    private boolean enterHandshake(InetAddress from) {
        boolean[] ok = {true};
        handshaking.compute(from, (a, n) -> {
            if (n == null) n = new AtomicInteger();
            if (n.get() >= MAX_HANDSHAKES_PER_ADDRESS) {
                ok[0] = false;
                return n;
            }
            n.incrementAndGet();
            return n;
        });
        return ok[0];
    }

    private void leaveHandshake(InetAddress from) {
        handshaking.computeIfPresent(from, (a, n) -> n.decrementAndGet() == 0 ? null : n);
    }

    private void run(WsSocket ws, UpgradeRequest request) throws IOException {
        Upgrade upgrade = new Upgrade(ws, request, limits, this);
        boolean failed = false;
        try {
            handler.handle(request, upgrade);
        } catch (IOException e) {
            failed = true;
        } catch (RuntimeException e) {
            failed = true;
            Log.error("websocket_handler_failed", "port", port(), "path", request.path(), "error", e.toString());
        }
        if (!upgrade.decided()) {
            GatewayException e = new GatewayException(ErrorKind.GATEWAY_INTERNAL, "The WebSocket upgrade was not answered.");
            Upgrade.writeRefusal(ws, e.httpStatus(), List.of(), ErrorBody.render(e));
        } else if (upgrade.connection() != null) {
            upgrade.connection().finish(failed);
        }
    }

    private void tick() {
        long writeTimeout = limits.writeTimeout().toNanos();
        while (!stopped) {
            try {
                TimeUnit.NANOSECONDS.sleep(tickNanos);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (WsSocket s : sockets) s.check(now, writeTimeout);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
