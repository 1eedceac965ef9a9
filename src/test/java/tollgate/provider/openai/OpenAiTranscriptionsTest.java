package tollgate.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The file name an OpenAI-compatible upstream gets (it goes by the extension), and part-header quoting. */
class OpenAiTranscriptionsTest {
    @Test
    void filename_isTheClientsWithItsExtension_elseMadeFromTheType() {
        assertEquals("memo.m4a", OpenAiTranscriptions.filename("memo.m4a", "application/octet-stream"));
        assertEquals("audio.wav", OpenAiTranscriptions.filename(null, "audio/wav"));
        assertEquals("audio.mp3", OpenAiTranscriptions.filename(null, "Audio/MPEG; rate=44100"));
        assertEquals("memo.ogg", OpenAiTranscriptions.filename("memo", "audio/ogg"));
        assertEquals("audio", OpenAiTranscriptions.filename(null, "application/octet-stream"));
        assertEquals("audio", OpenAiTranscriptions.filename(null, null));
        assertEquals(".hidden.webm", OpenAiTranscriptions.filename(".hidden", "audio/webm"));
    }

    @Test
    void quoted_percentEncodesQuotesAndLineBreaks_asBrowsersDo() {
        assertEquals("say %22hi%22%0D%0A.wav", OpenAiTranscriptions.quoted("say \"hi\"\r\n.wav"));
        assertEquals("plain \u00e9.wav", OpenAiTranscriptions.quoted("plain \u00e9.wav"));
    }

    @Test
    void language_isIso639_1() {
        assertEquals("en", OpenAiTranscriptions.iso639("en-US"));
        assertEquals("pt", OpenAiTranscriptions.iso639("PT-br"));
        assertEquals("de", OpenAiTranscriptions.iso639("de"));
    }

    @Test
    void jsonOnlyModels() {
        assertEquals(true, OpenAiTranscriptions.jsonOnly("gpt-4o-mini-transcribe"));
        assertEquals(false, OpenAiTranscriptions.jsonOnly("whisper-1"));
    }
}
