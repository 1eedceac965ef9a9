/**
 * JSON Schema checks for structured outputs: {@link tollgate.schema.SchemaValidator} tells whether
 * a model's answer conforms to the schema a client asked for in {@code response_format} (the
 * subset OpenAI Structured Outputs allow, with JSON Schema 2020-12 meanings), so that premium
 * routing can retry on another model when it does not, and reads a client's schema strictly
 * before it is sent. Pure logic on the values of {@link tollgate.json.Json#parse(String)}, no I/O,
 * bounded in depth and work on any input.
 */
package tollgate.schema;
