package tollgate.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;

/** OpenAI's legacy completions request as the gateway checks it, and the chat request it becomes for a chat model. */
class CompletionRequestTest {

    static CompletionRequest valid(String json) {
        return CompletionRequest.validate(Json.parse(json));
    }

    static GatewayException refused(String json) {
        GatewayException e = assertThrows(GatewayException.class, () -> valid(json));
        assertEquals(ErrorKind.CALLER_INVALID_REQUEST, e.kind());
        return e;
    }

    @Test
    void maxTokensDefaultsTo16_andUnknownFieldsPassThrough() {
        CompletionRequest r = valid("{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"Say this\",\"top_k\":5,\"suffix\":null}");
        assertEquals(16, r.maxTokens());
        assertEquals(1, r.choices());
        assertFalse(r.stream());
        assertEquals("{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"Say this\",\"top_k\":5,\"max_tokens\":16}", Json.toString(r.body()));
    }

    @Test
    void anArrayOfOnePrompt_isSentAsTheString() {
        CompletionRequest r = valid("{\"prompt\":[\"one\"],\"max_tokens\":0,\"n\":3,\"best_of\":4}");
        assertEquals("one", r.prompt());
        assertEquals(0, r.maxTokens());
        assertEquals(4, r.choices());
        assertEquals("{\"prompt\":\"one\",\"max_tokens\":0,\"n\":3,\"best_of\":4}", Json.toString(r.body()));
    }

    @Test
    void streamOptions_includeUsage() {
        assertTrue(valid("{\"prompt\":\"x\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}").includeUsage());
        assertFalse(valid("{\"prompt\":\"x\",\"stream\":true}").includeUsage());
        assertEquals("The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                refused("{\"prompt\":\"x\",\"stream_options\":{\"include_usage\":true}}").getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{}|prompt|Missing required parameter: 'prompt'.",
            "{\"prompt\":[\"a\",\"b\"]}|prompt|Invalid value for 'prompt': expected a string or an array of one string; several prompts, or prompts as token arrays, are not supported: send one request per prompt, as text.",
            "{\"prompt\":[1,2,3]}|prompt|Invalid value for 'prompt': expected a string or an array of one string; several prompts, or prompts as token arrays, are not supported: send one request per prompt, as text.",
            "{\"prompt\":{}}|prompt|Invalid type for 'prompt': expected a string or an array of one string, got an object.",
            "{\"prompt\":\"x\",\"n\":0}|n|Invalid value for 'n': expected an integer between 1 and 128, got 0.",
            "{\"prompt\":\"x\",\"logprobs\":6}|logprobs|Invalid value for 'logprobs': expected an integer between 0 and 5, got 6.",
            "{\"prompt\":\"x\",\"echo\":1}|echo|Invalid type for 'echo': expected a boolean, got a number.",
            "{\"prompt\":\"x\",\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}|stop|Invalid value for 'stop': expected an array of 1 to 4 strings, got 5 items.",
            "{\"prompt\":\"x\",\"presence_penalty\":-3}|presence_penalty|Invalid value for 'presence_penalty': expected a number between -2 and 2, got -3.",
            "{\"prompt\":\"x\",\"n\":2,\"best_of\":1}|best_of|Invalid value for 'best_of': it must be at least 'n' (2), got 1.",
            "{\"prompt\":\"x\",\"best_of\":2,\"stream\":true}|best_of|Invalid value for 'best_of': a streamed request cannot use best_of > 1.",
            "{\"prompt\":\"x\",\"stream_options\":{\"include_usage\":1},\"stream\":true}|stream_options.include_usage|Invalid type for 'stream_options.include_usage': expected a boolean, got a number.",
            "{\"prompt\":\"x\",\"user\":5}|user|Invalid type for 'user': expected a string, got a number.",
    })
    void aBadField_isA400NamingIt(String body, String param, String message) {
        GatewayException e = refused(body);
        assertEquals(param, e.param());
        assertEquals(message, e.getMessage());
    }

    // ------------------------------------------------------------------ wrapped as chat

    static String chat(String completions) {
        return Json.toString(CompletionsViaChat.chatBody(valid(completions).body()));
    }

    @Test
    void aChatModel_getsThePromptAsOneUserMessage_withTheSharedFields() {
        assertEquals("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Say this\"}],\"temperature\":0,"
                        + "\"n\":2,\"stop\":\"\\n\",\"seed\":7,\"user\":\"u1\",\"max_tokens\":16}",
                chat("{\"model\":\"gpt-4o-mini\",\"prompt\":[\"Say this\"],\"temperature\":0,\"n\":2,\"stop\":\"\\n\",\"seed\":7,"
                        + "\"user\":\"u1\",\"stream\":false,\"echo\":false,\"best_of\":2,"
                        + "\"suffix\":\"\",\"metadata\":{\"request_id\":\"r\"}}"));
    }

    @Test
    void aStreamedChat_streams() {
        assertEquals("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":16,\"stream\":true}",
                chat("{\"prompt\":\"x\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"prompt\":\"x\",\"suffix\":\"}\"}|suffix|fill-in-the-middle",
            "{\"prompt\":\"x\",\"echo\":true}|echo|echoing the prompt",
            "{\"prompt\":\"x\",\"logprobs\":0}|logprobs|log probabilities of the text",
            "{\"prompt\":\"x\",\"best_of\":3}|best_of|choosing the best of several completions",
            "{\"prompt\":\"x\",\"top_k\":3}|top_k|this parameter",
    })
    void whatAChatModelCannotDo_isA400NamingIt(String body, String param, String what) {
        GatewayException e = assertThrows(GatewayException.class, () -> chat(body));
        assertEquals(param, e.param());
        assertEquals("The parameter '" + param + "' is not supported here: the model is a chat model, served by wrapping the prompt "
                + "as a chat message, and a chat model cannot do " + what + ". Remove it, or choose a model with the 'completions' "
                + "capability.", e.getMessage());
    }

    @Test
    void maxTokensZero_needsACompletionsModel() {
        GatewayException e = assertThrows(GatewayException.class, () -> chat("{\"prompt\":\"x\",\"max_tokens\":0}"));
        assertEquals("max_tokens", e.param());
        assertEquals("Invalid value for 'max_tokens': a chat model produces at least 1 token; 'max_tokens': 0 needs a model with "
                + "the 'completions' capability.", e.getMessage());
    }
}
