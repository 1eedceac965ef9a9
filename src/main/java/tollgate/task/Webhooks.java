package tollgate.task;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import tollgate.call.Clock;
import tollgate.log.Log;

/**
 * Posts a task's JSON to its {@code webhook} when it ends, on a virtual thread of its own (never
 * in a run's slot): through the gateway's shared HTTP client (no redirects followed), each attempt
 * bounded by {@link #TIMEOUT}, {@link #ATTEMPTS} attempts with backoff on a failure (a connection
 * error, a timeout, or a status other than 2xx). With {@code agent.webhook_secret} set the body is
 * signed: {@code x-tollgate-signature: sha256=<hex HMAC-SHA256 of the body>}, the scheme of
 * GitHub's webhooks. Failures are logged; a delivery cut short by a gateway stop is not retried.
 */
final class Webhooks {
    static final int ATTEMPTS = 3;
    /** Longest one attempt may take, headers and body. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** Wait after the first failed attempt; {@link #BACKOFF_FACTOR} times longer after each next one. */
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final int BACKOFF_FACTOR = 4;
    static final String SIGNATURE_HEADER = "x-tollgate-signature";
    static final String EVENT_HEADER = "x-tollgate-event";

    private final Supplier<HttpClient> client;
    private final List<String> allow;
    private final byte[] secret;
    private final Clock clock;
    private final Set<Thread> deliveries = ConcurrentHashMap.newKeySet();

    /**
     * @param allow  {@code agent.webhook_allow} as this process has it: checked again at delivery
     * @param secret the HMAC key, or null for unsigned bodies
     */
    Webhooks(Supplier<HttpClient> client, List<String> allow, String secret, Clock clock) {
        this.client = client;
        this.allow = List.copyOf(allow);
        this.secret = secret == null ? null : secret.getBytes(UTF_8);
        this.clock = clock;
    }

    /**
     * Why {@code url} may not be a webhook, or null when it may: it must start with one of the
     * configured prefixes, and where a prefix does not end with {@code /} the URL must go on with
     * {@code /}, {@code ?}, {@code #} or end there, so that {@code https://hooks.example.com}
     * allows neither {@code https://hooks.example.com.evil.io/} nor {@code https://hooks.example.com@evil.io/};
     * and its path may not climb out of the prefix's ({@link #climbs}).
     */
    static String refusal(List<String> allow, String url) {
        if (allow.isEmpty()) return "Webhooks are off on this gateway (agent.webhook_allow is empty).";
        URI uri;
        try {
            uri = new URI(url);
        } catch (java.net.URISyntaxException e) {
            return "The webhook is not a valid URL.";
        }
        if (uri.getRawUserInfo() != null) return "A webhook URL may not carry credentials.";
        if (climbs(uri.getRawPath())) {
            return "A webhook URL's path may not hold dot segments ('.', '..') or encoded dots, slashes or backslashes.";
        }
        for (String prefix : allow) {
            if (!url.startsWith(prefix)) continue;
            if (prefix.endsWith("/") || url.length() == prefix.length()) return null;
            char next = url.charAt(prefix.length());
            if (next == '/' || next == '?' || next == '#') return null;
        }
        return "This webhook URL is not allowed: it must start with one of the gateway's agent.webhook_allow prefixes.";
    }

    /**
     * Whether a raw path could leave the prefix it starts with once the receiver resolves it: a
     * {@code .} or {@code ..} segment (RFC 3986 §5.2.4, which the JDK's client sends as it is
     * and most servers resolve), or a percent-encoded dot, slash or backslash that some servers
     * decode first.
     */
    static boolean climbs(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) return false;
        String p = rawPath.toLowerCase(java.util.Locale.ROOT);
        if (p.contains("%2e") || p.contains("%2f") || p.contains("%5c")) return true;
        for (String segment : p.split("/", -1)) if (segment.equals(".") || segment.equals("..")) return true;
        return false;
    }

    /** {@code sha256=<hex>} of {@code body} under the secret, or null without one. */
    String signature(byte[] body) {
        if (secret == null) return null;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /**
     * Starts delivering {@code body} ({@code event}: {@code task.succeeded} …) to {@code url},
     * if this process's allow-list still allows it: a task may have been created under an
     * earlier configuration, and an operator who takes a receiver off the list means it.
     */
    void deliver(String taskId, String url, String event, byte[] body) {
        String refusal = refusal(allow, url);
        if (refusal != null) {
            Log.warn("webhook_refused", "task_id", taskId, "event", event, "reason", refusal);
            return;
        }
        Thread t = Thread.ofVirtual().name("tollgate-webhook-" + taskId).unstarted(() -> {
            try {
                send(taskId, url, event, body);
            } finally {
                deliveries.remove(Thread.currentThread());
            }
        });
        deliveries.add(t);
        t.start();
    }

    private void send(String taskId, String url, String event, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT)
                .header("Content-Type", "application/json").header(EVENT_HEADER, event)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        String signature = signature(body);
        if (signature != null) b.header(SIGNATURE_HEADER, signature);
        HttpRequest request = b.build();
        long backoffNanos = FIRST_BACKOFF.toNanos();
        String last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                HttpResponse<Void> r = client.get().send(request, HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() / 100 == 2) {
                    Log.info("webhook_delivered", "task_id", taskId, "event", event, "status", r.statusCode(), "attempt", attempt);
                    return;
                }
                last = "status " + r.statusCode();
            } catch (InterruptedException e) {
                Log.warn("webhook_abandoned", "task_id", taskId, "event", event, "reason", "the gateway is stopping");
                return;
            } catch (java.io.IOException | RuntimeException e) {
                last = e.getClass().getSimpleName(); // not the message: it may quote the URL's query
            }
            if (attempt == ATTEMPTS) break;
            try {
                clock.sleep(backoffNanos);
            } catch (InterruptedException e) {
                Log.warn("webhook_abandoned", "task_id", taskId, "event", event, "reason", "the gateway is stopping");
                return;
            }
            backoffNanos *= BACKOFF_FACTOR;
        }
        Log.warn("webhook_failed", "task_id", taskId, "event", event, "attempts", ATTEMPTS, "last", last);
    }

    /** Abandons deliveries still running (the HTTP client closes after this). */
    void close() {
        for (Thread t : deliveries) t.interrupt();
    }
}
