package tollgate.websocket;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tollgate.error.ErrorBody;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;

/**
 * Reads and checks the opening handshake (RFC 6455 §4.2.1) from a new connection: the request
 * line and headers up to the empty line, within {@link WsLimits#maxHeaderBytes()} and
 * {@link #MAX_HEADER_FIELDS}, nothing read beyond them (frames follow at once). A request that is
 * not a valid WebSocket upgrade becomes a {@link Refusal} with an OpenAI-shaped JSON body.
 */
final class Handshake {
    /** Most header fields in an upgrade request (more: 431). */
    static final int MAX_HEADER_FIELDS = 100;
    /** RFC 6455 §1.3: appended to the client's key before hashing. */
    static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    /** RFC 6455 §4.1: the key is base64 of 16 random bytes. */
    static final int KEY_BYTES = 16;
    static final String VERSION = "13";

    private Handshake() { throw new AssertionError(); }

    /** A request refused before the application sees it: the response to write, then close. */
    static final class Refusal extends Exception {
        final int status;
        final List<String> headerPairs;
        final byte[] body;

        Refusal(int status, List<String> headerPairs, byte[] body, String message) {
            super(message, null, false, false);
            this.status = status;
            this.headerPairs = headerPairs;
            this.body = body;
        }
    }

    /**
     * The validated upgrade request.
     *
     * @throws Refusal for anything that is not a valid WebSocket opening handshake
     * @throws IOException when the peer goes away or times out first
     */
    static UpgradeRequest read(InputStream in, int maxHeaderBytes, InetSocketAddress remote) throws IOException, Refusal {
        byte[] line = new byte[Math.min(maxHeaderBytes, 1024)];
        int[] budget = {maxHeaderBytes};
        String requestLine = readLine(in, budget, line);
        if (requestLine == null) throw new IOException("connection closed before a request line");
        Map<String, List<String>> headers = new LinkedHashMap<>();
        int fields = 0;
        while (true) {
            String h = readLine(in, budget, line);
            if (h == null) throw new IOException("connection closed inside the request head");
            if (h.isEmpty()) break;
            if (++fields > MAX_HEADER_FIELDS) {
                throw refuse(ErrorKind.CALLER_HEADERS_TOO_LARGE, "The upgrade request has more than "
                        + MAX_HEADER_FIELDS + " header fields.");
            }
            int colon = h.indexOf(':');
            if (colon <= 0 || h.charAt(0) == ' ' || h.charAt(0) == '\t' || !token(h, 0, colon)) {
                throw refuse(ErrorKind.CALLER_INVALID_REQUEST, "Malformed header line in the upgrade request.");
            }
            String name = h.substring(0, colon).toLowerCase(Locale.ROOT);
            headers.computeIfAbsent(name, k -> new ArrayList<>(1)).add(h.substring(colon + 1).strip());
        }
        return check(requestLine, headers, remote);
    }

    private static UpgradeRequest check(String requestLine, Map<String, List<String>> headers, InetSocketAddress remote)
            throws Refusal {
        int sp1 = requestLine.indexOf(' ');
        int sp2 = sp1 < 0 ? -1 : requestLine.indexOf(' ', sp1 + 1);
        if (sp1 <= 0 || sp2 < 0 || requestLine.indexOf(' ', sp2 + 1) >= 0 || sp2 == sp1 + 1) {
            throw refuse(ErrorKind.CALLER_INVALID_REQUEST, "Malformed request line.");
        }
        String method = requestLine.substring(0, sp1);
        String target = requestLine.substring(sp1 + 1, sp2);
        String version = requestLine.substring(sp2 + 1);
        if (!token(method, 0, method.length())) throw refuse(ErrorKind.CALLER_INVALID_REQUEST, "Malformed request line.");
        if (!http11OrLater(version)) {
            throw refuse(ErrorKind.CALLER_INVALID_REQUEST, "A WebSocket upgrade needs HTTP/1.1 or later (RFC 6455 §4.1).");
        }
        // RFC 9112 §3.2.2: absolute-form is accepted; only its path and query matter here.
        int scheme = target.indexOf("://");
        if (!target.startsWith("/") && scheme > 0) {
            int slash = target.indexOf('/', scheme + 3);
            int query = target.indexOf('?', scheme + 3);
            target = slash >= 0 && (query < 0 || slash < query) ? target.substring(slash)
                    : "/" + (query >= 0 ? target.substring(query) : "");
        }
        if (!target.startsWith("/")) throw refuse(ErrorKind.CALLER_INVALID_REQUEST, "Malformed request target.");
        if (!method.equals("GET")) {
            throw refuse(ErrorKind.CALLER_METHOD_NOT_ALLOWED, "Method " + method
                    + " is not allowed here: a WebSocket opening handshake is a GET (RFC 6455 §4.1).", "allow", "GET");
        }
        if (!single(headers, "host")) throw refuse(ErrorKind.CALLER_INVALID_REQUEST, "The upgrade request has no Host header.");
        if (!hasToken(headers.get("upgrade"), "websocket")) {
            throw upgradeRequired("This endpoint speaks WebSocket only: send an upgrade request "
                    + "(Upgrade: websocket, Connection: Upgrade, Sec-WebSocket-Version: 13).");
        }
        if (!hasToken(headers.get("connection"), "upgrade")) {
            throw refuse(ErrorKind.CALLER_INVALID_REQUEST, "The Connection header must contain the token Upgrade (RFC 6455 §4.1).");
        }
        List<String> versions = headers.get("sec-websocket-version");
        if (versions == null || versions.size() != 1 || !versions.get(0).equals(VERSION)) {
            throw upgradeRequired("Only WebSocket version 13 is supported (Sec-WebSocket-Version: 13, RFC 6455 §4.4).");
        }
        List<String> keys = headers.get("sec-websocket-key");
        if (keys == null || keys.size() != 1 || !validKey(keys.get(0))) {
            throw refuse(ErrorKind.CALLER_INVALID_REQUEST,
                    "Sec-WebSocket-Key must be the base64 of 16 bytes, sent once (RFC 6455 §4.1).");
        }
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        String rawQuery = q < 0 ? null : target.substring(q + 1);
        return new UpgradeRequest(method, path, rawQuery, headers, remote);
    }

    /** RFC 6455 §4.2.2 item 5.4: base64(SHA-1(key + GUID)), the key as received (trimmed). */
    static String accept(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            byte[] digest = sha1.digest((key.strip() + ACCEPT_GUID).getBytes(StandardCharsets.ISO_8859_1));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }

    static Refusal refuse(ErrorKind kind, String message, String... headerPairs) {
        return new Refusal(kind.httpStatus(), List.of(headerPairs),
                ErrorBody.render(new GatewayException(kind, message)), message);
    }

    /**
     * 426 Upgrade Required (RFC 9110 §15.5.22, RFC 6455 §4.4): ErrorKind has no 426, so the body
     * is written here in the same shape.
     */
    static Refusal upgradeRequired(String message) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message);
        error.put("type", "invalid_request_error");
        error.put("param", null);
        error.put("code", 426);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        return new Refusal(426, List.of("upgrade", "websocket", "sec-websocket-version", VERSION),
                Json.toBytes(body), message);
    }

    private static boolean validKey(String key) {
        String k = key.strip();
        if (k.length() != 24) return false;
        try {
            return Base64.getDecoder().decode(k).length == KEY_BYTES;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean single(Map<String, List<String>> headers, String name) {
        List<String> v = headers.get(name);
        return v != null && v.size() == 1 && !v.get(0).isEmpty();
    }

    /** Whether a comma-separated header (all its lines) holds {@code token}, case-insensitively. */
    static boolean hasToken(List<String> values, String token) {
        if (values == null) return false;
        for (String v : values) {
            for (String t : v.split(",")) if (t.strip().equalsIgnoreCase(token)) return true;
        }
        return false;
    }

    private static boolean http11OrLater(String version) {
        if (!version.startsWith("HTTP/")) return false;
        String v = version.substring(5);
        int dot = v.indexOf('.');
        try {
            int major = Integer.parseInt(dot < 0 ? v : v.substring(0, dot));
            int minor = dot < 0 ? 0 : Integer.parseInt(v.substring(dot + 1));
            return major > 1 || (major == 1 && minor >= 1);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** RFC 9110 §5.6.2 token characters. */
    private static boolean token(String s, int from, int to) {
        if (from >= to) return false;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) return false;
        }
        return true;
    }

    /**
     * One line without its CRLF (a bare LF is accepted, RFC 9112 §2.2), as ISO-8859-1; null at EOF
     * before any byte. Counts against the head's byte budget: over it, 431.
     */
    private static String readLine(InputStream in, int[] budget, byte[] buf) throws IOException, Refusal {
        int n = 0;
        byte[] b = buf;
        while (true) {
            int c = in.read();
            if (c < 0) {
                if (n == 0) return null;
                throw new IOException("connection closed inside the request head");
            }
            if (--budget[0] < 0) {
                throw refuse(ErrorKind.CALLER_HEADERS_TOO_LARGE, "The upgrade request's request line and headers are "
                        + "larger than the listener's limit.");
            }
            if (c == '\n') break;
            if (n == b.length) b = java.util.Arrays.copyOf(b, b.length * 2);
            b[n++] = (byte) c;
        }
        if (n > 0 && b[n - 1] == '\r') n--;
        for (int i = 0; i < n; i++) {
            if (b[i] == '\r' || b[i] == 0) throw refuse(ErrorKind.CALLER_INVALID_REQUEST, "Malformed request head.");
        }
        return new String(b, 0, n, StandardCharsets.ISO_8859_1);
    }
}
