package tollgate.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tollgate.catalog.Task;
import tollgate.json.Json;

class TaskInferenceTest {

    private static final String CAP_FILLER_WORD = "lorem ";

    static Stream<Arguments> table() {
        return Stream.of(
            // a. vision
            row("image part wins over a code fence",
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"```python\\ndef f(): pass\\n```\"},"
                    + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.png\"}}]}]}",
                Task.VISION, "image in messages[0]"),
            row("input_image in an earlier message",
                "{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                    + "{\"role\":\"user\",\"content\":\"hi\"},"
                    + "{\"role\":\"user\",\"content\":[{\"type\":\"input_image\",\"image_url\":\"data:image/png;base64,AAAA\"}]},"
                    + "{\"role\":\"assistant\",\"content\":\"A cat.\"},{\"role\":\"user\",\"content\":\"Write a poem\"}]}",
                Task.VISION, "image in messages[2]"),
            row("audio part is not vision",
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"AAAA\",\"format\":\"wav\"}},"
                    + "{\"type\":\"text\",\"text\":\"How many speakers are there?\"}]}]}",
                Task.REASONING, "how many"),

            // b. code
            row("code fence in the user message", user("Why does this crash?\n```\nint x = 1 / 0;\n```"),
                Task.CODE_GENERATION, "code fence in the last user message"),
            row("code fence in the system message",
                "{\"messages\":[{\"role\":\"system\",\"content\":\"Answer in this format:\\n```json\\n{}\\n```\"},"
                    + "{\"role\":\"user\",\"content\":\"Hello!\"}]}",
                Task.CODE_GENERATION, "code fence in the system message"),
            row("code fence in a developer message",
                "{\"messages\":[{\"role\":\"developer\",\"content\":[{\"type\":\"text\",\"text\":\"Example: ```ls```\"}]},"
                    + "{\"role\":\"user\",\"content\":\"Hello!\"}]}",
                Task.CODE_GENERATION, "code fence in the system message"),
            row("code-heavy system prompt",
                "{\"messages\":[{\"role\":\"system\",\"content\":\"You are a senior developer. Review the Code and point out every bug.\"},"
                    + "{\"role\":\"user\",\"content\":\"Hello!\"}]}",
                Task.CODE_GENERATION, "code-heavy system message"),
            row("one code word in the system prompt is not enough",
                "{\"messages\":[{\"role\":\"system\",\"content\":\"You are a helpful assistant for developers.\"},"
                    + "{\"role\":\"user\",\"content\":\"Hello!\"}]}",
                Task.GENERAL, "no signal"),
            row("tool named write_file", withTools("Hello!", tool("write_file", "Saves text.")),
                Task.CODE_GENERATION, "tools that edit files or run code (write_file)"),
            row("camelCase tool strReplaceEditor", withTools("Hello!", tool("get_weather", "Weather."), tool("strReplaceEditor", "")),
                Task.CODE_GENERATION, "(strReplaceEditor)"),
            row("tool described as running shell commands", withTools("Hello!", tool("do_it", "Runs a shell command on the host.")),
                Task.CODE_GENERATION, "(do_it)"),
            row("tool described as editing files", withTools("Hello!", tool("save", "Edits a file in the workspace.")),
                Task.CODE_GENERATION, "(save)"),
            row("credit_check is not an edit tool", withTools("Hello!", tool("credit_check", "Look up a credit score.")),
                Task.GENERAL, "no signal"),
            row("dispatch is not a patch tool", withTools("Hello!", tool("dispatch_order", "Send an order to the warehouse.")),
                Task.GENERAL, "no signal"),
            row("three code tokens", user("def area(r):\n    return 3 * r * r\nclass Shape: pass"),
                Task.CODE_GENERATION, "code tokens"),
            row("punctuation code tokens", user("const f = (x) => x; f(); </div>"),
                Task.CODE_GENERATION, "code tokens"),
            row("code tokens are case-sensitive", user("Select the best class. Return it. Import it."),
                Task.GENERAL, "no signal"),
            row("a language and a code word", user("Write a Python function that reverses a list"),
                Task.CODE_GENERATION, "asks for code (\"python\")"),
            row("a writing verb and a code word", user("Write a function that reverses a string"),
                Task.CODE_GENERATION, "asks for code (\"function\")"),
            row("a language and a bare writing verb", user("Write SQL to count the users per country"),
                Task.CODE_GENERATION, "asks for code (\"sql\")"),
            row("a blog post about a language stays writing", user("Write a blog post about Python"),
                Task.WRITING, "prose"),
            row("two code words", user("Fix the bug in this function"),
                Task.CODE_GENERATION, "asks for code (\"bug\")"),
            row("code beats reasoning", user("Prove this terminates:\n```\nwhile (n > 1) n /= 2;\n```"),
                Task.CODE_GENERATION, "code fence"),

            // c. reasoning
            row("approve is not prove", user("Please approve this plan"), Task.GENERAL, "no signal"),
            row("resolve is not solve", user("Resolve the merge of our calendars"), Task.GENERAL, "no signal"),
            row("proofread is not proof", user("Can you proofread this?"), Task.GENERAL, "no signal"),
            row("prove with a non-ASCII symbol", user("Prove that √2 is irrational"), Task.REASONING, "asks for reasoning (\"prove\")"),
            row("equation with a question mark", user("2 + 2 = ?"), Task.REASONING, "equation"),
            row("tight equation", user("What is 17*23"), Task.REASONING, "equation"),
            row("stem matches longer word", user("List the theorems of Euclid"), Task.REASONING, "theorem"),
            row("step-by-step", user("Step-by-step, how do I bake bread?"), Task.REASONING, "step-by-step"),
            row("solve", user("Solve for x: 3x + 5 = 20"), Task.REASONING, "solve"),
            row("reasoning beats writing", user("Write a proof that there are infinitely many primes"),
                Task.REASONING, "proof"),
            row("reasoning_effort", "{\"reasoning_effort\":\"high\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}",
                Task.REASONING, "reasoning_effort is set"),
            row("reasoning_effort none", "{\"reasoning_effort\":\"none\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}",
                Task.GENERAL, "no signal"),
            row("dates, ranges and scores are not equations", user("Scored 10/10 on 2024-01-15, pages 2-3"),
                Task.GENERAL, "no signal"),

            // d. writing
            row("write a poem", user("Write a poem"), Task.WRITING, "asks for prose (\"poem\")"),
            row("a bare writing verb", user("Please rewrite this paragraph"), Task.WRITING, "asks for prose (\"rewrite\")"),
            row("a poem about code stays writing", user("Write a poem about code"), Task.WRITING, "prose"),
            row("a story about a bug stays writing", user("Write a story about a programmer who found a bug"),
                Task.WRITING, "prose"),
            row("times do not make it math", user("Write an agenda for the 3:00 - 4:00 meeting"), Task.WRITING, "write"),
            row("ranges do not make it math", user("Write a 2-3 paragraph story"), Task.WRITING, "prose"),
            row("draft an email", user("Could you DRAFT an e-mail to my landlord"), Task.WRITING, "email"),
            row("draft", user("Draft a reply to my landlord"), Task.WRITING, "draft"),
            row("translate", user("Translate this to French: good morning"), Task.WRITING, "translate"),
            row("array content parts", "{\"messages\":[{\"role\":\"user\",\"content\":["
                    + "{\"type\":\"text\",\"text\":\"Here is a long text.\"},{\"type\":\"text\",\"text\":\"Summarize it please.\"}]}]}",
                Task.WRITING, "summary"),
            row("earlier user message does not count",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":null},"
                    + "{\"role\":\"user\",\"content\":\"Now write an essay\"}]}",
                Task.WRITING, "essay"),

            // e. general
            row("hello", user("Hello!"), Task.GENERAL, "no signal"),
            row("last user message is what counts",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"Write a poem\"},{\"role\":\"assistant\",\"content\":\"Roses…\"},"
                    + "{\"role\":\"user\",\"content\":\"hi\"}]}",
                Task.GENERAL, "no signal"),
            row("no messages", "{}", Task.GENERAL, "no signal"),
            row("no user message", "{\"messages\":[{\"role\":\"system\",\"content\":\"Be nice.\"}]}", Task.GENERAL, "no signal"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void infers(String name, String body, Task task, String reason) {
        TaskInference.Inferred got = TaskInference.infer(parse(body));
        assertEquals(task, got.task(), () -> name + ": " + got);
        assertTrue(got.reason().contains(reason), () -> name + ": reason '" + got.reason() + "' lacks '" + reason + "'");
    }

    @Test
    void megabyteMessageIsCappedAndSignalsPastTheCapAreIgnored() {
        StringBuilder big = new StringBuilder(1 << 20);
        while (big.length() < (1 << 20)) big.append(CAP_FILLER_WORD);
        big.append(" Prove it. ```code``` def class import 2 + 2");
        assertEquals(new TaskInference.Inferred(Task.GENERAL, "no signal"), TaskInference.infer(parse(user(big.toString()))));

        String before = filler(TaskInference.MAX_SCANNED_CHARS - 100) + " prove it " + filler(TaskInference.MAX_SCANNED_CHARS);
        assertEquals(Task.REASONING, TaskInference.infer(parse(user(before))).task());
        String after = filler(TaskInference.MAX_SCANNED_CHARS + 10) + " prove it";
        assertEquals(Task.GENERAL, TaskInference.infer(parse(user(after))).task());
        // straddling the cap: not seen either
        String straddling = filler(TaskInference.MAX_SCANNED_CHARS - 3) + "prove";
        assertEquals(Task.GENERAL, TaskInference.infer(parse(user(straddling))).task());
    }

    @Test
    void capCountsAcrossTextParts() {
        String part = filler(3000);
        String seen = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"" + part + "\"},"
                + "{\"type\":\"text\",\"text\":\"" + filler(500) + " prove it\"}]}]}";
        assertEquals(Task.REASONING, TaskInference.infer(parse(seen)).task());
        String unseen = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"" + part + "\"},"
                + "{\"type\":\"text\",\"text\":\"" + filler(2000) + " prove it\"}]}]}";
        assertEquals(Task.GENERAL, TaskInference.infer(parse(unseen)).task());
    }

    @Test
    void systemMessageIsCappedToo() {
        String body = "{\"messages\":[{\"role\":\"system\",\"content\":" + Json.toString(filler(5000) + "```") + "},"
                + "{\"role\":\"user\",\"content\":\"Hello!\"}]}";
        assertEquals(Task.GENERAL, TaskInference.infer(parse(body)).task());
    }

    @Test
    void onlyTheFirstToolsAreLookedAt() {
        String[] tools = new String[TaskInference.MAX_TOOLS_SCANNED + 1];
        for (int i = 0; i < TaskInference.MAX_TOOLS_SCANNED; i++) tools[i] = tool("lookup_" + i, "Looks things up.");
        tools[TaskInference.MAX_TOOLS_SCANNED] = tool("bash", "Runs bash.");
        assertEquals(Task.GENERAL, TaskInference.infer(parse(withTools("Hello!", tools))).task());
    }

    @Test
    void toolNames() {
        for (String n : new String[] {"write_file", "writeFile", "apply_patch", "str_replace_based_edit_tool", "file_edit",
                "EditFile", "run_command", "bash", "execute_python", "shell", "create-file"}) {
            assertTrue(TaskInference.codeToolName(n), n);
        }
        for (String n : new String[] {"credit_check", "dispatch", "get_weather", "read_file", "search", "seashell_facts"}) {
            assertTrue(!TaskInference.codeToolName(n), n);
        }
    }

    @Test
    void nullBodyIsGeneral() {
        assertEquals(Task.GENERAL, TaskInference.infer(null).task());
        assertEquals(Task.GENERAL, TaskInference.infer(Map.of()).task());
    }

    @Test
    void taskWireRoundTrip() {
        for (Task t : Task.values()) assertEquals(t, Task.fromWire(t.wire()));
        assertEquals("code-generation", Task.CODE_GENERATION.wire());
        assertEquals("general", Task.GENERAL.wire());
        assertNull(Task.fromWire(null));
        assertNull(Task.fromWire("Writing"));
        assertNull(Task.fromWire("code_generation"));
        assertNull(Task.fromWire(""));
    }

    // ---------------------------------------------------------------------------------------

    private static Arguments row(String name, String body, Task task, String reason) {
        return Arguments.of(name, body, task, reason);
    }

    private static Map<String, Object> parse(String body) {
        return Json.asObject(Json.parse(body));
    }

    private static String user(String text) {
        return "{\"messages\":[{\"role\":\"user\",\"content\":" + Json.toString(text) + "}]}";
    }

    private static String tool(String name, String description) {
        return "{\"type\":\"function\",\"function\":{\"name\":" + Json.toString(name) + ",\"description\":"
                + Json.toString(description) + ",\"parameters\":{\"type\":\"object\",\"properties\":{}}}}";
    }

    private static String withTools(String text, String... tools) {
        return "{\"messages\":[{\"role\":\"user\",\"content\":" + Json.toString(text) + "}],\"tools\":["
                + String.join(",", tools) + "]}";
    }

    /** Exactly {@code n} chars of keyword-free words. */
    private static String filler(int n) {
        StringBuilder b = new StringBuilder(n + CAP_FILLER_WORD.length());
        while (b.length() < n) b.append(CAP_FILLER_WORD);
        b.setLength(n);
        return b.toString();
    }
}
