package tollgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Kinds {@code ollama}, {@code vllm}, {@code llamacpp}: where their base URL comes from, discovery, and bad config. */
class LocalKindsConfigTest {

    private static ProviderConfig provider(String json, Map<String, String> env) {
        return ConfigLoaderTest.parse("{\"providers\": {\"p\": " + json + "}}", env).providers().get("p");
    }

    private static String error(String json, Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> provider(json, env)).getMessage();
    }

    @Test
    void withoutBaseUrl_eachKindUsesItsServersDefaultAddress_keyOptional_discoveryOn() {
        for (String kind : LocalKinds.KINDS) {
            ProviderConfig p = provider("{\"kind\": \"" + kind + "\"}", Map.of());
            assertEquals(URI.create(LocalKinds.DEFAULT_URLS.get(kind)), p.baseUrl(), kind);
            assertTrue(p.enabled(), kind);
            assertNull(p.apiKey(), kind);
            assertTrue(p.discover(), kind);
            assertEquals(kind, p.kind());
        }
        assertEquals(URI.create("http://127.0.0.1:11434/v1"), provider("{\"kind\": \"ollama\"}", Map.of()).baseUrl());
        assertEquals(URI.create("http://127.0.0.1:8000/v1"), provider("{\"kind\": \"vllm\"}", Map.of()).baseUrl());
        assertEquals(URI.create("http://127.0.0.1:8080/v1"), provider("{\"kind\": \"llamacpp\"}", Map.of()).baseUrl());
    }

    @Test
    void kindVariables_giveTheUrl_andAUrlWithoutPathGetsV1() {
        assertEquals(URI.create("http://gpu-box:11434/v1"),
                provider("{\"kind\": \"ollama\"}", Map.of("OLLAMA_URL", "http://gpu-box:11434")).baseUrl());
        assertEquals(URI.create("http://gpu-box:9000/v1"),
                provider("{\"kind\": \"vllm\"}", Map.of("VLLM_URL", "http://gpu-box:9000/v1/")).baseUrl());
        assertEquals(URI.create("https://llm.example/llama/v1"),
                provider("{\"kind\": \"llamacpp\"}", Map.of("LLAMACPP_URL", "https://llm.example/llama/v1")).baseUrl());
        // Another kind's variable is not this kind's.
        assertEquals(URI.create("http://127.0.0.1:8000/v1"),
                provider("{\"kind\": \"vllm\"}", Map.of("OLLAMA_URL", "http://gpu-box:11434")).baseUrl());
    }

    @Test
    void baseUrl_winsOverTheEnvironment_andGetsV1WhenItHasNoPath() {
        Map<String, String> env = Map.of("OLLAMA_URL", "http://elsewhere:1/v1", "OLLAMA_HOST", "elsewhere");
        assertEquals(URI.create("http://10.0.0.5:11434/v1"),
                provider("{\"kind\": \"ollama\", \"base_url\": \"http://10.0.0.5:11434/\"}", env).baseUrl());
        // The openai kind's base URL is used as written.
        assertEquals(URI.create("http://10.0.0.5:11434"),
                provider("{\"kind\": \"openai\", \"base_url\": \"http://10.0.0.5:11434\"}", env).baseUrl());
    }

    @Test
    void ollamaHost_isReadAsOllamaReadsIt_afterOllamaUrl() {
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("0.0.0.0", "http://127.0.0.1:11434/v1");
        cases.put("0.0.0.0:11434", "http://127.0.0.1:11434/v1");
        cases.put("gpu-box", "http://gpu-box:11434/v1");
        cases.put("gpu-box:9999", "http://gpu-box:9999/v1");
        cases.put("https://ollama.example", "https://ollama.example/v1");
        cases.put("http://ollama.example:8443/", "http://ollama.example:8443/v1");
        cases.put("[::1]:11434", "http://[::1]:11434/v1");
        cases.put("::1", "http://[::1]:11434/v1");
        cases.put("::", "http://127.0.0.1:11434/v1");
        cases.forEach((host, url) -> assertEquals(URI.create(url),
                provider("{\"kind\": \"ollama\"}", Map.of("OLLAMA_HOST", host)).baseUrl(), host));
        assertEquals(URI.create("http://first:1/v1"), provider("{\"kind\": \"ollama\"}",
                Map.of("OLLAMA_URL", "http://first:1", "OLLAMA_HOST", "second")).baseUrl());
        // Only Ollama reads OLLAMA_HOST.
        assertEquals(URI.create("http://127.0.0.1:8080/v1"),
                provider("{\"kind\": \"llamacpp\"}", Map.of("OLLAMA_HOST", "gpu-box")).baseUrl());
    }

    @Test
    void discover_isOffByDefaultForOpenai_andCanBeSwitched() {
        assertFalse(provider("{\"kind\": \"openai\", \"base_url\": \"http://h/v1\"}", Map.of()).discover());
        assertTrue(provider("{\"kind\": \"openai\", \"base_url\": \"http://h/v1\", \"discover\": true}", Map.of()).discover());
        assertFalse(provider("{\"kind\": \"ollama\", \"discover\": false}", Map.of()).discover());
        assertFalse(provider("{\"kind\": \"vllm\", \"discover\": \"${D:-false}\"}", Map.of()).discover());
    }

    @Test
    void badConfig_namesThePathAndTheValue() {
        assertEquals("config: providers.p.kind: expected one of openai, anthropic, mistral, echo, deepgram, ollama, vllm, "
                + "llamacpp, got \"olama\"", error("{\"kind\": \"olama\"}", Map.of()));
        assertEquals("config: providers.p.discover: model discovery needs an OpenAI-compatible kind (openai, ollama, vllm, "
                + "llamacpp), not \"anthropic\"",
                error("{\"kind\": \"anthropic\", \"base_url\": \"https://h/v1\", \"discover\": true}", Map.of()));
        assertEquals("config: providers.p.discover: expected true or false, got \"yes\"",
                error("{\"kind\": \"ollama\", \"discover\": \"yes\"}", Map.of()));
        assertEquals("environment: OLLAMA_URL: expected an absolute http or https URL, got \"gpu-box:11434\"",
                error("{\"kind\": \"ollama\"}", Map.of("OLLAMA_URL", "gpu-box:11434")));
        assertEquals("environment: VLLM_URL: expected an absolute http or https URL without user info, query or fragment, "
                + "got \"http://h:8000/v1?x=********\"", error("{\"kind\": \"vllm\"}", Map.of("VLLM_URL", "http://h:8000/v1?x=1")));
        assertEquals("environment: OLLAMA_HOST: expected an absolute http or https URL, got \"ftp://h\"",
                error("{\"kind\": \"ollama\"}", Map.of("OLLAMA_HOST", "ftp://h")));
        assertEquals("config: providers.p.base_url: expected an absolute http or https URL, got \"localhost:8000\"",
                error("{\"kind\": \"vllm\", \"base_url\": \"localhost:8000\"}", Map.of()));
    }
}
