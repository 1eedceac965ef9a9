package tollgate.provider.openai;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import tollgate.call.Cancellation;
import tollgate.catalog.Model;
import tollgate.catalog.TestModels;
import tollgate.config.ProviderConfig;
import tollgate.json.Json;
import tollgate.provider.ChatCall;
import tollgate.provider.ChunkSink;
import tollgate.provider.HttpChatProvider;
import tollgate.provider.IdleWatchdog;
import tollgate.provider.Upstream;

/** Shared pieces of the OpenAI provider tests: one client and watchdog for the whole run. */
final class Fixture {
    private Fixture() { }

    static final Upstream UPSTREAM = new Upstream(Duration.ofSeconds(5));
    static final IdleWatchdog WATCHDOG = new IdleWatchdog();
    static final ExecutorService THREADS = Executors.newVirtualThreadPerTaskExecutor();
    static final Model MODEL = TestModels.model("client-model", "acme", "up-model", 0, Set.of(), 0);

    static ProviderConfig config(URI base, String key, Map<String, String> headers, Duration timeout, Duration idle) {
        return new ProviderConfig("acme", "openai", base, key, headers, timeout, idle, tollgate.config.ProviderConfig.DEFAULT_DEADLINE, true, null);
    }

    static HttpChatProvider openAi(ProviderConfig config, Upstream upstream, IdleWatchdog watchdog) {
        return new HttpChatProvider(config, new OpenAiDialect(), upstream, watchdog, tollgate.provider.Secrets.of(java.util.List.of(config)));
    }

    static HttpChatProvider provider(URI base) {
        return Fixture.openAi(config(base, "sk-test", Map.of(), Duration.ofSeconds(10), Duration.ofSeconds(10)),
                UPSTREAM, WATCHDOG);
    }

    static ChatCall call(String body, boolean stream) {
        return call(body, stream, new Cancellation());
    }

    static ChatCall call(String body, boolean stream, Cancellation c) {
        return new ChatCall(Json.asObject(Json.parse(body)), MODEL, stream, "req-123", c, 0);
    }

    static final String SIMPLE = "{\"model\":\"client-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final String SIMPLE_STREAM =
            "{\"model\":\"client-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true}";

    /** A sink that records each chunk as compact JSON. */
    static final class Recording implements ChunkSink {
        final List<String> chunks = new ArrayList<>();

        @Override
        public void chunk(Map<String, Object> chunk) {
            chunks.add(Json.toString(chunk));
        }
    }
}
