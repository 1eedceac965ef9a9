package tollgate.provider;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tollgate.config.ProviderConfig;

/**
 * What the gateway must never relay: the provider keys in its config (and the values of
 * configured headers that carry credentials), and, in error messages for clients, the hosts it
 * reaches upstream. An upstream that echoes the request's {@code Authorization} header or its
 * own address in an error (or, for a debugging proxy, in an answer) must not hand our secrets
 * to a client or to the log.
 *
 * <p>Forms matched: the secret as configured, URL-encoded, JSON-escaped ({@code \/}), and
 * Base64 (as in a Basic {@code Authorization}); in messages also any run of
 * {@link #MIN_FRAGMENT_CHARS} of its characters (an excerpt cut in the middle of the key).
 * Secrets shorter than {@link #MIN_SECRET_CHARS} are not matched: such values ({@code ollama},
 * {@code none}) are not secrets, and replacing them would mangle ordinary text.
 *
 * <p>Byte scans ({@link #scrub(byte[], int, int)}) run on every relayed body and stream event,
 * so they cost one table lookup per byte until a two-byte prefix of some form matches; a
 * secret split across two stream events is not seen (only whole forms in one event are).
 * Immutable and thread-safe.
 */
public final class Secrets {
    /** Shortest value treated as a secret, in chars. */
    public static final int MIN_SECRET_CHARS = 8;
    /** Shortest piece of a secret recognised inside a message, in chars. */
    public static final int MIN_FRAGMENT_CHARS = 12;
    /** What a secret is replaced with. */
    public static final String REDACTED = "[redacted]";
    /** What an upstream host is replaced with in messages to clients. */
    public static final String HOST = "[upstream host]";
    /** No secrets: scrubs nothing. */
    public static final Secrets NONE = new Secrets(List.of(), List.of());

    private static final byte[] REDACTED_BYTES = REDACTED.getBytes(StandardCharsets.US_ASCII);
    private static final List<String> CREDENTIAL_HEADER_WORDS = List.of("key", "token", "secret", "auth", "password", "cookie");

    private final List<String> secrets;
    private final List<String> hosts;
    private final List<String> forms = new ArrayList<>();
    private final byte[][] formBytes;
    /** Bit {@code (b0 << 8) | b1} is set when some form starts with bytes b0, b1. */
    private final long[] prefixes = new long[65536 / 64];

    private Secrets(List<String> secrets, List<String> hosts) {
        this.secrets = List.copyOf(secrets);
        this.hosts = List.copyOf(hosts);
        Set<String> all = new LinkedHashSet<>();
        for (String s : secrets) {
            all.add(s);
            all.add(URLEncoder.encode(s, StandardCharsets.UTF_8));
            all.add(s.replace("/", "\\/"));
            all.add(Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)));
            all.add(Base64.getEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8)));
        }
        forms.addAll(all);
        formBytes = new byte[forms.size()][];
        for (int i = 0; i < formBytes.length; i++) {
            byte[] f = forms.get(i).getBytes(StandardCharsets.UTF_8);
            formBytes[i] = f;
            int bit = ((f[0] & 0xff) << 8) | (f[1] & 0xff);
            prefixes[bit >>> 6] |= 1L << bit;
        }
    }

    /** The secrets and upstream hosts of the configured providers. */
    public static Secrets of(Collection<ProviderConfig> providers) {
        List<String> secrets = new ArrayList<>();
        List<String> hosts = new ArrayList<>();
        for (ProviderConfig p : providers) {
            if (p.apiKey() != null) secret(secrets, p.apiKey());
            if (p.headers() != null) {
                for (Map.Entry<String, String> h : p.headers().entrySet()) {
                    String name = h.getKey().toLowerCase(Locale.ROOT);
                    if (CREDENTIAL_HEADER_WORDS.stream().anyMatch(name::contains)) secret(secrets, h.getValue());
                }
            }
            URI base = p.baseUrl();
            if (base != null && base.getHost() != null) {
                if (base.getPort() > 0) hosts.add(base.getHost() + ":" + base.getPort());
                hosts.add(base.getHost());
            }
        }
        return new Secrets(secrets, hosts);
    }

    /**
     * Secrets given as values (a tool's or an MCP server's token and header values), with no
     * hosts: for scrubbing what such an endpoint answers before a model or the log sees it.
     */
    public static Secrets ofValues(Collection<String> values) {
        List<String> secrets = new ArrayList<>();
        for (String v : values) if (v != null) secret(secrets, v);
        return secrets.isEmpty() ? NONE : new Secrets(secrets, List.of());
    }

    /**
     * The credentials among {@code headers} (configured request headers, e.g. a gateway tool's):
     * the values of those whose names say they carry one, as for a provider's headers.
     */
    public static Secrets ofHeaders(Map<String, String> headers) {
        List<String> secrets = new ArrayList<>();
        for (Map.Entry<String, String> h : headers.entrySet()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (CREDENTIAL_HEADER_WORDS.stream().anyMatch(name::contains)) secret(secrets, h.getValue());
        }
        return secrets.isEmpty() ? NONE : new Secrets(secrets, List.of());
    }

    private static void secret(List<String> out, String value) {
        String v = value.strip();
        if (v.regionMatches(true, 0, "Bearer ", 0, 7)) v = v.substring(7).strip();
        if (v.length() >= MIN_SECRET_CHARS && !out.contains(v)) out.add(v);
    }

    /** A message for a client: secrets, pieces of them, and upstream hosts replaced. */
    public String forClient(String message) {
        if (message == null) return null;
        String s = forLog(message);
        for (String h : hosts) s = replace(s, h, HOST);
        return s;
    }

    /** A message for the log: secrets and pieces of them replaced; hosts stay (the operator needs them). */
    public String forLog(String message) {
        if (message == null || secrets.isEmpty()) return message;
        String s = message;
        for (String f : forms) s = replace(s, f, REDACTED);
        for (String secret : secrets) s = withoutFragments(s, secret);
        return s;
    }

    /** Every run of at least {@link #MIN_FRAGMENT_CHARS} characters of {@code secret} in {@code s}, replaced. */
    private static String withoutFragments(String s, String secret) {
        if (secret.length() < MIN_FRAGMENT_CHARS) return s;
        StringBuilder out = null;
        int i = 0;
        int copied = 0;
        while (i + MIN_FRAGMENT_CHARS <= s.length()) {
            int at = secret.indexOf(s.substring(i, i + MIN_FRAGMENT_CHARS));
            if (at < 0) {
                i++;
                continue;
            }
            int end = i + MIN_FRAGMENT_CHARS; // extend the match as far as it goes
            while (end < s.length() && at + (end - i) < secret.length() && s.charAt(end) == secret.charAt(at + (end - i))) end++;
            if (out == null) out = new StringBuilder(s.length());
            out.append(s, copied, i).append(REDACTED);
            copied = i = end;
        }
        return out == null ? s : out.append(s, copied, s.length()).toString();
    }

    private static String replace(String s, String what, String with) {
        return s.contains(what) ? s.replace(what, with) : s;
    }

    /**
     * {@code b[off, off + len)} with every form of every secret replaced by {@link #REDACTED}:
     * the same array when there is none (nearly always), else a new one of exactly the result's
     * length, at most {@link #maxScrubbedLength} of {@code len}.
     */
    public byte[] scrub(byte[] b, int off, int len) {
        int end = off + len;
        int first = find(b, off, end);
        if (first < 0) return b;
        // Two passes over the matches: the result's length, then its bytes (one allocation).
        int size = 0;
        for (int i = off, at = first; ; ) {
            size += at - i + REDACTED_BYTES.length;
            i = at + formBytes[matchAt(b, at, end)].length;
            at = find(b, i, end);
            if (at < 0) {
                size += end - i;
                break;
            }
        }
        byte[] out = new byte[size];
        int o = 0;
        for (int i = off, at = first; ; ) {
            System.arraycopy(b, i, out, o, at - i);
            o += at - i;
            System.arraycopy(REDACTED_BYTES, 0, out, o, REDACTED_BYTES.length);
            o += REDACTED_BYTES.length;
            i = at + formBytes[matchAt(b, at, end)].length;
            at = find(b, i, end);
            if (at < 0) {
                System.arraycopy(b, i, out, o, end - i);
                return out;
            }
        }
    }

    /**
     * The longest {@link #scrub} can make {@code len} bytes: every form is at least
     * {@link #MIN_SECRET_CHARS} bytes and becomes the {@value #REDACTED} marker.
     */
    public static long maxScrubbedLength(int len) {
        return (long) len * Math.max(REDACTED_BYTES.length, MIN_SECRET_CHARS) / MIN_SECRET_CHARS + 1;
    }

    /** Whether {@code b[off, off + len)} holds a form of a secret. */
    public boolean contains(byte[] b, int off, int len) {
        return find(b, off, off + len) >= 0;
    }

    /** The position of the first form in {@code b[from, end)}, or -1. */
    private int find(byte[] b, int from, int end) {
        if (formBytes.length == 0) return -1;
        for (int i = from; i < end - 1; i++) {
            int bit = ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
            if ((prefixes[bit >>> 6] & (1L << bit)) != 0 && matchAt(b, i, end) >= 0) return i;
        }
        return -1;
    }

    /** The index of the longest form that starts at {@code b[i]}, or -1. */
    private int matchAt(byte[] b, int i, int end) {
        int best = -1;
        for (int k = 0; k < formBytes.length; k++) {
            byte[] f = formBytes[k];
            if (f.length <= end - i && Arrays.equals(b, i, i + f.length, f, 0, f.length)
                    && (best < 0 || f.length > formBytes[best].length)) best = k;
        }
        return best;
    }
}
