// Fake OpenAI realtime upstream for scripts/bench's voice part (not part of Tollgate), and the JDK
// floor relay. Run with the source launcher:
//
//   java VoiceUpstream.java fake PORT [PROVIDER_KEY]
//   java VoiceUpstream.java floor PORT UPSTREAM_WS_BASE [PROVIDER_KEY]
//
// fake:  a WebSocket server (RFC 6455, the server side written here on plain sockets, one virtual
//        thread per connection) at any path, as OpenAI's wss://api.openai.com/v1/realtime?model=...
//        (protocols.md §3). With PROVIDER_KEY, a handshake without "Authorization: Bearer <key>"
//        is refused 401 (so the bench proves the gateway sends the provider's key, not the
//        client's). On connect it sends session.created; it answers each session.update with
//        session.updated (not counted as a frame), and each input_audio_buffer.append at once, on
//        the reading thread, with a response.output_audio.delta of the same audio size whose last
//        field is the append's event_id (the load generator's sequence number: it computes the
//        round trip from it). Other events are ignored; pings are answered; a close is echoed.
// floor: the same server side facing the client, and one java.net.http.WebSocket per session to
//        UPSTREAM_WS_BASE + the client's path and query (one shared HttpClient with executor
//        Runnable::run, as the gateway's Upstream), relaying text both ways in the gateway's
//        shape: client -> upstream with sendText(..).join() (the reader waits until the upstream
//        took it), upstream -> client with a demand of one, each message handed from the
//        listener to the session's writer thread, which writes it and then requests the next.
//        No auth, no JSON, no metering: what the JDK's WebSocket client costs on its own.
//
// Prints {"event":"listening","port":N} once it accepts connections, and a stats line at exit.
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

public class VoiceUpstream {
    /** Largest handshake request we read, in bytes. */
    static final int MAX_HANDSHAKE_BYTES = 16 * 1024;
    /** Largest message we accept, in bytes (OpenAI: an append carries up to 15 MiB). */
    static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
    /** Socket read buffer per connection, in bytes. */
    static final int READ_BUFFER_BYTES = 8 * 1024;
    static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"; // RFC 6455 §1.3

    static final AtomicLong connections = new AtomicLong(), appends = new AtomicLong(),
            updates = new AtomicLong(), others = new AtomicLong(), refused = new AtomicLong();

    static final byte[] APPEND = ascii("{\"type\":\"input_audio_buffer.append\"");
    static final byte[] UPDATE = ascii("{\"type\":\"session.update\"");
    static final byte[] EVENT_ID = ascii("\"event_id\":\"");
    static final byte[] TYPE = ascii("\"type\":\"");
    static final byte[] QUOTE = ascii("\"");

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int port = Integer.parseInt(args[1]);
        String upstream = mode.equals("floor") ? args[2] : null;
        String key = args.length > (upstream == null ? 2 : 3) ? args[upstream == null ? 2 : 3] : null;
        if (!mode.equals("fake") && !mode.equals("floor")) throw new IllegalArgumentException("mode: fake or floor");
        ServerSocket server = new ServerSocket(port, 4096, InetAddress.getLoopbackAddress());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("{\"event\":\"stats\",\"connections\":"
                + connections + ",\"appends\":" + appends + ",\"session_updates\":" + updates + ",\"other_events\":"
                + others + ",\"refused\":" + refused + "}")));
        HttpClient client = upstream == null ? null : HttpClient.newBuilder().executor(Runnable::run)
                .proxy(HttpClient.Builder.NO_PROXY).version(HttpClient.Version.HTTP_1_1).build();
        System.out.println("{\"event\":\"listening\",\"port\":" + server.getLocalPort() + "}");
        while (true) {
            Socket s = server.accept();
            Thread.ofVirtual().start(() -> {
                try (s) {
                    s.setTcpNoDelay(true);
                    ServerConn c = new ServerConn(s);
                    String target = c.handshake(upstream == null ? key : null);
                    if (target == null) return;
                    connections.incrementAndGet();
                    if (upstream == null) fake(c);
                    else floor(c, client, upstream, target, key);
                } catch (Exception e) {
                    // a dropped connection ends its session; nothing to log per connection. Exception,
                    // not IOException: on Temurin 25.0.3 C2's on-stack-replaced read loop let a
                    // SocketException pass a catch of IOException on a virtual thread
                }
            });
        }
    }

    // ------------------------------------------------------------------ fake upstream
    static void fake(ServerConn c) throws IOException {
        byte[] created = ascii("{\"type\":\"session.created\",\"event_id\":\"evt_fake_created\",\"session\":{\"type\":"
                + "\"realtime\",\"object\":\"realtime.session\",\"id\":\"sess_bench\",\"model\":\"bench\"}}");
        byte[] updated = ascii("{\"type\":\"session.updated\",\"event_id\":\"evt_fake_updated\",\"session\":{\"type\":"
                + "\"realtime\",\"object\":\"realtime.session\",\"id\":\"sess_bench\",\"model\":\"bench\"}}");
        // The delta: an OpenAI GA audio delta (protocols.md §3) with 960 bytes of audio (1,280
        // base64 chars, 20 ms of 24 kHz PCM16), the append's event_id last so that the frame is
        // prefix + id + suffix: written without allocating.
        byte[] prefix = ascii("{\"type\":\"response.output_audio.delta\",\"response_id\":\"resp_bench\",\"item_id\":"
                + "\"item_bench\",\"output_index\":0,\"content_index\":0,\"delta\":\"" + audioBase64(960) + "\",\"event_id\":\"");
        byte[] suffix = ascii("\"}");
        c.send(1, created, 0, created.length, null, 0, 0, null, 0, 0);
        while (true) {
            int op = c.readMessage();
            if (op < 0) return;
            if (op != 1) {
                others.incrementAndGet();
                continue;
            }
            byte[] m = c.msg;
            int n = c.msgLen;
            if (startsWith(m, n, APPEND)) {
                int from = indexOf(m, n, EVENT_ID, APPEND.length);
                int to = from < 0 ? -1 : indexOf(m, n, QUOTE, from + EVENT_ID.length);
                if (to < 0) {
                    others.incrementAndGet();
                    continue;
                }
                appends.incrementAndGet();
                int idFrom = from + EVENT_ID.length;
                c.send(1, prefix, 0, prefix.length, m, idFrom, to - idFrom, suffix, 0, suffix.length);
            } else if (startsWith(m, n, UPDATE) || typeIs(m, n, "session.update")) {
                updates.incrementAndGet();
                c.send(1, updated, 0, updated.length, null, 0, 0, null, 0, 0);
            } else if (typeIs(m, n, "input_audio_buffer.append")) {
                // an append whose fields were reordered on the way: still answered, by the slow path
                int from = indexOf(m, n, EVENT_ID, 0);
                int to = from < 0 ? -1 : indexOf(m, n, QUOTE, from + EVENT_ID.length);
                if (to < 0) continue;
                appends.incrementAndGet();
                c.send(1, prefix, 0, prefix.length, m, from + EVENT_ID.length, to - from - EVENT_ID.length, suffix, 0, suffix.length);
            } else {
                others.incrementAndGet();
            }
        }
    }

    /** Whether the message's first "type" field has this value (the slow path, for reordered fields). */
    static boolean typeIs(byte[] m, int n, String type) {
        int at = indexOf(m, n, TYPE, 0);
        if (at < 0) return false;
        byte[] t = ascii(type + "\"");
        int from = at + TYPE.length;
        if (from + t.length > n) return false;
        for (int i = 0; i < t.length; i++) if (m[from + i] != t[i]) return false;
        return true;
    }

    // ------------------------------------------------------------------ floor relay
    static void floor(ServerConn c, HttpClient client, String base, String target, String key) throws IOException {
        ReentrantLock lock = new ReentrantLock();
        Condition changed = lock.newCondition();
        String[] slot = new String[1];
        boolean[] ended = new boolean[1];
        StringBuilder partial = new StringBuilder();
        WebSocket.Listener listener = new WebSocket.Listener() {
            @Override public void onOpen(WebSocket ws) { ws.request(1); }
            @Override public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                if (!last) {
                    partial.append(data);
                    ws.request(1);
                    return null;
                }
                String whole = partial.isEmpty() ? data.toString() : partial.append(data).toString();
                partial.setLength(0);
                lock.lock();
                try {
                    slot[0] = whole;
                    changed.signal();
                } finally {
                    lock.unlock();
                }
                return null;
            }
            @Override public CompletionStage<?> onClose(WebSocket ws, int code, String reason) { end(); return null; }
            @Override public void onError(WebSocket ws, Throwable error) { end(); }
            void end() {
                lock.lock();
                try {
                    ended[0] = true;
                    changed.signal();
                } finally {
                    lock.unlock();
                }
            }
        };
        var builder = client.newWebSocketBuilder();
        if (key != null) builder.header("Authorization", "Bearer " + key);
        WebSocket ws;
        try {
            ws = builder.buildAsync(URI.create(base + target), listener).join();
        } catch (RuntimeException e) {
            c.close(1011, "upstream connect failed");
            return;
        }
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    String next;
                    lock.lock();
                    try {
                        while (slot[0] == null && !ended[0]) changed.awaitUninterruptibly();
                        if (slot[0] == null) break;
                        next = slot[0];
                        slot[0] = null;
                    } finally {
                        lock.unlock();
                    }
                    byte[] b = next.getBytes(StandardCharsets.UTF_8);
                    c.send(1, b, 0, b.length, null, 0, 0, null, 0, 0);
                    ws.request(1);
                }
                c.close(1000, "");
            } catch (IOException e) {
                ws.abort();
            }
        });
        try {
            while (true) {
                int op = c.readMessage();
                if (op < 0) break;
                if (op == 1) ws.sendText(new String(c.msg, 0, c.msgLen, StandardCharsets.UTF_8), true).join();
                else ws.sendBinary(java.nio.ByteBuffer.wrap(c.msg, 0, c.msgLen).duplicate(), true).join();
            }
        } catch (RuntimeException e) {
            // the upstream broke: the writer ends with it
        } finally {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").exceptionally(e -> null);
            ws.abort();
            listener.onClose(ws, 1000, "");
        }
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ RFC 6455, server side
    /** One accepted connection: the handshake (§4.2), masked client frames in, unmasked frames out (§5). */
    static final class ServerConn {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        final ReentrantLock writeLock = new ReentrantLock();
        final byte[] head = new byte[14];
        final byte[] control = new byte[125];
        byte[] msg = new byte[4096];
        int msgLen;
        byte[] frame = new byte[4096];

        ServerConn(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream(), READ_BUFFER_BYTES);
            this.out = socket.getOutputStream();
        }

        /** Reads the upgrade request; answers 101 and returns its path and query, or answers an error and returns null. */
        String handshake(String key) throws IOException {
            StringBuilder sb = new StringBuilder(512);
            int last4 = 0;
            while (last4 != 0x0d0a0d0a) {
                int b = in.read();
                if (b < 0 || sb.length() >= MAX_HANDSHAKE_BYTES) return null;
                sb.append((char) b);
                last4 = (last4 << 8) | b;
            }
            String[] lines = sb.toString().split("\r\n");
            String[] start = lines[0].split(" ");
            String wsKey = null, auth = null, upgrade = null;
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon <= 0) continue;
                String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = lines[i].substring(colon + 1).trim();
                switch (name) {
                    case "sec-websocket-key" -> wsKey = value;
                    case "authorization" -> auth = value;
                    case "upgrade" -> upgrade = value;
                    default -> { }
                }
            }
            if (start.length < 3 || !start[0].equals("GET") || wsKey == null || upgrade == null
                    || !upgrade.equalsIgnoreCase("websocket")) {
                refuse(400, "not a WebSocket upgrade");
                return null;
            }
            if (key != null && !("Bearer " + key).equals(auth)) {
                refuse(401, "Incorrect API key provided.");
                return null;
            }
            String accept;
            try {
                accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                        .digest((wsKey + GUID).getBytes(StandardCharsets.ISO_8859_1)));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            out.write(ascii("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n"));
            out.flush();
            return start[1];
        }

        void refuse(int status, String message) throws IOException {
            refused.incrementAndGet();
            byte[] body = ascii("{\"error\":{\"message\":\"" + message + "\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}");
            out.write(ascii("HTTP/1.1 " + status + " Refused\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length + "\r\nConnection: close\r\n\r\n"));
            out.write(body);
            out.flush();
        }

        /** The next whole data message into msg/msgLen: its opcode (1 text, 2 binary), or -1 once the connection ended. */
        int readMessage() throws IOException {
            msgLen = 0;
            int opcode = 0;
            while (true) {
                if (in.readNBytes(head, 0, 2) < 2) return -1;
                boolean fin = (head[0] & 0x80) != 0;
                int op = head[0] & 0x0f;
                if ((head[0] & 0x70) != 0 || (head[1] & 0x80) == 0) return fail(1002); // RSV set or unmasked (§5.1, §5.2)
                long len = head[1] & 0x7f;
                if (len == 126) {
                    if (in.readNBytes(head, 2, 2) < 2) return -1;
                    len = ((head[2] & 0xff) << 8) | (head[3] & 0xff);
                } else if (len == 127) {
                    if (in.readNBytes(head, 2, 8) < 8) return -1;
                    len = 0;
                    for (int i = 2; i < 10; i++) len = (len << 8) | (head[i] & 0xff);
                }
                if (in.readNBytes(head, 10, 4) < 4) return -1;
                if (op >= 8) { // control frame (§5.5)
                    if (len > 125 || !fin) return fail(1002);
                    if (in.readNBytes(control, 0, (int) len) < len) return -1;
                    unmask(control, 0, (int) len);
                    if (op == 8) {
                        int code = len >= 2 ? ((control[0] & 0xff) << 8) | (control[1] & 0xff) : 1000;
                        close(code, "");
                        return -1;
                    }
                    if (op == 9) send(10, control, 0, (int) len, null, 0, 0, null, 0, 0);
                    continue;
                }
                if (op != 0) opcode = op;
                if (opcode == 0 || len < 0 || msgLen + len > MAX_MESSAGE_BYTES) return fail(opcode == 0 ? 1002 : 1009);
                if (msg.length < msgLen + len) msg = java.util.Arrays.copyOf(msg, (int) Math.max(msgLen + len, msg.length * 2L));
                if (in.readNBytes(msg, msgLen, (int) len) < len) return -1;
                unmask(msg, msgLen, (int) len);
                msgLen += (int) len;
                if (fin) return opcode;
            }
        }

        private void unmask(byte[] b, int off, int len) {
            for (int i = 0; i < len; i++) b[off + i] ^= head[10 + (i & 3)];
        }

        private int fail(int code) {
            close(code, "");
            return -1;
        }

        /** One unmasked frame of opcode `op` whose payload is a + b + c, in one socket write. */
        void send(int op, byte[] a, int ao, int al, byte[] b, int bo, int bl, byte[] c, int co, int cl) throws IOException {
            int len = al + bl + cl;
            int h = len < 126 ? 2 : len < 65536 ? 4 : 10;
            writeLock.lock();
            try {
                if (frame.length < h + len) frame = new byte[h + len];
                frame[0] = (byte) (0x80 | op);
                if (h == 2) {
                    frame[1] = (byte) len;
                } else if (h == 4) {
                    frame[1] = 126;
                    frame[2] = (byte) (len >>> 8);
                    frame[3] = (byte) len;
                } else {
                    frame[1] = 127;
                    for (int i = 0; i < 8; i++) frame[2 + i] = (byte) ((long) len >>> (56 - 8 * i));
                }
                System.arraycopy(a, ao, frame, h, al);
                if (bl > 0) System.arraycopy(b, bo, frame, h + al, bl);
                if (cl > 0) System.arraycopy(c, co, frame, h + al + bl, cl);
                out.write(frame, 0, h + len);
            } finally {
                writeLock.unlock();
            }
        }

        void close(int code, String reason) {
            byte[] r = reason.getBytes(StandardCharsets.UTF_8);
            byte[] p = new byte[2 + r.length];
            p[0] = (byte) (code >>> 8);
            p[1] = (byte) code;
            System.arraycopy(r, 0, p, 2, r.length);
            try {
                send(8, p, 0, p.length, null, 0, 0, null, 0, 0);
            } catch (IOException e) {
                // the peer is gone already
            }
        }
    }

    // ------------------------------------------------------------------ helpers
    static byte[] ascii(String s) { return s.getBytes(StandardCharsets.US_ASCII); }

    /** Base64 of `bytes` bytes of a 440 Hz PCM16 tone at 24 kHz (little-endian, as OpenAI's pcm16). */
    static String audioBase64(int bytes) {
        byte[] pcm = new byte[bytes];
        for (int i = 0; i < bytes / 2; i++) {
            short v = (short) (8000 * Math.sin(2 * Math.PI * 440 * i / 24000.0));
            pcm[2 * i] = (byte) v;
            pcm[2 * i + 1] = (byte) (v >> 8);
        }
        return Base64.getEncoder().encodeToString(pcm);
    }

    static boolean startsWith(byte[] m, int n, byte[] p) {
        if (n < p.length) return false;
        for (int i = 0; i < p.length; i++) if (m[i] != p[i]) return false;
        return true;
    }

    static int indexOf(byte[] m, int n, byte[] p, int from) {
        outer:
        for (int i = from; i + p.length <= n; i++) {
            for (int j = 0; j < p.length; j++) if (m[i + j] != p[j]) continue outer;
            return i;
        }
        return -1;
    }
}
