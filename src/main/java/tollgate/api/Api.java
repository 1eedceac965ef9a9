package tollgate.api;

import java.util.Map;
import java.util.function.IntSupplier;
import tollgate.account.Accounts;
import tollgate.account.Ledger;
import tollgate.config.GatewayConfig;
import tollgate.http.Router;
import tollgate.json.Json;
import tollgate.provider.Provider;
import tollgate.catalog.Catalog;
import tollgate.route.Dispatcher;
import tollgate.agent.AgentLoop;
import tollgate.task.Tasks;
import tollgate.voice.VoiceTokens;

/**
 * The gateway's wire surface: which endpoint answers which path. Everything under the seed
 * APIs' layouts ({@code /v1}, {@code /api}, {@code /api/gateway}); health checks and the admin
 * API ({@link AdminEndpoints}) at the root.
 */
public final class Api {
    private Api() { throw new AssertionError(); }

    /**
     * @param voiceTokens the session tokens {@code POST /voice/realtime} mints and the voice listener redeems
     * @param voicePort   the voice listener's bound port, ≤ 0 when it is off ({@code voice.port} 0)
     * @param agent       the agent loop (gateway tools, approvals; issue 12)
     * @param tasks       durable agent tasks ({@code /neo/tasks}; issue 12)
     * @param state       state shared with other replicas (issue 14), or local state
     */
    public static void register(Router routes, GatewayConfig config, Accounts keys, Dispatcher dispatcher, Catalog catalog,
                                Map<String, Provider> running, Ledger ledger, VoiceTokens voiceTokens, IntSupplier voicePort,
                                AgentLoop agent, Tasks tasks, tollgate.state.SharedState state) {
        routes.api("POST", "/chat/completions",
                Authenticated.require(keys, new ChatCompletionsEndpoint(dispatcher, config.server().extensionField(), agent, tasks)));
        // Anthropic's Messages API in (issue 14): the Anthropic SDKs and Claude Code.
        MessagesEndpoint.register(routes, keys, dispatcher);
        // Seed 003: a paused execution continues once a human has decided (issue 12).
        routes.api("POST", "/chat/resume", Authenticated.require(keys, new ResumeEndpoint(agent, config.server().extensionField())));
        routes.api("POST", "/chat", Authenticated.require(keys, new LegacyChatEndpoint(dispatcher)));
        // OpenAI's Responses API (issue 14), translated onto chat; stored responses in <data_dir>/responses/.
        ResponseStore responses = new ResponseStore(config.dataDir(), config.ops().responses().storeTtl(), tollgate.call.Clock.SYSTEM)
                .sharing(SharedResponses.over(state)); // across replicas on one Redis (issue 14; null when local)
        responses.sweep();
        ResponsesEndpoint.register(routes, keys, new ResponsesEndpoint(dispatcher, config.server().extensionField(), responses,
                tollgate.call.Clock.SYSTEM));
        // Fill-in-the-middle (Mistral's API) and legacy text completions (OpenAI's), issue 10.
        routes.api("POST", "/fim/completions", Authenticated.require(keys,
                new FimEndpoint(dispatcher.services(), config.server().extensionField(), config.fim().maxTokens())));
        routes.api("POST", "/completions",
                Authenticated.require(keys, new CompletionsEndpoint(dispatcher.services(), config.server().extensionField())));
        routes.api("GET", "/usage", Authenticated.require(keys, new UsageEndpoint(ledger)));
        // Text-to-speech (issue 10): OpenAI's, Deepgram's and seed 000's shapes, every backend.
        var tts = config.speech().tts();
        routes.api("POST", "/audio/speech", Authenticated.require(keys,
                new SpeechEndpoint(dispatcher.services(), tts, SpeechEndpoint.Shape.OPENAI)));
        routes.api("POST", "/speak", deepgram(Authenticated.require(keys,
                new SpeechEndpoint(dispatcher.services(), tts, SpeechEndpoint.Shape.DEEPGRAM_SPEAK))));
        routes.api("POST", "/deepgram/tts", deepgram(Authenticated.require(keys,
                new SpeechEndpoint(dispatcher.services(), tts, SpeechEndpoint.Shape.DEEPGRAM_TTS))));
        // Speech-to-text: Deepgram's /listen and seed 000's /deepgram/stt, OpenAI's /audio/transcriptions and /translations.
        long maxUpload = config.speech().maxUploadBytes();
        SttSpool spool = new SttSpool(config.dataDir());
        tollgate.http.Endpoint listen = deepgram(Authenticated.require(keys, new SttDeepgramEndpoint(dispatcher.services(), maxUpload)));
        routes.api("POST", "/listen", listen);
        routes.api("POST", "/deepgram/stt", listen);
        routes.api("POST", "/audio/transcriptions",
                Authenticated.require(keys, new SttOpenAiEndpoint(dispatcher.services(), maxUpload, spool, false)));
        routes.api("POST", "/audio/translations",
                Authenticated.require(keys, new SttOpenAiEndpoint(dispatcher.services(), maxUpload, spool, true)));
        // Realtime voice (issue 11): a session's configuration and token; the session itself is on the voice listener.
        routes.api("POST", "/voice/realtime", Authenticated.require(keys, new VoiceRealtimeEndpoint(dispatcher.router(), config.voice(),
                config.server().host(), voiceTokens, voicePort)));
        // Image generation (issue 12): OpenAI's API on the models with capability "images".
        routes.api("POST", "/images/generations",
                Authenticated.require(keys, new ImagesEndpoint(dispatcher.services(), config.server().extensionField())));
        // Embeddings (issue 14): OpenAI's API on the models with capability "embeddings".
        routes.api("POST", "/embeddings",
                Authenticated.require(keys, new EmbeddingsEndpoint(dispatcher.services(), config.server().extensionField())));
        // Durable agent tasks (issue 12, seed 000's /neo/tasks).
        TaskEndpoints.register(routes, keys, tasks);
        routes.api("GET", "/models", CatalogEndpoints.models(catalog, dispatcher.router(), running));
        routes.api("GET", "/providers", CatalogEndpoints.providers(config, dispatcher.router(), running));
        AdminEndpoints.register(routes, config.accounts(), keys, ledger); // at the root only: /admin/...
        Dashboard.register(routes, config, dispatcher); // GET /dashboard and GET /admin/routing (issue 13)
        byte[] ok = Json.toBytes(Map.of("status", "ok"));
        routes.exact("GET", "/healthz", call -> call.respond(200, "application/json", ok, ok.length));
        // Draining is answered by the router (503) before any endpoint runs, so reaching
        // this endpoint means ready.
        // Issue 14: Redis unreachable is still ready (this replica serves on its own limits), but says so.
        byte[] degraded = "{\"status\":\"degraded\",\"state\":\"redis unreachable\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        routes.exact("GET", "/readyz", call -> {
            byte[] b = keys.degraded() ? degraded : ok;
            call.respond(200, "application/json", b, b.length);
        });
    }

    /** A route of Deepgram's API: its errors, the 401 included, also carry Deepgram's error fields. */
    private static tollgate.http.Endpoint deepgram(tollgate.http.Endpoint endpoint) {
        return call -> {
            call.deepgramErrors();
            endpoint.handle(call);
        };
    }
}
