package tollgate.provider;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import tollgate.config.LocalKinds;
import tollgate.config.ModelConfig;
import tollgate.config.ProviderConfig;
import tollgate.json.JsonException;
import tollgate.log.Log;

/**
 * Fetches the models local upstreams serve, for the catalog: from Ollama's {@code GET /api/tags}
 * (its native list, beside {@code /v1}) for kind {@code ollama}, and from the OpenAI-shaped
 * {@code GET {base_url}/models} for the other providers with {@code discover} on (vLLM and
 * llama.cpp's server answer it). Run whenever the providers are built (start-up, reload).
 *
 * <p>Bounded: the providers are asked in parallel, each on its own virtual thread, each request
 * with a timeout of {@link #TIMEOUT} (or the provider's {@code timeout_ms} when shorter), and
 * the caller waits at most the longest of these plus {@link #WARM_UP_ALLOWANCE}, so that an
 * upstream that is down or hangs delays the gateway's start by that much at most; a thread
 * still busy then (a body that trickles) is interrupted. Each answer is
 * read up to {@link #MAX_BODY_BYTES}; at most {@link #MAX_MODELS} models are taken per provider.
 * A provider that fails is logged once ({@code model_discovery_failed}) and adds no models; the
 * models configured for it are not affected.
 */
public final class ModelDiscovery {
    private ModelDiscovery() { throw new AssertionError(); }

    /** Longest wait for one provider's list, headers and body. A local server answers in milliseconds. */
    public static final Duration TIMEOUT = Duration.ofSeconds(3);
    /**
     * Added to the longest wait before the caller gives up on a provider: the first request of a
     * gateway builds the JDK HTTP client and loads its classes, which took 1.7 s of a local
     * discovery's 1.73 s on a 2-core host at load average 18 (the answer itself is milliseconds).
     */
    static final Duration WARM_UP_ALLOWANCE = Duration.ofSeconds(3);
    /** Largest model list read, in bytes: Ollama's is ~0.5 KiB per model. */
    public static final int MAX_BODY_BYTES = 2 * 1024 * 1024;
    /** Most models taken from one provider; the rest are logged as left out. */
    public static final int MAX_MODELS = 256;
    /** Longest model id (with the {@code <provider>/} prefix), as the config allows, in chars. */
    static final int MAX_ID_CHARS = 256;
    /** Ollama's native model list, relative to its origin (the base URL without {@code /v1}). */
    static final String OLLAMA_TAGS = "/api/tags";

    /** One provider's discovery, run on its own virtual thread. */
    private static final class Fetch implements Runnable {
        final ProviderConfig provider;
        final URI uri;
        final Duration wait;
        final Upstream upstream;
        Thread thread;
        volatile List<ModelConfig> models;
        volatile String failure;
        volatile int leftOut;

        Fetch(ProviderConfig provider, Upstream upstream) {
            this.provider = provider;
            this.upstream = upstream;
            this.uri = listUri(provider);
            this.wait = provider.timeout().compareTo(TIMEOUT) < 0 ? provider.timeout() : TIMEOUT;
        }

        @Override
        public void run() {
            try {
                models = fetch();
            } catch (IOException | JsonException | IllegalArgumentException e) {
                failure = e instanceof ConnectException ? "connection refused"
                        : e instanceof HttpTimeoutException ? "no answer within " + wait.toMillis() + " ms"
                        : e.getMessage() != null ? e.getMessage() : "connection failed";
            } catch (InterruptedException e) {
                failure = "no answer within " + wait.toMillis() + " ms";
            } catch (RuntimeException e) { // anything else: the gateway starts without these models
                failure = "unexpected answer";
            }
        }

        private List<ModelConfig> fetch() throws IOException, InterruptedException {
            HttpRequest.Builder b = upstream.request(uri).timeout(wait).header("Accept", "application/json").GET();
            if (provider.apiKey() != null) b.header("Authorization", "Bearer " + provider.apiKey());
            for (Map.Entry<String, String> h : provider.headers().entrySet()) b.header(h.getKey(), h.getValue());
            var pending = upstream.client().sendAsync(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            HttpResponse<InputStream> response;
            try {
                response = pending.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException("connection failed");
            } catch (InterruptedException e) {
                pending.cancel(true);
                throw e;
            }
            try (InputStream in = response.body()) {
                if (response.statusCode() != 200) throw new IOException("GET " + uri.getRawPath() + " answered HTTP " + response.statusCode());
                byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
                if (body.length > MAX_BODY_BYTES) throw new IOException("the model list is over " + MAX_BODY_BYTES + " bytes");
                List<DiscoveredModels.Entry> entries = DiscoveredModels.parse(body, provider.kind().equals(LocalKinds.OLLAMA));
                return models(entries);
            }
        }

        private List<ModelConfig> models(List<DiscoveredModels.Entry> entries) {
            List<ModelConfig> out = new ArrayList<>();
            java.util.Set<String> seen = new java.util.HashSet<>();
            int skipped = 0;
            for (DiscoveredModels.Entry e : entries) {
                String id = provider.id() + "/" + e.name();
                if (!usable(id) || !seen.add(id)) {
                    skipped++;
                    continue;
                }
                if (out.size() == MAX_MODELS) {
                    skipped++;
                    continue;
                }
                out.add(new ModelConfig(id, provider.id(), e.name(), e.name(), e.contextLength(), null, null, CHAT, e.created(),
                        0, Map.of()));
            }
            leftOut = skipped;
            return List.copyOf(out);
        }
    }

    /** What a discovered model is assumed to do, as for an ad-hoc {@code <provider>/<model>}: the upstream decides. */
    private static final java.util.Set<String> CHAT = chat();

    private static java.util.Set<String> chat() {
        java.util.Set<String> all = new java.util.LinkedHashSet<>(ModelConfig.CAPABILITIES);
        all.removeAll(ModelConfig.NON_CHAT_CAPABILITIES);
        return java.util.Collections.unmodifiableSet(all);
    }

    /**
     * The models the enabled providers with {@code discover} on serve, as catalog entries
     * {@code <provider>/<name>} (unpriced, chat), in provider order; waits at most the longest
     * provider's wait (see the class comment).
     */
    public static List<ModelConfig> discover(Collection<ProviderConfig> providers, Upstream upstream) {
        List<Fetch> fetches = new ArrayList<>();
        long longest = 0;
        for (ProviderConfig p : providers) {
            if (!p.enabled() || !p.discover() || p.baseUrl() == null) continue;
            Fetch f = new Fetch(p, upstream);
            f.thread = Thread.ofVirtual().name("tollgate-discovery-" + p.id()).start(f);
            fetches.add(f);
            longest = Math.max(longest, f.wait.toNanos());
        }
        if (fetches.isEmpty()) return List.of();
        long t0 = System.nanoTime();
        // The request timeout counts from the send; the allowance covers what comes before it.
        long deadline = t0 + longest + WARM_UP_ALLOWANCE.toNanos();
        List<ModelConfig> all = new ArrayList<>();
        for (Fetch f : fetches) {
            boolean done = join(f.thread, deadline);
            if (!done) {
                f.thread.interrupt(); // ends a body that trickles; its result is dropped
                f.failure = "no answer within " + f.wait.toMillis() + " ms";
            }
            List<ModelConfig> found = done ? f.models : null;
            if (found == null) {
                Log.warn("model_discovery_failed", "provider", f.provider.id(), "url", f.uri.toString(),
                        "reason", f.failure != null ? f.failure : "no answer",
                        "hint", "models configured for it still work; it is asked again on reload");
                continue;
            }
            all.addAll(found);
            Log.info("models_discovered", "provider", f.provider.id(), "models", found.size(),
                    "left_out", f.leftOut, "took_ms", (System.nanoTime() - t0) / 1_000_000);
        }
        return List.copyOf(all);
    }

    /** Waits for {@code t} until {@code deadline} (System.nanoTime); true when it ended. */
    private static boolean join(Thread t, long deadline) {
        try {
            long left = deadline - System.nanoTime();
            return left > 0 ? t.join(Duration.ofNanos(left)) : !t.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !t.isAlive();
        }
    }

    /** Where {@code p}'s model list is: Ollama's {@code /api/tags} at its origin, else {@code {base_url}/models}. */
    static URI listUri(ProviderConfig p) {
        String base = p.baseUrl().toString();
        if (!p.kind().equals(LocalKinds.OLLAMA)) return URI.create(base + "/models");
        String origin = base.endsWith("/v1") ? base.substring(0, base.length() - "/v1".length()) : base;
        return URI.create(origin + OLLAMA_TAGS);
    }

    /** A model id the config would accept: printable ASCII without spaces, at most {@link #MAX_ID_CHARS}. */
    static boolean usable(String id) {
        if (id.length() > MAX_ID_CHARS) return false;
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < 0x21 || c > 0x7e) return false;
        }
        return true;
    }
}
