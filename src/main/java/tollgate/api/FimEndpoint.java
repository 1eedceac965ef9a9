package tollgate.api;

import java.io.IOException;
import tollgate.account.Charge;
import tollgate.error.GatewayException;
import tollgate.http.HttpCall;
import tollgate.provider.CompletionExchange;
import tollgate.provider.CompletionProvider.Shape;
import tollgate.route.ServiceDispatcher;

/**
 * {@code POST /fim/completions}: Mistral's fill-in-the-middle API (protocols.md §6; seed 002's
 * {@code /api/fim/completions}; the Mistral SDK's {@code fim.complete} and {@code fim.stream} with
 * the gateway as their server) for models with the {@code fim} capability, on Mistral's FIM
 * endpoint or an OpenAI-compatible {@code /completions} that takes {@code suffix}
 * ({@link FimRequest}, {@link CompletionRun}). {@code max_tokens} is capped at
 * {@code fim.max_tokens}.
 *
 * <p>Bring-your-own-key: {@value CompletionExchange#PROVIDER_KEY_HEADER} carries the client's own
 * key for the model's provider. It is sent upstream instead of the configured key for this
 * request only, to that one provider, and never logged, stored or put in a message; the call is
 * recorded in the ledger but no credits are held or charged for it.
 */
final class FimEndpoint implements Authenticated.Inner {
    /** Shortest and longest own key accepted, in chars: shorter ones could not be scrubbed from error texts reliably. */
    static final int MIN_KEY_CHARS = tollgate.provider.Secrets.MIN_SECRET_CHARS;
    static final int MAX_KEY_CHARS = 1024;

    private final CompletionRun run;
    private final long maxTokens;

    FimEndpoint(ServiceDispatcher services, String extensionField, long maxTokens) {
        this.run = new CompletionRun(services, extensionField);
        this.maxTokens = maxTokens;
    }

    @Override
    public void handle(HttpCall call, Charge charge) throws IOException {
        String key = providerKey(call);
        FimRequest r = FimRequest.validate(ChatCompletionsEndpoint.parse(call), maxTokens);
        run.run(call, charge, new CompletionRun.Ask("fim", Shape.FIM, r.model(), r.body(), r.stream(), true,
                CompletionFields.promptTokens(r.prompt(), r.suffix()), r.maxTokens(), r.metadataRequestId(), key));
    }

    /** The client's own provider key, or null; refused (without quoting it) unless it is 8 to 1024 visible ASCII characters. */
    static String providerKey(HttpCall call) {
        String v = call.header(CompletionExchange.PROVIDER_KEY_HEADER);
        if (v == null) return null;
        v = v.strip();
        if (v.regionMatches(true, 0, "Bearer ", 0, 7)) v = v.substring(7).strip();
        boolean ok = v.length() >= MIN_KEY_CHARS && v.length() <= MAX_KEY_CHARS;
        for (int i = 0; ok && i < v.length(); i++) ok = v.charAt(i) > 0x20 && v.charAt(i) < 0x7F;
        if (!ok) {
            throw GatewayException.invalid(CompletionExchange.PROVIDER_KEY_HEADER, "Invalid " + CompletionExchange.PROVIDER_KEY_HEADER
                    + " header: expected a provider key of " + MIN_KEY_CHARS + " to " + MAX_KEY_CHARS + " visible ASCII characters.");
        }
        return v;
    }
}
