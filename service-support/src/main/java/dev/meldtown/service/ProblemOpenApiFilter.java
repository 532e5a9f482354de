package dev.meldtown.service;

import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;

/**
 * Makes a service's OpenAPI document tell every error an operation can answer: the {@code Problem} schema (RFC 9457)
 * and, on every {@code /v1} operation, the answers any request can get before the resource decides (bad names and
 * bodies 400, token 401/403, limits 413/414/431, unsupported media 415, dependency outage 503, bug 500), each as
 * {@code application/problem+json}. Operation-specific answers come from the resources' {@code @APIResponse}s.
 * Enable with {@code mp.openapi.filter=dev.meldtown.service.ProblemOpenApiFilter}.
 */
public class ProblemOpenApiFilter implements OASFilter {
    public static final String PROBLEM_REF = "#/components/schemas/Problem";

    /** Paths under a deletable scope (block-store's documents, issue 14): a deleted tenant, document or replica answers 410. */
    static final String DELETABLE = "/v1/tenants/{tenant}/docs";

    private static final Map<String, String> COMMON = new LinkedHashMap<>();

    static {
        COMMON.put("400", "Invalid name, parameter or body");
        COMMON.put("401", "Missing, invalid, expired or too old bearer token");
        COMMON.put("403", "The token is for another tenant or lacks the role");
        COMMON.put("414", "Request line longer than the service's limit");
        COMMON.put("431", "Request headers larger than the service's limit");
        COMMON.put("500", "Unexpected error (a bug; see the service log)");
        COMMON.put("503", "A dependency (S3, Kafka or a town) is unavailable, or the service is busy; retry after Retry-After seconds");
    }

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        openAPI.getComponents().addSchema("Problem", OASFactory.createSchema()
                .type(java.util.List.of(Schema.SchemaType.OBJECT))
                .description("RFC 9457 problem details")
                .addRequired("type").addRequired("title").addRequired("status").addRequired("detail")
                .addProperty("type", OASFactory.createSchema().type(java.util.List.of(Schema.SchemaType.STRING)))
                .addProperty("title", OASFactory.createSchema().type(java.util.List.of(Schema.SchemaType.STRING)))
                .addProperty("status", OASFactory.createSchema().type(java.util.List.of(Schema.SchemaType.INTEGER)))
                .addProperty("detail", OASFactory.createSchema().type(java.util.List.of(Schema.SchemaType.STRING)))
                .additionalPropertiesBoolean(true));
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) {
            return;
        }
        openAPI.getPaths().getPathItems().forEach((path, item) -> {
            if (!path.startsWith("/v1/")) {
                return;
            }
            item.getOperations().forEach((method, operation) -> {
                decorate(method, operation);
                if (path.startsWith(DELETABLE)) {
                    add(operation, "410", "The tenant, document or replica was deleted (a deleted name is not re-created)");
                }
            });
        });
    }

    private static void decorate(PathItem.HttpMethod method, Operation operation) {
        if (operation.getResponses() == null) {
            operation.setResponses(OASFactory.createAPIResponses());
        }
        COMMON.forEach((code, description) -> add(operation, code, description));
        if (operation.getRequestBody() != null || method == PathItem.HttpMethod.PUT || method == PathItem.HttpMethod.POST) {
            add(operation, "413", "Request body larger than the service's limit");
            add(operation, "415", "Unsupported Content-Type");
        }
        // every error answer is problem+json, including those a resource declared without content
        operation.getResponses().getAPIResponses().forEach((code, response) -> {
            if (code.startsWith("4") || code.startsWith("5")) {
                response.setContent(problemContent());
            }
        });
    }

    private static void add(Operation operation, String code, String description) {
        if (operation.getResponses().getAPIResponse(code) == null) {
            APIResponse response = OASFactory.createAPIResponse().description(description).content(problemContent());
            operation.getResponses().addAPIResponse(code, response);
        }
    }

    private static org.eclipse.microprofile.openapi.models.media.Content problemContent() {
        return OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE,
                OASFactory.createMediaType().schema(OASFactory.createSchema().ref(PROBLEM_REF)));
    }
}
