package dev.meldtown.sync.service;

import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.Components;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * The OpenAPI document's shared parts: every error an operation can answer is {@code application/problem+json}
 * ({@link ProblemBody}); operations refer to these responses by name ({@code @APIResponse(ref = "NotFound")}).
 */
@OpenAPIDefinition(
        info = @Info(title = "Meldtown sync", version = "0.1.0"),
        components = @Components(responses = {
                @APIResponse(name = "BadRequest", responseCode = "400",
                        description = "Invalid name, body, query parameter or limit (sync-orchestrator/README.md, Limits)",
                        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = SyncApi.ProblemBody.class))),
                @APIResponse(name = "Unauthorized", responseCode = "401", description = "No bearer token, or an invalid one",
                        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = SyncApi.ProblemBody.class))),
                @APIResponse(name = "Forbidden", responseCode = "403", description = "Another tenant's token, or a weaker role",
                        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = SyncApi.ProblemBody.class))),
                @APIResponse(name = "NotFound", responseCode = "404", description = "Unknown tenant, town, peer or federation",
                        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = SyncApi.ProblemBody.class))),
                @APIResponse(name = "Conflict", responseCode = "409",
                        description = "The town's Dolt remote of that name points elsewhere, or another operation holds the town",
                        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = SyncApi.ProblemBody.class))),
                @APIResponse(name = "TooLarge", responseCode = "413", description = "The body is larger than quarkus.http.limits.max-body-size",
                        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = SyncApi.ProblemBody.class))),
                // a body sent without Content-Type: application/json, or a POST without body and Content-Type (SchemathesisTest)
                @APIResponse(name = "UnsupportedMediaType", responseCode = "415", description = "The body is not declared as application/json",
                        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = SyncApi.ProblemBody.class))),
                @APIResponse(name = "Unavailable", responseCode = "503",
                        description = "A dependency is down: the town's SQL server (category transport), S3 or Kafka",
                        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = SyncApi.ProblemBody.class)))
        }))
public class SyncApi extends Application {
    /** RFC 9457 problem details as this service writes them. */
    @Schema(name = "Problem", description = "RFC 9457 problem details")
    public record ProblemBody(
            @Schema(required = true, description = "https://meldtown.dev/problems/<slug>") String type,
            @Schema(required = true) String title,
            @Schema(required = true) int status,
            @Schema(description = "What went wrong, naming the rule or limit") String detail,
            @Schema(description = "For 503 town-unreachable: the error category (transport)", nullable = true) String category) {
    }
}
