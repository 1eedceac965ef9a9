package tollgate.voice;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import tollgate.account.Account;
import tollgate.account.Accounts;
import tollgate.account.Charge;
import tollgate.call.Cancellation;
import tollgate.call.Clock;
import tollgate.config.VoiceConfig;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorBody;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.http.QueryString;
import tollgate.http.RequestIds;
import tollgate.http.Router;
import tollgate.log.Log;
import tollgate.memory.MemoryBudget;
import tollgate.memory.Reservation;
import tollgate.route.Caller;
import tollgate.route.Meter;
import tollgate.route.Served;
import tollgate.route.ServiceDispatcher;
import tollgate.route.ServiceRequest;
import tollgate.websocket.Upgrade;
import tollgate.websocket.UpgradeRequest;
import tollgate.websocket.WsConnection;
import tollgate.websocket.WsHandler;

/**
 * The voice listener's handler: one upgrade request from check to the end of its session.
 *
 * <p>Before the {@code 101}, refused as HTTP with an OpenAI error body: an unknown path (404), an
 * {@code Origin} not in {@code voice.origins} (403), no or a wrong credential (401), a model or
 * policy that does not exist (400), the key's model rules (403), per-minute limits, stream and
 * session caps (429, 503), credits short of a minute of the session (402). The client's
 * credential is, in this order: a session token minted by {@code POST /voice/realtime}
 * ({@code ?token=}, or the subprotocol {@code openai-insecure-api-key.<token>} that OpenAI's
 * browser client sends), a client key in that subprotocol, or {@code Authorization: Bearer}.
 * With a token, the token's policy and voice decide; otherwise {@code ?model=} (a model, a group,
 * or {@code neo-mode/<policy>}; the default policy when absent).
 */
final class VoiceHandshake implements WsHandler {
    /** The subprotocol prefix of a credential (OpenAI Realtime API, browser clients); never echoed. */
    static final String KEY_SUBPROTOCOL = "openai-insecure-api-key.";
    /** The subprotocol that asks for the beta interface, like the header {@code OpenAI-Beta: realtime=v1}. */
    static final String BETA_SUBPROTOCOL = "openai-beta.realtime-v1";
    /** How long the handler waits for a closed client's reader to finish, beyond the close timeout, in milliseconds. */
    static final long READER_GRACE_MS = 1000;
    /** Paths served: OpenAI's ({@code <base URL>/realtime}) and seed 000's, under every layout and at the root. */
    static final Set<String> PATHS = paths();

    private final VoiceConfig config;
    private final Accounts accounts;
    private final VoiceTokens tokens;
    /** The current config generation's (issue 13's reload): a new session dispatches on the config of its start. */
    private final Supplier<ServiceDispatcher> services;
    private final MemoryBudget budget;
    private final SessionCounts counts;
    private final Clock clock;
    private final long closeTimeoutMs;
    private final String defaultVoice;

    VoiceHandshake(VoiceConfig config, Accounts accounts, VoiceTokens tokens, Supplier<ServiceDispatcher> services, MemoryBudget budget,
                   SessionCounts counts, Clock clock, long closeTimeoutMs) {
        this.config = config;
        this.accounts = accounts;
        this.tokens = tokens;
        this.services = services;
        this.budget = budget;
        this.counts = counts;
        this.clock = clock;
        this.closeTimeoutMs = closeTimeoutMs;
        this.defaultVoice = config.voices().contains("alloy") ? "alloy" : config.voices().get(0);
    }

    private static Set<String> paths() {
        Set<String> p = new HashSet<>();
        List<String> prefixes = new ArrayList<>(Router.PREFIXES);
        prefixes.add("");
        for (String prefix : prefixes) {
            p.add(prefix + "/realtime");
            p.add(prefix + "/voice/realtime");
        }
        return Set.copyOf(p);
    }

    /** Who is connecting and what for; {@code token}: the session token to use up once the session has a place, or null. */
    private record Grant(Account account, String model, String voice, String token) {}

    @Override
    public void handle(UpgradeRequest request, Upgrade upgrade) throws IOException {
        long started = clock.millis();
        String requestId = request.header("x-request-id") != null ? RequestIds.fromClient(request.header("x-request-id"))
                : RequestIds.newRequestId();
        VoiceSession session = null;
        Grant grant = null;
        String outcome = "ok";
        Served<VoiceSession.Ending> served = null;
        try {
            if (!PATHS.contains(request.path())) {
                throw new GatewayException(ErrorKind.CALLER_NOT_FOUND, "No realtime endpoint at '" + clip(request.path())
                        + "'; connect to /v1/realtime.");
            }
            checkOrigin(request);
            Map<String, List<String>> query = QueryString.parse(request.rawQuery());
            grant = authenticate(request, query);
            try (SessionCounts.Slot slot = counts.open(grant.account().id());
                 Charge charge = accounts.charge(grant.account());
                 Reservation memory = budget.open()) {
                if (grant.token() != null) tokens.redeem(grant.token()); // once it has a place: a 429/503 above keeps it
                Caller caller = new Caller(grant.account().name(), requestId, RequestIds.newUuid(), new Cancellation(), memory, charge);
                session = new VoiceSession(upgrade, subprotocol(request.subprotocols()), caller,
                        new VoiceSession.SessionTerms(beta(request), grant.voice(), config.maxMessageBytes(),
                                config.maxSession().toMillis()), clock);
                served = services.get().dispatch(caller, new ServiceRequest("realtime", grant.model(), "realtime", true, 0,
                        m -> Meter.audio(VoiceSession.HOLD_AHEAD_MS), null, false), session);
                end(session, served.value());
            }
        } catch (GatewayException e) {
            outcome = e.kind().name().toLowerCase(Locale.ROOT);
            if (session == null || session.client() == null) {
                upgrade.refuse(e.httpStatus(), List.of(e.headers()), ErrorBody.render(e));
            } else {
                end(session, new VoiceSession.Ending(RealtimeEvents.closeCode(e), clip(e.getMessage()), RealtimeEvents.error(e, null)));
            }
        } catch (ClientGoneException e) {
            outcome = "client_gone";
            if (session != null && session.client() != null) session.client().abort();
        } finally {
            Log.info("voice_session", "request_id", requestId, "key", grant == null ? null : grant.account().name(),
                    "model", grant == null ? null : grant.model(), "deployment", served == null ? null : served.chosen().id(),
                    "outcome", outcome, "session_ms", served == null ? null : served.meter().audioMillis(),
                    "credits", served == null ? null : served.credits(), "took_ms", clock.millis() - started,
                    "client_close", session == null || session.client() == null ? null : session.client().peerCloseCode(),
                    "remote", request.remote().getAddress().getHostAddress());
        }
    }

    /** Tells the client how its session ended (the usage is recorded by now), then waits for its reader. */
    private void end(VoiceSession session, VoiceSession.Ending ending) {
        WsConnection ws = session.client();
        if (ending.errorEvent() != null) {
            try {
                ws.sendText(ending.errorEvent());
            } catch (IOException e) {
                // the client has gone: nothing more to tell it
            }
        }
        if (ending.code() != 0) ws.close(ending.code(), ending.reason());
        try {
            session.awaitReader(closeTimeoutMs + READER_GRACE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void checkOrigin(UpgradeRequest request) {
        String origin = request.header("origin");
        if (origin == null || config.origins().contains("*") || config.origins().contains(origin.toLowerCase(Locale.ROOT))) return;
        throw new GatewayException(ErrorKind.POLICY_FORBIDDEN, "Origin '" + clip(origin) + "' may not open realtime sessions "
                + "on this gateway; its operator can add it to voice.origins.");
    }

    /** The credential, as the class comment says; a 401 without one or with a wrong one. */
    private Grant authenticate(UpgradeRequest request, Map<String, List<String>> query) {
        String token = QueryString.first(query, "token");
        if (token == null) {
            for (String p : request.subprotocols()) {
                if (p.startsWith(KEY_SUBPROTOCOL)) token = p.substring(KEY_SUBPROTOCOL.length());
            }
            if (token != null && !token.startsWith(VoiceTokens.PREFIX)) {
                Account a = accounts.authenticateKey(token);
                return new Grant(a, model(query), defaultVoice, null);
            }
        }
        if (token != null) {
            VoiceTokens.Grant g = tokens.peek(token);
            Account a = accounts.get(g.keyId());
            if (a == null) {
                throw new GatewayException(ErrorKind.CALLER_UNAUTHENTICATED, "The key this session token was minted for no longer exists.");
            }
            return new Grant(accounts.usable(a), "neo-mode/" + g.policy(), g.voice(), token);
        }
        String authorization = request.header("authorization");
        if (authorization == null) {
            throw new GatewayException(ErrorKind.CALLER_UNAUTHENTICATED, "Missing credential: connect with ?token=<client_secret "
                    + "from POST /voice/realtime>, or send your key as \"Authorization: Bearer <key>\".");
        }
        return new Grant(accounts.authenticate(authorization), model(query), defaultVoice, null);
    }

    /** The model a key-authenticated session asked for with {@code ?model=}: the default policy when absent. */
    private String model(Map<String, List<String>> query) {
        String m = QueryString.first(query, "model");
        return m == null || m.isEmpty() ? "neo-mode/" + config.defaultPolicy() : m;
    }

    /**
     * The subprotocol echoed in the {@code 101}: {@code realtime} when offered, else the first
     * offered one that carries no credential, else none. A browser fails a connection whose
     * server picks none of several offered, but the credential must never be echoed.
     */
    static String subprotocol(List<String> offered) {
        if (offered.contains("realtime")) return "realtime";
        for (String p : offered) if (!p.startsWith(KEY_SUBPROTOCOL)) return p;
        return null;
    }

    /** Whether the client asked for the beta Realtime API. */
    private static boolean beta(UpgradeRequest request) {
        String h = request.header("openai-beta");
        return h != null && h.toLowerCase(Locale.ROOT).contains("realtime=v1") || request.subprotocols().contains(BETA_SUBPROTOCOL);
    }

    private static String clip(String s) {
        return s == null || s.length() <= 120 ? s : s.substring(0, 120) + "…";
    }
}
