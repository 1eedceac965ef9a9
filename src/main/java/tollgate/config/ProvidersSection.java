package tollgate.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import tollgate.config.Substitution.Text;
import tollgate.json.Json;
import tollgate.json.JsonNumber;

/** The {@code providers} and {@code models} sections of the config. */
final class ProvidersSection {
    private ProvidersSection() { throw new AssertionError(); }

    private static final List<String> PROVIDER_KEYS =
            List.of("kind", "base_url", "api_key", "headers", "timeout_ms", "idle_timeout_ms", "deadline_ms", "discover");
    private static final List<String> MODEL_KEYS = List.of("id", "provider", "upstream", "name",
            "context_length", "max_output_tokens", "pricing", "capabilities", "created", "quality");
    /** Highest quality score a model may be given for a task. */
    static final int MAX_QUALITY = 100;
    private static final List<String> PRICING_KEYS = List.of("prompt", "completion", "audio_minute", "character", "image");
    private static final Pattern PROVIDER_ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
    /** RFC 9110 §5.6.2 token. */
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** Headers java.net.http.HttpClient refuses to let callers set, or that the gateway sets itself. */
    private static final Set<String> RESERVED_HEADERS =
            Set.of("connection", "content-length", "expect", "host", "upgrade", "transfer-encoding");
    /** Model ids: printable, no spaces (they appear in URLs and logs). */
    private static final Pattern MODEL_ID = Pattern.compile("[\\x21-\\x7e]{1,256}");
    private static final Pattern PRICE = Pattern.compile("[0-9]{1,20}(\\.[0-9]{1,20})?");
    private static final long MAX_CONTEXT_LENGTH = 1_000_000_000L;

    static Map<String, ProviderConfig> providers(ConfigReader r, Map<String, Object> top, Consumer<String> log) {
        Map<String, Object> section = r.object(top, "", "providers", null);
        Map<String, ProviderConfig> providers = new LinkedHashMap<>();
        List<String> disabled = new ArrayList<>();
        for (Map.Entry<String, Object> e : section.entrySet()) {
            String id = e.getKey();
            // Each provider on its own: a broken one is reported, and models naming it are not reported again.
            ProviderConfig p = r.attempt("provider", id, () -> {
                if (!PROVIDER_ID.matcher(id).matches()) {
                    throw r.fail("providers", "provider id " + ConfigReader.quote(id) + " must match [a-z0-9][a-z0-9_-]{0,63}");
                }
                return provider(r, id, e.getValue());
            }, null);
            if (p == null) continue;
            if (!p.enabled()) disabled.add(id + " (" + p.disabledReason() + ")");
            providers.put(id, p);
        }
        // One line for all of them: the shipped config names several providers whose keys are rarely all set.
        if (!disabled.isEmpty()) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("level", "info");
            line.put("event", "providers_disabled");
            line.put("providers", disabled);
            log.accept(Json.toString(line));
        }
        return Collections.unmodifiableMap(providers);
    }

    private static ProviderConfig provider(ConfigReader r, String id, Object value) {
        String p = "providers." + id;
        Map<String, Object> m = r.object(p, value, PROVIDER_KEYS);
        String kind = r.requiredString(m, p, "kind");
        if (!ProviderConfig.KINDS.contains(kind)) {
            throw r.expected(p + ".kind", "one of " + String.join(", ", ProviderConfig.KINDS), Text.literal(kind));
        }
        Text base = r.text(m, p, "base_url");
        Text key = r.secretText(m, p, "api_key");
        if (kind.equals("echo")) {
            if (base != null) throw r.fail(p + ".base_url", "the echo kind takes no base_url (it never goes online)");
            if (key != null) throw r.fail(p + ".api_key", "the echo kind takes no api_key");
        } else if (base == null && !LocalKinds.isLocal(kind)) {
            throw r.fail(p + ".base_url", "required for kind " + ConfigReader.quote(kind));
        }
        List<String> unset = new ArrayList<>();
        String reason = null;
        URI baseUrl = null;
        if (base != null) {
            if (base.hasUnset()) unset.addAll(base.unset());
            else if (base.value().isEmpty() && base.references()) reason = "base_url is empty";
            else baseUrl = baseUrl(r, p + ".base_url", base);
        } else if (LocalKinds.isLocal(kind)) {
            LocalKinds.Source from = LocalKinds.fromEnvironment(kind, r);
            ConfigReader env = from.from().equals("default") ? r : new ConfigReader("environment", Map.of());
            baseUrl = baseUrl(env, from.from().equals("default") ? p + ".base_url" : from.from(), Text.literal(from.url()));
        }
        if (baseUrl != null && LocalKinds.isLocal(kind)) baseUrl = URI.create(LocalKinds.withApiPath(baseUrl));
        boolean discover = r.bool(m, p, "discover", LocalKinds.isLocal(kind));
        if (discover && !LocalKinds.openAiCompatible(kind)) {
            throw r.fail(p + ".discover", "model discovery needs an OpenAI-compatible kind (openai, "
                    + String.join(", ", LocalKinds.KINDS) + "), not " + ConfigReader.quote(kind));
        }
        String apiKey = null;
        if (key != null) {
            // Never quote the key in a message.
            if (key.hasUnset()) unset.addAll(key.unset());
            else if (key.value().isEmpty()) reason = reason == null ? "api_key is empty" : reason;
            else apiKey = key.value();
        }
        Map<String, String> headers = headers(r, p, r.object(m, p, "headers", null), unset);
        long max = ConfigLoader.MAX_MILLIS;
        long def = ProviderConfig.DEFAULT_TIMEOUT.toMillis();
        Duration timeout = r.millis(m, p, "timeout_ms", def, 1, max);
        Duration idle = r.millis(m, p, "idle_timeout_ms", def, 1, max);
        Duration deadline = r.millis(m, p, "deadline_ms", ProviderConfig.DEFAULT_DEADLINE.toMillis(), 1, max);
        if (!unset.isEmpty()) reason = Text.unsetReason(unset);
        boolean enabled = reason == null;
        return new ProviderConfig(id, kind, baseUrl, enabled ? apiKey : null, headers, timeout, idle, deadline, enabled, reason,
                discover);
    }

    /** An absolute http(s) URL without query or fragment; trailing slashes removed. */
    private static URI baseUrl(ConfigReader r, String path, Text text) {
        String what = "an absolute http or https URL";
        URI uri;
        try {
            uri = new URI(text.value());
        } catch (URISyntaxException e) {
            throw r.expected(path, what, text);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw r.expected(path, what, text);
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            // Credentials in the URL are what this refuses: the message shows it with them masked.
            throw r.fail(path, "expected " + what + " without user info, query or fragment, got "
                    + ConfigReader.quote(EffectiveConfig.maskUrl(text.value())));
        }
        String s = uri.toString();
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '/') end--;
        return URI.create(s.substring(0, end));
    }

    /**
     * Extra headers. A value with an unset variable disables the provider (its name goes into
     * {@code unset}); a value that is empty after expansion ({@code "${ORG:-}"}) is left out.
     */
    private static Map<String, String> headers(ConfigReader r, String path, Map<String, Object> m,
                                               List<String> unset) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : m.entrySet()) {
            String name = e.getKey();
            String p = path + ".headers." + name;
            if (!HEADER_NAME.matcher(name).matches()) {
                throw r.fail(path + ".headers", "invalid header name " + ConfigReader.quote(name));
            }
            if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                throw r.fail(p, "header " + ConfigReader.quote(name) + " is set by the HTTP client and cannot be configured");
            }
            if (!(e.getValue() instanceof String)) throw r.expected(p, "a string", e.getValue());
            Text value = r.secretText(m, path + ".headers", name); // a header may carry a credential: never quoted
            if (value.hasUnset()) {
                unset.addAll(value.unset());
            } else if (value.value().chars().anyMatch(c -> (c < 0x20 && c != '\t') || c == 0x7f)) {
                throw r.fail(p, "header values cannot contain control characters");
            } else if (!value.value().isEmpty()) {
                headers.put(name, value.value());
            }
        }
        return Collections.unmodifiableMap(headers);
    }

    static List<ModelConfig> models(ConfigReader r, Map<String, Object> top, Map<String, ProviderConfig> providers) {
        List<Object> entries = r.array(top, "", "models");
        if (entries == null) return List.of();
        List<ModelConfig> models = new ArrayList<>();
        Map<String, String> pathById = new HashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            String p = ConfigReader.index("models", i);
            Object entry = entries.get(i);
            // Each model on its own; a broken one is remembered by its id, so that references to it are not reported again.
            ModelConfig model = r.attempt("model", entry instanceof Map<?, ?> raw ? raw.get("id") : null,
                    () -> model(r, p, entry, providers, pathById), null);
            if (model != null) models.add(model);
        }
        return List.copyOf(models);
    }

    private static ModelConfig model(ConfigReader r, String p, Object entry, Map<String, ProviderConfig> providers,
                                     Map<String, String> pathById) {
        Map<String, Object> m = r.object(p, entry, MODEL_KEYS);
        String id = modelId(r, p + ".id", r.requiredString(m, p, "id"));
        String clash = pathById.putIfAbsent(id, p);
        if (clash != null) {
            throw r.fail(p + ".id", "duplicate model id " + ConfigReader.quote(id) + " (also " + clash + ")");
        }
        String provider = r.requiredString(m, p, "provider");
        if (!providers.containsKey(provider)) {
            throw r.missing(p + ".provider", "provider", provider, "no provider " + ConfigReader.quote(provider) + " is configured"
                    + (providers.isEmpty() ? "" : " (configured: " + String.join(", ", providers.keySet()) + ")"));
        }
        String upstream = modelId(r, p + ".upstream", r.string(m, p, "upstream", id));
        String name = r.string(m, p, "name", id);
        if (name.isBlank()) throw r.expected(p + ".name", "a display name", Text.literal(name));
        long context = r.integer(m, p, "context_length", 0, 0, MAX_CONTEXT_LENGTH);
        Map<String, Object> pricing = r.object(m, p, "pricing", PRICING_KEYS);
        String prompt = price(r, pricing, p + ".pricing", "prompt");
        String completion = price(r, pricing, p + ".pricing", "completion");
        String audioMinute = price(r, pricing, p + ".pricing", "audio_minute");
        String character = price(r, pricing, p + ".pricing", "character");
        String image = price(r, pricing, p + ".pricing", "image");
        Set<String> capabilities = capabilities(r, p, r.array(m, p, "capabilities"));
        long created = r.integer(m, p, "created", 0, 0, Long.MAX_VALUE);
        long maxOutput = r.integer(m, p, "max_output_tokens", 0, 0, MAX_CONTEXT_LENGTH);
        Map<String, Integer> quality = quality(r, p, r.object(m, p, "quality", ModelConfig.TASKS));
        return new ModelConfig(id, provider, upstream, name, context, prompt, completion, capabilities,
                created, maxOutput, quality, audioMinute, character, image);
    }

    private static String modelId(ConfigReader r, String path, String id) {
        if (!MODEL_ID.matcher(id).matches()) {
            throw r.expected(path, "a model id of 1-256 printable characters without spaces", Text.literal(id));
        }
        return id;
    }

    /** A price in USD (per token, per audio minute, per character, per image) as plain decimal text ({@code "0.000003"} or {@code 0.000003}), or null. */
    private static String price(ConfigReader r, Map<String, Object> pricing, String path, String key) {
        Object v = pricing.get(key);
        if (v == null) return null;
        String p = ConfigReader.child(path, key);
        Object value = r.scalar(p, v);
        String text = switch (value) {
            case Text t -> t.value();
            case JsonNumber n -> n.text();
            default -> null;
        };
        if (text == null || !PRICE.matcher(text).matches()) {
            throw r.expected(p, "a non-negative decimal price like \"0.000003\"", value);
        }
        return text;
    }

    /** Quality per task, 0-100; only the tasks given. */
    private static Map<String, Integer> quality(ConfigReader r, String path, Map<String, Object> q) {
        if (q == null) return Map.of();
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String task : q.keySet()) {
            out.put(task, (int) r.integer(q, path + ".quality", task, 0, 0, MAX_QUALITY));
        }
        return Collections.unmodifiableMap(out);
    }

    private static Set<String> capabilities(ConfigReader r, String path, List<Object> list) {
        if (list == null) return ModelConfig.DEFAULT_CAPABILITIES;
        Set<String> caps = new LinkedHashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String p = ConfigReader.index(path + ".capabilities", i);
            String cap = r.string(p, list.get(i));
            if (!ModelConfig.CAPABILITIES.contains(cap)) {
                throw r.expected(p, "one of " + String.join(", ", ModelConfig.CAPABILITIES), Text.literal(cap));
            }
            caps.add(cap);
        }
        return Collections.unmodifiableSet(caps);
    }
}
