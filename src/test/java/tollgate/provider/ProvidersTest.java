package tollgate.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tollgate.call.Cancellation;
import tollgate.config.ProviderConfig;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.provider.anthropic.AnthropicToolIds;
import tollgate.provider.deepgram.DeepgramProvider;
import tollgate.provider.echo.EchoProvider;
import tollgate.provider.mistral.MistralToolIds;

class ProvidersTest {

    private static ProviderConfig cfg(String kind) {
        return new ProviderConfig("p-" + kind, kind, URI.create("http://127.0.0.1:9/v1"), null, Map.of(),
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), true, null);
    }

    @Test
    void create_byKind() {
        try (Upstream up = new Upstream(Duration.ofSeconds(1)); IdleWatchdog dog = new IdleWatchdog()) {
            for (String kind : new String[] {"openai", "anthropic", "mistral"}) {
                Provider p = Providers.create(cfg(kind), up, dog, Secrets.NONE);
                assertInstanceOf(HttpChatProvider.class, p);
                assertEquals(kind, p.kind());
            }
            assertEquals(ToolIdRule.ANY, ((ChatProvider) Providers.create(cfg("openai"), up, dog, Secrets.NONE)).toolIdRule());
            assertEquals(AnthropicToolIds.RULE, ((ChatProvider) Providers.create(cfg("anthropic"), up, dog, Secrets.NONE)).toolIdRule());
            assertEquals(MistralToolIds.RULE, ((ChatProvider) Providers.create(cfg("mistral"), up, dog, Secrets.NONE)).toolIdRule());
            Provider echo = Providers.create(cfg("echo"), up, dog, Secrets.NONE);
            assertInstanceOf(EchoProvider.class, echo);
            assertTrue(echo.offline());
            assertEquals("p-echo", echo.id());
            Provider deepgram = Providers.create(cfg("deepgram"), up, dog, Secrets.NONE);
            assertInstanceOf(DeepgramProvider.class, deepgram);
            assertEquals(Set.of("stt", "tts"), deepgram.capabilities());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Providers.create(cfg("nope"), up, dog, Secrets.NONE));
            assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
        }
    }

    @Test
    void localKinds_areTheOpenAiCompatibleProvider() {
        try (Upstream up = new Upstream(Duration.ofSeconds(1)); IdleWatchdog dog = new IdleWatchdog()) {
            Set<String> openai = Providers.create(cfg("openai"), up, dog, Secrets.NONE).capabilities();
            for (String kind : tollgate.config.LocalKinds.KINDS) {
                Provider p = Providers.create(cfg(kind), up, dog, Secrets.NONE);
                assertInstanceOf(HttpChatProvider.class, p);
                assertEquals("openai", p.kind(), kind); // the wire format; GET /providers shows the configured kind
                assertEquals("p-" + kind, p.id());
                assertEquals(openai, p.capabilities(), kind);
                assertEquals(ToolIdRule.ANY, ((ChatProvider) p).toolIdRule());
            }
        }
    }

    @Test
    void discovery_asksOllamaAtItsOriginAndTheOthersUnderTheirBaseUrl() {
        assertEquals(URI.create("http://127.0.0.1:9/api/tags"), ModelDiscovery.listUri(cfg("ollama")));
        assertEquals(URI.create("http://127.0.0.1:9/v1/models"), ModelDiscovery.listUri(cfg("vllm")));
        assertEquals(URI.create("http://127.0.0.1:9/v1/models"), ModelDiscovery.listUri(cfg("openai")));
        ProviderConfig proxied = new ProviderConfig("o", "ollama", URI.create("https://proxy.example/ollama/v1"), null, Map.of(),
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), true, null, true);
        assertEquals(URI.create("https://proxy.example/ollama/api/tags"), ModelDiscovery.listUri(proxied));
    }

    @Test
    void upstream_versionByScheme() {
        assertEquals(java.net.http.HttpClient.Version.HTTP_1_1, Upstream.versionFor(URI.create("http://x/")));
        assertEquals(java.net.http.HttpClient.Version.HTTP_2, Upstream.versionFor(URI.create("https://x/")));
    }

    @Test
    void upstreamErrors_excerptsAreShortAndPlain() {
        String big = "line\n".repeat(1000);
        GatewayException e = UpstreamErrors.fromStatus("p", "POST http://x/v1", new ChatCall(java.util.Map.of(),
                tollgate.catalog.TestModels.model("m", "p", "m", 0, java.util.Set.of(), 0),
                false, "r", new Cancellation(), 0), 400, null, big.getBytes());
        assertEquals(ErrorKind.CALLER_INVALID_REQUEST, e.kind());
        assertTrue(e.getMessage().length() < 300, e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }
}
