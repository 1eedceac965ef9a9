package tollgate.api;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.account.Charge;
import tollgate.http.HttpCall;
import tollgate.http.RequestIds;
import tollgate.provider.GeneratedImages;
import tollgate.route.Caller;
import tollgate.route.ImageGeneration;
import tollgate.route.Served;
import tollgate.route.ServiceDispatcher;

/**
 * {@code POST /images/generations}: OpenAI's image generation API (protocols-2.md §14; the OpenAI
 * SDKs' {@code images.generate} with the gateway as base URL) on the models with capability
 * {@code images}, through {@link ImageGeneration}: routed, admitted, held and charged per image,
 * failed over, recorded. The answer is the upstream's, in OpenAI's shape ({@code created},
 * {@code data[]} with {@code url} or {@code b64_json} and {@code revised_prompt}, and what else it
 * sent), with the extension object ({@code execution_id}, {@code request_id}, {@code route},
 * {@code cost}, {@code credits_charged}, {@code balance}) and {@code x-tollgate-route}. Without a
 * {@code model} the gateway's first images model answers (OpenAI's own default is dall-e-2).
 */
final class ImagesEndpoint implements Authenticated.Inner {
    private final ServiceDispatcher services;
    private final String extensionField;

    ImagesEndpoint(ServiceDispatcher services, String extensionField) {
        this.services = services;
        this.extensionField = extensionField;
    }

    @Override
    public void handle(HttpCall call, Charge charge) throws IOException {
        SpeechEndpoint.requireJson(call);
        ImagesRequest r = ImagesRequest.validate(ChatCompletionsEndpoint.parse(call));
        call.log("model", r.model());
        call.log("images_asked", r.images().count());
        Map<String, Object> ext = new LinkedHashMap<>();
        ext.put("execution_id", RequestIds.newUuid());
        ext.put("request_id", call.requestId());
        Caller caller = new Caller(call.keyName(), call.requestId(), (String) ext.get("execution_id"), call.cancellation(),
                call.memory(), charge);
        Served<GeneratedImages> done = ImageGeneration.generate(services, caller, r.model(), r.images(), null, 0);
        call.log("provider", done.chosen().model().provider());
        call.log("deployment", done.chosen().id());
        if (done.route() != null && done.route().get("tried") instanceof List<?> tried) call.log("tried", tried.size());
        call.log("images", done.meter().images());
        if (done.cost() != null) call.log("cost", Extension.usd(done.cost()));
        if (done.credits() != 0) call.log("credits", done.credits());
        Map<String, Object> answer = new LinkedHashMap<>(done.value().answer());
        if (done.route() != null) ext.put("route", done.route());
        if (done.cost() != null) ext.put("cost", Extension.usd(done.cost()));
        ext.put("credits_charged", done.credits());
        if (done.balance() != null) ext.put("balance", done.balance());
        answer.put(extensionField, ext);
        call.setResponseHeader(Extension.ROUTE_HEADER, done.chosen().id());
        call.respondJson(200, answer);
    }
}
