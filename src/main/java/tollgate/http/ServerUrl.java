package tollgate.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsExchange;
import java.net.InetAddress;
import java.net.Inet6Address;
import java.net.InetSocketAddress;

/**
 * The URL a client reached the gateway at, {@code http(s)://host:port}, for the base URL the
 * status page and the 404 hints tell it to use: the scheme of the listener (https on the TLS
 * one) and the request's {@code Host} (RFC 9110 §7.2), which is what the client typed; the
 * listener's own address when the request has no usable {@code Host}. Headers a proxy may add
 * ({@code X-Forwarded-*}) are not trusted: anyone can send them.
 */
final class ServerUrl {
    private ServerUrl() { throw new AssertionError(); }

    /** Longest {@code Host} value used, in characters: a DNS name (253) and a port. */
    static final int MAX_HOST_CHARS = 262;

    static String of(HttpExchange exchange) {
        String scheme = exchange instanceof HttpsExchange ? "https" : "http";
        String host = exchange.getRequestHeaders().getFirst("Host");
        if (host == null || !plausibleHost(host)) host = listener(exchange.getLocalAddress());
        return scheme + "://" + host;
    }

    /** A host with an optional port, in the characters of a name, an IPv4 or a bracketed IPv6 address. */
    static boolean plausibleHost(String host) {
        if (host.isEmpty() || host.length() > MAX_HOST_CHARS) return false;
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']';
            if (!ok) return false;
        }
        return true;
    }

    private static String listener(InetSocketAddress local) {
        InetAddress address = local.getAddress();
        String host = address.getHostAddress();
        int zone = host.indexOf('%');
        if (zone >= 0) host = host.substring(0, zone);
        if (address instanceof Inet6Address) host = "[" + host + "]";
        return host + ":" + local.getPort();
    }
}
