package tollgate.voice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import tollgate.error.ErrorBody;
import tollgate.error.GatewayException;
import tollgate.json.Json;

/** The session JSON: both shapes, and the client's session.update completed byte for byte. */
class SessionConfigsTest {
    static final String GA = "{\"type\":\"realtime\",\"model\":\"gpt-realtime\",\"output_modalities\":[\"audio\"],"
            + "\"audio\":{\"input\":{\"format\":{\"type\":\"audio/pcm\",\"rate\":24000},\"turn_detection\":{\"type\":\"server_vad\"}},"
            + "\"output\":{\"format\":{\"type\":\"audio/pcm\",\"rate\":24000},\"voice\":\"alloy\"}}}";
    static final String BETA = "{\"model\":\"gpt-realtime\",\"modalities\":[\"audio\",\"text\"],\"voice\":\"alloy\","
            + "\"input_audio_format\":\"pcm16\",\"output_audio_format\":\"pcm16\",\"turn_detection\":{\"type\":\"server_vad\"}}";

    static String complete(String text) { return SessionConfigs.complete(text, "gpt-realtime", "alloy", false); }

    static String completeBeta(String text) { return SessionConfigs.complete(text, "gpt-realtime", "alloy", true); }

    static String error(String text) {
        GatewayException e = assertThrows(GatewayException.class, () -> complete(text));
        return new String(ErrorBody.render(e), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void sessionConfig_bothShapes() {
        assertEquals(GA, Json.toString(SessionConfigs.sessionConfig("gpt-realtime", "alloy")));
        assertEquals(GA, Json.toString(SessionConfigs.sessionConfig("gpt-realtime", "alloy", false)));
        assertEquals(BETA, Json.toString(SessionConfigs.sessionConfig("gpt-realtime", "alloy", true)));
    }

    @Test
    void gatewayUpdate_wrapsTheSessionConfig() {
        assertEquals("{\"type\":\"session.update\",\"session\":" + GA + "}", SessionConfigs.gatewayUpdate("gpt-realtime", "alloy", false));
        assertEquals("{\"type\":\"session.update\",\"session\":" + BETA + "}", SessionConfigs.gatewayUpdate("gpt-realtime", "alloy", true));
    }

    @Test
    void theSessionConfigSentBack_isKeptAsIs() {
        String update = "{\"type\":\"session.update\",\"session\":" + GA + "}";
        assertEquals(update, complete(update));
        String beta = "{\"type\":\"session.update\",\"session\":" + BETA + "}";
        assertEquals(beta, completeBeta(beta));
        assertEquals(beta, complete(beta)); // flat fields: beta, whatever the connection said
    }

    @Test
    void ga_modelReplacedInPlace_voiceFilledIn_typeAdded_restKeptInOrder() {
        assertEquals("{\"event_id\":\"e1\",\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"model\":\"gpt-realtime\","
                        + "\"instructions\":\"Be brief.\",\"audio\":{\"output\":{\"speed\":1.10,\"voice\":\"alloy\"}},\"max_output_tokens\":\"inf\","
                        + "\"tools\":[]}}",
                complete("{\"event_id\":\"e1\",\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"model\":\"gpt-4o-realtime"
                        + "-preview\",\"instructions\":\"Be brief.\",\"audio\":{\"output\":{\"speed\":1.10}},\"max_output_tokens\":\"inf\","
                        + "\"tools\":[]}}"));
        // no type (GA by its audio), no model: both put first; the client's own voice kept
        assertEquals("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"model\":\"gpt-realtime\",\"audio\":{\"input\":"
                        + "{\"format\":{\"type\":\"audio/pcmu\"}},\"output\":{\"voice\":\"verse\"}}}}",
                complete("{\"type\":\"session.update\",\"session\":{\"audio\":{\"input\":{\"format\":{\"type\":\"audio/pcmu\"}},"
                        + "\"output\":{\"voice\":\"verse\"}}}}"));
        // a type the client put later: the model goes right after it
        assertEquals("{\"type\":\"session.update\",\"session\":{\"instructions\":\"x\",\"type\":\"realtime\",\"model\":\"gpt-realtime\","
                + "\"audio\":{\"output\":{\"voice\":\"alloy\"}}}}",
                complete("{\"type\":\"session.update\",\"session\":{\"instructions\":\"x\",\"type\":\"realtime\"}}"));
        // audio without output; output with a null voice
        assertEquals("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"model\":\"gpt-realtime\",\"audio\":{\"input\":{},"
                + "\"output\":{\"voice\":\"alloy\"}}}}", complete("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\","
                + "\"audio\":{\"input\":{}}}}"));
        assertEquals("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"model\":\"gpt-realtime\",\"audio\":{\"output\":"
                + "{\"voice\":\"alloy\"}}}}", complete("{\"type\":\"session.update\",\"session\":{\"type\":null,\"model\":null,"
                + "\"audio\":{\"output\":{\"voice\":null}}}}"));
    }

    @Test
    void noShapeInTheSession_theConnectionDecides() {
        String plain = "{\"type\":\"session.update\",\"session\":{\"instructions\":\"Hi\"}}";
        assertEquals("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"model\":\"gpt-realtime\",\"instructions\":\"Hi\","
                + "\"audio\":{\"output\":{\"voice\":\"alloy\"}}}}", complete(plain));
        assertEquals("{\"type\":\"session.update\",\"session\":{\"model\":\"gpt-realtime\",\"instructions\":\"Hi\",\"voice\":\"alloy\"}}",
                completeBeta(plain));
        // no session at all
        assertEquals("{\"type\":\"session.update\",\"session\":{\"model\":\"gpt-realtime\",\"voice\":\"alloy\"}}",
                completeBeta("{\"type\":\"session.update\"}"));
        assertEquals("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"model\":\"gpt-realtime\",\"audio\":{\"output\":"
                + "{\"voice\":\"alloy\"}}}}", complete("{\"type\":\"session.update\",\"session\":null}"));
    }

    @Test
    void beta_modelReplaced_voiceKeptOrFilled() {
        assertEquals("{\"type\":\"session.update\",\"session\":{\"modalities\":[\"text\"],\"model\":\"gpt-realtime\",\"voice\":\"sage\","
                        + "\"temperature\":0.8}}",
                complete("{\"type\":\"session.update\",\"session\":{\"modalities\":[\"text\"],\"model\":\"gpt-4o-realtime-preview\","
                        + "\"voice\":\"sage\",\"temperature\":0.8}}"));
        assertEquals("{\"type\":\"session.update\",\"session\":{\"model\":\"gpt-realtime\",\"input_audio_format\":\"g711_ulaw\","
                        + "\"voice\":\"alloy\"}}",
                complete("{\"type\":\"session.update\",\"session\":{\"input_audio_format\":\"g711_ulaw\"}}"));
    }

    @Test
    void aNullVoice_leavesTheVoiceAlone() {
        assertEquals("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"model\":\"gpt-realtime\",\"instructions\":\"x\"}}",
                SessionConfigs.complete("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"instructions\":\"x\"}}",
                        "gpt-realtime", null, false));
        assertEquals("{\"type\":\"session.update\",\"session\":{\"model\":\"gpt-realtime\",\"modalities\":[\"text\"]}}",
                SessionConfigs.complete("{\"type\":\"session.update\",\"session\":{\"modalities\":[\"text\"]}}", "gpt-realtime", null,
                        false));
    }

    @Test
    void otherEvents_areNotTouched() {
        assertNull(complete("{\"type\":\"input_audio_buffer.append\",\"audio\":\"AAAA/w==\"}"));
        assertNull(complete("{\"type\":\"response.create\"}"));
        assertNull(complete("not json at all"));
        // these may be a session.update by their text, and are not
        assertNull(complete("{\"type\":\"conversation.item.create\",\"item\":{\"content\":[{\"type\":\"input_text\","
                + "\"text\":\"what does session.update do?\\n\"}]}}"));
        assertNull(complete("[\"session.update\"]"));
        assertNull(complete("{\"type\":\"session.updated\",\"session\":{}}"));
    }

    @Test
    void escapes_areReadAsTheUpstreamReadsThem() {
        assertEquals("{\"type\":\"session.update\",\"session\":{\"model\":\"gpt-realtime\",\"voice\":\"alloy\"}}",
                completeBeta("{\"type\":\"session\\u002eupdate\",\"session\":{\"model\":\"gpt-4o-realtime-preview\"}}"));
        assertEquals("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"model\":\"gpt-realtime\",\"audio\":{\"output\":"
                + "{\"voice\":\"alloy\"}}}}", complete("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"mod\\u0065l\":"
                + "\"gpt-4o-realtime-preview\"}}"));
        // a duplicate model: one, the gateway's
        assertEquals("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"model\":\"gpt-realtime\",\"audio\":{\"output\":"
                + "{\"voice\":\"alloy\"}}}}", complete("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"model\":\"a\","
                + "\"model\":\"b\"}}"));
    }

    @Test
    void whatCannotBeReadSafely_isRefused_notForwarded() {
        assertEquals("{\"error\":{\"message\":\"The event's top level has 'type' more than once (or a key written with escapes); send one "
                + "'type'.\",\"type\":\"invalid_request_error\",\"param\":\"type\",\"code\":400}}",
                error("{\"type\":\"session.update\",\"type\":\"response.create\",\"session\":{\"model\":\"gpt-4o-realtime-preview\"}}"));
        assertEquals("{\"error\":{\"message\":\"The event is not valid JSON: Unexpected end of input at line 1, column 26.\",\"type\":"
                + "\"invalid_request_error\",\"param\":null,\"code\":400}}", error("{\"type\":\"session.update\","));
        assertEquals("{\"error\":{\"message\":\"'session' must be an object.\",\"type\":\"invalid_request_error\",\"param\":\"session\","
                + "\"code\":400}}", error("{\"type\":\"session.update\",\"session\":\"gpt-4o-realtime-preview\"}"));
        String big = "{\"type\":\"session.update\",\"session\":{\"tools\":[" + "{},".repeat(1000) + "{}]}}";
        GatewayException e = assertThrows(GatewayException.class, () -> SessionConfigs.complete(big, "gpt-realtime", "alloy", false,
                100_000));
        assertEquals("{\"error\":{\"message\":\"The event is too large to read as a session.update (over 100000 bytes once parsed).\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":400}}",
                new String(ErrorBody.render(e), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(64L * 1024 * 1024, SessionConfigs.MAX_TREE_BYTES);
        // the same event under the cap is completed
        assertEquals(big.replace("\"session\":{", "\"session\":{\"type\":\"realtime\",\"model\":\"gpt-realtime\",")
                .replace("{}]}}", "{}],\"audio\":{\"output\":{\"voice\":\"alloy\"}}}}"), complete(big));
    }
}
