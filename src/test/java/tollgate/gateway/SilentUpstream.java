package tollgate.gateway;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An upstream that reads one request and then says nothing more: either not even a status line,
 * or only the headers of an SSE response. It then blocks reading its socket, so it notices the
 * moment the gateway closes the connection — which a JDK {@code HttpServer} handler cannot see
 * while it is not writing. Used to check that the gateway cancels an upstream call that has
 * produced nothing yet when its client goes away.
 */
final class SilentUpstream implements AutoCloseable {
    private final ServerSocket listener;
    private final boolean sendHeaders;
    private final CountDownLatch requestRead = new CountDownLatch(1);
    private final CountDownLatch peerClosed = new CountDownLatch(1);
    private final Thread acceptor;
    private volatile Socket socket;

    /** @param sendHeaders whether to answer {@code 200 text/event-stream} headers before going silent */
    SilentUpstream(boolean sendHeaders) throws IOException {
        this.sendHeaders = sendHeaders;
        listener = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofVirtual().name("silent-upstream").start(this::serveOne);
    }

    String url() { return "http://127.0.0.1:" + listener.getLocalPort(); }

    boolean awaitRequest(Duration timeout) throws InterruptedException {
        return requestRead.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether the gateway closed the connection within {@code timeout}. */
    boolean awaitPeerClosed(Duration timeout) throws InterruptedException {
        return peerClosed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void serveOne() {
        try (Socket s = listener.accept()) {
            socket = s;
            InputStream in = s.getInputStream();
            String head = readHead(in);
            long length = contentLength(head);
            in.readNBytes((int) length);
            if (sendHeaders) {
                s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n").getBytes(US_ASCII));
                s.getOutputStream().flush();
            }
            requestRead.countDown();
            while (in.read() >= 0) {
                // Nothing is expected from the gateway once its request is sent.
            }
            peerClosed.countDown();
        } catch (IOException e) {
            peerClosed.countDown(); // reset by the peer: closed all the same
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            byte[] a = b.toByteArray();
            int n = a.length;
            if (n >= 4 && a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r' && a[n - 1] == '\n') break;
        }
        return b.toString(US_ASCII);
    }

    private static long contentLength(String head) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
                return Long.parseLong(line.substring(colon + 1).trim());
            }
        }
        return 0;
    }

    @Override
    public void close() throws IOException {
        listener.close();
        Socket s = socket;
        if (s != null) s.close();
        acceptor.interrupt();
    }
}
