package tollgate.provider;

import tollgate.error.ClientGoneException;
import tollgate.error.GatewayException;

/**
 * Capability: OpenAI-shaped chat completions.
 *
 * <p>Contract, for both methods:
 * <ul>
 *   <li>They run on the caller's (virtual) thread and block it until done; they never start
 *       threads of their own except what the shared {@code HttpClient} does internally.</li>
 *   <li>The call's {@link ChatCall#body()} is the client's validated request; it must not be
 *       modified. The provider builds its own upstream body from it, sending
 *       {@link ChatCall#upstreamModel()} as the model and leaving out the gateway's own fields
 *       ({@link ChatCall#GATEWAY_FIELDS}). Fields it does not know pass through where the
 *       upstream accepts them.</li>
 *   <li>Failures are thrown as {@link GatewayException}, already classified (an upstream 401
 *       becomes {@code PROVIDER_AUTH_FAILED}, 402 becomes {@code PROVIDER_UNAVAILABLE}, ...).
 *       The client's key is never sent upstream.</li>
 *   <li>Before blocking on the network the provider registers what aborts that wait with
 *       {@link ChatCall#cancellation()}; when the gateway cancels (client gone, shutdown),
 *       the blocked method returns by throwing {@link ClientGoneException}.</li>
 * </ul>
 */
public interface ChatProvider extends Provider {

    /**
     * Which tool call ids the upstream accepts. The gateway rewrites the others in
     * {@link ChatCall#body()} before calling, and maps them back in what the client receives.
     */
    default ToolIdRule toolIdRule() { return ToolIdRule.ANY; }

    /**
     * The context window, in tokens, of a model of this provider whose config gives none (an
     * ad-hoc {@code <provider>/<model>} route included); 0 when unknown. The offline echo
     * provider has one, so that no echo route takes prompts without limit.
     */
    default long defaultContextLength() { return 0; }

    /**
     * A non-streaming completion. Returns the OpenAI {@code chat.completion} object as the
     * upstream produced it (the gateway rewrites {@code model} and adds its extension object),
     * with the usage the upstream reported.
     */
    ChatResult chat(ChatCall call);

    /**
     * A streaming completion. Calls {@link ChunkSink#chunk} once per OpenAI
     * {@code chat.completion.chunk}, in upstream order, on the calling thread, always including
     * the upstream's usage chunk (the provider asks the upstream for it); it does not pass on
     * {@code [DONE]}.
     *
     * <p>Returns normally only when the upstream ended cleanly (its {@code [DONE]} or
     * equivalent), with the usage it reported ({@link Usage#NONE} if it reported none). If the
     * upstream fails before the first chunk, throws the classified error; if it breaks off or
     * ends without its terminator after chunks were delivered, throws
     * {@code PROVIDER_STREAM_BROKEN}. If the sink throws {@link ClientGoneException}, the
     * provider closes the upstream connection and rethrows it.
     */
    Usage stream(ChatCall call, ChunkSink sink);
}
