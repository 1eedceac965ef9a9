package tollgate.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;

/** Mistral's FIM request as the gateway checks it: the cap, nulls as absent, every bad field named. */
class FimRequestTest {
    static final long CAP = 1000;

    static FimRequest valid(String json) {
        return FimRequest.validate(Json.parse(json), CAP);
    }

    static GatewayException refused(String json) {
        GatewayException e = assertThrows(GatewayException.class, () -> valid(json));
        assertEquals(ErrorKind.CALLER_INVALID_REQUEST, e.kind());
        return e;
    }

    @Test
    void aFullRequest_keepsItsFieldsInOrder_withMaxTokensCapped() {
        FimRequest r = valid("{\"model\":\"codestral-latest\",\"prompt\":\"def f(\",\"suffix\":\"\\n  return x\",\"max_tokens\":5000,"
                + "\"min_tokens\":1,\"temperature\":0.2,\"top_p\":1,\"stop\":[\"\\n\\n\"],\"random_seed\":42,\"stream\":true}");
        assertEquals("codestral-latest", r.model());
        assertEquals("def f(", r.prompt());
        assertEquals("\n  return x", r.suffix());
        assertEquals(1000, r.maxTokens());
        assertTrue(r.stream());
        assertEquals("{\"model\":\"codestral-latest\",\"prompt\":\"def f(\",\"suffix\":\"\\n  return x\",\"max_tokens\":1000,"
                + "\"min_tokens\":1,\"temperature\":0.2,\"top_p\":1,\"stop\":[\"\\n\\n\"],\"random_seed\":42,\"stream\":true}",
                Json.toString(r.body()));
    }

    @Test
    void withoutMaxTokens_theCapIsSent_andASmallerOneIsKept() {
        assertEquals("{\"prompt\":\"x\",\"max_tokens\":1000}", Json.toString(valid("{\"prompt\":\"x\"}").body()));
        assertEquals(64, valid("{\"prompt\":\"x\",\"max_tokens\":64}").maxTokens());
        assertEquals(1000, FimRequest.validate(Json.parse("{\"prompt\":\"x\",\"max_tokens\":1000}"), 1000).maxTokens());
    }

    @Test
    void nullsAreAbsent_asTheMistralSdkSendsThem() {
        FimRequest r = valid("{\"model\":null,\"prompt\":\"x\",\"suffix\":null,\"temperature\":null,\"max_tokens\":null,"
                + "\"min_tokens\":null,\"random_seed\":null,\"top_p\":1,\"stream\":false,\"stop\":null}");
        assertNull(r.model());
        assertNull(r.suffix());
        assertFalse(r.stream());
        assertEquals("{\"prompt\":\"x\",\"top_p\":1,\"stream\":false,\"max_tokens\":1000}", Json.toString(r.body()));
    }

    @Test
    void metadataRequestId_isRead_andAnEmptyPromptIsAllowed() {
        FimRequest r = valid("{\"prompt\":\"\",\"suffix\":\"}\",\"metadata\":{\"request_id\":\"abc\"}}");
        assertEquals("abc", r.metadataRequestId());
        assertEquals("", r.prompt());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{}|prompt|Missing required parameter: 'prompt'.",
            "{\"prompt\":null}|prompt|Missing required parameter: 'prompt'.",
            "{\"prompt\":42}|prompt|Invalid type for 'prompt': expected a string, got a number.",
            "{\"prompt\":\"x\",\"model\":\"\"}|model|Invalid value for 'model': expected a non-empty string, got an empty string.",
            "{\"prompt\":\"x\",\"model\":7}|model|Invalid type for 'model': expected a string, got a number.",
            "{\"prompt\":\"x\",\"suffix\":[]}|suffix|Invalid type for 'suffix': expected a string, got an array.",
            "{\"prompt\":\"x\",\"max_tokens\":-1}|max_tokens|Invalid value for 'max_tokens': expected an integer of at least 0 that fits in 64 bits, got -1.",
            "{\"prompt\":\"x\",\"max_tokens\":1.5}|max_tokens|Invalid value for 'max_tokens': expected an integer of at least 0 that fits in 64 bits, got 1.5.",
            "{\"prompt\":\"x\",\"min_tokens\":\"3\"}|min_tokens|Invalid type for 'min_tokens': expected an integer, got a string.",
            "{\"prompt\":\"x\",\"temperature\":3}|temperature|Invalid value for 'temperature': expected a number between 0 and 2, got 3.",
            "{\"prompt\":\"x\",\"top_p\":1.1}|top_p|Invalid value for 'top_p': expected a number between 0 and 1, got 1.1.",
            "{\"prompt\":\"x\",\"stop\":[1]}|stop[0]|Invalid type for 'stop[0]': expected a string, got a number.",
            "{\"prompt\":\"x\",\"stop\":[]}|stop|Invalid value for 'stop': expected an array of 1 to 16 strings, got 0 items.",
            "{\"prompt\":\"x\",\"random_seed\":-5}|random_seed|Invalid value for 'random_seed': expected an integer of at least 0 that fits in 64 bits, got -5.",
            "{\"prompt\":\"x\",\"stream\":\"yes\"}|stream|Invalid type for 'stream': expected a boolean, got a string.",
            "{\"prompt\":\"x\",\"metadata\":{\"request_id\":\"\"}}|metadata.request_id|Invalid value for 'metadata.request_id': expected a non-empty string of at most 128 characters, got an empty string.",
    })
    void aBadField_isA400NamingIt(String body, String param, String message) {
        GatewayException e = refused(body);
        assertEquals(param, e.param());
        assertEquals(message, e.getMessage());
    }

    @Test
    void anUnknownField_isRefused_asMistralRefusesIt() {
        GatewayException e = refused("{\"prompt\":\"x\",\"n\":2}");
        assertEquals("n", e.param());
        assertEquals("Unrecognized request argument supplied: 'n'. FIM requests take model, prompt, suffix, max_tokens, min_tokens, "
                + "temperature, top_p, stop, random_seed, stream, metadata.", e.getMessage());
    }

    @Test
    void minTokensAboveTheCappedMax_isRefused() {
        GatewayException e = refused("{\"prompt\":\"x\",\"min_tokens\":1200,\"max_tokens\":2000}");
        assertEquals("min_tokens", e.param());
        assertEquals("Invalid value for 'min_tokens': 1200 is more than 'max_tokens' (1000, the gateway's limit for FIM).",
                e.getMessage());
        e = refused("{\"prompt\":\"x\",\"min_tokens\":20,\"max_tokens\":10}");
        assertEquals("Invalid value for 'min_tokens': 20 is more than 'max_tokens' (10).", e.getMessage());
    }

    @Test
    void aBodyThatIsNotAnObject_isRefused() {
        GatewayException e = refused("[1]");
        assertNull(e.param());
        assertEquals("The request body must be a JSON object, got an array.", e.getMessage());
    }
}
