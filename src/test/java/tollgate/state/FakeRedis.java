package tollgate.state;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import tollgate.config.StateConfig;

/**
 * A RESP server on loopback for what a real Redis will not do: a test's {@link Handler} answers
 * each command with raw bytes of its choosing, or hangs, or closes the connection.
 */
final class FakeRedis implements AutoCloseable {
    /** Answers one command; returns false to close the connection. */
    interface Handler {
        boolean answer(int connection, List<String> command, OutputStream out) throws IOException;
    }

    /** A handler's reply for HELLO: RESP3 with a small map. */
    static final String HELLO3 = "%3\r\n+server\r\n+fake\r\n+proto\r\n:3\r\n+mode\r\n+standalone\r\n";

    private final ServerSocket server;
    private final Handler handler;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger closed = new AtomicInteger();
    private final List<List<String>> received = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    FakeRedis(Handler handler) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.handler = handler;
        Thread.ofVirtual().start(this::accept);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                int n = connections.incrementAndGet();
                Thread.ofVirtual().start(() -> serve(n, s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(int n, Socket s) {
        try (s) {
            Resp.Reader in = new Resp.Reader(new BufferedInputStream(s.getInputStream()));
            OutputStream out = s.getOutputStream();
            while (true) {
                Object c = in.reply();
                List<String> command = new ArrayList<>();
                for (Object o : (List<?>) c) command.add((String) o);
                received.add(command);
                if (!handler.answer(n, command, out)) return;
                out.flush();
            }
        } catch (IOException e) {
            // The client went away (or the test closed us).
        } finally {
            closed.incrementAndGet();
        }
    }

    int port() { return server.getLocalPort(); }

    /** Connections accepted so far. */
    int connections() { return connections.get(); }

    /** Connections that ended (either side closed). */
    int closedConnections() { return closed.get(); }

    /** Every command received, in order. */
    List<List<String>> received() { return received; }

    /** A state section for this server: pool 2, the given reply timeout, connect timeout 1 s. */
    StateConfig config(String password, long timeoutMs) {
        return new StateConfig("127.0.0.1", port(), false, null, password, 0, "test", StateConfig.DEFAULT_KEY_PREFIX, 2,
                Duration.ofMillis(timeoutMs), Duration.ofMillis(1000), null, null);
    }

    static void write(OutputStream out, String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) s.close();
    }
}
