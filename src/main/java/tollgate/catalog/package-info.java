/**
 * What the gateway can route to, as domain types rather than config records: a {@link
 * tollgate.catalog.Model} (upstream name, window, pricing, capabilities, quality per {@link
 * tollgate.catalog.Task}) and the {@link tollgate.catalog.Catalog} of them. Built once from the
 * config; read by {@code route} (ranking, savings), {@code provider} (what to send upstream) and
 * {@code api} ({@code GET /models}).
 */
package tollgate.catalog;
