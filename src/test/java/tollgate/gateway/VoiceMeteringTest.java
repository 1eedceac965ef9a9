package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.http.HttpClient;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.account.Ledger;
import tollgate.account.UsageRecord;

/**
 * A realtime session's time is metered in credits at its model's price per minute and recorded
 * in the ledger; a key that cannot afford a minute is refused at the handshake; a session is cut,
 * with an {@code error} event first, when the key's credits run out or the session reaches its
 * longest length.
 */
class VoiceMeteringTest {
    /** echo-realtime-hd: 0.15 USD a minute, 150 credits at 1,000 credits per USD. */
    static final String CONFIG = """
            {
              "server": {"access_log": false},
              "keys": [{"name": "t", "key": "sk-test-0123456789abcdef"}],
              "accounts": {"credits_per_usd": 1000},
              "providers": {"echo": {"kind": "echo"}},
              "models": [
                {"id": "echo-realtime-hd", "provider": "echo", "upstream": "echo-rt-hd", "pricing": {"audio_minute": "0.15"},
                 "capabilities": ["realtime"]}
              ],
              "voice": {"max_session_ms": %d}
            }
            """;

    @TempDir
    Path dir;
    GatewayHarness gw;
    final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        if (gw != null) gw.close();
        http.shutdownNow();
    }

    private String start(long maxSessionMs, long credits) throws Exception {
        gw = GatewayHarness.builder("http://127.0.0.1:9", dir).config(CONFIG.formatted(maxSessionMs)).start();
        return new AccountsKeys(gw, dir).create("caller", credits);
    }

    private String ws() { return "ws://127.0.0.1:" + gw.gateway.voicePort() + "/v1/realtime?model=echo-realtime-hd"; }

    private List<UsageRecord> records() throws Exception {
        gw.close();
        List<UsageRecord> records = new ArrayList<>();
        Ledger.readAll(dir, p -> records.add(UsageRecord.fromJson(p)));
        return records;
    }

    /** Credits for {@code ms} of session at 0.15 USD a minute, rounded up as the gateway charges. */
    private static long credits(long ms) {
        return new BigDecimal("0.15").multiply(BigDecimal.valueOf(ms)).divide(BigDecimal.valueOf(60_000), 12, RoundingMode.HALF_EVEN)
                .multiply(BigDecimal.valueOf(1000)).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    @Test
    void aSession_isRecordedAndChargedAtItsPricePerMinute() throws Exception {
        String auth = start(1_800_000, 10_000);
        try (RealtimeClient c = RealtimeClient.connect(http, ws(), new String[] {"Authorization", auth})) {
            c.expect("session.created");
            for (int i = 0; i < 12; i++) { // about 1.2 s of session with audio flowing
                c.send("{\"type\":\"input_audio_buffer.append\",\"audio\":\"" + VoiceEchoTest.audio() + "\"}");
                Thread.sleep(100);
            }
            c.close(1000, "bye");
            assertEquals(1000, c.closeCode());
        }
        String usage = waitForUsage(auth);
        List<UsageRecord> records = records();
        assertEquals(1, records.size());
        UsageRecord r = records.get(0);
        assertEquals(List.of("realtime", "echo-realtime-hd", "echo/echo-rt-hd", 200), List.of(r.endpoint(), r.model(), r.deployment(),
                r.status()));
        assertTrue(r.audioMs() >= 1200 && r.audioMs() < 10_000, "session time " + r.audioMs());
        assertEquals(credits(r.audioMs()), r.credits());
        assertTrue(usage.contains("\"credits\":" + r.credits() + "}"), usage);
    }

    private String waitForUsage(String auth) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            String usage = gw.get("/v1/usage", "Authorization", auth).body();
            if (usage.contains("\"requests\":1,") || System.nanoTime() > deadline) return usage;
            Thread.sleep(20);
        }
    }

    @Test
    void aKeyThatCannotAffordAMinute_isRefused402AtTheHandshake() throws Exception {
        String auth = start(1_800_000, 100);
        WebSocketHandshakeException e = RealtimeClient.refused(http, ws(), new String[] {"Authorization", auth});
        assertEquals(402, e.getResponse().statusCode());
        assertEquals("{\"error\":{\"message\":\"Insufficient credits: this request may cost up to 150 credits and the key's balance "
                + "is 100. Add credits to continue.\",\"type\":\"insufficient_quota\",\"param\":null,\"code\":402}}", RealtimeClient.body(e));
    }

    @Test
    void creditsRunningOut_cutTheSession_errorEventThen1008_andWhatWasUsedIsCharged() throws Exception {
        // A minute ahead is held: 150 credits to start, 153 after the first second: more than the key has.
        String auth = start(1_800_000, 152);
        try (RealtimeClient c = RealtimeClient.connect(http, ws(), new String[] {"Authorization", auth})) {
            c.expect("session.created");
            Map<String, Object> error = GatewayHarness.obj(c.expect("error").json().get("error"));
            assertEquals(List.of("insufficient_quota", "insufficient_credits"), List.of(error.get("type"), error.get("code")));
            assertTrue(((String) error.get("message")).startsWith("Insufficient credits"), (String) error.get("message"));
            assertEquals(1008, c.closeCode());
            assertEquals("insufficient credits", c.closeReason());
        }
        List<UsageRecord> records = records();
        assertEquals(1, records.size());
        assertEquals(credits(records.get(0).audioMs()), records.get(0).credits());
        assertTrue(records.get(0).audioMs() >= 1000, "cut at the first second's check: " + records.get(0).audioMs());
    }

    @Test
    void theLongestSession_isCut_sessionExpired() throws Exception {
        String auth = start(1000, 10_000);
        try (RealtimeClient c = RealtimeClient.connect(http, ws(), new String[] {"Authorization", auth})) {
            c.expect("session.created");
            Map<String, Object> error = GatewayHarness.obj(c.expect("error").json().get("error"));
            assertEquals("session_expired", error.get("code"));
            assertTrue(((String) error.get("message")).contains("maximum length of 1 seconds"), (String) error.get("message"));
            assertEquals(1008, c.closeCode());
        }
        assertEquals(200, records().get(0).status());
    }
}
