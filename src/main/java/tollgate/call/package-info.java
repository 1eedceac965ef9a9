/**
 * What one call carries through every layer, from the wire surface that took it ({@code http},
 * later the voice relay and tasks) down to the provider that serves it: its {@link
 * tollgate.call.Cancellation}. Below {@code http}, {@code api}, {@code route} and
 * {@code provider}, so that none of them imports another to share it.
 */
package tollgate.call;
