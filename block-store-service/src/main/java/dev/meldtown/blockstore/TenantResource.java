package dev.meldtown.blockstore;

import dev.meldtown.blockstore.internal.Names;
import dev.meldtown.blockstore.internal.ScopeDeletions;
import dev.meldtown.model.Scope;
import dev.meldtown.service.Access;
import dev.meldtown.service.Role;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code DELETE /v1/tenants/{tenant}}: the tenant's documents, replicas and everything the services keep of them (issue 14). */
@Path("/v1/tenants/{tenant}")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "documents")
public class TenantResource {
    @Inject
    Access access;

    @Inject
    ScopeDeletions deletions;

    @DELETE
    @Operation(summary = "Delete the tenant: every document and replica (admin): 202 at once, objects are removed in the background")
    @APIResponse(responseCode = "202", description = "Accepted (or already deleted: its state)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = DocumentsResource.Deletion.class)))
    public Response delete(@PathParam("tenant") String tenant) {
        Names.name("tenant", tenant);
        String caller = access.require(tenant, Role.ADMIN);
        return Response.accepted(DocumentsResource.Deletion.of(deletions.request(Scope.tenant(tenant), caller))).build();
    }
}
