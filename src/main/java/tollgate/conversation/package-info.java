/**
 * Prepares a validated OpenAI chat request's conversation before it is dispatched to a provider:
 * pure logic on the parsed value model, no I/O.
 *
 * <ul>
 *   <li>{@link tollgate.conversation.Capabilities#check}: 400 when the request uses what the
 *       model's configured capabilities lack (images, tools, JSON output);</li>
 *   <li>{@link tollgate.conversation.PromptEstimate}: estimated prompt tokens, and the seed 002
 *       context-window error;</li>
 *   <li>{@link tollgate.conversation.ToolCallRepair#repair}: seed 002's tool call repair
 *       (duplicates, orphans, missing results, id normalization), returning the body to send
 *       and the id map to translate the answer back.</li>
 * </ul>
 *
 * None of them modifies the client's body.
 */
package tollgate.conversation;
