package tollgate.api;

import java.util.List;
import java.util.Map;
import tollgate.account.Charge;
import tollgate.error.GatewayException;
import tollgate.http.HttpCall;
import tollgate.http.RequestIds;
import tollgate.provider.Transcript;
import tollgate.provider.TranscriptionAudio;
import tollgate.provider.TranscriptionCall;
import tollgate.provider.TranscriptionProvider;
import tollgate.route.Caller;
import tollgate.route.Meter;
import tollgate.route.Served;
import tollgate.route.ServiceDispatcher;
import tollgate.route.ServiceRequest;

/**
 * The part every speech-to-text surface shares: one transcription through the
 * {@link ServiceDispatcher} (routing, limits, credits held, retries and failover before the
 * upload is read, the ledger record and the charge), and its access-log fields.
 *
 * <p>Accounting: the call is metered as the audio's duration the upstream reports
 * ({@link Meter#audio}), priced at the model's {@code audio_minute}. Credits are held for the
 * estimate before each attempt: the upload's size at {@link #WORST_BYTES_PER_SECOND} (32 kbit/s,
 * the rate of ordinary compressed speech: MP3 and AAC voice, Opus at its higher settings), its
 * Content-Length when it has one, else {@code speech.max_upload_bytes}. It is an estimate, not a
 * bound: Opus voice notes at 16 kbit/s or AMR at 4.75-12.2 kbit/s last longer than it assumes, and
 * are charged their real duration at settlement, which may take a balance below zero by the
 * difference; a bound (12 h for 25 MiB at AMR's lowest rate) would refuse most keys most uploads.
 * An answer without a duration is charged nothing and logged {@code audio_ms: "unreported"}.
 */
final class SttDispatch {
    private SttDispatch() { throw new AssertionError(); }

    /** Bytes per second of audio assumed for the worst case: 32 kbit/s. */
    static final long WORST_BYTES_PER_SECOND = 4_000;

    /**
     * What one transcription asks, as the surfaces parse it.
     *
     * @param model the model the client named, or null for the gateway's default
     * @param words word timings are needed
     * @param segments segment timings are needed
     */
    record Request(String model, TranscriptionAudio audio, boolean translate, String language,
                   List<Map.Entry<String, String>> openAiFields, Map<String, List<String>> deepgramParams, boolean words,
                   boolean segments) {}

    /** Scratch for reading the rest of a refused upload into nothing, in bytes. */
    static final int DRAIN_BYTES = 8 * 1024;

    /**
     * Reads what is left of a refused upload into nothing (at most its limit, as it arrives), so
     * that the client, still sending, reads the error instead of a reset connection; the JDK
     * server drains only 64 KiB itself before it closes. Stops at the limit's 413 or a read error.
     */
    static void drain(java.io.InputStream body) {
        byte[] scratch = new byte[DRAIN_BYTES];
        try {
            while (body.read(scratch) >= 0) {
                // nothing kept
            }
        } catch (java.io.IOException | GatewayException e) {
            // the client is gone, or the upload passed its limit: the connection will be closed
        }
    }

    /**
     * Transcribes, once recorded and charged.
     *
     * @param worstBytes the upload size the worst case assumes
     */
    static Served<Transcript> run(HttpCall call, Charge charge, ServiceDispatcher services, Request r, long worstBytes) {
        if (r.model() != null) call.log("model", r.model());
        Caller caller = new Caller(call.keyName(), call.requestId(), RequestIds.newUuid(), call.cancellation(), call.memory(), charge);
        long worstMillis = Math.max(1, worstBytes) * 1000 / WORST_BYTES_PER_SECOND;
        ServiceRequest request = new ServiceRequest("stt", r.model(), "stt", false, 0, m -> Meter.audio(worstMillis), null, false);
        Served<Transcript> served;
        try {
            served = services.dispatch(caller, request, (d, progress) -> {
                if (!(d.provider() instanceof TranscriptionProvider p)) {
                    throw new GatewayException(tollgate.error.ErrorKind.PROVIDER_ERROR, "Provider '" + d.model().provider()
                            + "' does not serve speech-to-text.", "model").noRetry();
                }
                TranscriptionCall tc = new TranscriptionCall(d.model().upstream(), r.audio().attempt(progress::commit), r.translate(),
                        r.language(), r.openAiFields(), r.deepgramParams(), r.words(), r.segments(), call.requestId(),
                        call.cancellation(), call.memory());
                Transcript t = p.transcribe(tc);
                progress.meter(t.duration() >= 0 ? Meter.audio(t.durationMillis()) : Meter.NONE);
                return t;
            });
        } finally {
            if (r.audio().url() == null) call.log("upload_bytes", r.audio().bytesRead());
        }
        call.log("provider", served.chosen().model().provider());
        call.log("deployment", served.chosen().id());
        call.log("audio_ms", served.value().duration() >= 0 ? served.meter().audioMillis() : "unreported");
        if (served.cost() != null) call.log("cost", Extension.usd(served.cost()));
        if (served.credits() != 0) call.log("credits", served.credits());
        call.setResponseHeader(Extension.ROUTE_HEADER, served.chosen().id());
        return served;
    }
}
