package tollgate.provider.echo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import tollgate.call.Cancellation;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.provider.RealtimeCall;
import tollgate.provider.RealtimeListener;
import tollgate.provider.RealtimeMessage;
import tollgate.provider.RealtimeUpstream;

/** Drives the echo provider's realtime session directly, with a recording listener. */
class EchoRealtimeTest {
    private static final int CAP = 1 << 20;

    /** Records every call; with {@code auto}, asks for the next message from inside onMessage. */
    static final class Recorder implements RealtimeListener {
        final List<String> texts = new CopyOnWriteArrayList<>();
        final List<Object> ends = new CopyOnWriteArrayList<>();
        volatile RealtimeUpstream upstream;
        final boolean auto;
        private volatile Thread inside;

        Recorder(boolean auto) { this.auto = auto; }

        @Override
        public void onMessage(RealtimeMessage message) {
            if (inside != null) throw new AssertionError("concurrent listener calls");
            inside = Thread.currentThread();
            try {
                assertTrue(message.isText());
                texts.add(message.text());
                if (auto) upstream.request();
            } finally {
                inside = null;
            }
        }

        @Override public void onClose(int code, String reason) { ends.add(code + " " + reason); }

        @Override public void onError(GatewayException error) { ends.add(error); }

        Map<String, Object> event(int i) { return Json.asObject(Json.parse(texts.get(i))); }

        List<String> types() {
            List<String> t = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) t.add((String) event(i).get("type"));
            return t;
        }
    }

    private final EchoProvider provider = new EchoProvider("echo", InstantSource.fixed(Instant.EPOCH));

    private Recorder open(boolean auto, boolean beta, int cap) {
        Recorder r = new Recorder(auto);
        r.upstream = provider.connect(new RealtimeCall("echo-realtime", beta, new Cancellation()), r, cap);
        return r;
    }

    private static void send(Recorder r, String json) { r.upstream.send(RealtimeMessage.text(json)); }

    private static byte[] pcm(int bytes, int seed) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < bytes; i++) b[i] = (byte) (i * 7 + seed);
        return b;
    }

    private static String append(byte[] audio) {
        return "{\"type\":\"input_audio_buffer.append\",\"audio\":\"" + Base64.getEncoder().encodeToString(audio) + "\"}";
    }

    @Test
    void sessionCreated_gaShape_onlyOnDemand() {
        Recorder r = open(false, false, CAP);
        assertEquals(List.of(), r.texts, "nothing before the first request()");
        r.upstream.request();
        assertEquals(List.of("{\"type\":\"session.created\",\"event_id\":\"event_echo_1\",\"session\":{\"type\":\"realtime\","
                + "\"object\":\"realtime.session\",\"id\":\"sess_echo_1\",\"model\":\"echo-realtime\",\"output_modalities\":[\"audio\"],"
                + "\"audio\":{\"input\":{\"format\":{\"type\":\"audio/pcm\",\"rate\":24000},\"turn_detection\":null},"
                + "\"output\":{\"format\":{\"type\":\"audio/pcm\",\"rate\":24000},\"voice\":\"alloy\"}}}}"), r.texts);
        r.upstream.request();
        assertEquals(1, r.texts.size(), "one message per request()");
        assertEquals("sess_echo_2", sessionId(open(false, false, CAP)), "ids counted per provider");
    }

    private static String sessionId(Recorder r) {
        r.upstream.request();
        return (String) Json.asObject(r.event(0).get("session")).get("id");
    }

    @Test
    void sessionCreated_betaShape() {
        Recorder r = open(false, true, CAP);
        r.upstream.request();
        assertEquals("{\"type\":\"session.created\",\"event_id\":\"event_echo_1\",\"session\":{\"id\":\"sess_echo_1\","
                + "\"object\":\"realtime.session\",\"model\":\"echo-realtime\",\"modalities\":[\"audio\",\"text\"],\"voice\":\"alloy\","
                + "\"input_audio_format\":\"pcm16\",\"output_audio_format\":\"pcm16\",\"turn_detection\":null}}", r.texts.get(0));
    }

    @Test
    void sessionUpdate_deepMerged() {
        Recorder r = open(true, false, CAP);
        r.upstream.request();
        send(r, "{\"type\":\"session.update\",\"event_id\":\"c1\",\"session\":{\"id\":\"mine\",\"instructions\":\"be brief\","
                + "\"audio\":{\"input\":{\"turn_detection\":{\"type\":\"server_vad\"}},\"output\":{\"voice\":\"verse\"}}}}");
        assertEquals("{\"type\":\"session.updated\",\"event_id\":\"event_echo_2\",\"session\":{\"type\":\"realtime\","
                + "\"object\":\"realtime.session\",\"id\":\"sess_echo_1\",\"model\":\"echo-realtime\",\"output_modalities\":[\"audio\"],"
                + "\"audio\":{\"input\":{\"format\":{\"type\":\"audio/pcm\",\"rate\":24000},\"turn_detection\":{\"type\":\"server_vad\"}},"
                + "\"output\":{\"format\":{\"type\":\"audio/pcm\",\"rate\":24000},\"voice\":\"verse\"}},\"instructions\":\"be brief\"}}",
                r.texts.get(1));
    }

    @Test
    void audio_committedAndEchoedIn20msDeltas_withUsage() {
        Recorder r = open(true, false, CAP);
        r.upstream.request();
        byte[] a = pcm(3000, 1);
        byte[] b = pcm(1800, 2); // 4800 bytes = 100 ms
        send(r, append(a));
        send(r, append(b));
        assertEquals(1, r.texts.size(), "append is not answered");
        send(r, "{\"type\":\"input_audio_buffer.commit\"}");
        assertEquals("{\"type\":\"input_audio_buffer.committed\",\"event_id\":\"event_echo_2\",\"previous_item_id\":null,"
                + "\"item_id\":\"item_echo_1\"}", r.texts.get(1));
        assertEquals("{\"type\":\"conversation.item.created\",\"event_id\":\"event_echo_3\",\"previous_item_id\":null,"
                + "\"item\":{\"id\":\"item_echo_1\",\"object\":\"realtime.item\",\"type\":\"message\",\"status\":\"completed\","
                + "\"role\":\"user\",\"content\":[{\"type\":\"input_audio\",\"transcript\":null}]}}", r.texts.get(2));
        send(r, "{\"type\":\"response.create\"}");
        assertEquals(List.of("session.created", "input_audio_buffer.committed", "conversation.item.created", "response.created",
                "response.output_item.added", "response.content_part.added", "response.output_audio.delta",
                "response.output_audio.delta", "response.output_audio.delta", "response.output_audio.delta",
                "response.output_audio.delta", "response.output_audio_transcript.delta", "response.output_audio.done",
                "response.output_audio_transcript.done", "response.content_part.done", "response.output_item.done",
                "response.done"), r.types());
        ByteArrayOutputStream echoed = new ByteArrayOutputStream();
        for (int i = 6; i <= 10; i++) {
            byte[] d = Base64.getDecoder().decode((String) r.event(i).get("delta"));
            assertEquals(960, d.length);
            echoed.writeBytes(d);
            assertEquals("resp_echo_1", r.event(i).get("response_id"));
            assertEquals("item_echo_2", r.event(i).get("item_id"));
        }
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        sent.writeBytes(a);
        sent.writeBytes(b);
        assertArrayEquals(sent.toByteArray(), echoed.toByteArray());
        assertEquals("Echo: 100 ms of audio", r.event(11).get("delta"));
        assertEquals("Echo: 100 ms of audio", r.event(13).get("transcript"));
        // usage: input audio 100 ms / 100 = 1; output audio 100 ms / 50 = 2; transcript 21 chars / 4 = 6
        assertEquals("{\"type\":\"response.done\",\"event_id\":\"event_echo_17\",\"response\":{\"id\":\"resp_echo_1\","
                + "\"object\":\"realtime.response\",\"status\":\"completed\",\"status_details\":null,\"output\":[{\"id\":\"item_echo_2\","
                + "\"object\":\"realtime.item\",\"type\":\"message\",\"status\":\"completed\",\"role\":\"assistant\",\"content\":"
                + "[{\"type\":\"output_audio\",\"transcript\":\"Echo: 100 ms of audio\"}]}],\"usage\":{\"total_tokens\":9,"
                + "\"input_tokens\":1,\"output_tokens\":8,\"input_token_details\":{\"text_tokens\":0,\"audio_tokens\":1,"
                + "\"cached_tokens\":0},\"output_token_details\":{\"text_tokens\":6,\"audio_tokens\":2}}}}", r.texts.get(16));
    }

    @Test
    void audio_keptUpTo2s_restOnlyCounted_betaNames() {
        Recorder r = open(true, true, CAP);
        r.upstream.request();
        for (int i = 0; i < 3; i++) send(r, append(pcm(48_000, i))); // 3 s
        send(r, "{\"type\":\"input_audio_buffer.commit\"}");
        send(r, "{\"type\":\"response.create\"}");
        List<String> types = r.types();
        assertEquals(EchoRealtime.KEPT_AUDIO_BYTES / EchoRealtime.DELTA_BYTES, types.stream().filter("response.audio.delta"::equals).count());
        assertTrue(types.containsAll(List.of("response.audio_transcript.delta", "response.audio.done", "response.audio_transcript.done")), types.toString());
        Map<String, Object> done = r.event(r.texts.size() - 1);
        assertEquals("Echo: 3000 ms of audio", Json.asObject(((List<?>) Json.asObject(
                ((List<?>) Json.asObject(done.get("response")).get("output")).get(0)).get("content")).get(0)).get("transcript"));
        assertEquals("audio", Json.asObject(((List<?>) Json.asObject(((List<?>) Json.asObject(done.get("response")).get("output"))
                .get(0)).get("content")).get(0)).get("type"), "beta's part type");
    }

    @Test
    void textItem_echoedAsTranscript_andClear() {
        Recorder r = open(true, false, CAP);
        r.upstream.request();
        send(r, "{\"type\":\"input_audio_buffer.append\",\"audio\":\"AAAA\"}");
        send(r, "{\"type\":\"input_audio_buffer.clear\"}");
        assertEquals("{\"type\":\"input_audio_buffer.cleared\",\"event_id\":\"event_echo_2\"}", r.texts.get(1));
        send(r, "{\"type\":\"input_audio_buffer.commit\",\"event_id\":\"c7\"}");
        assertEquals("input_audio_buffer_commit_empty", Json.asObject(r.event(2).get("error")).get("code"));
        send(r, "{\"type\":\"conversation.item.create\",\"item\":{\"type\":\"message\",\"role\":\"user\","
                + "\"content\":[{\"type\":\"input_text\",\"text\":\"hello\"}]}}");
        assertEquals("{\"type\":\"conversation.item.created\",\"event_id\":\"event_echo_4\",\"previous_item_id\":null,"
                + "\"item\":{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"hello\"}],"
                + "\"id\":\"item_echo_1\",\"object\":\"realtime.item\",\"status\":\"completed\"}}", r.texts.get(3));
        send(r, "{\"type\":\"response.create\"}");
        assertEquals(0, r.types().stream().filter("response.output_audio.delta"::equals).count());
        Map<String, Object> done = r.event(r.texts.size() - 1);
        Map<String, Object> usage = Json.asObject(Json.asObject(done.get("response")).get("usage"));
        assertEquals("{\"text_tokens\":2,\"audio_tokens\":0,\"cached_tokens\":0}", Json.toString(usage.get("input_token_details")));
        assertTrue(r.texts.stream().anyMatch(t -> t.contains("\"transcript\":\"Echo: hello\"")));
    }

    @Test
    void badEvents_answeredWithErrorEvents_sessionStaysOpen() {
        Recorder r = open(true, false, CAP);
        r.upstream.request();
        r.upstream.send(RealtimeMessage.binary(new byte[] {1, 2, 3}));
        send(r, "{not json");
        send(r, "{\"event_id\":\"c2\"}");
        send(r, "{\"type\":\"nope.nope\",\"event_id\":\"c3\"}");
        send(r, "[1]");
        assertEquals("{\"type\":\"error\",\"event_id\":\"event_echo_2\",\"error\":{\"type\":\"invalid_request_error\","
                + "\"code\":\"invalid_event\",\"message\":\"Binary messages are not realtime events: send JSON text.\","
                + "\"param\":null,\"event_id\":null}}", r.texts.get(1));
        assertEquals("invalid_json", Json.asObject(r.event(2).get("error")).get("code"));
        assertEquals("{\"type\":\"error\",\"event_id\":\"event_echo_4\",\"error\":{\"type\":\"invalid_request_error\","
                + "\"code\":\"missing_required_parameter\",\"message\":\"Missing required parameter: 'type'.\",\"param\":\"type\","
                + "\"event_id\":\"c2\"}}", r.texts.get(3));
        assertEquals("{\"type\":\"error\",\"event_id\":\"event_echo_5\",\"error\":{\"type\":\"invalid_request_error\","
                + "\"code\":\"unknown_event\",\"message\":\"Invalid value: 'nope.nope'. Not a realtime client event type.\","
                + "\"param\":\"type\",\"event_id\":\"c3\"}}", r.texts.get(4));
        assertEquals("invalid_json", Json.asObject(r.event(5).get("error")).get("code"));
        send(r, "{\"type\":\"input_audio_buffer.clear\"}");
        assertEquals("input_audio_buffer.cleared", r.event(6).get("type"));
        assertEquals(List.of(), r.ends);
    }

    @Test
    void close_endsWithItsCode_evenWithoutDemand_thenSendFails() {
        Recorder r = open(false, false, CAP);
        r.upstream.close(4001, "bye");
        r.upstream.close(1000, "again");
        assertEquals(List.of("4001 bye"), r.ends);
        assertEquals(List.of(), r.texts, "queued events are dropped");
        r.upstream.request();
        assertEquals(List.of(), r.texts);
        GatewayException e = assertThrows(GatewayException.class, () -> send(r, "{\"type\":\"response.create\"}"));
        assertEquals(ErrorKind.PROVIDER_STREAM_BROKEN, e.kind());
    }

    @Test
    void abort_silent() {
        Recorder r = open(false, false, CAP);
        r.upstream.abort();
        r.upstream.close(1000, "");
        r.upstream.request();
        assertEquals(List.of(), r.ends);
        assertEquals(List.of(), r.texts);
    }

    @Test
    void eventOverCap_onError_andSendThrows() {
        Recorder r = open(true, false, 600);
        r.upstream.request();
        assertThrows(GatewayException.class, () -> send(r, "{\"type\":\"session.update\",\"session\":{\"instructions\":\""
                + "x".repeat(600) + "\"}}"));
        assertEquals(1, r.ends.size());
        GatewayException e = assertInstanceOf(GatewayException.class, r.ends.get(0));
        assertEquals(ErrorKind.PROVIDER_STREAM_BROKEN, e.kind());
        assertEquals("Provider echo: upstream sent a message over 600 bytes", e.getMessage());
    }

    @Test
    void send_blocksWhileQueueIsFull_untilDemand() throws Exception {
        Recorder r = open(false, false, CAP);
        send(r, append(pcm(EchoRealtime.KEPT_AUDIO_BYTES, 3)));
        send(r, "{\"type\":\"input_audio_buffer.commit\"}");
        // queued: session.created, committed, item.created; the response: 100 deltas and 9 other events
        Thread sender = Thread.ofVirtual().start(() -> send(r, "{\"type\":\"response.create\"}"));
        waitFor(() -> sender.getState() == Thread.State.WAITING, "the sender blocks on the full queue");
        assertEquals(List.of(), r.texts);
        int expected = 3 + 100 + 9;
        for (int i = 1; i <= expected; i++) {
            int n = i;
            r.upstream.request();
            waitFor(() -> r.texts.size() >= n, "message " + n);
            assertEquals(n, r.texts.size(), "one message per request()");
        }
        sender.join(TimeUnit.SECONDS.toMillis(10));
        assertTrue(!sender.isAlive());
        r.upstream.request();
        assertEquals(expected, r.texts.size());
        assertEquals("response.done", r.event(expected - 1).get("type"));
    }

    @Test
    void close_wakesABlockedSender() throws Exception {
        Recorder r = open(false, false, CAP);
        send(r, append(pcm(EchoRealtime.KEPT_AUDIO_BYTES, 3)));
        send(r, "{\"type\":\"input_audio_buffer.commit\"}");
        List<Throwable> thrown = new CopyOnWriteArrayList<>();
        Thread sender = Thread.ofVirtual().start(() -> {
            try {
                send(r, "{\"type\":\"response.create\"}");
            } catch (GatewayException e) {
                thrown.add(e);
            }
        });
        waitFor(() -> sender.getState() == Thread.State.WAITING, "the sender blocks on the full queue");
        r.upstream.close(1000, "done");
        sender.join(TimeUnit.SECONDS.toMillis(10));
        assertEquals(1, thrown.size());
        assertEquals(List.of("1000 done"), r.ends);
    }

    @Test
    void connect_cancelled_clientGone() {
        Cancellation c = new Cancellation();
        c.cancel();
        assertThrows(ClientGoneException.class, () -> provider.connect(new RealtimeCall("m", false, c), new Recorder(false), CAP));
    }

    @Test
    void merge_replacesNonObjects() {
        Map<String, Object> t = Json.asObject(Json.parse("{\"a\":{\"b\":1,\"c\":[1]},\"d\":2}"));
        EchoRealtimeEvents.merge(t, Json.asObject(Json.parse("{\"a\":{\"c\":null,\"e\":3},\"d\":{\"x\":1}}")), true);
        assertEquals("{\"a\":{\"b\":1,\"c\":null,\"e\":3},\"d\":{\"x\":1}}", Json.toString(t));
        assertNull(Json.asObject(t.get("a")).get("c"));
    }

    static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting: " + what);
            Thread.sleep(1);
        }
    }

    /** {@code ms} of PCM16 at 24 kHz: a square wave of amplitude 3,000 (speech to the echo's VAD), or silence. */
    private static byte[] audioMs(int ms, boolean loud) {
        byte[] b = new byte[ms * EchoRealtime.BYTES_PER_MS];
        for (int i = 0; loud && i + 1 < b.length; i += 2) {
            short v = (short) ((i / 2 / 24) % 2 == 0 ? 3000 : -3000);
            b[i] = (byte) v;
            b[i + 1] = (byte) (v >> 8);
        }
        return b;
    }

    @Test
    void serverVad_aTurnOfSpeechThenSilence_isCommittedAndAnswered_onAudioTime() {
        Recorder r = open(true, false, CAP);
        r.upstream.request();
        send(r, "{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"audio\":{\"input\":{\"turn_detection\":"
                + "{\"type\":\"server_vad\",\"silence_duration_ms\":200}}}}}");
        send(r, append(audioMs(100, false)));
        send(r, append(audioMs(300, true)));
        int before = r.texts.size();
        send(r, append(audioMs(180, false)));
        assertEquals(before, r.texts.size(), "180 ms of silence does not end a turn of 200");
        send(r, append(audioMs(100, false)));
        List<String> types = r.types();
        int s = types.indexOf("input_audio_buffer.speech_started");
        assertEquals(100L, ((tollgate.json.JsonNumber) r.event(s).get("audio_start_ms")).longValue());
        assertEquals("item_echo_1", r.event(s).get("item_id"));
        int e = types.indexOf("input_audio_buffer.speech_stopped");
        assertEquals(600L, ((tollgate.json.JsonNumber) r.event(e).get("audio_end_ms")).longValue(), "speech to 400 ms, then 200 ms of silence");
        assertEquals(List.of("input_audio_buffer.speech_stopped", "input_audio_buffer.committed", "conversation.item.created",
                "response.created"), types.subList(e, e + 4));
        assertEquals("item_echo_1", r.event(e + 1).get("item_id"));
        assertEquals("response.done", types.get(types.size() - 1));
    }

    @Test
    void serverVad_twoTurnsInOneLongAppend_bothStartsAreSaid() {
        Recorder r = open(true, false, CAP);
        r.upstream.request();
        send(r, "{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"audio\":{\"input\":{\"turn_detection\":"
                + "{\"type\":\"server_vad\"}}}}}");
        java.io.ByteArrayOutputStream two = new java.io.ByteArrayOutputStream();
        two.writeBytes(audioMs(200, true));
        two.writeBytes(audioMs(600, false));
        two.writeBytes(audioMs(200, true));
        send(r, append(two.toByteArray()));
        List<String> types = r.types();
        int first = types.indexOf("input_audio_buffer.speech_started");
        int second = types.lastIndexOf("input_audio_buffer.speech_started");
        assertTrue(first < types.indexOf("input_audio_buffer.speech_stopped") && types.indexOf("response.done") < second, types.toString());
        assertEquals(800L, ((tollgate.json.JsonNumber) r.event(second).get("audio_start_ms")).longValue());
        assertEquals("item_echo_3", r.event(second).get("item_id"), "after the first turn's user item and its answer");
    }

    @Test
    void withoutServerVad_orCreateResponseFalse_noAnswerOnItsOwn() {
        Recorder r = open(true, false, CAP);
        r.upstream.request();
        send(r, append(audioMs(300, true)));
        send(r, append(audioMs(1000, false)));
        assertEquals(List.of("session.created"), r.types(), "turn detection is off by default");
        send(r, "{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"audio\":{\"input\":{\"turn_detection\":"
                + "{\"type\":\"server_vad\",\"create_response\":false}}}}}");
        send(r, append(audioMs(300, true)));
        send(r, append(audioMs(600, false)));
        List<String> types = r.types();
        assertTrue(types.contains("input_audio_buffer.committed"), types.toString());
        assertTrue(!types.contains("response.created"), "create_response false: the client asks for the answer");
    }
}
