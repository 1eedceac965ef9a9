package tollgate.provider;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.config.ProviderConfig;

class SecretsTest {
    static final String KEY = "sk-proj-Abc/123+def=456-XYZ";
    static final Secrets S = Secrets.of(List.of(
            new ProviderConfig("a", "openai", URI.create("http://10.1.2.3:8000/v1"), KEY,
                    Map.of("X-Api-Key", "hdr-secret-0123456789", "OpenAI-Organization", "org-public"),
                    Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), true, null),
            new ProviderConfig("b", "openai", URI.create("http://127.0.0.1:9/v1"), "ollama", Map.of(),
                    Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), true, null)));

    @Test
    void everyFormOfAKey_isReplaced() {
        String basic = Base64.getEncoder().encodeToString(KEY.getBytes(UTF_8));
        String url = URLEncoder.encode(KEY, UTF_8);
        String json = KEY.replace("/", "\\/");
        assertEquals("a [redacted] b [redacted] c [redacted] d [redacted]",
                S.forLog("a " + KEY + " b " + basic + " c " + url + " d " + json));
        assertEquals("header [redacted]", S.forLog("header hdr-secret-0123456789"));
    }

    @Test
    void aPieceOfAKey_isReplaced_butShortCommonRunsAreNot() {
        assertEquals("Incorrect key [redacted]...", S.forLog("Incorrect key " + KEY.substring(0, 15) + "..."));
        assertEquals("sk-proj is a prefix", S.forLog("sk-proj is a prefix"));
    }

    @Test
    void hosts_areReplacedForClientsOnly() {
        String m = "connect to 10.1.2.3:8000 failed";
        assertEquals("connect to [upstream host] failed", S.forClient(m));
        assertEquals(m, S.forLog(m), "the operator needs the host");
    }

    @Test
    void shortValuesAndPublicHeaders_areNotSecrets() {
        assertEquals("model ollama and org-public", S.forClient("model ollama and org-public"));
    }

    @Test
    void bytes_areScrubbedOnlyWhenNeeded() {
        byte[] clean = "{\"content\":\"nothing here sk-proj\"}".getBytes(UTF_8);
        assertSame(clean, S.scrub(clean, 0, clean.length));
        assertFalse(S.contains(clean, 0, clean.length));
        byte[] dirty = ("xx{\"content\":\"" + KEY + " and " + KEY + "\"}").getBytes(UTF_8);
        assertTrue(S.contains(dirty, 2, dirty.length - 2));
        assertEquals("{\"content\":\"[redacted] and [redacted]\"}", new String(S.scrub(dirty, 2, dirty.length - 2), UTF_8));
    }

    @Test
    void scrubbingShortSecrets_canGrowTheBytes_withinTheBoundTheCallerReserves() {
        Secrets eight = Secrets.of(List.of(new ProviderConfig("c", "openai", URI.create("http://h/v1"), "k8chars!",
                Map.of(), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), true, null)));
        byte[] dirty = "k8chars!k8chars!k8chars!".getBytes(UTF_8);
        byte[] out = eight.scrub(dirty, 0, dirty.length);
        assertEquals("[redacted][redacted][redacted]", new String(out, UTF_8));
        assertTrue(out.length <= Secrets.maxScrubbedLength(dirty.length), out.length + " > the bound");
    }
}
