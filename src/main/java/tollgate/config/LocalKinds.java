package tollgate.config;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The local provider kinds, {@code ollama}, {@code vllm} and {@code llamacpp}: named aliases of
 * the OpenAI-compatible kind (the same wire format, {@code POST {base_url}/chat/completions})
 * that need no {@code base_url} and no {@code api_key}, and whose models are discovered.
 *
 * <p>Where such a provider's base URL comes from, first found wins:
 * <ol>
 *   <li>{@code base_url} in the config;</li>
 *   <li>the kind's variable: {@code OLLAMA_URL}, {@code VLLM_URL}, {@code LLAMACPP_URL} (a URL);</li>
 *   <li>for {@code ollama} only, {@code OLLAMA_HOST} as Ollama itself reads it
 *       ({@code [scheme://]host[:port]}, port 11434 without a scheme; a bind-all address such as
 *       {@code 0.0.0.0} means this host);</li>
 *   <li>the server's own default address: Ollama {@code http://127.0.0.1:11434/v1}, vLLM's
 *       {@code vllm serve} {@code http://127.0.0.1:8000/v1}, llama.cpp's {@code llama-server}
 *       {@code http://127.0.0.1:8080/v1}.</li>
 * </ol>
 * A URL given without a path (from any of them, {@code http://gpu-box:11434}) gets {@code /v1},
 * where all three serve the OpenAI-compatible API.
 */
public final class LocalKinds {
    private LocalKinds() { throw new AssertionError(); }

    public static final String OLLAMA = "ollama";
    public static final String VLLM = "vllm";
    public static final String LLAMACPP = "llamacpp";
    /** The local kinds, in the order the README lists them. */
    public static final List<String> KINDS = List.of(OLLAMA, VLLM, LLAMACPP);
    /** Each kind's default base URL: where the server listens when started without options. */
    public static final Map<String, String> DEFAULT_URLS = Map.of(
            OLLAMA, "http://127.0.0.1:11434/v1",
            VLLM, "http://127.0.0.1:8000/v1",
            LLAMACPP, "http://127.0.0.1:8080/v1");
    /** Each kind's variable naming its base URL. */
    public static final Map<String, String> URL_VARIABLES = Map.of(
            OLLAMA, "OLLAMA_URL",
            VLLM, "VLLM_URL",
            LLAMACPP, "LLAMACPP_URL");
    /** Ollama's own variable for its address ({@code ollama serve} and the {@code ollama} client read it). */
    public static final String OLLAMA_HOST = "OLLAMA_HOST";
    /** Ollama's port when {@code OLLAMA_HOST} gives no scheme and no port. */
    static final int OLLAMA_PORT = 11434;
    /** The path the three serve the OpenAI-compatible API under. */
    static final String API_PATH = "/v1";

    public static boolean isLocal(String kind) { return KINDS.contains(kind); }

    /** Kinds that speak OpenAI's wire format unchanged, and whose models may be discovered from {@code GET /models}. */
    public static boolean openAiCompatible(String kind) { return "openai".equals(kind) || isLocal(kind); }

    /** A base URL and where it came from (a variable's name, or "default"), before it is checked. */
    record Source(String url, String from) {}

    /** Where a local kind's base URL comes from when the config gives none (see the class comment). */
    static Source fromEnvironment(String kind, ConfigReader r) {
        String variable = URL_VARIABLES.get(kind);
        String url = nonEmpty(r.variable(variable));
        if (url != null) return new Source(url, variable);
        if (kind.equals(OLLAMA)) {
            String host = nonEmpty(r.variable(OLLAMA_HOST));
            if (host != null) return new Source(ollamaHost(host), OLLAMA_HOST);
        }
        return new Source(DEFAULT_URLS.get(kind), "default");
    }

    /**
     * {@code OLLAMA_HOST} as a URL, the way Ollama reads it (envconfig.Host): no scheme means
     * {@code http} and port 11434; an explicit scheme without a port means that scheme's port.
     * {@code 0.0.0.0} and {@code ::} are bind-all addresses a server listens on, not ones to
     * connect to: they mean this host. Not checked here (the caller checks it as a URL).
     */
    static String ollamaHost(String value) {
        String v = value.trim();
        int sep = v.indexOf("://");
        String scheme = sep < 0 ? "http" : v.substring(0, sep).toLowerCase(Locale.ROOT);
        String rest = sep < 0 ? v : v.substring(sep + 3);
        int slash = rest.indexOf('/');
        String hostPort = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash);
        String host = hostPort;
        String port = null;
        int close = hostPort.lastIndexOf(']');
        int colon = hostPort.lastIndexOf(':');
        if (colon > close && (close >= 0 || hostPort.indexOf(':') == colon)) {
            host = hostPort.substring(0, colon);
            port = hostPort.substring(colon + 1);
        }
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (bare.isEmpty() || bare.equals("0.0.0.0") || bare.equals("::")) host = "127.0.0.1";
        else if (bare.indexOf(':') >= 0) host = "[" + bare + "]"; // an IPv6 literal given without brackets
        if (port == null || port.isEmpty()) port = sep < 0 ? String.valueOf(OLLAMA_PORT) : null;
        return scheme + "://" + host + (port == null ? "" : ":" + port) + path;
    }

    /** {@code url} with {@link #API_PATH} when it has no path of its own. */
    static String withApiPath(java.net.URI url) {
        String s = url.toString();
        return url.getRawPath() == null || url.getRawPath().isEmpty() || url.getRawPath().equals("/")
                ? (s.endsWith("/") ? s.substring(0, s.length() - 1) : s) + API_PATH : s;
    }

    private static String nonEmpty(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
