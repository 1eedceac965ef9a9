package tollgate.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.api.ChatRequestValidatorTest.arr;
import static tollgate.api.ChatRequestValidatorTest.body;
import static tollgate.api.ChatRequestValidatorTest.fnTool;
import static tollgate.api.ChatRequestValidatorTest.obj;
import static tollgate.api.ChatRequestValidatorTest.rejects;

import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.route.ChatRequest;

/**
 * What issue 12 adds to the chat request: {@code {"type": "gateway", "name": ...}} tools mixed
 * with functions, {@code metadata.requires_approval}, a {@code tool_choice} naming a gateway
 * tool, and {@link ChatRequest#agent()} telling the endpoint the agent loop is needed.
 */
class ChatRequestValidatorAgentTest {
    static Map<String, Object> gw(String name) { return obj("type", "gateway", "name", name); }

    @Test
    void gatewayTools_mixWithFunctions_andNeedTheLoop() {
        ChatRequest r = ChatRequestValidator.validate(body("tools", arr(fnTool("f"), gw("web_search"), gw("files.*"))));
        assertTrue(r.agent());
        assertFalse(ChatRequestValidator.validate(body("tools", arr(fnTool("f")))).agent(), "functions alone: the plain path");
        assertFalse(ChatRequestValidator.validate(body()).agent());
        assertFalse(ChatRequestValidator.validate(body("metadata", obj("mode", "x"))).agent());
    }

    @Test
    void aGatewayEntry_needsAName() {
        rejects(body("tools", arr(obj("type", "gateway"))), "tools[0].name", "Missing required parameter: 'tools[0].name'.");
        rejects(body("tools", arr(fnTool("f"), gw(""))), "tools[1].name");
        rejects(body("tools", arr(gw("x".repeat(162)))), "tools[0].name");
        rejects(body("tools", arr(obj("type", "gateway", "name", 7))), "tools[0].name");
        rejects(body("tools", arr(obj("type", "code_interpreter"))), "tools[0].type",
                "Invalid value for 'tools[0].type': expected 'function' or 'gateway', got 'code_interpreter'.");
    }

    @Test
    void aGatewayEntry_takesNothingBesidesItsName_notEvenAGateItWouldIgnore() {
        // The gateway's config decides a gateway tool's approval; a request gates it through
        // metadata. A member that would be dropped unseen must not look as if it did something.
        rejects(body("tools", arr(obj("type", "gateway", "name", "deploy", "requires_approval", true))), "tools[0].requires_approval",
                "Unrecognized member 'tools[0].requires_approval': a gateway tool entry takes only 'type' and 'name'. To have its "
                        + "calls wait for approval, name it in 'metadata.requires_approval'.");
        rejects(body("tools", arr(fnTool("f"), obj("type", "gateway", "name", "web_search", "function", obj("name", "x")))),
                "tools[1].function", "Unrecognized member 'tools[1].function': a gateway tool entry takes only 'type' and 'name'.");
    }

    @Test
    void requiresApproval_namesDeclaredFunctionsOrGatewayTools() {
        assertTrue(ChatRequestValidator.validate(body("tools", arr(fnTool("create_ticket")),
                "metadata", obj("requires_approval", "create_ticket"))).agent(), "a gated function of the client's needs the loop");
        ChatRequestValidator.validate(body("tools", arr(fnTool("a"), gw("deploy"), gw("files.*")),
                "metadata", obj("requires_approval", " a, deploy,files.write ")));
        rejects(body("tools", arr(fnTool("a")), "metadata", obj("requires_approval", "a,b")), "metadata.requires_approval",
                "Invalid value for 'metadata.requires_approval': 'b' is not a function (or gateway tool) declared in 'tools'.");
        rejects(body("tools", arr(fnTool("a")), "metadata", obj("requires_approval", "a,,a")), "metadata.requires_approval");
        rejects(body("metadata", obj("requires_approval", "a")), "metadata.requires_approval");
        rejects(body("tools", arr(fnTool("a")), "metadata", obj("requires_approval", true)), "metadata.requires_approval");
    }

    @Test
    void toolChoice_mayNameAGatewayTool() {
        ChatRequestValidator.validate(body("tools", arr(gw("web_search")), "tool_choice",
                obj("type", "function", "function", obj("name", "web_search"))));
        ChatRequestValidator.validate(body("tools", arr(gw("files.*")), "tool_choice",
                obj("type", "function", "function", obj("name", "files.read"))));
        rejects(body("tools", arr(gw("web_search")), "tool_choice", obj("type", "function", "function", obj("name", "other"))),
                "tool_choice.function.name", "Invalid value for 'tool_choice.function.name': expected the name of a function "
                        + "(or gateway tool) declared in 'tools', got 'other'.");
        assertEquals("required", ChatRequestValidator.validate(body("tools", arr(gw("web_search")), "tool_choice", "required"))
                .body().get("tool_choice"));
    }
}
