package tollgate.api;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tollgate.account.Charge;
import tollgate.config.TtsConfig;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.http.HttpCall;
import tollgate.http.QueryString;
import tollgate.http.RequestIds;
import tollgate.provider.SpeechCall;
import tollgate.provider.SpeechProvider;
import tollgate.provider.SpeechRelay;
import tollgate.provider.SpeechRequest;
import tollgate.route.Caller;
import tollgate.route.Meter;
import tollgate.route.Served;
import tollgate.route.ServiceDispatcher;
import tollgate.route.ServiceRequest;

/**
 * Text-to-speech, in three shapes over one {@link ServiceDispatcher}: OpenAI's
 * {@code POST /audio/speech}, Deepgram's {@code POST /speak} (so the Deepgram SDKs' {@code speak}
 * works with the gateway as base URL) and seed 000's {@code POST /deepgram/tts}. Any shape may
 * reach any speech backend: {@link SpeechRequests} reads each into one neutral request, and the
 * provider maps voice and format through the {@code speech.tts} tables.
 *
 * <p>The audio goes to the client as the upstream produces it ({@link SpeechAnswer}); usage is
 * the text's characters ({@link Meter#characters}), held as the worst case before the call and
 * reported when the first byte goes out: from then on the upstream has done the work.
 */
final class SpeechEndpoint implements Authenticated.Inner {

    /** The request shapes. */
    enum Shape {
        /** OpenAI's {@code /audio/speech}. */
        OPENAI,
        /** Deepgram's {@code /speak}: JSON text, parameters in the query. */
        DEEPGRAM_SPEAK,
        /** Seed 000's {@code /deepgram/tts}: {@code {"text", "model"}}. */
        DEEPGRAM_TTS
    }

    private final ServiceDispatcher services;
    private final TtsConfig tts;
    private final Shape shape;

    SpeechEndpoint(ServiceDispatcher services, TtsConfig tts, Shape shape) {
        this.services = services;
        this.tts = tts;
        this.shape = shape;
    }

    @Override
    public void handle(HttpCall call, Charge charge) throws IOException {
        requireJson(call);
        Object parsed = ChatCompletionsEndpoint.parse(call);
        if (!(parsed instanceof Map<?, ?> m)) throw GatewayException.invalid(null, "The request body must be a JSON object.");
        Map<String, Object> body = Validation.cast(m);
        SpeechRequests.Parsed p = switch (shape) {
            case OPENAI -> SpeechRequests.openAi(body, tts);
            case DEEPGRAM_SPEAK -> SpeechRequests.deepgramSpeak(body, query(call), tts);
            case DEEPGRAM_TTS -> SpeechRequests.deepgramTts(body, tts);
        };
        SpeechRequest r = p.request();
        long characters = r.characters();
        call.log("model", p.model());
        call.log("characters", characters);
        call.log("format", r.format().name() != null ? r.format().name() : r.format().describe());
        if (p.sse()) call.log("stream_format", "sse");

        Caller caller = new Caller(call.keyName(), call.requestId(), RequestIds.newUuid(), call.cancellation(), call.memory(), charge);
        ServiceRequest request = new ServiceRequest("tts", p.model(), "tts", true, 0, model -> Meter.characters(characters), null,
                false);
        SpeechAnswer answer = new SpeechAnswer(call, r, shape != Shape.OPENAI, p.sse());
        Served<Long> served;
        try {
            served = services.dispatch(caller, request, (d, progress) -> {
                if (!(d.provider() instanceof SpeechProvider speech)) throw SpeechRelay.unsupported(d.provider());
                SpeechCall sc = new SpeechCall(r, d.model(), tts, call.requestId(), call.cancellation(), call.memory());
                return speech.speak(sc, (bytes, off, len) -> answer.audio(d, sc, progress, characters, bytes, off, len));
            });
        } catch (RuntimeException e) { // the call's failure, the ledger's, a client gone, a bug
            answer.cut(); // when audio had gone out: the client must not take it for the whole
            throw e;
        }
        call.log("provider", served.chosen().model().provider());
        call.log("deployment", served.chosen().id());
        call.log("audio_bytes", served.value());
        if (served.cost() != null) call.log("cost", Extension.usd(served.cost()));
        if (served.credits() != 0) call.log("credits", served.credits());
        answer.finish(); // only now: the usage record is written before the client sees the end
    }

    /** 415 unless the body is declared JSON ({@code application/json}, any parameters). */
    static void requireJson(HttpCall call) {
        String type = call.header("Content-Type");
        String media = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!media.equals("application/json")) {
            throw new GatewayException(ErrorKind.CALLER_UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json, got "
                    + (type == null ? "none" : Validation.show(type)) + ".");
        }
    }

    private static Map<String, List<String>> query(HttpCall call) {
        return call.query() == null ? Map.of() : QueryString.parse(call.query());
    }
}
