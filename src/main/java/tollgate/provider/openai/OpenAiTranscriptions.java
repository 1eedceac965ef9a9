package tollgate.provider.openai;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.json.JsonException;
import tollgate.provider.Exchange;
import tollgate.provider.IdleWatchdog;
import tollgate.provider.Transcript;
import tollgate.provider.TranscriptionCall;
import tollgate.provider.TranscriptionUpload;
import tollgate.provider.Upstream;

/**
 * OpenAI-compatible speech-to-text (OpenAI, and local Whisper servers that copy its API):
 * {@code POST {base_url}/audio/transcriptions} or {@code /audio/translations}, a
 * {@code multipart/form-data} body (RFC 7578) that this class writes as it streams the upload
 * into it: its fields, the file part's headers, the audio as the client sends it, the fields the
 * client sent after the file, the close delimiter.
 *
 * <p>It always asks for {@code verbose_json} (the duration the gateway charges, and the timings
 * every other format is rendered from), with {@code timestamp_granularities[]} {@code segment}
 * and, when the call needs word timings, {@code word} (OpenAI: word timestamps cost latency, so
 * only then). Models named {@link #JSON_ONLY_MODEL_PREFIXES} accept only {@code json}
 * (protocols.md §5): they get {@code json}, and a call that needs timings (srt, vtt,
 * verbose_json) is refused before any audio is read.
 *
 * <p>An OpenAI-compatible server cannot fetch a URL, and the gateway does not fetch URLs for it
 * (it would let any key make the gateway fetch any address, SSRF): a URL is refused with a 400,
 * no-retry, so that a group's Deepgram member may take it.
 */
public final class OpenAiTranscriptions {
    /** Largest answer read, in bytes. */
    static final int MAX_ANSWER_BYTES = 16 * 1024 * 1024;
    /** Upstream models that answer only {@code json}, by name prefix ({@code gpt-4o-transcribe}, {@code gpt-4o-mini-transcribe}). */
    static final List<String> JSON_ONLY_MODEL_PREFIXES = List.of("gpt-4o");
    /** File name extensions by media type, for an upload without a file name (OpenAI goes by the extension). */
    static final Map<String, String> EXTENSIONS = Map.ofEntries(
            Map.entry("audio/wav", "wav"), Map.entry("audio/x-wav", "wav"), Map.entry("audio/wave", "wav"),
            Map.entry("audio/vnd.wave", "wav"), Map.entry("audio/mpeg", "mp3"), Map.entry("audio/mp3", "mp3"),
            Map.entry("audio/mpga", "mpga"), Map.entry("audio/mp4", "m4a"), Map.entry("audio/m4a", "m4a"),
            Map.entry("audio/x-m4a", "m4a"), Map.entry("audio/ogg", "ogg"), Map.entry("application/ogg", "ogg"),
            Map.entry("audio/opus", "ogg"), Map.entry("audio/webm", "webm"), Map.entry("video/webm", "webm"),
            Map.entry("audio/flac", "flac"), Map.entry("audio/x-flac", "flac"), Map.entry("video/mp4", "mp4"),
            Map.entry("video/mpeg", "mpeg"));

    private final Exchange exchange;
    private final Upstream upstream;
    private final IdleWatchdog watchdog;

    public OpenAiTranscriptions(Exchange exchange, Upstream upstream, IdleWatchdog watchdog) {
        this.exchange = exchange;
        this.upstream = upstream;
        this.watchdog = watchdog;
    }

    public Transcript transcribe(TranscriptionCall call) {
        if (call.audio().url() != null) {
            throw GatewayException.invalid("url", "The model's provider cannot fetch audio from a URL, and the gateway does not "
                    + "fetch URLs for it; upload the audio instead.").noRetry();
        }
        boolean jsonOnly = jsonOnly(call.upstreamModel());
        if (jsonOnly && call.segments()) {
            throw GatewayException.invalid("response_format", "The model '" + call.upstreamModel() + "' gives no timestamps, "
                    + "which this response_format needs; ask for json or text.").noRetry();
        }
        URI endpoint = exchange.endpoint(call.translate() ? "/audio/translations" : "/audio/transcriptions");
        String where = "POST " + endpoint;
        String boundary = "tollgate-" + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + Long.toHexString(ThreadLocalRandom.current().nextLong());
        byte[] head = head(call, boundary, jsonOnly);
        byte[] close = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        long length = call.audio().length() >= 0 ? head.length + call.audio().length() + close.length : -1;
        HttpRequest.Builder b = exchange.request(endpoint)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .header("Accept", "application/json");
        if (TranscriptionUpload.headerSafe(call.requestId())) b.setHeader("x-request-id", call.requestId());
        HttpResponse<InputStream> response;
        try (InputStream body = new Form(head, call.audio().open(), () -> tail(call, boundary))) {
            response = TranscriptionUpload.send(exchange, upstream.client(), watchdog, b, body, length, call.cancellation(),
                    call.memory(), where);
        } catch (IOException e) {
            throw new ClientGoneException(e);
        }
        if (response.statusCode() / 100 != 2) throw exchange.statusError(response, call.upstreamModel(), call.cancellation(), where);
        byte[] raw = TranscriptionUpload.answer(exchange, response, MAX_ANSWER_BYTES, call.cancellation(), call.memory(), where);
        Transcript t = null;
        try {
            Map<String, Object> answer = Json.asObject(Json.parse(raw, 0, raw.length, call.memory()));
            if (answer != null) t = OpenAiTranscriptionsAnswer.parse(answer, raw);
        } catch (JsonException e) {
            // below
        }
        if (t == null) {
            throw new GatewayException(ErrorKind.PROVIDER_ERROR, "Provider '" + exchange.providerId()
                    + "' returned a response that is not a transcription", null, response.statusCode(), null)
                    .withDetail(where + " answered " + raw.length + " bytes without a text");
        }
        return t;
    }

    static boolean jsonOnly(String model) {
        for (String p : JSON_ONLY_MODEL_PREFIXES) if (model.startsWith(p)) return true;
        return false;
    }

    /** The form up to the audio: the fields, then the file part's headers. */
    static byte[] head(TranscriptionCall call, String boundary, boolean jsonOnly) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        field(out, boundary, "model", call.upstreamModel());
        field(out, boundary, "response_format", jsonOnly ? "json" : "verbose_json");
        if (!jsonOnly && !call.translate()) { // translations take no granularities (OpenAI API reference)
            field(out, boundary, "timestamp_granularities[]", "segment");
            if (call.words()) field(out, boundary, "timestamp_granularities[]", "word");
        }
        if (call.language() != null && !call.translate()) field(out, boundary, "language", iso639(call.language()));
        for (Map.Entry<String, String> f : call.openAiFields()) field(out, boundary, f.getKey(), f.getValue());
        String type = call.audio().contentType();
        ascii(out, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"");
        utf8(out, quoted(filename(call.audio().filename(), type)));
        ascii(out, "\"\r\nContent-Type: ");
        utf8(out, type == null || type.isEmpty() ? "application/octet-stream" : strip(type));
        ascii(out, "\r\n\r\n");
        return out.toByteArray();
    }

    /** After the audio: the fields the client sent after its file, and the close delimiter. */
    private static byte[] tail(TranscriptionCall call, String boundary) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        ascii(out, "\r\n");
        for (Map.Entry<String, String> f : call.audio().trailing()) field(out, boundary, f.getKey(), f.getValue());
        ascii(out, "--" + boundary + "--\r\n");
        return out.toByteArray();
    }

    private static void field(ByteArrayOutputStream out, String boundary, String name, String value) {
        ascii(out, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"");
        utf8(out, quoted(name));
        ascii(out, "\"\r\n\r\n");
        utf8(out, value);
        ascii(out, "\r\n");
    }

    /** A BCP-47 tag's language ({@code en-US} to {@code en}): OpenAI takes ISO 639-1. */
    static String iso639(String language) {
        int dash = language.indexOf('-');
        return (dash > 0 ? language.substring(0, dash) : language).toLowerCase(Locale.ROOT);
    }

    /** The client's file name if it has an extension, else one made from the media type ({@code audio.wav}). */
    static String filename(String given, String type) {
        if (given != null && given.lastIndexOf('.') > 0) return given;
        String ext = type == null ? null : EXTENSIONS.get(strip(type).toLowerCase(Locale.ROOT));
        String base = given != null && !given.isBlank() ? given : "audio";
        return ext == null ? base : base + "." + ext;
    }

    /** A media type without its parameters. */
    private static String strip(String type) {
        int semi = type.indexOf(';');
        return (semi < 0 ? type : type.substring(0, semi)).trim();
    }

    /** A name for a quoted-string in a part header: {@code "}, CR and LF percent-encoded (HTML's multipart/form-data encoding). */
    static String quoted(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String r = c == '"' ? "%22" : c == '\r' ? "%0D" : c == '\n' ? "%0A" : null;
            if (r != null && b == null) b = new StringBuilder(s.length() + 8).append(s, 0, i);
            if (b != null) {
                if (r != null) b.append(r);
                else b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }

    private static void ascii(ByteArrayOutputStream out, String s) { out.writeBytes(s.getBytes(StandardCharsets.US_ASCII)); }

    private static void utf8(ByteArrayOutputStream out, String s) { out.writeBytes(s.getBytes(StandardCharsets.UTF_8)); }

    /** The form as one stream: the head, the audio as it is read, then the tail, made once the audio has ended. */
    private static final class Form extends InputStream {
        interface Tail {
            byte[] make();
        }

        private final InputStream audio;
        private final Tail tail;
        private byte[] piece;
        private int at;
        private int stage; // 0 head, 1 audio, 2 tail, 3 end

        Form(byte[] head, InputStream audio, Tail tail) {
            this.piece = head;
            this.audio = audio;
            this.tail = tail;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (true) {
                switch (stage) {
                    case 0, 2 -> {
                        if (at < piece.length) {
                            int n = Math.min(len, piece.length - at);
                            System.arraycopy(piece, at, b, off, n);
                            at += n;
                            return n;
                        }
                        stage++;
                    }
                    case 1 -> {
                        int n = audio.read(b, off, len);
                        if (n >= 0) return n;
                        piece = tail.make(); // the audio's end: its trailing fields are known now
                        at = 0;
                        stage = 2;
                    }
                    default -> {
                        return -1;
                    }
                }
            }
        }

        @Override
        public void close() throws IOException {
            audio.close();
        }
    }
}
