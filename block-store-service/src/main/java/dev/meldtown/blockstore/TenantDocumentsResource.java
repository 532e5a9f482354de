package dev.meldtown.blockstore;

import dev.meldtown.blockstore.internal.Documents;
import dev.meldtown.blockstore.internal.Names;
import dev.meldtown.service.Access;
import dev.meldtown.service.Role;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code GET /v1/tenants/{tenant}/docs}: the tenant's documents by name, a page at a time (reader). */
@Path("/v1/tenants/{tenant}/docs")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "documents")
public class TenantDocumentsResource {
    @Inject
    Access access;

    @Inject
    Documents documents;

    /** A page of document names; {@code next} is the {@code startAfter} of the next page. */
    public record DocList(List<String> docs, @Schema(nullable = true, description = "the last name of this page, null on the last page") String next) {
    }

    @GET
    @Operation(summary = "List the tenant's documents by name, paginated (reader)")
    @APIResponse(responseCode = "200", description = "A page of document names", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = DocList.class)))
    public DocList list(@PathParam("tenant") String tenant,
                        @QueryParam("startAfter") @Schema(description = "a document name; the page starts after it") String startAfter,
                        @QueryParam("limit") @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "1000", defaultValue = "1000") String limitParam) {
        Names.name("tenant", tenant);
        access.require(tenant, Role.READER);
        int limit = DocumentsResource.limit(limitParam);
        List<String> names = documents.docs(tenant).stream().filter(d -> startAfter == null || d.compareTo(startAfter) > 0).toList();
        if (names.size() > limit) {
            List<String> page = names.subList(0, limit);
            return new DocList(List.copyOf(page), page.get(limit - 1));
        }
        return new DocList(names, null);
    }
}
