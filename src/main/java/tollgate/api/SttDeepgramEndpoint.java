package tollgate.api;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tollgate.account.Charge;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.http.HttpCall;
import tollgate.http.Multipart;
import tollgate.http.MultipartHeaders;
import tollgate.http.QueryString;
import tollgate.json.Json;
import tollgate.json.JsonException;
import tollgate.provider.Transcript;
import tollgate.provider.TranscriptionAudio;
import tollgate.route.Served;
import tollgate.route.ServiceDispatcher;

/**
 * Deepgram's pre-recorded API on any speech-to-text model: {@code POST /listen} (as the Deepgram
 * SDKs call it with their base URL at the gateway) and seed 000's {@code POST /deepgram/stt}.
 * Answered in Deepgram's response shape (protocols.md §4): a Deepgram upstream's answer as it
 * came, another backend's rendered by {@link SttRender#deepgram}.
 *
 * <p>The audio comes as the raw body with its Content-Type ({@code audio/*}, {@code video/*},
 * {@code application/octet-stream}, or none: the Deepgram Python SDK sends none), streamed to
 * the upstream as it arrives; as {@code {"url": ...}} in a JSON body (passed to Deepgram, which
 * fetches it; other backends refuse it: the gateway fetches no URLs); or, as in seed 000's
 * {@code curl -F audio=@voice_memo.m4a}, as the {@code audio} (or {@code file}) part of a
 * {@code multipart/form-data} body, also streamed. Options are Deepgram's query parameters
 * ({@code model}, {@code language}, {@code punctuate}, {@code diarize}, {@code smart_format},
 * ...), passed on to a Deepgram upstream; a form may also carry them as fields before the audio.
 * {@code callback} is refused: the gateway answers (and charges) in the request itself.
 */
final class SttDeepgramEndpoint implements Authenticated.Inner {
    static final String AUDIO = "audio";
    /** Largest JSON body (a URL), in bytes. */
    static final int MAX_JSON_BYTES = 64 * 1024;

    private final ServiceDispatcher services;
    private final long maxUploadBytes;

    SttDeepgramEndpoint(ServiceDispatcher services, long maxUploadBytes) {
        this.services = services;
        this.maxUploadBytes = maxUploadBytes;
    }

    @Override
    public void handle(HttpCall call, Charge charge) throws IOException {
        String type = call.header("Content-Type");
        String media = MultipartHeaders.mediaType(type);
        long length = call.contentLength();
        boolean multipart = media.equals("multipart/form-data"), json = media.equals("application/json");
        InputStream body = call.bodyStream(json ? MAX_JSON_BYTES : maxUploadBytes);
        try {
            Map<String, List<String>> params = new LinkedHashMap<>(QueryString.parse(call.query()));
            for (String name : params.keySet()) refuseCallback(name);
            if (!multipart && !json && !media.isEmpty() && !media.startsWith("audio/") && !media.startsWith("video/")
                    && !SttForm.UNTYPED.contains(media)) {
                throw new GatewayException(ErrorKind.CALLER_UNSUPPORTED_MEDIA_TYPE, "Content-Type '" + type.toLowerCase(Locale.ROOT)
                        + "' is not accepted: send the audio itself (audio/*, video/*, application/octet-stream), "
                        + "multipart/form-data with an 'audio' part, or application/json with a 'url'.");
            }
            if (!multipart && !json) SttForm.checkHeaderSafe(type, null); // the raw body's type goes upstream as is
            transcribe(call, charge, params, body, multipart ? MultipartHeaders.boundary(type) : null, json, type, length);
        } catch (GatewayException e) {
            if (e.httpStatus() != 413) SttDispatch.drain(body);
            throw e;
        }
    }

    private void transcribe(HttpCall call, Charge charge, Map<String, List<String>> params, InputStream body, String boundary,
                            boolean json, String type, long length) throws IOException {
        TranscriptionAudio audio;
        long worst = length >= 0 ? length : maxUploadBytes;
        if (boundary != null) {
            audio = form(new Multipart(body, boundary, call.memory()), params);
        } else if (json) {
            audio = TranscriptionAudio.url(url(call, body));
            worst = maxUploadBytes; // the audio's size is unknown: the most an upload may be
        } else {
            if (length == 0) throw GatewayException.invalid(null, "The request has no audio: its body is empty.");
            audio = TranscriptionAudio.stream(body, MultipartHeaders.mediaType(type).isEmpty() ? null : type, null, length, null);
        }
        String model = QueryString.first(params, "model");
        if (model != null && model.isEmpty()) model = null;
        Map<String, List<String>> options = new LinkedHashMap<>(params);
        options.remove("model");
        SttDispatch.Request request = new SttDispatch.Request(model, audio, false, QueryString.first(params, "language"),
                List.of(), options, true, false);
        Served<Transcript> served = SttDispatch.run(call, charge, services, request, worst);
        Transcript t = served.value();
        if (Transcript.DEEPGRAM.equals(t.shape()) && t.raw() != null) {
            call.respond(200, "application/json", t.raw(), t.raw().length);
            return;
        }
        String created = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
        call.respondJson(200, SttRender.deepgram(t, call.requestId(), created, served.chosen().model().upstream(),
                on(params, "detect_language"), on(params, "utterances")));
    }

    /** The audio part of a form, streamed; fields before it join the options. */
    private static TranscriptionAudio form(Multipart form, Map<String, List<String>> params) throws IOException {
        Multipart.Part p;
        while ((p = form.next()) != null) {
            if (AUDIO.equals(p.name()) || "file".equals(p.name()) || p.filename() != null) {
                if (!AUDIO.equals(p.name()) && !"file".equals(p.name())) {
                    throw GatewayException.invalid(p.name(), "The form has a file in field '" + p.name() + "'; send the audio as the "
                            + "'audio' field.");
                }
                SttForm.checkType(p.contentType(), p.name());
                return TranscriptionAudio.stream(p.body(), p.contentType(), p.filename(), -1, () -> rest(form));
            }
            if (p.name() == null) throw GatewayException.invalid(null, "A part of the form has no name.");
            refuseCallback(p.name()); // the form's fields are options as much as the query's
            params.computeIfAbsent(p.name(), k -> new ArrayList<>(1)).add(p.text());
        }
        throw GatewayException.invalid(AUDIO, "The form has no 'audio' field: send the audio as a file part named 'audio' "
                + "(curl -F audio=@file).");
    }

    /**
     * Refuses Deepgram's {@code callback} (and {@code callback_method}): Deepgram would answer at
     * once without the transcript or its duration (nothing to charge) and post both elsewhere.
     */
    private static void refuseCallback(String name) {
        if (name.equals("callback") || name.equals("callback_method")) {
            throw GatewayException.invalid("callback", "Deepgram's 'callback' is not supported here: the gateway answers in the "
                    + "request itself.");
        }
    }

    /** After the audio: nothing but the close delimiter. */
    private static List<Map.Entry<String, String>> rest(Multipart form) throws IOException {
        Multipart.Part p = form.next();
        if (p == null) return List.of();
        if (AUDIO.equals(p.name()) || "file".equals(p.name()) || p.filename() != null) {
            throw GatewayException.invalid(p.name(), "The form has more than one file; send one 'audio' part.");
        }
        throw GatewayException.invalid(p.name(), "Form fields must come before the 'audio' part (or go in the query string); '"
                + p.name() + "' came after it.");
    }

    /** The {@code url} of a JSON body: an http(s) URL for the upstream to fetch. */
    private static String url(HttpCall call, InputStream in) throws IOException {
        byte[] bytes = in.readAllBytes();
        Object url;
        try {
            Map<String, Object> body = Json.asObject(Json.parse(bytes, 0, bytes.length, call.memory()));
            url = body == null ? null : body.get("url");
        } catch (JsonException e) {
            throw GatewayException.invalid(null, "The request body is not valid JSON: " + e.getMessage() + ".");
        }
        if (!(url instanceof String u) || !(u.regionMatches(true, 0, "https://", 0, 8) || u.regionMatches(true, 0, "http://", 0, 7))) {
            throw GatewayException.invalid("url", "A JSON body must be {\"url\": \"https://...\"}, the address of the audio.");
        }
        return u;
    }

    private static boolean on(Map<String, List<String>> params, String name) {
        return "true".equalsIgnoreCase(QueryString.first(params, name));
    }
}
