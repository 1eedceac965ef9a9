package tollgate.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import tollgate.json.Json;

class SchemaValidatorTest {
    /**
     * What counts as a hang for the budget tests: the budgets end the work long before (the step
     * budget took 1.3 s in a whole scripts/test run here, the pattern 0.03 s); 10 s ran out once
     * on a host loaded 10-fold, so the margin is wide.
     */
    private static final Duration HANG = Duration.ofSeconds(60);

    /** JSON written with ' for " so that the table stays readable. */
    static Object j(String json) { return Json.parse(json.replace('\'', '"')); }

    static Arguments ok(String schema, String value) { return Arguments.of(schema, value, null); }

    static Arguments bad(String schema, String value, String violation) { return Arguments.of(schema, value, violation); }

    static final String ORDER = "{'type':'object','additionalProperties':false,'required':['id','items'],'properties':{"
            + "'id':{'type':'string','format':'uuid'},"
            + "'items':{'type':'array','minItems':1,'items':{'type':'object','required':['sku','price'],'properties':{"
            + "'sku':{'type':'string','pattern':'^[A-Z]{3}-[0-9]+$'},'price':{'type':'number','minimum':0}}}}}}";

    static final String LIST = "{'$defs':{'node':{'type':'object','additionalProperties':false,'required':['value','next'],"
            + "'properties':{'value':{'type':'integer'},'next':{'anyOf':[{'$ref':'#/$defs/node'},{'type':'null'}]}}}},"
            + "'$ref':'#/$defs/node'}";

    static final String TREE = "{'type':'object','properties':{'v':{'type':'integer'},'children':{'type':'array','items':{'$ref':'#'}}}}";

    static Stream<Arguments> cases() {
        return Stream.of(
                // type
                ok("{'type':'string'}", "'a'"),
                bad("{'type':'string'}", "1", "$: expected string, got number"),
                ok("{'type':'integer'}", "-7"),
                ok("{'type':'integer'}", "1.0"),
                ok("{'type':'integer'}", "1.5e1"),
                bad("{'type':'integer'}", "1.5", "$: expected integer, got number"),
                bad("{'type':'integer'}", "1e-1", "expected integer, got number"),
                bad("{'type':'number'}", "true", "expected number, got boolean"),
                bad("{'type':'number'}", "'1'", "expected number, got string"),
                ok("{'type':['string','null']}", "null"),
                bad("{'type':['string','null']}", "3", "$: expected string or null, got number"),
                bad("{'type':'null'}", "0", "expected null, got number"),
                bad("{'type':'array'}", "{}", "expected array, got object"),
                bad("{'type':'object'}", "[]", "expected object, got array"),
                ok("{'type':'boolean'}", "false"),
                // object keywords
                bad("{'type':'object','required':['name']}", "{}", "$.name: required property missing"),
                bad("{'type':'object','properties':{'a':{}},'additionalProperties':false}", "{'a':1,'extra':2}",
                        "$.extra: property not allowed (additionalProperties false)"),
                ok("{'type':'object','properties':{'a':{}}}", "{'a':1,'extra':2}"),
                ok("{'type':'object','properties':{'a':{}},'additionalProperties':true}", "{'extra':2}"),
                bad("{'type':'object','additionalProperties':{'type':'integer'}}", "{'n':'x'}", "$.n: expected integer, got string"),
                bad("{'properties':{'a b':{'type':'integer'}}}", "{'a b':'x'}", "$[\"a b\"]: expected integer, got string"),
                bad("{'properties':{'x':false}}", "{'x':1}", "$.x: no value is allowed here (schema false)"),
                bad(ORDER, "{'id':'123e4567-e89b-12d3-a456-426614174000','items':[{'sku':'ABC-1','price':1},"
                        + "{'sku':'ABC-2','price':2},{'sku':'ABC-3','price':'3'}]}", "$.items[2].price: expected number, got string"),
                // enum and const
                ok("{'enum':[1,2]}", "1.0"),
                ok("{'enum':[1.0,2]}", "1"),
                bad("{'enum':[1,2]}", "1.5", "$: not one of the enum values [1,2]"),
                bad("{'enum':['1']}", "1", "not one of the enum values"),
                ok("{'enum':['a',null]}", "null"),
                ok("{'enum':[{'a':[1],'b':true}]}", "{'b':true,'a':[1.00]}"),
                bad("{'enum':[{'a':[1]}]}", "{'a':[1],'b':2}", "not one of the enum values"),
                ok("{'const':'x'}", "'x'"),
                bad("{'const':{'k':0}}", "{'k':false}", "$: not equal to const {\"k\":0}"),
                // anyOf
                ok("{'anyOf':[{'type':'string'},{'type':'integer'}]}", "5"),
                bad("{'anyOf':[{'type':'string'},{'type':'integer'}]}", "true", "$: matches none of the 2 anyOf schemas"),
                // $ref
                bad("{'$defs':{'pos':{'type':'integer','minimum':1}},'$ref':'#/$defs/pos'}", "0", "$: less than minimum 1"),
                ok("{'definitions':{'s':{'type':'string'}},'type':'object','properties':{'a':{'$ref':'#/definitions/s'}}}", "{'a':'x'}"),
                bad("{'$defs':{'a/b':{'type':'string'}},'$ref':'#/$defs/a~1b'}", "1", "expected string"),
                bad("{'$defs':{'a~b':{'type':'string'}},'$ref':'#/$defs/a~0b'}", "1", "expected string"),
                bad("{'$ref':'#/$defs/nope'}", "1", "schema #: unresolvable $ref '#/$defs/nope'"),
                ok(LIST, "{'value':1,'next':{'value':2,'next':{'value':3,'next':null}}}"),
                bad(LIST, "{'value':1,'next':{'value':2,'next':{'value':3.5,'next':null}}}", "$.next: matches none of the 2 anyOf schemas"),
                ok(TREE, "{'v':1,'children':[{'v':2,'children':[]},{'v':3,'children':[{'v':4}]}]}"),
                bad(TREE, "{'v':1,'children':[{'v':2},{'v':3,'children':[{'v':'4'}]}]}", "$.children[1].children[0].v: expected integer, got string"),
                // strings
                ok("{'type':'string','pattern':'^[a-z]+$'}", "'abc'"),
                bad("{'type':'string','pattern':'^[a-z]+$'}", "'abC'", "$: does not match pattern '^[a-z]+$'"),
                ok("{'pattern':'b'}", "'abc'"),
                ok("{'pattern':'^x'}", "7"),
                bad("{'properties':{'p':{'pattern':'('}}}", "{'p':'x'}", "schema #/properties/p: invalid pattern '('"),
                bad("{'minLength':2}", "'\u00e9'", "$: shorter than minLength 2 (1 characters)"),
                ok("{'maxLength':2}", "'\uD83D\uDE00\uD83D\uDE00'"),
                bad("{'maxLength':3}", "'abcd'", "$: longer than maxLength 3 (4 characters)"),
                // formats
                ok("{'format':'date-time'}", "'2024-02-29T12:30:00.123+05:30'"),
                bad("{'format':'date-time'}", "'2023-02-29T12:30:00Z'", "$: not a valid date-time"),
                bad("{'format':'date-time'}", "'2024-01-01T12:30Z'", "not a valid date-time"),
                ok("{'format':'date'}", "'2000-12-31'"),
                bad("{'format':'date'}", "'2024-13-01'", "not a valid date"),
                ok("{'format':'time'}", "'23:59:60z'"),
                bad("{'format':'time'}", "'24:00:00Z'", "not a valid time"),
                ok("{'format':'duration'}", "'P1Y2M3DT4H5M6S'"),
                ok("{'format':'duration'}", "'P3W'"),
                bad("{'format':'duration'}", "'PT'", "not a valid duration"),
                bad("{'format':'duration'}", "'P1H'", "not a valid duration"),
                bad("{'format':'duration'}", "'P1D2Y'", "not a valid duration"),
                ok("{'format':'email'}", "'first.last+tag@mail.example.com'"),
                bad("{'format':'email'}", "'a..b@example.com'", "not a valid email"),
                bad("{'format':'email'}", "'no-at-sign'", "not a valid email"),
                ok("{'format':'hostname'}", "'api-1.example.com'"),
                bad("{'format':'hostname'}", "'-bad.example.com'", "not a valid hostname"),
                ok("{'format':'ipv4'}", "'192.168.0.255'"),
                bad("{'format':'ipv4'}", "'256.1.1.1'", "not a valid ipv4"),
                bad("{'format':'ipv4'}", "'01.1.1.1'", "not a valid ipv4"),
                ok("{'format':'ipv6'}", "'2001:db8::8a2e:370:7334'"),
                ok("{'format':'ipv6'}", "'::ffff:192.0.2.1'"),
                bad("{'format':'ipv6'}", "'1:2:3:4:5:6:7:8:9'", "not a valid ipv6"),
                bad("{'format':'ipv6'}", "'1::2::3'", "not a valid ipv6"),
                bad("{'format':'ipv6'}", "'1:2:3:4::5:6:7:8'", "not a valid ipv6"),
                ok("{'format':'uuid'}", "'123E4567-e89b-12d3-a456-426614174000'"),
                bad("{'format':'uuid'}", "'123e4567e89b12d3a456426614174000'", "not a valid uuid"),
                ok("{'format':'color'}", "'not checked'"),
                // numbers
                bad("{'minimum':0}", "-1", "$: less than minimum 0"),
                ok("{'maximum':10}", "10"),
                bad("{'maximum':10}", "10.5", "$: greater than maximum 10"),
                bad("{'exclusiveMinimum':0}", "0", "$: not greater than exclusiveMinimum 0"),
                ok("{'exclusiveMaximum':1}", "0.999"),
                bad("{'exclusiveMaximum':1}", "1.0", "$: not less than exclusiveMaximum 1"),
                ok("{'multipleOf':0.1}", "0.3"),
                bad("{'multipleOf':0.1}", "0.35", "$: not a multiple of 0.1"),
                ok("{'multipleOf':8}", "1e3"),
                bad("{'multipleOf':4}", "10", "$: not a multiple of 4"),
                bad("{'multipleOf':0.01}", "0.001", "$: not a multiple of 0.01"),
                ok("{'multipleOf':0.25}", "-0.75"),
                bad("{'multipleOf':3}", "1e400", "not a multiple of 3"),
                ok("{'type':'integer','minimum':0}", "1e400"),
                bad("{'minimum':0}", "-1e400", "less than minimum 0"),
                // arrays
                bad("{'type':'array','minItems':1}", "[]", "$: fewer than minItems 1 (0 items)"),
                bad("{'maxItems':2}", "[1,2,3]", "$: more than maxItems 2 (3 items)"),
                bad("{'items':{'type':'integer'}}", "[1,'a']", "$[1]: expected integer, got string"),
                bad("{'items':{'items':{'type':'string'}}}", "[[],['a',[]]]", "$[1][1]: expected string, got array"),
                // boolean schemas and ignored keywords
                ok("true", "{'anything':[1,null]}"),
                bad("false", "null", "$: no value is allowed here (schema false)"),
                ok("{'type':'string','title':'t','description':'d','default':1,'examples':[2],'strict':true,'name':'n'}", "'a'"),
                ok("{'allOf':[{'type':'integer'}],'minLength':'x','type':'strng'}", "'a'"));
    }

    @ParameterizedTest(name = "{0} vs {1}")
    @MethodSource("cases")
    void table(String schema, String value, String violation) {
        List<String> got = SchemaValidator.validate(j(schema), j(value));
        if (violation == null) {
            assertEquals(List.of(), got);
        } else {
            assertTrue(got.stream().anyMatch(v -> v.contains(violation)), () -> "expected '" + violation + "' in " + got);
            assertTrue(got.size() <= SchemaValidator.MAX_VIOLATIONS, got::toString);
        }
    }

    @Test
    void reportsEveryViolationInAnswerOrder() {
        Object answer = j("{'items':[{'sku':'abc','price':-1},{'price':'2','color':'red'}],'note':'x'}");
        assertEquals(List.of(
                "$.id: required property missing",
                "$.items[0].sku: does not match pattern '^[A-Z]{3}-[0-9]+$'",
                "$.items[0].price: less than minimum 0",
                "$.items[1].sku: required property missing",
                "$.items[1].price: expected number, got string",
                "$.note: property not allowed (additionalProperties false)"), SchemaValidator.validate(j(ORDER), answer));
    }

    @Test
    void exactMessagesForTypeListsAndSchemaErrors() {
        assertEquals(List.of("$.a: expected integer or null, got boolean"),
                SchemaValidator.validate(j("{'properties':{'a':{'type':['integer','null']}}}"), j("{'a':true}")));
        // The same bad pattern under every item is reported once.
        assertEquals(List.of("schema #/items: invalid pattern '[' (Unclosed character class)"),
                SchemaValidator.validate(j("{'items':{'pattern':'['}}"), j("['a','b','c']")));
        assertEquals(List.of("schema #: not a schema (expected an object or a boolean)"), SchemaValidator.validate(null, j("1")));
    }

    @Test
    void capsViolationsAtMax() {
        List<Object> strings = new ArrayList<>();
        for (int i = 0; i < 25; i++) strings.add("s" + i);
        List<String> got = SchemaValidator.validate(j("{'items':{'type':'integer'}}"), strings);
        assertEquals(SchemaValidator.MAX_VIOLATIONS, got.size());
        assertEquals("$[0]: expected integer, got string", got.get(0));
        assertEquals("$[9]: expected integer, got string", got.get(9));
    }

    @Test
    void nestingBeyondMaxDepthIsAViolationNotAStackOverflow() {
        StringBuilder deep = new StringBuilder("null");
        for (int i = 0; i < 100; i++) deep.insert(0, "{'value':" + i + ",'next':").append('}');
        List<String> got = SchemaValidator.validate(j(LIST), j(deep.toString()));
        assertEquals(1, got.size(), got::toString);
        assertTrue(got.get(0).endsWith(": nested deeper than 64 levels"), got::toString);
        assertTrue(got.get(0).startsWith("$.next.next."), got::toString);
        // 20 nodes fit in the bound (about 3 levels per node), so the limit is not hit by accident.
        StringBuilder shallow = new StringBuilder("null");
        for (int i = 0; i < 20; i++) shallow.insert(0, "{'value':" + i + ",'next':").append('}');
        assertEquals(List.of(), SchemaValidator.validate(j(LIST), j(shallow.toString())));
        // A $ref loop that consumes no value, and a value that contains itself.
        assertEquals(List.of("$: nested deeper than 64 levels"), SchemaValidator.validate(j("{'$ref':'#'}"), j("1")));
        List<Object> cyclic = new ArrayList<>();
        cyclic.add(cyclic);
        List<String> cyc = SchemaValidator.validate(j("{'items':{'$ref':'#'}}"), cyclic);
        assertTrue(cyc.size() == 1 && cyc.get(0).endsWith("nested deeper than 64 levels"), cyc::toString);
    }

    @Test
    void exponentialAnyOfStopsAtTheStepBudget() {
        // Both branches recurse; each fails only at the leaf, so the work doubles per level.
        Object schema = j("{'anyOf':[{'type':'array','items':{'$ref':'#'}},{'type':'array','items':{'$ref':'#'}}]}");
        Object value = "leaf";
        for (int i = 0; i < 20; i++) value = new ArrayList<>(List.of(value));
        Object v = value;
        List<String> got = assertTimeoutPreemptively(HANG, () -> SchemaValidator.validate(schema, v));
        assertEquals(1, got.size(), got::toString);
        assertTrue(got.get(0).endsWith(": needs more than 1000000 validation steps"), got::toString);
    }

    @Test
    void backtrackingPatternIsCutOff() {
        // Nested quantifiers that java.util.regex cannot short-cut: about 40^12 paths to a failure.
        Object schema = j("{'pattern':'^(.*a){12}$'}");
        List<String> got = assertTimeoutPreemptively(HANG,
                () -> SchemaValidator.validate(schema, "a".repeat(40) + "!"));
        assertEquals(List.of("$: pattern '^(.*a){12}$' is too costly to evaluate"), got);
        assertEquals(List.of(), SchemaValidator.validate(schema, "a".repeat(40)));
    }

    @Test
    void validateText() {
        Object schema = j("{'type':'object','required':['a']}");
        assertEquals(List.of(), SchemaValidator.validateText(schema, "{\"a\":1}"));
        assertEquals(List.of("$.a: required property missing"), SchemaValidator.validateText(schema, " {} "));
        for (String text : new String[] {"{", "```json\n{\"a\":1}\n```", "", "{\"a\":1} x"}) {
            List<String> got = SchemaValidator.validateText(schema, text);
            assertEquals(1, got.size(), got::toString);
            assertTrue(got.get(0).startsWith("$: not valid JSON ("), got::toString);
        }
        assertEquals(List.of("$: not valid JSON (no text)"), SchemaValidator.validateText(schema, null));
    }

    @Test
    void oddValuesAndMalformedSchemasNeverThrow() {
        Map<String, Object> weird = new LinkedHashMap<>();
        weird.put("n", Double.NaN);
        weird.put("i", 3);
        weird.put("o", new Object());
        Object schema = j("{'type':'object','properties':{'n':{'minimum':0},'i':{'type':'integer','multipleOf':'x'},"
                + "'o':{'enum':[1]}},'items':7,'required':'n','anyOf':[],'additionalProperties':[1]}");
        assertEquals(List.of("$.n: number NaN is out of the range that can be checked",
                "$.o: not one of the enum values [1]"), SchemaValidator.validate(schema, weird));
        assertEquals(List.of("$: expected string, got non-JSON Object"),
                SchemaValidator.validate(j("{'type':'string'}"), new Object()));
    }

    @Test
    void checkReportsUnsupportedAndMalformedKeywords() {
        assertEquals(List.of(), SchemaValidator.check(j(ORDER)));
        assertEquals(List.of(), SchemaValidator.check(j(LIST)));
        assertEquals(List.of(
                "schema #: unsupported keyword 'allOf'",
                "schema #/properties/a: malformed keyword 'minLength' (expected a non-negative integer)",
                "schema #/properties/a: unsupported keyword 'oneOf'",
                "schema #/properties/b: invalid pattern '(' (Unclosed group)",
                "schema #/properties/b: malformed keyword 'type' (expected a type name or an array of them)",
                "schema #/$defs/x: unresolvable $ref '#/$defs/y'"),
                SchemaValidator.check(j("{'allOf':[],'description':'d','properties':{'a':{'minLength':-1,'oneOf':[]},"
                        + "'b':{'pattern':'(','type':'strng'}},'$defs':{'x':{'$ref':'#/$defs/y'}}}")));
    }
}
