package tollgate.provider.echo;

import static tollgate.provider.echo.EchoRealtimeEvents.event;
import static tollgate.provider.echo.EchoRealtimeEvents.partEvent;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.json.JsonException;
import tollgate.provider.RealtimeCall;
import tollgate.provider.RealtimeListener;
import tollgate.provider.RealtimeMessage;
import tollgate.provider.RealtimeUpstream;

/**
 * Kind {@code echo}'s realtime session: offline and deterministic, for demos and tests, in the
 * event shapes of OpenAI's Realtime API ({@link EchoRealtimeEvents}; the GA interface, or the
 * beta one when {@link RealtimeCall#beta()}). No network, no threads of its own.
 *
 * <p>Behaviour, event by event (ids are {@code event_echo_<n>}, {@code item_echo_<n>},
 * {@code resp_echo_<n>}, counted per session; the session's is {@code sess_echo_<n>}, counted per
 * provider):
 * <ul>
 *   <li>On connect: {@code session.created} with PCM16 24 kHz audio both ways, voice
 *       {@code alloy}, no turn detection, the upstream model.</li>
 *   <li>{@code session.update}: its {@code session} merged into the session (objects member by
 *       member, other values replace) → {@code session.updated} with the whole session. No voice
 *       is synthesized; {@code turn_detection} of type {@code server_vad} switches on the echo's
 *       voice activity detection ({@link EchoVad}, on audio time): {@code input_audio_buffer.speech_started}
 *       at a turn's first speech, and after {@code silence_duration_ms} (500) of silence
 *       {@code input_audio_buffer.speech_stopped}, the commit below and, unless
 *       {@code create_response} is false, the response below. Without it, commit and
 *       {@code response.create} are the client's.</li>
 *   <li>{@code input_audio_buffer.append}: the base64 {@code audio} decoded and kept, up to
 *       {@link #KEPT_AUDIO_BYTES}; beyond that only counted. No answer (as OpenAI).</li>
 *   <li>{@code input_audio_buffer.commit} → {@code input_audio_buffer.committed} and
 *       {@code conversation.item.created} (a user {@code input_audio} item); the buffer becomes the
 *       item to echo. An empty buffer → error {@code input_audio_buffer_commit_empty}.
 *       {@code input_audio_buffer.clear} → {@code input_audio_buffer.cleared}.</li>
 *   <li>{@code conversation.item.create} with an {@code item} → {@code conversation.item.created}
 *       (the item, given an id if it had none); its {@code input_text} parts, joined with a
 *       newline, become the item to echo.</li>
 *   <li>{@code response.create} → {@code response.created}, {@code response.output_item.added},
 *       {@code response.content_part.added}, then for an audio item its kept audio in
 *       {@code response.output_audio.delta} events of {@link #DELTA_BYTES} (20 ms) each (beta:
 *       {@code response.audio.delta}), a {@code response.output_audio_transcript.delta} with
 *       {@code "Echo: <n> ms of audio"} (the duration of all audio appended, kept or not) or
 *       {@code "Echo: <the user text>"}, {@code response.output_audio.done},
 *       {@code response.output_audio_transcript.done}, {@code response.content_part.done},
 *       {@code response.output_item.done}, and {@code response.done} with OpenAI's usage object:
 *       input audio 1 token per 100 ms, output audio 1 per 50 ms, text 1 per 4 characters
 *       (rounded up). With nothing committed yet: {@code "Echo: 0 ms of audio"}, no audio.</li>
 *   <li>{@code response.cancel} → error {@code response_cancel_not_active} (answers are complete
 *       at once); a binary message, invalid JSON, a missing or unknown {@code type}, or a known
 *       client event the echo does not implement → an {@code error} event with the client's
 *       {@code event_id}; the session stays open.</li>
 *   <li>{@link #close(int, String)} → the listener's {@code onClose} with that code and reason;
 *       an event over {@code maxMessageBytes} → {@code onError(PROVIDER_STREAM_BROKEN)}.</li>
 * </ul>
 *
 * <p>Backpressure: events wait in a queue and reach the listener only on demand
 * ({@link #request()}, one message each); {@link #send} blocks while more than
 * {@link EchoOutbox#MAX_QUEUED_EVENTS} wait. Delivery runs on whichever thread calls {@code request()} or
 * {@code send()}, one at a time (a listener that asks for more from inside {@code onMessage} is
 * served by the loop already running). Audio is echoed as received, without conversion; the
 * durations assume PCM16 at 24 kHz.
 */
final class EchoRealtime implements RealtimeUpstream {
    /** Audio kept for the echo: 2 s of PCM16 at 24 kHz mono, in bytes. */
    static final int KEPT_AUDIO_BYTES = 96_000;
    /** PCM16 at 24 kHz mono: bytes per millisecond. */
    static final int BYTES_PER_MS = 48;
    /** Audio per delta event: 20 ms, in bytes. */
    static final int DELTA_BYTES = 20 * BYTES_PER_MS;
    /** Input audio per token, in ms. */
    static final int INPUT_AUDIO_MS_PER_TOKEN = 100;
    /** Output audio per token, in ms. */
    static final int OUTPUT_AUDIO_MS_PER_TOKEN = 50;
    /** Text per token, in chars. */
    static final int CHARS_PER_TOKEN = 4;

    private final RealtimeListener listener;
    private final boolean beta;
    private final int maxMessageBytes;
    private final Map<String, Object> session;

    private final EchoOutbox outbox;

    // Conversation state: only send() touches it, one thread at a time (RealtimeUpstream).
    private long events;
    private long items;
    private long responses;
    private String lastItemId;
    private byte[] buffer;
    private int bufferKept;
    private long bufferBytes;
    /** The item to echo: audio (kept bytes and total duration) or text. */
    private byte[] echoAudio;
    private int echoAudioKept;
    private long echoAudioMs;
    private String echoText;
    private final EchoVad vad = new EchoVad();

    EchoRealtime(RealtimeCall call, RealtimeListener listener, int maxMessageBytes, String sessionId) {
        this.listener = listener;
        this.outbox = new EchoOutbox(listener);
        this.beta = call.beta();
        this.maxMessageBytes = maxMessageBytes;
        this.session = EchoRealtimeEvents.session(beta, sessionId, call.upstreamModel());
        Map<String, Object> created = event("session.created", nextEventId());
        created.put("session", session);
        emit(created);
    }

    // ---- gateway → echo -----------------------------------------------------------------------

    @Override
    public void send(RealtimeMessage message) {
        if (outbox.isEnded()) throw EchoOutbox.ended();
        if (!message.isText()) {
            error("invalid_event", "Binary messages are not realtime events: send JSON text.", null, null);
            return;
        }
        Map<String, Object> ev;
        try {
            ev = Json.asObject(Json.parse(message.text()));
        } catch (JsonException e) {
            error("invalid_json", "The event is not valid JSON: " + e.getMessage(), null, null);
            return;
        }
        if (ev == null) {
            error("invalid_json", "The event is not a JSON object.", null, null);
            return;
        }
        Object clientId = ev.get("event_id");
        if (!(ev.get("type") instanceof String type)) {
            error("missing_required_parameter", "Missing required parameter: 'type'.", "type", clientId);
            return;
        }
        switch (type) {
            case "session.update" -> sessionUpdate(ev, clientId);
            case "input_audio_buffer.append" -> append(ev, clientId);
            case "input_audio_buffer.commit" -> commit(clientId);
            case "input_audio_buffer.clear" -> {
                vad.clear();
                buffer = null;
                bufferKept = 0;
                bufferBytes = 0;
                emit(event("input_audio_buffer.cleared", nextEventId()));
            }
            case "conversation.item.create" -> itemCreate(ev, clientId);
            case "response.create" -> respond();
            case "response.cancel" -> error("response_cancel_not_active", "There is no active response to cancel.", null, clientId);
            case "output_audio_buffer.clear", "conversation.item.retrieve", "conversation.item.truncate",
                 "conversation.item.delete", "transcription_session.update" ->
                    error("unsupported_event", "The echo provider does not implement '" + type + "'.", "type", clientId);
            default -> error("unknown_event", "Invalid value: '" + cut(type) + "'. Not a realtime client event type.", "type", clientId);
        }
    }

    @SuppressWarnings("unchecked")
    private void sessionUpdate(Map<String, Object> ev, Object clientId) {
        if (!(ev.get("session") instanceof Map<?, ?> patch)) {
            error("missing_required_parameter", "Missing required parameter: 'session'.", "session", clientId);
            return;
        }
        EchoRealtimeEvents.merge(session, (Map<String, Object>) patch, true);
        Map<String, Object> updated = event("session.updated", nextEventId());
        updated.put("session", session);
        emit(updated);
    }

    private void append(Map<String, Object> ev, Object clientId) {
        if (!(ev.get("audio") instanceof String b64)) {
            error("missing_required_parameter", "Missing required parameter: 'audio'.", "audio", clientId);
            return;
        }
        byte[] pcm;
        try {
            pcm = Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            error("invalid_value", "Invalid 'audio': not base64.", "audio", clientId);
            return;
        }
        bufferBytes += pcm.length;
        int keep = Math.min(pcm.length, KEPT_AUDIO_BYTES - bufferKept);
        if (keep > 0) keep(pcm, keep);
        Map<String, Object> vadConfig = serverVad();
        if (vadConfig != null) turn(vad.feed(pcm, number(vadConfig.get("silence_duration_ms"), EchoVad.DEFAULT_SILENCE_MS)),
                !Boolean.FALSE.equals(vadConfig.get("create_response")));
    }

    /**
     * Server VAD ({@link EchoVad}): speech_started at a turn's first speech, then at its end
     * speech_stopped, the buffer committed and, unless {@code create_response} is false, a
     * response: what OpenAI's server VAD does, so that a client relying on it gets answers.
     */
    private void turn(EchoVad.Turn t, boolean respond) {
        if (t.startedMs() >= 0) speechStarted(t.startedMs());
        if (t.stoppedMs() >= 0) {
            Map<String, Object> stopped = event("input_audio_buffer.speech_stopped", nextEventId());
            stopped.put("audio_end_ms", t.stoppedMs());
            stopped.put("item_id", "item_echo_" + (items + 1));
            emit(stopped);
            commit(null);
            if (respond) respond();
        }
        if (t.restartedMs() >= 0) speechStarted(t.restartedMs());
    }

    /** {@code input_audio_buffer.speech_started}, with the id the turn's commit will give its item. */
    private void speechStarted(long audioStartMs) {
        Map<String, Object> started = event("input_audio_buffer.speech_started", nextEventId());
        started.put("audio_start_ms", audioStartMs);
        started.put("item_id", "item_echo_" + (items + 1));
        emit(started);
    }

    /** The session's {@code turn_detection} when it is {@code server_vad} (GA: under audio.input; beta: top level), else null. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> serverVad() {
        Object td = session.get("turn_detection");
        if (!beta && session.get("audio") instanceof Map<?, ?> audio && audio.get("input") instanceof Map<?, ?> input) {
            td = input.get("turn_detection");
        }
        return td instanceof Map<?, ?> m && "server_vad".equals(m.get("type")) ? (Map<String, Object>) m : null;
    }

    private static long number(Object v, long otherwise) {
        if (v instanceof tollgate.json.JsonNumber n && n.isInteger()) return Math.max(0, Math.min(n.longValue(), 60_000));
        return otherwise;
    }

    /** Keeps {@code keep} more bytes of audio for the echo. */
    private void keep(byte[] pcm, int keep) {
        if (buffer == null || buffer.length < bufferKept + keep) {
            int size = Math.min(KEPT_AUDIO_BYTES, Math.max(bufferKept + keep, buffer == null ? 0 : buffer.length * 2));
            buffer = buffer == null ? new byte[size] : Arrays.copyOf(buffer, size);
        }
        System.arraycopy(pcm, 0, buffer, bufferKept, keep);
        bufferKept += keep;
    }

    private void commit(Object clientId) {
        if (bufferBytes == 0) {
            error("input_audio_buffer_commit_empty", "Error committing input audio buffer: the buffer is empty.", null, clientId);
            return;
        }
        String itemId = "item_echo_" + (++items);
        Map<String, Object> committed = event("input_audio_buffer.committed", nextEventId());
        committed.put("previous_item_id", lastItemId);
        committed.put("item_id", itemId);
        emit(committed);
        echoAudio = buffer;
        echoAudioKept = bufferKept;
        echoAudioMs = bufferBytes / BYTES_PER_MS;
        echoText = null;
        buffer = null;
        bufferKept = 0;
        bufferBytes = 0;
        itemCreated(EchoRealtimeEvents.userItem(itemId, EchoRealtimeEvents.inputAudioContent()));
    }

    @SuppressWarnings("unchecked")
    private void itemCreate(Map<String, Object> ev, Object clientId) {
        if (!(ev.get("item") instanceof Map<?, ?> raw)) {
            error("missing_required_parameter", "Missing required parameter: 'item'.", "item", clientId);
            return;
        }
        Map<String, Object> item = (Map<String, Object>) raw;
        if (!(item.get("id") instanceof String)) item.put("id", "item_echo_" + (++items));
        item.putIfAbsent("object", "realtime.item");
        item.putIfAbsent("status", "completed");
        StringBuilder text = new StringBuilder();
        if (item.get("content") instanceof List<?> parts) {
            for (Object p : parts) {
                if (p instanceof Map<?, ?> part && "input_text".equals(part.get("type")) && part.get("text") instanceof String t) {
                    if (!text.isEmpty()) text.append('\n');
                    text.append(t);
                }
            }
        }
        echoText = text.toString();
        echoAudio = null;
        echoAudioKept = 0;
        echoAudioMs = 0;
        itemCreated(item);
    }

    private void itemCreated(Map<String, Object> item) {
        Map<String, Object> created = event("conversation.item.created", nextEventId());
        created.put("previous_item_id", lastItemId);
        created.put("item", item);
        lastItemId = (String) item.get("id");
        emit(created);
    }

    private void respond() {
        String responseId = "resp_echo_" + (++responses);
        String itemId = "item_echo_" + (++items);
        String transcript = echoText != null ? "Echo: " + echoText : "Echo: " + echoAudioMs + " ms of audio";
        Map<String, Object> created = event("response.created", nextEventId());
        created.put("response", EchoRealtimeEvents.response(responseId, "in_progress", new ArrayList<>(), null));
        emit(created);
        Map<String, Object> added = event("response.output_item.added", nextEventId());
        added.put("response_id", responseId);
        added.put("output_index", 0);
        added.put("item", EchoRealtimeEvents.assistantItem(itemId, beta, null));
        emit(added);
        Map<String, Object> part = partEvent("response.content_part.added", nextEventId(), responseId, itemId);
        part.put("part", EchoRealtimeEvents.audioPart(beta, ""));
        emit(part);
        String audioDelta = beta ? "response.audio.delta" : "response.output_audio.delta";
        for (int off = 0; echoAudio != null && off < echoAudioKept; off += DELTA_BYTES) {
            Map<String, Object> delta = partEvent(audioDelta, nextEventId(), responseId, itemId);
            delta.put("delta", Base64.getEncoder().encodeToString(
                    Arrays.copyOfRange(echoAudio, off, Math.min(echoAudioKept, off + DELTA_BYTES))));
            emit(delta);
        }
        String transcriptType = beta ? "response.audio_transcript" : "response.output_audio_transcript";
        Map<String, Object> tDelta = partEvent(transcriptType + ".delta", nextEventId(), responseId, itemId);
        tDelta.put("delta", transcript);
        emit(tDelta);
        emit(partEvent(beta ? "response.audio.done" : "response.output_audio.done", nextEventId(), responseId, itemId));
        Map<String, Object> tDone = partEvent(transcriptType + ".done", nextEventId(), responseId, itemId);
        tDone.put("transcript", transcript);
        emit(tDone);
        Map<String, Object> partDone = partEvent("response.content_part.done", nextEventId(), responseId, itemId);
        partDone.put("part", EchoRealtimeEvents.audioPart(beta, transcript));
        emit(partDone);
        Map<String, Object> item = EchoRealtimeEvents.assistantItem(itemId, beta, transcript);
        Map<String, Object> itemDone = event("response.output_item.done", nextEventId());
        itemDone.put("response_id", responseId);
        itemDone.put("output_index", 0);
        itemDone.put("item", item);
        emit(itemDone);
        long outMs = echoAudio == null ? 0 : echoAudioKept / BYTES_PER_MS;
        Map<String, Object> usage = EchoRealtimeEvents.usage(
                ceil(echoText == null ? 0 : echoText.length(), CHARS_PER_TOKEN), ceil(echoAudioMs, INPUT_AUDIO_MS_PER_TOKEN),
                ceil(transcript.length(), CHARS_PER_TOKEN), ceil(outMs, OUTPUT_AUDIO_MS_PER_TOKEN));
        Map<String, Object> done = event("response.done", nextEventId());
        done.put("response", EchoRealtimeEvents.response(responseId, "completed", new ArrayList<>(List.of(item)), usage));
        emit(done);
    }

    private void error(String code, String message, String param, Object clientEventId) {
        emit(EchoRealtimeEvents.error(nextEventId(), code, message, param, clientEventId));
    }

    private String nextEventId() { return "event_echo_" + (++events); }

    private static long ceil(long n, int per) { return (n + per - 1) / per; }

    /** An unknown type quoted back, cut to 64 chars. */
    private static String cut(String s) { return s.length() <= 64 ? s : s.substring(0, 64) + "…"; }

    /** Queues one event: the size check, then {@link EchoOutbox#add} (which may block). */
    private void emit(Map<String, Object> event) {
        byte[] json = Json.toBytes(event);
        if (json.length > maxMessageBytes) {
            GatewayException e = new GatewayException(ErrorKind.PROVIDER_STREAM_BROKEN,
                    "Provider echo: upstream sent a message over " + maxMessageBytes + " bytes");
            outbox.end(() -> listener.onError(e));
            throw EchoOutbox.ended();
        }
        outbox.add(RealtimeMessage.text(new String(json, StandardCharsets.UTF_8)));
    }

    // ---- echo → gateway -----------------------------------------------------------------------

    @Override
    public void request() { outbox.request(); }

    @Override
    public void close(int code, String reason) { outbox.end(() -> listener.onClose(code, reason)); }

    @Override
    public void abort() { outbox.end(null); }
}
