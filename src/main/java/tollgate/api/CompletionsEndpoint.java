package tollgate.api;

import java.io.IOException;
import tollgate.account.Charge;
import tollgate.error.GatewayException;
import tollgate.http.HttpCall;
import tollgate.provider.CompletionExchange;
import tollgate.provider.CompletionProvider.Shape;
import tollgate.route.ServiceDispatcher;

/**
 * {@code POST /completions}: OpenAI's legacy completions (protocols.md §2; the OpenAI SDK's
 * {@code completions.create}) for models with the {@code completions} capability, passed through
 * to OpenAI-compatible upstreams (or translated for Mistral's FIM endpoint), and for any chat
 * model by wrapping the prompt as one user message ({@link CompletionsViaChat}).
 *
 * <p>{@value CompletionExchange#PROVIDER_KEY_HEADER} is refused here: the gateway's own key would
 * otherwise answer (a chat model's provider takes none per request), and a client who meant to pay
 * with its own key must not be charged in silence. It is accepted on {@code /fim/completions}.
 */
final class CompletionsEndpoint implements Authenticated.Inner {
    private final CompletionRun run;

    CompletionsEndpoint(ServiceDispatcher services, String extensionField) {
        this.run = new CompletionRun(services, extensionField);
    }

    @Override
    public void handle(HttpCall call, Charge charge) throws IOException {
        if (call.header(CompletionExchange.PROVIDER_KEY_HEADER) != null) {
            throw GatewayException.invalid(CompletionExchange.PROVIDER_KEY_HEADER, "The " + CompletionExchange.PROVIDER_KEY_HEADER
                    + " header is accepted on /fim/completions only; send this request without it.");
        }
        CompletionRequest r = CompletionRequest.validate(ChatCompletionsEndpoint.parse(call));
        run.run(call, charge, new CompletionRun.Ask("completions", Shape.COMPLETIONS, r.model(), r.body(), r.stream(), r.includeUsage(),
                CompletionFields.promptTokens(r.prompt(), r.suffix()), CompletionFields.times(r.maxTokens(), r.choices()), r.metadataRequestId(), null));
    }
}
