package dev.meldtown.sync.service;

import dev.meldtown.events.Payloads;
import dev.meldtown.model.InvalidNameException;
import dev.meldtown.model.Name;
import dev.meldtown.service.Access;
import dev.meldtown.service.ProblemException;
import dev.meldtown.service.Role;
import dev.meldtown.sync.federation.SyncStatus;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponses;
import org.jboss.logging.Logger;

/** contracts §2.2: towns, peers, fetch/pull/push/sync/status and federations of one tenant. */
@Path("/v1/tenants/{tenant}")
@Produces(MediaType.APPLICATION_JSON)
public class SyncResource {
    private static final Logger LOG = Logger.getLogger(SyncResource.class);

    @Inject
    FederationService service;

    @Inject
    Access access;

    @APIResponses({
            @APIResponse(responseCode = "200", description = "The town as stored (never its password)",
                    content = @Content(mediaType = "application/json", schema = @Schema(implementation = Model.TownView.class)))
    })
    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @Path("/towns/{town}")
    public Model.TownView putTown(@PathParam("tenant") String tenant, @PathParam("town") String town, Model.TownRequest body) {
        check(tenant, Role.ADMIN);
        return service.putTown(tenant, town, body);
    }

    @APIResponses({
            @APIResponse(responseCode = "200", description = "The tenant's towns",
                    content = @Content(mediaType = "application/json", schema = @Schema(implementation = Model.TownView.class, type = SchemaType.ARRAY))),
            @APIResponse(ref = "NotFound")
    })
    @GET
    @Path("/towns")
    public List<Model.TownView> towns(@PathParam("tenant") String tenant) {
        check(tenant, Role.READER);
        return service.towns(tenant);
    }

    @APIResponses({
            @APIResponse(responseCode = "200", description = "The town",
                    content = @Content(mediaType = "application/json", schema = @Schema(implementation = Model.TownView.class))),
            @APIResponse(ref = "NotFound")
    })
    @GET
    @Path("/towns/{town}")
    public Model.TownView town(@PathParam("tenant") String tenant, @PathParam("town") String town) {
        check(tenant, Role.READER);
        return service.town(tenant, town);
    }

    @APIResponses({
            @APIResponse(responseCode = "204", description = "Everything the service kept of the tenant is removed (also when there was nothing)")
    })
    @DELETE
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Delete the tenant: its towns, peers, credentials, federations and ledger (admin)")
    public Response deleteTenant(@PathParam("tenant") String tenant) {
        check(tenant, Role.ADMIN);
        long removed = service.deleteTenant(tenant);
        LOG.infof("tenant %s deleted: %d registry objects removed", tenant, removed);
        return Response.noContent().build();
    }

    @APIResponses({
            @APIResponse(responseCode = "204", description = "Deleted"),
            @APIResponse(ref = "NotFound")
    })
    @DELETE
    @Path("/towns/{town}")
    public Response deleteTown(@PathParam("tenant") String tenant, @PathParam("town") String town) {
        check(tenant, Role.ADMIN);
        service.deleteTown(tenant, town);
        return Response.noContent().build();
    }

    @APIResponses({
            @APIResponse(responseCode = "200", description = "The peer, now a Dolt remote of the town",
                    content = @Content(mediaType = "application/json", schema = @Schema(implementation = Model.PeerView.class))),
            @APIResponse(ref = "NotFound"),
            @APIResponse(ref = "Conflict")
    })
    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @Path("/towns/{town}/peers/{peer}")
    public Model.PeerView putPeer(@PathParam("tenant") String tenant, @PathParam("town") String town,
                                  @PathParam("peer") String peer, Model.PeerRequest body) {
        check(tenant, Role.ADMIN);
        return service.putPeer(tenant, town, peer, body);
    }

    @APIResponses({
            @APIResponse(responseCode = "200", description = "The town's Dolt remotes with the users presented to them",
                    content = @Content(mediaType = "application/json", schema = @Schema(implementation = Model.PeerView.class, type = SchemaType.ARRAY))),
            @APIResponse(ref = "NotFound")
    })
    @GET
    @Path("/towns/{town}/peers")
    public List<Model.PeerView> peers(@PathParam("tenant") String tenant, @PathParam("town") String town) {
        check(tenant, Role.READER);
        return service.peers(tenant, town);
    }

    @APIResponses({
            @APIResponse(responseCode = "204", description = "Removed"),
            @APIResponse(ref = "NotFound")
    })
    @DELETE
    @Path("/towns/{town}/peers/{peer}")
    public Response deletePeer(@PathParam("tenant") String tenant, @PathParam("town") String town, @PathParam("peer") String peer) {
        check(tenant, Role.ADMIN);
        service.deletePeer(tenant, town, peer);
        return Response.noContent().build();
    }

    @APIResponses({
            @APIResponse(responseCode = "200", description = "The result; a failed transfer is reported in error",
                    content = @Content(mediaType = "application/json", schema = @Schema(implementation = ApiSchemas.SyncResult.class))),
            @APIResponse(ref = "NotFound")
    })
    @POST
    @Path("/towns/{town}/peers/{peer}/fetch")
    public Payloads.SyncResult fetch(@PathParam("tenant") String tenant, @PathParam("town") String town, @PathParam("peer") String peer) {
        check(tenant, Role.WRITER);
        return service.run(tenant, town, peer, FederationService.Operation.FETCH, null, null);
    }

    @APIResponses({
            @APIResponse(responseCode = "200", description = "The result; a failed transfer or merge is reported in error",
                    content = @Content(mediaType = "application/json", schema = @Schema(implementation = ApiSchemas.SyncResult.class))),
            @APIResponse(ref = "NotFound")
    })
    @POST
    @Path("/towns/{town}/peers/{peer}/pull")
    public Payloads.SyncResult pull(@PathParam("tenant") String tenant, @PathParam("town") String town, @PathParam("peer") String peer,
                                    Model.StrategyRequest body) {
        check(tenant, Role.WRITER);
        return service.run(tenant, town, peer, FederationService.Operation.PULL, body == null ? null : body.strategy(), null);
    }

    @APIResponses({
            @APIResponse(responseCode = "200", description = "The result; a rejected push is reported in error",
                    content = @Content(mediaType = "application/json", schema = @Schema(implementation = ApiSchemas.SyncResult.class))),
            @APIResponse(ref = "NotFound")
    })
    @POST
    @Path("/towns/{town}/peers/{peer}/push")
    public Payloads.SyncResult push(@PathParam("tenant") String tenant, @PathParam("town") String town, @PathParam("peer") String peer) {
        check(tenant, Role.WRITER);
        return service.run(tenant, town, peer, FederationService.Operation.PUSH, null, null);
    }

    @APIResponses({
            @APIResponse(responseCode = "200", description = "The result (errors are reported in error and pushError)",
                    content = @Content(mediaType = "application/json", schema = @Schema(implementation = ApiSchemas.SyncResult.class))),
            @APIResponse(responseCode = "202", description = "async=true: accepted; the result comes as a sync.completed event with this requestId",
                    content = @Content(mediaType = "application/json", schema = @Schema(implementation = ApiSchemas.Accepted.class))),
            @APIResponse(ref = "NotFound")
    })
    @POST
    @Path("/towns/{town}/peers/{peer}/sync")
    public Response sync(@PathParam("tenant") String tenant, @PathParam("town") String town, @PathParam("peer") String peer,
                         @QueryParam("async") String asyncParam, Model.StrategyRequest body) {
        check(tenant, Role.WRITER);
        boolean async = flag("async", asyncParam);
        String strategy = body == null ? null : body.strategy();
        if (async) {
            return Response.accepted(new ApiSchemas.Accepted(service.requestSync(tenant, town, peer, strategy))).build();
        }
        return Response.ok(service.run(tenant, town, peer, FederationService.Operation.SYNC, strategy, UUID.randomUUID().toString())).build();
    }

    @APIResponses({
            @APIResponse(responseCode = "200", description = "The pair's status; never fetches",
                    content = @Content(mediaType = "application/json", schema = @Schema(implementation = ApiSchemas.SyncStatus.class))),
            @APIResponse(ref = "NotFound")
    })
    @GET
    @Path("/towns/{town}/peers/{peer}/status")
    public SyncStatus status(@PathParam("tenant") String tenant, @PathParam("town") String town, @PathParam("peer") String peer) {
        check(tenant, Role.READER);
        return service.status(tenant, town, peer);
    }

    @APIResponses({
            @APIResponse(responseCode = "200", description = "The federation as stored",
                    content = @Content(mediaType = "application/json", schema = @Schema(implementation = Model.FederationView.class))),
            @APIResponse(ref = "NotFound")
    })
    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @Path("/federations/{name}")
    public Model.FederationView putFederation(@PathParam("tenant") String tenant, @PathParam("name") String name,
                                              Model.FederationRequest body) {
        check(tenant, Role.ADMIN);
        return service.putFederation(tenant, name, body);
    }

    @APIResponses({
            @APIResponse(responseCode = "200", description = "The tenant's federations, by name",
                    content = @Content(mediaType = "application/json", schema = @Schema(implementation = Model.FederationView.class, type = SchemaType.ARRAY))),
            @APIResponse(ref = "NotFound")
    })
    @GET
    @Path("/federations")
    public List<Model.FederationView> federations(@PathParam("tenant") String tenant) {
        check(tenant, Role.READER);
        return service.federations(tenant);
    }

    @APIResponses({
            @APIResponse(responseCode = "200", description = "The federation",
                    content = @Content(mediaType = "application/json", schema = @Schema(implementation = Model.FederationView.class))),
            @APIResponse(ref = "NotFound")
    })
    @GET
    @Path("/federations/{name}")
    public Model.FederationView federation(@PathParam("tenant") String tenant, @PathParam("name") String name) {
        check(tenant, Role.READER);
        return service.federationOf(tenant, name);
    }

    @APIResponses({
            @APIResponse(responseCode = "204", description = "Deleted"),
            @APIResponse(ref = "NotFound")
    })
    @DELETE
    @Path("/federations/{name}")
    public Response deleteFederation(@PathParam("tenant") String tenant, @PathParam("name") String name) {
        check(tenant, Role.ADMIN);
        service.deleteFederation(tenant, name);
        return Response.noContent().build();
    }

    @APIResponses({
            @APIResponse(responseCode = "200", description = "One result per sync of the round",
                    content = @Content(mediaType = "application/json", schema = @Schema(implementation = ApiSchemas.SyncResult.class, type = SchemaType.ARRAY))),
            @APIResponse(ref = "NotFound"),
            @APIResponse(ref = "Conflict")
    })
    @POST
    @Path("/federations/{name}/sync")
    public List<Payloads.SyncResult> round(@PathParam("tenant") String tenant, @PathParam("name") String name) {
        check(tenant, Role.WRITER);
        return service.round(tenant, name);
    }

    /** A boolean query parameter: absent is false; anything but true/false is 400 (not JAX-RS's 404). */
    private static boolean flag(String name, String value) {
        if (value == null || value.isEmpty()) {
            return false;
        }
        if (value.equals("true") || value.equals("false")) {
            return Boolean.parseBoolean(value);
        }
        throw new ProblemException(400, "bad-request", "Bad Request", "query parameter " + name + " must be true or false");
    }

    /**
     * Contracts §2, in block-store-service's order: the tenant name (400), then the caller (401/403); every other
     * name is validated by the service afterwards.
     */
    private String check(String tenant, Role role) {
        return authorize(access, tenant, role);
    }

    /** {@link #check} for the other resources of this API. */
    static String authorize(Access access, String tenant, Role role) {
        try {
            Name.of("tenant name", tenant);
        } catch (InvalidNameException e) {
            throw new ProblemException(400, "invalid-name", "Invalid name", e.getMessage());
        }
        return access.require(tenant, role);
    }
}
