package tollgate.provider.echo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tollgate.call.Cancellation;
import tollgate.catalog.TestModels;
import tollgate.config.TtsConfig;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorKind;
import tollgate.error.FailureClass;
import tollgate.error.GatewayException;
import tollgate.memory.MemoryBudget;
import tollgate.provider.AudioFormat;
import tollgate.provider.SpeechCall;
import tollgate.provider.SpeechRequest;

/** Echo's text-to-speech: exact WAV layout, deterministic samples, length by text and speed, refusals. */
class EchoSpeechTest {
    private final EchoProvider echo = new EchoProvider("echo", java.time.InstantSource.system());

    static SpeechCall call(String text, AudioFormat format, double speed, Cancellation c) {
        SpeechRequest r = new SpeechRequest(text, "alloy", false, format, speed, null, List.of(), "response_format", "voice");
        return new SpeechCall(r, TestModels.model("echo-tts", "echo", "echo-tts", 0, Set.of("tts"), 0), TtsConfig.DEFAULTS,
                "req-1", c, MemoryBudget.unlimited().open());
    }

    static AudioFormat format(String name) { return AudioFormat.of(TtsConfig.DEFAULTS.format(name)); }

    record Spoken(byte[] bytes, List<Integer> pieces, long returned) {}

    Spoken speak(SpeechCall call) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Integer> pieces = new ArrayList<>();
        long n = echo.speak(call, (b, off, len) -> {
            out.write(b, off, len);
            pieces.add(len);
        });
        return new Spoken(out.toByteArray(), pieces, n);
    }

    @Test
    void wav_headerAndLength_exact() {
        Spoken s = speak(call("Hi there", format("wav"), 0, new Cancellation()));
        int data = 8 * 1200 * 2; // 8 characters x 50 ms at 24 kHz x 2 bytes
        assertEquals(44 + data, s.bytes().length);
        assertEquals(s.bytes().length, s.returned());
        ByteBuffer h = ByteBuffer.wrap(s.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("RIFF", new String(s.bytes(), 0, 4, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(36 + data, h.getInt(4));
        assertEquals("WAVEfmt ", new String(s.bytes(), 8, 8, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(16, h.getInt(16));
        assertEquals(1, h.getShort(20));      // PCM
        assertEquals(1, h.getShort(22));      // mono
        assertEquals(24000, h.getInt(24));
        assertEquals(48000, h.getInt(28));
        assertEquals(2, h.getShort(32));
        assertEquals(16, h.getShort(34));
        assertEquals("data", new String(s.bytes(), 36, 4, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(data, h.getInt(40));
        // 'H' (72) is a 220 + 20 * (72 % 32) = 380 Hz tone; the space (the 3rd character) is silence
        assertEquals(0, h.getShort(44));
        assertEquals((short) Math.round(0.25 * Short.MAX_VALUE * Math.sin(2 * Math.PI * 380 / 24000)), h.getShort(46));
        assertEquals((short) Math.round(0.25 * Short.MAX_VALUE * Math.sin(2 * Math.PI * 380 * 7 / 24000)), h.getShort(44 + 14));
        for (int i = 44 + 2 * 2400; i < 44 + 3 * 2400; i++) assertEquals(0, s.bytes()[i], "silence at " + i);
        assertTrue(s.pieces().stream().allMatch(n -> n <= EchoSpeech.CHUNK_BYTES), s.pieces().toString());
        assertEquals(2, s.pieces().size()); // 19,244 bytes: one full 16 KiB piece, then the rest
    }

    @Test
    void pcm_isTheWavSamplesWithoutTheHeader_andTheSameEveryTime() {
        byte[] wav = speak(call("Tollgate speaks.", format("wav"), 0, new Cancellation())).bytes();
        byte[] pcm = speak(call("Tollgate speaks.", format("pcm"), 0, new Cancellation())).bytes();
        assertArrayEquals(java.util.Arrays.copyOfRange(wav, 44, wav.length), pcm);
        assertArrayEquals(pcm, speak(call("Tollgate speaks.", format("pcm"), 0, new Cancellation())).bytes());
    }

    @Test
    void sampleRateAndSpeed_setTheLength() {
        AudioFormat pcm16k = AudioFormat.deepgram(TtsConfig.DEFAULTS, "linear16", "none", 16000, 0);
        assertEquals(5 * 800 * 2, speak(call("hello", pcm16k, 0, new Cancellation())).bytes().length);
        assertEquals(5 * 600 * 2, speak(call("hello", format("pcm"), 2.0, new Cancellation())).bytes().length);
        assertEquals(5 * 4800 * 2, speak(call("hello", format("pcm"), 0.25, new Cancellation())).bytes().length);
        // a surrogate pair is one character
        assertEquals(1200 * 2, speak(call("\uD83D\uDE00", format("pcm"), 0, new Cancellation())).bytes().length);
    }

    @Test
    void otherFormats_areRefusedBeforeAnyAudio_namingWhatEchoProduces() {
        List<Integer> pieces = new ArrayList<>();
        GatewayException e = assertThrows(GatewayException.class,
                () -> echo.speak(call("Hi", format("mp3"), 0, new Cancellation()), (b, off, len) -> pieces.add(len)));
        assertEquals(ErrorKind.CALLER_INVALID_REQUEST, e.kind());
        assertEquals("response_format", e.param());
        assertEquals("Provider 'echo' (model 'echo-tts') produces only wav or pcm audio (encoding linear16 with container wav or none, "
                + "no bit_rate); the request asks for 'mp3'.", e.getMessage());
        assertEquals(FailureClass.REJECTED, e.failure()); // another candidate may produce it
        assertEquals(List.of(), pieces);
        AudioFormat mulaw = AudioFormat.deepgram(TtsConfig.DEFAULTS, "mulaw", null, 8000, 0);
        assertEquals("Provider 'echo' (model 'echo-tts') produces only wav or pcm audio (encoding linear16 with container wav or none, "
                + "no bit_rate); the request asks for encoding=mulaw, container=wav, sample_rate=8000.",
                assertThrows(GatewayException.class, () -> speak(call("Hi", mulaw, 0, new Cancellation()))).getMessage());
    }

    @Test
    void cancelled_stopsWithClientGone() {
        Cancellation c = new Cancellation();
        c.cancel();
        assertThrows(ClientGoneException.class, () -> speak(call("Hi", format("wav"), 0, c)));
    }
}
